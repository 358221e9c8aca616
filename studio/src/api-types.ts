// Generated from api/openapi.json by `node studio/build.mjs --types`; do not edit by hand.

export interface paths {
    "/api/admin/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Operator metrics across users over a window: jobs by status, generation success by provider, diversity, coverage, standout rate. 404 while the deployment has no admin token. */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new user and their first token. 404 while the deployment has no admin token. */
        post: operations["createUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/analytics/coverage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Coverage of the user's picks over the last 30 days. */
        get: operations["getCoverageSummary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/analytics/evolution": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The share of each attribute value in the user's picks, week by week over 90 days. */
        get: operations["getStyleEvolution"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/analytics/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The last 7 days of feedback. */
        get: operations["getFeedbackSummary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/analytics/recommendations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recommendations for the next briefs, each with its evidence. */
        get: operations["getRecommendations"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/analytics/standouts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Standout rates by attribute value. */
        get: operations["getStandouts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/analytics/styles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The user's style profiles (clusters) and how they perform: mean rating, standout rate. */
        get: operations["getStyleProfiles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/brief": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reads a brief as a job would, without starting one: the values asked for and ruled out, the count, the words not understood, the warnings. */
        post: operations["readBrief"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/clusters/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The job's style clusters: K with its silhouette against the other candidates, each cluster's name, size and dominant attributes. */
        get: operations["getClusters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/coverage/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The chosen set's coverage of the taxonomy by category, the gaps, and the boosts the user's next job will apply. */
        get: operations["getCoverage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/diversity/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The job's selection: each pick with its gain, novelty and quality, the near-duplicates left out, and the set's diversity. */
        get: operations["getDiversity"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The user's feedback, newest first. */
        get: operations["listFeedback"];
        put?: never;
        /** Rates, likes or dislikes, comments or tags one of the user's designs; a later call on the same image is a new revision. Learning is queued. */
        post: operations["createFeedback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/feedback/{image}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The user's feedback on one design, and the preference weights learning moved for its current revision. */
        get: operations["getFeedback"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/generation": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The user's jobs, newest first (at most 200). */
        get: operations["listGenerations"];
        put?: never;
        /** Starts a job: the brief is parsed and planned, and its variants are queued for generation. */
        post: operations["createGeneration"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/generation/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A job's status, each stage's progress, each variant's outcome and, once chosen, the designs with why each was picked. */
        get: operations["getGeneration"];
        put?: never;
        post?: never;
        /** Deletes a job with its images, embeddings, picks and feedback. Idempotent: again, it deletes nothing and says so. */
        delete: operations["deleteGeneration"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/generation/{id}/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every image the job has made so far, picked or not, with its prompt, negative prompt, model, seed, parameters, quality and the values it shows. */
        get: operations["listCandidates"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/generation/{id}/images/{image}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One generated image. */
        get: operations["getImage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/health-check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Whether the store, the platform's bindings, the functions behind the gateway and the configured providers answer. */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Deletes everything of the user: jobs, images, feedback, preferences, analytics rows and tokens. Idempotent. */
        delete: operations["deleteMe"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document. */
        get: operations["openapi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/providers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The image providers this deployment has, and their measured prompt adherence by category (what routing reads). */
        get: operations["listProviders"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The user's tokens (never the tokens themselves). */
        get: operations["listTokens"];
        put?: never;
        /** A new token for the user, with a label and an optional expiry; the answer is the only time the token is shown. */
        post: operations["createToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revokes one of the user's tokens; it is refused from the next request on. Idempotent. */
        delete: operations["revokeToken"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description `GET /api/admin/metrics`. */
        AdminMetrics: {
            metrics: components["schemas"]["Metrics"];
            /** Format: uint32 */
            window_days: number;
        };
        /** @description An error response: `{"status": 422, "code": "unprocessable", "message": "...", "field": "brief"}`. */
        ApiError: {
            /** @description Stable, machine-readable name of the error class. */
            code: string;
            /** @description Figures behind the error, when it has some (a budget's sums). */
            details?: unknown;
            /** @description The request field at fault, when there is one. */
            field?: string | null;
            /** @description What was wrong, for people. */
            message: string;
            /** Format: uint16 */
            status: number;
        };
        /** @description How often designs showing a value stood out, against the designer's usual rate. */
        AttributeRate: {
            /** @description The value. */
            attribute: components["schemas"]["AttributeValue"];
            /**
             * Format: double
             * @description Rate / the user's overall standout rate; `None` while they have no standout.
             */
            lift: number | null;
            /**
             * Format: uint32
             * @description Rated designs showing it.
             */
            ratings: number;
            /**
             * Format: double
             * @description `standouts / ratings`.
             */
            standout_rate: number;
            /**
             * Format: uint32
             * @description Standout designs showing it.
             */
            standouts: number;
        };
        /** @description One attribute value, e.g. category `fabric`, value `linen`. */
        AttributeValue: {
            category: string;
            value: string;
        };
        /** @description A designer's brief, read against the taxonomy. */
        Brief: {
            /** @description Values asked for, in order of first mention, each once. */
            attributes: components["schemas"]["Extracted"][];
            /**
             * Format: uint32
             * @description Number of designs asked for, within `MIN_COUNT..=MAX_COUNT`.
             */
            count: number | null;
            /** @description Values ruled out ("no florals"), in order of first mention, each once. */
            exclusions: components["schemas"]["Extracted"][];
            /**
             * @description Words the parser does not know, grouped into runs of adjacent words; the prompt stage may
             *     pass them on verbatim ("deep", "biker", "raincoat-inspired").
             */
            modifiers: components["schemas"]["Modifier"][];
            /** @description Things an API should show the designer: contradictions and corrected counts. */
            warnings: components["schemas"]["BriefWarning"][];
        };
        /** @description What the parser read in a brief, and how many designs a job of it would choose. */
        BriefPreview: {
            brief: components["schemas"]["Brief"];
            /**
             * Format: uint32
             * @description The brief's count of designs, else the default.
             */
            designs: number;
            /** @description The brief's warnings in words. */
            warnings: string[];
        };
        /**
         * @description `POST /api/brief`: a brief to read without starting a job (the studio shows what it understood
         *     while the designer types).
         */
        BriefRequest: {
            /** @description The designer's brief in plain words. */
            brief: string;
        };
        /** @description Something in a readable brief that the designer should know about. */
        BriefWarning: {
            a: components["schemas"]["AttributeValue"];
            b: components["schemas"]["AttributeValue"];
            /** @constant */
            kind: "contradiction";
            rule: string;
        } | {
            /** @constant */
            kind: "count_out_of_range";
            /** Format: uint32 */
            max: number;
            /** Format: uint32 */
            min: number;
            /** Format: uint64 */
            requested: number;
            /** Format: uint32 */
            used: number | null;
        } | {
            /** Format: uint64 */
            ignored: number;
            /** Format: uint32 */
            kept: number;
            /** @constant */
            kind: "conflicting_counts";
        };
        /** @description One generated image of a job. */
        Candidate: {
            /** Format: double */
            cost: number;
            /** @description The values the picture shows. */
            drawn: components["schemas"]["AttributeValue"][];
            image_id: string;
            image_url: string;
            model: string;
            negative_prompt: string;
            /** @description Generation parameters as the provider used them. */
            parameters: unknown;
            prompt: string;
            provider: components["schemas"]["Provider"];
            /** Format: double */
            quality: number;
            /** Format: uint64 */
            seed: number;
            /** Format: uint32 */
            variant: number;
        };
        /**
         * @description `GET /api/generation/{job}/images`: every image the job made so far, picked or not, in
         *     variant order, with what made it and what it shows.
         */
        CandidatesResponse: {
            images: components["schemas"]["Candidate"][];
            job_id: string;
        };
        /** @description One provider's adherence in one category. */
        CategoryAdherence: {
            /**
             * Format: double
             * @description `shown / images`.
             */
            adherence: number;
            category: string;
            /**
             * Format: uint32
             * @description Tagged images that asked for a value of the category.
             */
            images: number;
            provider: components["schemas"]["Provider"];
            /**
             * Format: uint32
             * @description Of those, the images whose tags show the value asked for.
             */
            shown: number;
        };
        /** @description Coverage and evenness of one category. */
        CategoryCoverage: {
            category: string;
            /**
             * Format: double
             * @description Weighted mean of the values' coverage, in `[0, 1]`.
             */
            coverage: number;
            /**
             * Format: uint
             * @description Number of those values with coverage 1.
             */
            covered_values: number;
            /**
             * Format: double
             * @description Normalised Shannon entropy of the observed counts, in `[0, 1]`.
             */
            evenness: number;
            /**
             * Format: uint
             * @description Number of targeted values in the category.
             */
            targeted_values: number;
        };
        /** @description One cluster (style) of a job. */
        ClusterSummary: {
            /** Format: uint32 */
            cluster: number;
            dominant: components["schemas"]["DominantAttribute"][];
            image_ids: string[];
            name: string;
            profile_id: string;
            /** Format: uint32 */
            size: number;
        };
        /** @description `GET /api/clusters/{job}`. */
        ClustersResponse: {
            /** @description Silhouette and inertia of every K tried. */
            candidates: components["schemas"]["KCandidate"][];
            clusters: components["schemas"]["ClusterSummary"][];
            job_id: string;
            /** Format: uint32 */
            k: number;
            /** Format: double */
            silhouette: number | null;
        };
        /** @description `coverage`: the picks' coverage, day by day. */
        CoverageData: {
            /** Format: uint32 */
            days: number;
            history: components["schemas"]["CoveragePoint"][];
        };
        /** @description A view's answer: which view, for whom, on which (UTC) day, and its data. */
        CoverageDataView: {
            data: components["schemas"]["CoverageData"];
            today: string;
            user_id: string;
            view: components["schemas"]["View"];
        };
        /** @description One day of coverage reports. */
        CoveragePoint: {
            /** @description The UTC day. */
            day: string;
            /**
             * Format: double
             * @description Their mean overall coverage, when there were any.
             */
            mean_overall: number | null;
            /**
             * Format: uint32
             * @description Coverage reports that day.
             */
            reports: number;
        };
        /** @description `GET /api/coverage/{job}`. */
        CoverageResponse: {
            categories: components["schemas"]["CategoryCoverage"][];
            gaps: components["schemas"]["GapSummary"][];
            job_id: string;
            /** Format: double */
            overall_evenness: number;
            /** Format: double */
            overall_score: number;
            /** Format: uint32 */
            set_size: number;
            /** @description Values the designs show that nothing targeted. */
            untargeted: components["schemas"]["UntargetedValue"][];
        };
        /** @description A token in the answer that creates it: the only time the token itself is shown. */
        CreatedToken: {
            created_at: string;
            expires_at: string | null;
            /** @description The token's public id: the first 16 hex digits of its SHA-256. */
            id: string;
            label: string;
            revoked_at: string | null;
            token: string;
        };
        /** @description `POST /api/admin/users`' answer. */
        CreatedUser: {
            created_at: string;
            expires_at: string | null;
            /** @description The token's public id: the first 16 hex digits of its SHA-256. */
            id: string;
            label: string;
            name: string;
            revoked_at: string | null;
            token: string;
            user_id: string;
        };
        /** @description One day's totals: the feedback summary and coverage history read these. */
        DailyTotals: {
            /**
             * Format: uint32
             * @description Coverage reports.
             */
            coverage_reports: number;
            /**
             * Format: double
             * @description The sum of their overall coverage.
             */
            coverage_sum: number;
            /** @description The UTC day. */
            day: string;
            /**
             * Format: uint32
             * @description Dislikes.
             */
            dislikes: number;
            /**
             * Format: uint32
             * @description Pieces of feedback.
             */
            feedback: number;
            /**
             * Format: uint32
             * @description Images generated.
             */
            images: number;
            /**
             * Format: uint32
             * @description Jobs created.
             */
            jobs: number;
            /**
             * Format: uint32
             * @description Likes.
             */
            likes: number;
            /**
             * Format: uint32
             * @description Designs picked.
             */
            picks: number;
            /**
             * Format: double
             * @description The sum of the ratings.
             */
            rating_sum: number;
            /**
             * Format: uint32
             * @description Of which with a rating.
             */
            ratings: number;
            /**
             * Format: uint32
             * @description Standouts.
             */
            standouts: number;
        };
        /** @description What a deletion removed: rows by table, and the images in the blob store. */
        Deleted: {
            /** Format: uint64 */
            blobs: number;
            job_id?: string | null;
            rows: {
                [key: string]: number;
            };
            user_id?: string | null;
        };
        /** @description One pick, as the diversity view shows it. */
        DiversityPick: {
            /** Format: uint32 */
            cluster: number;
            /** Format: double */
            gain: number;
            image_id: string;
            /** Format: double */
            novelty: number;
            /** Format: double */
            quality: number;
            /** Format: uint32 */
            rank: number;
            reason: components["schemas"]["PickReason"];
        };
        /** @description `GET /api/diversity/{job}`. */
        DiversityResponse: {
            /** Format: uint32 */
            candidates: number;
            cluster_cap_relaxed: boolean;
            /**
             * Format: uint32
             * @description Distinct clusters among the picks.
             */
            clusters_represented: number;
            job_id: string;
            /** Format: double */
            log_det_kernel: number;
            /** Format: double */
            log_det_similarity: number;
            /** Format: double */
            mean_pairwise_cosine_distance: number;
            /** Format: uint32 */
            picked: number;
            picks: components["schemas"]["DiversityPick"][];
            stop: components["schemas"]["StopReason"];
            suppressed: components["schemas"]["SuppressedImage"][];
            /** Format: uint32 */
            target: number;
            /** Format: double */
            theta: number;
        };
        /** @description How much of a cluster shows one value. */
        DominantAttribute: {
            category: string;
            /**
             * Format: uint32
             * @description Images of the cluster showing it.
             */
            count: number;
            /**
             * Format: double
             * @description `count / cluster size`.
             */
            share: number;
            value: string;
        };
        /** @description Every error's body. */
        Error: {
            /** @description The request's id, as in the X-Request-Id header. */
            request_id: string;
        } & components["schemas"]["ApiError"];
        /** @description `evolution`: the share of each value in the picks, week by week. */
        EvolutionData: {
            /** Format: uint32 */
            days: number;
            weeks: components["schemas"]["WeekShare"][];
        };
        /** @description A view's answer: which view, for whom, on which (UTC) day, and its data. */
        EvolutionDataView: {
            data: components["schemas"]["EvolutionData"];
            today: string;
            user_id: string;
            view: components["schemas"]["View"];
        };
        /** @description A value found in the brief. */
        Extracted: {
            attribute: components["schemas"]["AttributeValue"];
            /** @description The words of the brief that named the value, as written. */
            matched: string;
            /** @description Byte offsets `[start, end)` into the brief; `&brief[start..end] == matched`. */
            span: [
                number,
                number
            ];
        };
        /** @description `GET /api/feedback`. */
        FeedbackList: {
            feedback: components["schemas"]["FeedbackView"][];
        };
        /** @description `POST /api/feedback`: a rating, a like or dislike, or both, on one of the user's images. */
        FeedbackRequest: {
            /** @default null */
            comment?: string | null;
            image_id: string;
            /**
             * @description true: like, false: dislike.
             * @default null
             */
            liked?: boolean | null;
            /**
             * Format: int64
             * @description 1 to 5.
             * @default null
             */
            rating?: number | null;
            /**
             * @description Free words the designer files the design under ("resort", "for the client").
             * @default []
             */
            tags?: string[];
        };
        /**
         * @description `POST /api/feedback`'s answer: the feedback as stored, and whether learning was queued now or
         *     waits for the sweep.
         */
        FeedbackSubmitted: {
            feedback: components["schemas"]["FeedbackView"];
            learning: components["schemas"]["LearningState"];
        };
        /** @description The feedback of the last days at a glance. */
        FeedbackSummary: {
            /** @description The days of the window that have a rollup, oldest first. */
            by_day: components["schemas"]["DailyTotals"][];
            /**
             * Format: uint32
             * @description The window, in days, ending today.
             */
            days: number;
            /**
             * Format: uint32
             * @description Dislikes.
             */
            dislikes: number;
            /**
             * Format: uint32
             * @description Pieces of feedback.
             */
            feedback: number;
            /**
             * Format: uint32
             * @description Likes.
             */
            likes: number;
            /**
             * Format: double
             * @description Mean rating, when rated.
             */
            mean_rating: number | null;
            /**
             * Format: uint32
             * @description Ratings.
             */
            ratings: number;
            /**
             * Format: double
             * @description Standouts per rating, when rated.
             */
            standout_rate: number | null;
            /**
             * Format: uint32
             * @description Standouts.
             */
            standouts: number;
        };
        /** @description `feedback`: the last days' feedback. */
        FeedbackSummaryData: {
            summary: components["schemas"]["FeedbackSummary"];
        };
        /** @description A view's answer: which view, for whom, on which (UTC) day, and its data. */
        FeedbackSummaryDataView: {
            data: components["schemas"]["FeedbackSummaryData"];
            today: string;
            user_id: string;
            view: components["schemas"]["View"];
        };
        /** @description One piece of feedback (the answer of `POST /api/feedback` and an item of `GET /api/feedback`). */
        FeedbackView: {
            comment: string | null;
            created_at: components["schemas"]["Timestamp"];
            feedback_id: string;
            image_id: string;
            image_url: string;
            job_id: string;
            /** @description Whether learning has applied this revision yet. */
            learned: boolean;
            liked: boolean | null;
            /** Format: uint8 */
            rating: number | null;
            /** Format: uint32 */
            revision: number;
            standout: components["schemas"]["StandoutView"] | null;
            tags: string[];
            updated_at: components["schemas"]["Timestamp"];
        };
        /**
         * @description `GET /api/feedback/{image}`: the feedback, and what learning changed for its current
         *     revision (empty until learning has run).
         */
        FeedbackWithChanges: {
            /** @description The preference weights this revision moved, largest move first. */
            changes: components["schemas"]["WeightChange"][];
            comment: string | null;
            created_at: components["schemas"]["Timestamp"];
            feedback_id: string;
            image_id: string;
            image_url: string;
            job_id: string;
            /** @description Whether learning has applied this revision yet. */
            learned: boolean;
            liked: boolean | null;
            /** Format: uint8 */
            rating: number | null;
            /** Format: uint32 */
            revision: number;
            standout: components["schemas"]["StandoutView"] | null;
            tags: string[];
            updated_at: components["schemas"]["Timestamp"];
        };
        /** @description One gap, as the coverage view shows it. */
        GapSummary: {
            /**
             * Format: double
             * @description The boost the user's next plans give this value.
             */
            boost: number;
            category: string;
            /** Format: double */
            coverage: number;
            /** Format: uint32 */
            missing: number;
            /** Format: uint32 */
            rank: number;
            requested: boolean;
            severity: components["schemas"]["Severity"];
            /** Format: double */
            severity_score: number;
            value: string;
        };
        /** @description `POST /api/generation`. */
        GenerationRequest: {
            /** @description The designer's brief in plain words. */
            brief: string;
            /**
             * Format: uint32
             * @description Designs to select, 1 to 48; default: the number the brief asks for, else 12.
             * @default null
             */
            designs?: number | null;
            /**
             * Format: double
             * @description Variants generated per design, in [2, 3]; default 3.
             * @default null
             */
            over_generation?: number | null;
            /**
             * @description Image provider; default `"sketch"` (the offline renderer).
             * @default null
             */
            provider?: string | null;
            /**
             * @description Several image providers to spread the variants over, instead of `provider`; a provider
             *     that keeps failing hands its remaining variants to the next in this order.
             * @default null
             */
            providers?: string[] | null;
            /**
             * @description How the variants are spread over `providers`: `"adherence"` (default) gives each provider
             *     a share that follows how well it draws the brief's visible categories on this deployment
             *     ([`crate::adherence::route`]); `"even"` is round robin in the listed order.
             * @default null
             */
            routing?: string | null;
            /**
             * Format: double
             * @description Quality/diversity trade-off in [0, 1): 0 explores, towards 1 stays close to the brief's
             *     best-scoring designs; default 0.7.
             * @default null
             */
            theta?: number | null;
        };
        /** @description `GET /api/health-check`: `ok` when every check passed, else `degraded` (and 503). */
        Health: {
            /**
             * @description By name: the store, each binding of the platform, `services` (the functions behind the
             *     gateway) and `providers` (each configured image provider and embedding service, reported
             *     but not part of `status`): each `{"ok": bool, "error"?: string, "not_probed"?: string}`.
             */
            checks: {
                [key: string]: unknown;
            };
            status: components["schemas"]["HealthStatus"];
        };
        /** @enum {string} */
        HealthStatus: "ok" | "degraded";
        /**
         * @description Where a job is in the chain. It only moves forward, and every move is a guarded
         *     (conditional) update from one named status to the next, so that of two concurrent
         *     deliveries at most one moves it.
         *
         *     `generating → clustering → selecting → measuring → complete | partial`, and from any
         *     non-terminal status to `failed`.
         */
        JobStatus: "generating" | "clustering" | "selecting" | "measuring" | "complete" | "partial" | "failed";
        /** @description `GET /api/generation/{job}`. */
        JobStatusResponse: {
            brief: string;
            /**
             * Format: double
             * @description What the job may cost (USD), as accepted.
             */
            cost_estimate: number;
            created_at: components["schemas"]["Timestamp"];
            /** Format: uint32 */
            designs: number;
            error: string | null;
            job_id: string;
            /** Format: double */
            over_generation: number;
            /** @description Generate, embed, cluster, select, coverage, in chain order. */
            progress: components["schemas"]["StageProgress"][];
            provider: components["schemas"]["Provider"];
            /** @description Every provider the variants are spread over. */
            providers: components["schemas"]["Provider"][];
            /** @description The picks in rank order, once selection ran. */
            selected: components["schemas"]["SelectedDesign"][];
            status: components["schemas"]["JobStatus"];
            /** Format: double */
            theta: number;
            updated_at: components["schemas"]["Timestamp"];
            /** @description The variants that failed or moved to another provider, with why. */
            variant_reports: components["schemas"]["VariantReport"][];
            warnings: string[];
        };
        /** @description One job in the user's history (`GET /api/generation`). */
        JobSummary: {
            brief: string;
            created_at: string;
            /** Format: uint32 */
            designs: number;
            job_id: string;
            /** @description The first provider of the job. */
            provider: string;
            /** @description The values the brief asked for. */
            requested: components["schemas"]["AttributeValue"][];
            status: components["schemas"]["JobStatus"];
        };
        /** @description `GET /api/generation`: the user's jobs, newest first. */
        Jobs: {
            jobs: components["schemas"]["JobSummary"][];
        };
        /** @description The figures of one K, for plotting the elbow and the silhouette curve. */
        KCandidate: {
            /** Format: double */
            inertia: number;
            /** Format: uint */
            k: number;
            /** Format: uint */
            n_iterations: number;
            /**
             * Format: double
             * @description `None` when the (sampled) labels held a single cluster, so the silhouette is undefined.
             */
            silhouette: number | null;
        };
        /** @enum {string} */
        LearningState: "queued" | "delayed";
        /** @description A mean over the window's jobs (`None` without any). */
        MeanOf: {
            /** Format: uint64 */
            jobs: number;
            /** Format: double */
            mean: number | null;
        };
        /** @description `GET /api/admin/metrics`: figures across users over a window. */
        Metrics: {
            /** @description The coverage reports' mean overall score. */
            coverage: components["schemas"]["MeanOf"];
            /** @description The DPP selections' mean pairwise cosine distance. */
            diversity: components["schemas"]["MeanOf"];
            /** Format: uint64 */
            feedback: number;
            /** @description Jobs created in the window, by status. */
            jobs: {
                [key: string]: number;
            };
            /** @description Generation by provider (variants of the window's finished jobs). */
            providers: components["schemas"]["ProviderMetrics"][];
            since: string;
            /**
             * Format: double
             * @description Standouts per piece of feedback (user satisfaction).
             */
            standout_rate: number;
            /** Format: uint64 */
            standouts: number;
        };
        /** @description A run of words the parser does not know. */
        Modifier: {
            /** @description Byte offsets `[start, end)` into the brief. */
            span: [
                number,
                number
            ];
            /** @description The words as written. */
            text: string;
        };
        /** @description `POST /api/tokens`. */
        NewToken: {
            /**
             * @description An RFC 3339 time, after now and within ten years; none: the token does not expire.
             * @default null
             */
            expires_at?: string | null;
            /** @description 1 to 100 characters, no control characters. */
            label: string;
        };
        /** @description `POST /api/admin/users`. */
        NewUser: {
            /**
             * @description The first token's expiry (RFC 3339).
             * @default null
             */
            expires_at?: string | null;
            /**
             * @description The first token's label.
             * @default null
             */
            label?: string | null;
            /** @description 1 to 100 characters, no control characters. */
            name: string;
        };
        /** @description Why a candidate was picked. */
        PickReason: "quality" | "novelty";
        /** @description How one style profile performs for the designer. */
        ProfilePerformance: {
            /**
             * Format: uint32
             * @description Designs generated in it.
             */
            generations: number;
            /**
             * Format: double
             * @description Mean rating, when rated.
             */
            mean_rating: number | null;
            /** @description Its readable name (the id when none is known). */
            name: string;
            /** @description The style profile. */
            profile_id: string;
            /**
             * Format: uint32
             * @description Rated designs.
             */
            ratings: number;
            /**
             * Format: double
             * @description Standouts per rating, when rated.
             */
            standout_rate: number | null;
            /**
             * Format: uint32
             * @description Standout designs.
             */
            standouts: number;
        };
        /**
         * @description Image providers the product knows. Only [`Provider::Sketch`] (the offline renderer) needs
         *     no account; the others are selected by configuration and secrets when a deployment has them.
         */
        Provider: ("openai" | "stability" | "replicate" | "workers-ai") | "sketch" | "flaky-sketch";
        /** @description One provider's generation figures. */
        ProviderMetrics: {
            /** Format: uint64 */
            failed: number;
            provider: string;
            /**
             * Format: double
             * @description Variants drawn of those asked for.
             */
            success_rate: number;
            /** Format: uint64 */
            variants: number;
        };
        /** @description One provider's standing in a job's routing. */
        ProviderShare: {
            /**
             * Format: double
             * @description Its estimated adherence on the brief's visible categories (smoothed: `(shown + 1) /
             *     (images + 2)` per category, averaged), 0.5 without measurements.
             */
            adherence: number;
            /**
             * Format: uint32
             * @description Tagged images the estimate rests on (summed over the categories).
             */
            images: number;
            provider: components["schemas"]["Provider"];
            /**
             * Format: uint32
             * @description Variants given to the provider.
             */
            variants: number;
        };
        /** @description `GET /api/providers`. */
        ProvidersResponse: {
            /** @description By provider, then category; only categories a tagged image asked for. */
            adherence: components["schemas"]["CategoryAdherence"][];
            /** @description The providers a request may name on this deployment. */
            providers: components["schemas"]["Provider"][];
            /**
             * Format: uint32
             * @description How many of the most recent tagged images the figures are read from.
             */
            sampled_images: number;
        };
        /** @description One recommendation, readable and with the numbers behind it. */
        Recommendation: {
            /** @description The numbers it rests on, by name. */
            evidence: unknown;
            /** @description What it asks. */
            kind: components["schemas"]["RecommendationKind"];
            /** @description One short sentence for the designer. */
            message: string;
        };
        /** @description What a recommendation asks of the designer. */
        RecommendationKind: "try_more" | "try_less" | "never_covered" | "drift";
        /** @description `recommendations`: what to try next, each with its evidence. */
        RecommendationsData: {
            recommendations: components["schemas"]["Recommendation"][];
        };
        /** @description A view's answer: which view, for whom, on which (UTC) day, and its data. */
        RecommendationsDataView: {
            data: components["schemas"]["RecommendationsData"];
            today: string;
            user_id: string;
            view: components["schemas"]["View"];
        };
        /** @description A variant moved from a provider that kept failing to the job's next provider. */
        Reroute: {
            from: components["schemas"]["Provider"];
            reason: string;
            to: components["schemas"]["Provider"];
        };
        /** @description A job's routing: which provider draws each variant, and why. */
        Route: {
            /** @description The provider of each variant, by variant index. */
            assignment: components["schemas"]["Provider"][];
            /** @description The brief's visible categories the shares were measured on (none: an even spread). */
            categories: string[];
            mode: components["schemas"]["RoutingMode"];
            /** @description In the request's order. */
            shares: components["schemas"]["ProviderShare"][];
        };
        /** @description How a job's variants were spread over its providers. */
        RoutingMode: "adherence" | "even";
        /** @description One selected design as the designer sees it. */
        SelectedDesign: {
            /** @description The values the picture shows. */
            attributes: components["schemas"]["AttributeValue"][];
            /** Format: uint32 */
            cluster: number;
            /**
             * Format: double
             * @description What the image cost (USD).
             */
            cost: number | null;
            /**
             * Format: double
             * @description Log-determinant gain of the pick.
             */
            gain: number;
            image_id: string;
            image_url: string;
            model: string | null;
            /** @description What the prompt asked the model to avoid. */
            negative_prompt: string | null;
            /** Format: double */
            novelty: number;
            /** @description Generation parameters as the provider used them. */
            parameters: unknown;
            prompt: string | null;
            /** @description The provider that made the image. */
            provider: components["schemas"]["Provider"] | null;
            /** Format: double */
            quality: number;
            /** Format: uint32 */
            rank: number;
            /** @description Why the DPP picked it: `quality`, or `novelty` over a higher-quality candidate. */
            reason: components["schemas"]["PickReason"];
            /** Format: uint64 */
            seed: number | null;
            /** @description The readable name of its cluster's style. */
            style: string | null;
        };
        /**
         * @description How badly a value is under-covered; ordered from `Low` to `Critical`.
         * @enum {string}
         */
        Severity: "low" | "medium" | "high" | "critical";
        /**
         * @description A stage of the chain, as progress reports it.
         * @enum {string}
         */
        Stage: "generate" | "embed" | "cluster" | "select" | "coverage";
        /** @description How far one stage is: `done` of `total` (and `failed` of them, for generation). */
        StageProgress: {
            /** Format: uint32 */
            done: number;
            /** Format: uint32 */
            failed: number;
            stage: components["schemas"]["Stage"];
            /** Format: uint32 */
            total: number;
        };
        /** @description Which rule made a design a standout, so the designer can be told why. */
        StandoutRule: "high_rating_and_quality" | "far_above_usual";
        /** @description Why a design is a standout, as the API shows it. */
        StandoutView: {
            /** Format: double */
            confidence: number;
            rule: components["schemas"]["StandoutRule"];
            /** Format: double */
            z?: number | null;
        };
        /** @description `standouts`: the user's ratings, standouts, and standout rate by value. */
        StandoutsData: {
            attributes: components["schemas"]["AttributeRate"][];
            /** Format: uint32 */
            ratings: number;
            /** Format: double */
            standout_rate: number | null;
            /** Format: uint32 */
            standouts: number;
        };
        /** @description A view's answer: which view, for whom, on which (UTC) day, and its data. */
        StandoutsDataView: {
            data: components["schemas"]["StandoutsData"];
            today: string;
            user_id: string;
            view: components["schemas"]["View"];
        };
        /** @description Why the selection stopped. */
        StopReason: ("target_reached" | "no_candidates_left") | "gain_below_epsilon";
        /** @description `styles`: each style profile's performance. */
        StylesData: {
            styles: components["schemas"]["ProfilePerformance"][];
        };
        /** @description A view's answer: which view, for whom, on which (UTC) day, and its data. */
        StylesDataView: {
            data: components["schemas"]["StylesData"];
            today: string;
            user_id: string;
            view: components["schemas"]["View"];
        };
        /** @description `202 Accepted` for `POST /api/generation`. */
        SubmitResponse: {
            /** @description False when the job id already existed (a retried submission): nothing new was started. */
            created: boolean;
            /** Format: uint32 */
            designs: number;
            job_id: string;
            /**
             * @description How the variants were spread over the providers, and why (absent on a retried
             *     submission: the stored plan stands).
             */
            routing?: components["schemas"]["Route"] | null;
            status: components["schemas"]["JobStatus"];
            /** @description Where to poll. */
            status_url: string;
            /**
             * Format: uint32
             * @description Images that will be generated (over-generation).
             */
            variants: number;
            /** @description Brief and plan warnings. */
            warnings: string[];
        };
        /** @description A candidate dropped as a near-duplicate of a pick. */
        SuppressedImage: {
            /** Format: double */
            cosine: number;
            duplicate_of: string;
            image_id: string;
        };
        /** @description An instant as RFC 3339 text (`2025-09-01T03:00:00.000Z`), checked for shape once when it is built. */
        Timestamp: string;
        /** @description A bearer token as its user sees it (never the token, never its hash). */
        TokenInfo: {
            created_at: string;
            expires_at: string | null;
            /** @description The token's public id: the first 16 hex digits of its SHA-256. */
            id: string;
            label: string;
            revoked_at: string | null;
        };
        /** @description `GET /api/tokens`. */
        Tokens: {
            tokens: components["schemas"]["TokenInfo"][];
        };
        /** @description An observed value that matches no target. */
        UntargetedValue: {
            category: string;
            /**
             * Format: uint
             * @description Number of images showing the value.
             */
            count: number;
            value: string;
        };
        /** @description How much of a week's picks showed a value. */
        ValueShare: {
            /** @description The value. */
            attribute: components["schemas"]["AttributeValue"];
            /**
             * Format: uint32
             * @description Picks showing it.
             */
            picks: number;
            /**
             * Format: double
             * @description Share of that week's picks showing the value.
             */
            share: number;
        };
        /**
         * @description A variant that failed (its reason: `moderated: ...` when a provider refused the content) or
         *     moved to another provider.
         */
        VariantReport: {
            error: string | null;
            image_id: string;
            /** @description The provider asked last. */
            provider: components["schemas"]["Provider"];
            reroutes: components["schemas"]["Reroute"][];
            status: components["schemas"]["VariantStatus"];
            /** Format: uint32 */
            variant: number;
        };
        /**
         * @description Where one variant is: `planned → generated → embedded`, or `failed` from `planned` or
         *     `generated`. `embedded` and `failed` are terminal; the fan-in waits for every variant of a
         *     job to be terminal.
         */
        VariantStatus: "planned" | "generated" | "embedded" | "failed";
        /** @description The analytics views, `GET /api/analytics/<name>`. */
        View: "evolution" | "styles" | "standouts" | "feedback" | "coverage" | "recommendations";
        /** @description One week of picks. */
        WeekShare: {
            /**
             * Format: uint32
             * @description Designs picked that week (in the window).
             */
            picks: number;
            /** @description One entry per value shown by at least one pick, sorted by attribute. */
            shares: components["schemas"]["ValueShare"][];
            /** @description The week's Monday, `"YYYY-MM-DD"`. */
            week: string;
        };
        /** @description A preference weight learning moved for a piece of feedback. */
        WeightChange: {
            category: string;
            value: string;
            /** Format: double */
            weight_after: number;
            /**
             * Format: double
             * @description The value's sampling-weight multiplier before and after this feedback was learned.
             */
            weight_before: number;
        };
    };
    responses: {
        /** @description The body is not the expected JSON (syntax, types, unknown fields). */
        BadRequest: {
            headers: {
                /** @description This request's id, also in the structured log record and in every error body. */
                "X-Request-Id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The job would pass the user's daily image budget; `details` has the figures. */
        BudgetExceeded: {
            headers: {
                /** @description This request's id, also in the structured log record and in every error body. */
                "X-Request-Id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The request conflicts with what exists (a reused id, too many live tokens). */
        Conflict: {
            headers: {
                /** @description This request's id, also in the structured log record and in every error body. */
                "X-Request-Id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Nothing of this user has this id (another user's data is a 404 too). */
        NotFound: {
            headers: {
                /** @description This request's id, also in the structured log record and in every error body. */
                "X-Request-Id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is larger than the API reads. */
        PayloadTooLarge: {
            headers: {
                /** @description This request's id, also in the structured log record and in every error body. */
                "X-Request-Id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description A rate limit or quota is reached; `Retry-After` says when to try again and `details` names the limit. Nothing was written. */
        TooManyRequests: {
            headers: {
                /** @description Seconds until the limit lets this request through. */
                "Retry-After": number;
                /** @description This request's id, also in the structured log record and in every error body. */
                "X-Request-Id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No valid bearer token (missing, unknown, expired or revoked). */
        Unauthorized: {
            headers: {
                /** @description This request's id, also in the structured log record and in every error body. */
                "X-Request-Id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Storage, a queue or a function behind the gateway is unavailable, or the deployment is misconfigured; try again later. */
        Unavailable: {
            headers: {
                /** @description This request's id, also in the structured log record and in every error body. */
                "X-Request-Id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Well-formed values that cannot be served; `field` names the one at fault. */
        Unprocessable: {
            headers: {
                /** @description This request's id, also in the structured log record and in every error body. */
                "X-Request-Id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getMetrics: {
        parameters: {
            query?: {
                /** @description The window in days (1 to 90; 7 when absent). */
                days?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminMetrics"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            422: components["responses"]["Unprocessable"];
            503: components["responses"]["Unavailable"];
        };
    };
    createUser: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewUser"];
            };
        };
        responses: {
            /** @description The user and their token (shown this once). */
            201: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedUser"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            422: components["responses"]["Unprocessable"];
            503: components["responses"]["Unavailable"];
        };
    };
    getCoverageSummary: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The view, from the daily rollups and the raw feedback of today. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CoverageDataView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    getStyleEvolution: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The view, from the daily rollups and the raw feedback of today. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EvolutionDataView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    getFeedbackSummary: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The view, from the daily rollups and the raw feedback of today. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeedbackSummaryDataView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    getRecommendations: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The view, from the daily rollups and the raw feedback of today. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecommendationsDataView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    getStandouts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The view, from the daily rollups and the raw feedback of today. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StandoutsDataView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    getStyleProfiles: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The view, from the daily rollups and the raw feedback of today. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StylesDataView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    readBrief: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BriefRequest"];
            };
        };
        responses: {
            /** @description What the brief says. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BriefPreview"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            422: components["responses"]["Unprocessable"];
            503: components["responses"]["Unavailable"];
        };
    };
    getClusters: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job id `POST /api/generation` answered. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The clustering. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClustersResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    getCoverage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job id `POST /api/generation` answered. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The coverage report. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CoverageResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    getDiversity: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job id `POST /api/generation` answered. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The selection. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DiversityResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    listFeedback: {
        parameters: {
            query?: {
                /** @description Only the feedback on this job's designs. */
                job_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The feedback. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeedbackList"];
                };
            };
            401: components["responses"]["Unauthorized"];
            422: components["responses"]["Unprocessable"];
            503: components["responses"]["Unavailable"];
        };
    };
    createFeedback: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FeedbackRequest"];
            };
        };
        responses: {
            /** @description A new revision of the feedback on this image. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeedbackSubmitted"];
                };
            };
            /** @description The first feedback on this image. */
            201: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeedbackSubmitted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            422: components["responses"]["Unprocessable"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getFeedback: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The image id. */
                image: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The feedback and what it changed. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeedbackWithChanges"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    listGenerations: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The jobs. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Jobs"];
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    createGeneration: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["GenerationRequest"];
            };
        };
        responses: {
            /** @description The job is planned and its images are being made; poll `status_url`. */
            202: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubmitResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            402: components["responses"]["BudgetExceeded"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            422: components["responses"]["Unprocessable"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getGeneration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job id `POST /api/generation` answered. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobStatusResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    deleteGeneration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job id `POST /api/generation` answered. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What was deleted, by table, and the images removed from the blob store. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deleted"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    listCandidates: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job id `POST /api/generation` answered. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The images, in variant order. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CandidatesResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    getImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job id `POST /api/generation` answered. */
                id: string;
                /** @description The image id, with or without `.png`. */
                image: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The PNG. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "image/png": string;
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Everything the pipeline needs answers. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description Something the pipeline needs does not answer; `checks` says what. */
            503: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    deleteMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What was deleted, by table, and the images removed from the blob store. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deleted"];
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    openapi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI 3.1 document of the API. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    listProviders: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The providers. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProvidersResponse"];
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    listTokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tokens. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tokens"];
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    createToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewToken"];
            };
        };
        responses: {
            /** @description The token. */
            201: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedToken"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            422: components["responses"]["Unprocessable"];
            503: components["responses"]["Unavailable"];
        };
    };
    revokeToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The token's public id (16 hex digits). */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The revoked token. */
            200: {
                headers: {
                    /** @description This request's id, also in the structured log record and in every error body. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenInfo"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
}
