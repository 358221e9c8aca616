//! Every SQL statement of the pipeline, in one place, for both dialects; parameters are always
//! bound (`?N`, rewritten to `$N` by Postgres connections), never formatted into the text. Tables
//! and columns: `migrations/` (SQLite: D1 and Spin) and `migrations/postgres/`. Column lists name
//! the fields of the rows in `bff_pipeline::ports`, which [`crate::rows`] reads back.
//!
//! A `&str` constant runs unchanged on SQLite and Postgres. A [`Sql`] pair is a statement where the
//! dialects differ; every difference is in this file. The schemas keep the statements alike:
//! integers are `BIGINT` on Postgres, timestamps RFC 3339 text and booleans 0/1 on both, JSON
//! columns `jsonb` on Postgres, bound from JSON text ([`crate::Param::Json`]) and read back as
//! JSON text by the connections.
//!
//! Idempotency shapes (see `bff_pipeline::ports::JobStore`): inserts of things named by
//! deterministic ids are `ON CONFLICT DO NOTHING`; whole-stage results are an upsert of the parent
//! row plus delete-then-insert of the children in one `batch`; status moves are conditional
//! UPDATEs from a named status; the fan-in is [`FAN_IN`], one conditional UPDATE.

use crate::connection::Dialect;

/// A statement whose text differs between the dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sql {
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

impl Sql {
    pub fn text(&self, dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Sqlite => self.sqlite,
            Dialect::Postgres => self.postgres,
        }
    }
}

// --- users and tokens ---

pub const INSERT_USER: &str =
    "INSERT INTO users (user_id, name, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (user_id) DO NOTHING";

pub const INSERT_TOKEN: &str =
    "INSERT INTO api_tokens (token_hash, user_id, label, created_at, expires_at) \
     VALUES (?1, ?2, ?3, ?4, ?5)";

/// The user of a token hash at `?2`, if the token is known, not revoked and not expired.
pub const USER_BY_TOKEN: &str = "SELECT t.user_id AS user_id FROM api_tokens t \
     JOIN users u ON u.user_id = t.user_id \
     WHERE t.token_hash = ?1 AND t.revoked_at IS NULL \
       AND (t.expires_at IS NULL OR t.expires_at > ?2)";

/// A token as its user sees it: the public id (the first 16 hex digits of the hash), never the
/// hash itself.
const TOKEN_COLUMNS: &str =
    "substr(token_hash, 1, 16) AS id, label, created_at, expires_at, revoked_at";

pub fn select_tokens() -> String {
    format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ?1 \
         ORDER BY created_at, token_hash"
    )
}

pub fn select_token() -> String {
    format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens \
         WHERE user_id = ?1 AND substr(token_hash, 1, 16) = ?2"
    )
}

/// The user's tokens that still work at `?2`.
pub const LIVE_TOKENS: &str = "SELECT COUNT(*) AS n FROM api_tokens \
     WHERE user_id = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)";

/// Revokes the user's token `?2` at `?3`; a revoked token keeps its first revocation time.
pub const REVOKE_TOKEN: &str = "UPDATE api_tokens SET revoked_at = ?3 \
     WHERE user_id = ?1 AND substr(token_hash, 1, 16) = ?2 AND revoked_at IS NULL";

// --- deleting a job or a user ---

/// The tables of a job's rows, children before parents (outliers before the feedback they point
/// at): each loses the job's rows with `DELETE FROM <table> WHERE job_id = ?1 AND user_id = ?2`.
/// The learned preferences the job's feedback moved stay (they are the user's, not the job's);
/// the learning records of that feedback go first ([`DELETE_JOB_LEARNING_UPDATES`]).
pub const JOB_TABLES: [&str; 14] = [
    "outliers",
    "user_feedback",
    "dpp_picks",
    "dpp_selection_results",
    "attribute_gaps",
    "coverage_reports",
    "cluster_assignments",
    "style_profiles",
    "cluster_results",
    "image_embeddings",
    "generated_images",
    "variants",
    "dead_letters",
    "generation_jobs",
];

/// The tables of a user's rows beyond their jobs', `users` last (tokens point at it): each
/// loses the user's rows with `DELETE FROM <table> WHERE user_id = ?1`.
pub const USER_TABLES: [&str; 13] = [
    "learning_updates",
    "user_boosts",
    "user_preferences",
    "vlt_attribute_success",
    "style_profile_success",
    "user_analytics_state",
    "analytics_daily_totals",
    "analytics_daily_attributes",
    "analytics_daily_categories",
    "coverage_config",
    "rate_counters",
    "api_tokens",
    "users",
];

pub fn delete_job_rows(table: &str) -> String {
    format!("DELETE FROM {table} WHERE job_id = ?1 AND user_id = ?2")
}

pub fn delete_user_rows(table: &str) -> String {
    format!("DELETE FROM {table} WHERE user_id = ?1")
}

/// The learning records of the job's feedback.
pub const DELETE_JOB_LEARNING_UPDATES: &str = "DELETE FROM learning_updates \
     WHERE user_id = ?2 AND feedback_id IN \
       (SELECT feedback_id FROM user_feedback WHERE job_id = ?1 AND user_id = ?2)";

/// Pending durable-queue messages naming `?1` (`"job_id":"<job>"`) and `?2`
/// (`"user_id":"<user>"`) in their body: a deleted job's (or, with `?1` the user's text too, a
/// deleted user's) work that has not run yet. A substring test, not `LIKE`, since ids may hold
/// `_`.
pub const DELETE_QUEUED_MESSAGES: Sql = Sql {
    sqlite: "DELETE FROM queue_messages WHERE instr(body, ?1) > 0 AND instr(body, ?2) > 0",
    postgres: "DELETE FROM queue_messages WHERE strpos(body, ?1) > 0 AND strpos(body, ?2) > 0",
};

// --- operator metrics (across users, figures only) ---

/// Jobs created since `?1` by status.
pub const METRICS_JOBS: &str = "SELECT status, COUNT(*) AS n FROM generation_jobs \
     WHERE created_at >= ?1 GROUP BY status ORDER BY status";

/// The variants of finished jobs created since `?1`, by provider and status.
pub const METRICS_PROVIDERS: &str = "SELECT v.provider AS provider, v.status AS status, \
     COUNT(*) AS n FROM variants v JOIN generation_jobs g \
       ON g.job_id = v.job_id AND g.user_id = v.user_id \
     WHERE g.created_at >= ?1 AND g.status IN ('complete', 'partial', 'failed') \
     GROUP BY v.provider, v.status ORDER BY v.provider, v.status";

/// The selections made since `?1`: how many, and their mean diversity.
pub const METRICS_DIVERSITY: &str = "SELECT COUNT(*) AS jobs, \
     AVG(mean_pairwise_cosine_distance) AS mean FROM dpp_selection_results WHERE created_at >= ?1";

/// The coverage reports made since `?1`: how many, and their mean overall coverage.
pub const METRICS_COVERAGE: &str = "SELECT COUNT(*) AS jobs, AVG(overall_score) AS mean \
     FROM coverage_reports WHERE created_at >= ?1";

/// Feedback given since `?1` and the standouts among it.
pub const METRICS_SATISFACTION: &str = "SELECT \
     (SELECT COUNT(*) FROM user_feedback WHERE created_at >= ?1) AS feedback, \
     (SELECT COUNT(*) FROM outliers WHERE created_at >= ?1) AS standouts";

// --- rate limits ---

/// Counts `?4` against the user's counter `?2` of window `?3`, only while the count stays within
/// `?5`: one change when counted, none when it would pass the limit (then nothing is written).
/// One statement, so two requests at once cannot both take the last place (SQLite runs it
/// alone; on PostgreSQL the conflicting insert waits for the other's row and re-checks it). The
/// casts type the parameters Postgres would otherwise read as text in the `SELECT` list.
pub const COUNT_WITHIN_LIMIT: &str =
    "INSERT INTO rate_counters (user_id, name, window_start, count) \
     SELECT ?1, ?2, ?3, CAST(?4 AS BIGINT) WHERE CAST(?4 AS BIGINT) <= CAST(?5 AS BIGINT) \
     ON CONFLICT (user_id, name, window_start) \
     DO UPDATE SET count = rate_counters.count + excluded.count \
     WHERE rate_counters.count + excluded.count <= ?5";

/// Takes back `?4` of a count (a request refused by a later limit).
pub const UNCOUNT: &str = "UPDATE rate_counters SET count = count - ?4 \
     WHERE user_id = ?1 AND name = ?2 AND window_start = ?3 AND count >= ?4";

/// The user's unfinished jobs.
pub const ACTIVE_JOBS: &str = "SELECT COUNT(*) AS n FROM generation_jobs \
     WHERE user_id = ?1 AND status NOT IN ('complete', 'partial', 'failed')";

/// Windows that ended before `?1` (the sweep's cleanup, across users).
pub const DELETE_OLD_COUNTERS: &str = "DELETE FROM rate_counters WHERE window_start < ?1";

// --- boosts and preferences ---

pub const USER_BOOSTS: &str = "SELECT user_id, category, value, boost, source_job_id, updated_at \
     FROM user_boosts WHERE user_id = ?1 ORDER BY category, value";

pub const USER_PREFERENCES: &str = "SELECT user_id, category, value, alpha, beta, evidence, \
     weight, updated_at FROM user_preferences WHERE user_id = ?1 ORDER BY category, value";

pub const UPSERT_USER_BOOST: &str = "INSERT INTO user_boosts \
     (user_id, category, value, boost, source_job_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
     ON CONFLICT (user_id, category, value) DO UPDATE SET \
     boost = excluded.boost, source_job_id = excluded.source_job_id, updated_at = excluded.updated_at";

pub const DELETE_USER_BOOST: &str =
    "DELETE FROM user_boosts WHERE user_id = ?1 AND category = ?2 AND value = ?3";

// --- jobs ---

const JOB_COLUMNS: &str = "job_id, user_id, status, brief, designs, provider, providers, \
     cost_estimate, theta, \
     over_generation, seed, taxonomy_version, requested, excluded, modifiers, personalisation, \
     warnings, error, created_at, updated_at";

pub const INSERT_JOB: &str =
    "INSERT INTO generation_jobs (job_id, user_id, status, brief, designs, \
     provider, theta, over_generation, seed, taxonomy_version, requested, excluded, modifiers, \
     personalisation, warnings, error, created_at, updated_at, providers, cost_estimate) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, \
     ?20) \
     ON CONFLICT (job_id) DO NOTHING";

/// [`INSERT_JOB`] within the user's daily budget: the row is inserted only if the estimates of
/// the user's jobs created since `?21` (the budget's day start) plus this job's (`?20`) are at
/// most `?22` (the daily budget plus `bff_pipeline::budget::TOLERANCE_USD`). The sum and the
/// insert are one statement: on SQLite (D1, Spin's SQLite) that is atomic, as a statement that
/// writes holds the database's one write lock from before its read; on Postgres it is not (two
/// READ COMMITTED transactions can both read the old sum), so the transaction takes
/// [`lock_user_jobs`] first. `INSERT ... SELECT` rather than `VALUES`, for its `WHERE`; the casts
/// give Postgres the column types its `SELECT` list would otherwise read as text (on SQLite they
/// change nothing).
pub const INSERT_JOB_WITHIN_BUDGET: &str =
    "INSERT INTO generation_jobs (job_id, user_id, status, brief, designs, \
     provider, theta, over_generation, seed, taxonomy_version, requested, excluded, modifiers, \
     personalisation, warnings, error, created_at, updated_at, providers, cost_estimate) \
     SELECT ?1, ?2, ?3, ?4, CAST(?5 AS BIGINT), ?6, CAST(?7 AS DOUBLE PRECISION), \
     CAST(?8 AS DOUBLE PRECISION), ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, \
     CAST(?20 AS DOUBLE PRECISION) \
     WHERE (SELECT COALESCE(SUM(cost_estimate), 0) FROM generation_jobs \
            WHERE user_id = ?2 AND created_at >= ?21) \
           + CAST(?20 AS DOUBLE PRECISION) <= CAST(?22 AS DOUBLE PRECISION) \
     ON CONFLICT (job_id) DO NOTHING";

/// Serialises one user's budgeted job inserts on Postgres (`?1`: the user): the first statement
/// of the transaction of [`INSERT_JOB_WITHIN_BUDGET`], so that each such insert reads the sum
/// after the previous one committed (READ COMMITTED takes a new snapshot per statement). A
/// transaction-level advisory lock rather than a lock on the user's `users` row: it needs no row
/// (jobs do not reference `users`, so a user's jobs may exist without one) and it touches no
/// table, so the row-level security of `bff_app` has nothing to say about it and no `UPDATE`
/// grant or policy is involved (the functions are executable by PUBLIC); it is released at
/// COMMIT or ROLLBACK. The key is a 64-bit hash of the user id; users whose ids collide only
/// wait for each other. The store takes no other advisory lock. SQLite needs none: it has one
/// writer at a time.
pub fn lock_user_jobs(dialect: Dialect) -> Option<&'static str> {
    match dialect {
        Dialect::Sqlite => None,
        Dialect::Postgres => Some("SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))"),
    }
}

/// What learning changed for one revision of one piece of feedback, largest move first.
pub const LEARNING_CHANGES: &str = "SELECT category, value, weight_before, weight_after \
     FROM learning_updates WHERE user_id = ?1 AND feedback_id = ?2 AND revision = ?3 \
     ORDER BY ABS(weight_after - weight_before) DESC, category, value";

/// The user's jobs, newest first (the studio's history).
pub const USER_JOBS: &str =
    "SELECT job_id, status, brief, designs, provider, requested, created_at \
     FROM generation_jobs WHERE user_id = ?1 ORDER BY created_at DESC, job_id DESC LIMIT ?2";

pub fn select_job() -> String {
    format!("SELECT {JOB_COLUMNS} FROM generation_jobs WHERE job_id = ?1 AND user_id = ?2")
}

pub const ADVANCE_JOB: &str = "UPDATE generation_jobs SET status = ?4, updated_at = ?5 \
     WHERE job_id = ?1 AND user_id = ?2 AND status = ?3";

/// What the jobs a user started since `?2` may cost: the daily budget's spending.
pub const SPENT_SINCE: &str = "SELECT COALESCE(SUM(cost_estimate), 0) AS spent \
     FROM generation_jobs WHERE user_id = ?1 AND created_at >= ?2";

pub const FAIL_JOB: &str =
    "UPDATE generation_jobs SET status = 'failed', error = ?3, updated_at = ?4 \
     WHERE job_id = ?1 AND user_id = ?2 AND status NOT IN ('complete', 'partial', 'failed')";

pub const JOB_PROGRESS: &str = "SELECT status, COUNT(*) AS n FROM variants \
     WHERE job_id = ?1 AND user_id = ?2 GROUP BY status";

/// The fan-in: ONE conditional UPDATE, true (1 change) for exactly one caller per job.
pub const FAN_IN: &str = "UPDATE generation_jobs SET status = 'clustering', updated_at = ?3 \
     WHERE job_id = ?1 AND user_id = ?2 AND status = 'generating' \
       AND NOT EXISTS (SELECT 1 FROM variants \
                        WHERE job_id = ?1 AND user_id = ?2 \
                          AND status IN ('planned', 'generated'))";

// --- variants ---

const VARIANT_COLUMNS: &str =
    "job_id, user_id, variant, image_id, status, seed, provider, model, attributes, \
     prompt, boosts_applied, error, reroutes, created_at, updated_at";

/// A planned variant, inserted only if its job's row exists for the user: in the transaction of
/// a job the budget refused ([`INSERT_JOB_WITHIN_BUDGET`] inserted nothing) it writes nothing
/// either.
pub const INSERT_VARIANT: &str =
    "INSERT INTO variants (job_id, user_id, variant, image_id, status, \
     seed, model, attributes, prompt, boosts_applied, error, created_at, updated_at, provider, \
     reroutes) \
     SELECT ?1, ?2, CAST(?3 AS BIGINT), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15 \
     WHERE EXISTS (SELECT 1 FROM generation_jobs WHERE job_id = ?1 AND user_id = ?2) \
     ON CONFLICT (job_id, variant) DO NOTHING";

/// Moves a planned variant from provider `?4` to `?5` with its new reroute list `?6` (the read
/// list plus this move), model family `?8` and prompt `?9`: conditional on the provider read, so
/// a repeated move is a no-op.
pub const REROUTE_VARIANT: &str =
    "UPDATE variants SET provider = ?5, reroutes = ?6, updated_at = ?7, model = ?8, prompt = ?9 \
     WHERE job_id = ?1 AND user_id = ?2 AND variant = ?3 AND status = 'planned' AND provider = ?4";

pub fn select_variant() -> String {
    format!("SELECT {VARIANT_COLUMNS} FROM variants WHERE job_id = ?1 AND user_id = ?2 AND variant = ?3")
}

pub fn select_variants() -> String {
    format!("SELECT {VARIANT_COLUMNS} FROM variants WHERE job_id = ?1 AND user_id = ?2 ORDER BY variant")
}

pub const FAIL_VARIANT: &str =
    "UPDATE variants SET status = 'failed', error = ?4, updated_at = ?5 \
     WHERE job_id = ?1 AND user_id = ?2 AND variant = ?3 AND status IN ('planned', 'generated')";

/// Moves a variant from `?4` to `?5` (a no-op when it is elsewhere).
pub const MOVE_VARIANT: &str = "UPDATE variants SET status = ?5, updated_at = ?6 \
     WHERE job_id = ?1 AND user_id = ?2 AND variant = ?3 AND status = ?4";

// --- images ---

const IMAGE_COLUMNS: &str = "image_id, job_id, user_id, variant, prompt, negative_prompt, seed, \
     provider, model, parameters, requested, drawn, quality, blob_key, width, height, bytes, cost, tags, \
     created_at";

pub const INSERT_IMAGE: &str = "INSERT INTO generated_images (image_id, job_id, user_id, variant, \
     prompt, negative_prompt, seed, provider, model, parameters, requested, drawn, quality, blob_key, \
     width, height, bytes, created_at, cost) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) \
     ON CONFLICT (image_id) DO NOTHING";

/// The most recent images a zero-shot tagger read, across users (aggregate figures only).
pub const ADHERENCE_SAMPLES: &str = "SELECT provider, requested, tags FROM generated_images \
     WHERE tags <> '[]' ORDER BY created_at DESC LIMIT ?1";

/// A tagger's reading of an image: its drawn values, the tags with their scores, the quality.
pub const RETAG_IMAGE: &str = "UPDATE generated_images SET drawn = ?4, tags = ?5, quality = ?6 \
     WHERE job_id = ?1 AND user_id = ?2 AND image_id = ?3";

pub fn select_image() -> String {
    format!("SELECT {IMAGE_COLUMNS} FROM generated_images WHERE job_id = ?1 AND user_id = ?2 AND image_id = ?3")
}

/// A user's image by id, whatever its job.
pub fn select_owned_image() -> String {
    format!("SELECT {IMAGE_COLUMNS} FROM generated_images WHERE user_id = ?1 AND image_id = ?2")
}

pub fn select_images() -> String {
    format!("SELECT {IMAGE_COLUMNS} FROM generated_images WHERE job_id = ?1 AND user_id = ?2 ORDER BY variant")
}

// --- embeddings ---

pub const INSERT_EMBEDDING: &str =
    "INSERT INTO image_embeddings (image_id, job_id, user_id, variant, \
     embedder, dim, vector, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
     ON CONFLICT (image_id) DO NOTHING";

/// Vectors come back as hex text, which every driver returns the same way: `hex()` on SQLite,
/// `encode(.., 'hex')` on Postgres.
pub const SELECT_EMBEDDINGS: Sql = Sql {
    sqlite: "SELECT e.image_id, e.job_id, e.user_id, e.variant, e.embedder, \
     hex(e.vector) AS vector, e.created_at FROM image_embeddings e \
     JOIN variants v ON v.job_id = e.job_id AND v.variant = e.variant AND v.user_id = e.user_id \
     WHERE e.job_id = ?1 AND e.user_id = ?2 AND v.status = 'embedded' ORDER BY e.variant",
    postgres: "SELECT e.image_id, e.job_id, e.user_id, e.variant, e.embedder, \
     encode(e.vector, 'hex') AS vector, e.created_at FROM image_embeddings e \
     JOIN variants v ON v.job_id = e.job_id AND v.variant = e.variant AND v.user_id = e.user_id \
     WHERE e.job_id = ?1 AND e.user_id = ?2 AND v.status = 'embedded' ORDER BY e.variant",
};

// --- clusters ---

pub const UPSERT_CLUSTER_RESULT: &str =
    "INSERT INTO cluster_results (job_id, user_id, k, silhouette, \
     candidates, image_count, seed, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
     ON CONFLICT (job_id) DO UPDATE SET k = excluded.k, silhouette = excluded.silhouette, \
     candidates = excluded.candidates, image_count = excluded.image_count, seed = excluded.seed, \
     created_at = excluded.created_at WHERE cluster_results.user_id = excluded.user_id";

pub const DELETE_STYLE_PROFILES: &str =
    "DELETE FROM style_profiles WHERE job_id = ?1 AND user_id = ?2";

pub const INSERT_STYLE_PROFILE: &str = "INSERT INTO style_profiles (profile_id, job_id, user_id, \
     cluster, name, size, dominant, centroid, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

pub const DELETE_CLUSTER_ASSIGNMENTS: &str =
    "DELETE FROM cluster_assignments WHERE job_id = ?1 AND user_id = ?2";

pub const INSERT_CLUSTER_ASSIGNMENT: &str = "INSERT INTO cluster_assignments (image_id, job_id, \
     user_id, cluster, distance) VALUES (?1, ?2, ?3, ?4, ?5)";

pub const SELECT_CLUSTER_RESULT: &str = "SELECT job_id, user_id, k, silhouette, candidates, \
     image_count, seed, created_at FROM cluster_results WHERE job_id = ?1 AND user_id = ?2";

pub const SELECT_STYLE_PROFILES: Sql = Sql {
    sqlite: "SELECT profile_id, job_id, user_id, cluster, name, size, \
     dominant, hex(centroid) AS centroid, created_at FROM style_profiles \
     WHERE job_id = ?1 AND user_id = ?2 ORDER BY cluster",
    postgres: "SELECT profile_id, job_id, user_id, cluster, name, size, \
     dominant, encode(centroid, 'hex') AS centroid, created_at FROM style_profiles \
     WHERE job_id = ?1 AND user_id = ?2 ORDER BY cluster",
};

pub const SELECT_CLUSTER_ASSIGNMENTS: &str = "SELECT image_id, job_id, user_id, cluster, distance \
     FROM cluster_assignments WHERE job_id = ?1 AND user_id = ?2 ORDER BY image_id";

// --- selection ---

pub const UPSERT_SELECTION: &str = "INSERT INTO dpp_selection_results (job_id, user_id, theta, \
     target, picked, candidates, stop, log_det_kernel, log_det_similarity, \
     mean_pairwise_cosine_distance, cluster_cap_relaxed, suppressed, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
     ON CONFLICT (job_id) DO UPDATE SET theta = excluded.theta, target = excluded.target, \
     picked = excluded.picked, candidates = excluded.candidates, stop = excluded.stop, \
     log_det_kernel = excluded.log_det_kernel, log_det_similarity = excluded.log_det_similarity, \
     mean_pairwise_cosine_distance = excluded.mean_pairwise_cosine_distance, \
     cluster_cap_relaxed = excluded.cluster_cap_relaxed, suppressed = excluded.suppressed, \
     created_at = excluded.created_at WHERE dpp_selection_results.user_id = excluded.user_id";

pub const DELETE_PICKS: &str = "DELETE FROM dpp_picks WHERE job_id = ?1 AND user_id = ?2";

pub const INSERT_PICK: &str = "INSERT INTO dpp_picks (job_id, user_id, rank, image_id, variant, \
     cluster, quality, log_gain, novelty, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

pub const SELECT_SELECTION: &str =
    "SELECT job_id, user_id, theta, target, picked, candidates, stop, \
     log_det_kernel, log_det_similarity, mean_pairwise_cosine_distance, cluster_cap_relaxed, \
     suppressed, created_at FROM dpp_selection_results WHERE job_id = ?1 AND user_id = ?2";

pub const SELECT_PICKS: &str =
    "SELECT job_id, user_id, rank, image_id, variant, cluster, quality, \
     log_gain, novelty, reason FROM dpp_picks WHERE job_id = ?1 AND user_id = ?2 ORDER BY rank";

// --- coverage ---

pub const UPSERT_COVERAGE: &str = "INSERT INTO coverage_reports (job_id, user_id, overall_score, \
     overall_evenness, set_size, image_count, report, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
     ON CONFLICT (job_id) DO UPDATE SET overall_score = excluded.overall_score, \
     overall_evenness = excluded.overall_evenness, set_size = excluded.set_size, \
     image_count = excluded.image_count, report = excluded.report, created_at = excluded.created_at \
     WHERE coverage_reports.user_id = excluded.user_id";

pub const DELETE_GAPS: &str = "DELETE FROM attribute_gaps WHERE job_id = ?1 AND user_id = ?2";

pub const INSERT_GAP: &str = "INSERT INTO attribute_gaps (job_id, user_id, rank, category, value, \
     requested, coverage, count, target_count, missing, severity, severity_score, boost) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

pub const SELECT_COVERAGE: &str =
    "SELECT job_id, user_id, overall_score, overall_evenness, set_size, \
     image_count, report, created_at FROM coverage_reports WHERE job_id = ?1 AND user_id = ?2";

pub const SELECT_GAPS: &str =
    "SELECT job_id, user_id, rank, category, value, requested, coverage, \
     count, target_count, missing, severity, severity_score, boost FROM attribute_gaps \
     WHERE job_id = ?1 AND user_id = ?2 ORDER BY rank";

// --- operations ---

pub const INSERT_DEAD_LETTER: &str =
    "INSERT INTO dead_letters (message_id, queue, user_id, job_id, \
     body, outcome, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
     ON CONFLICT (message_id) DO NOTHING";

/// Row counts of the pipeline's tables for one job (the duplicate-delivery check compares them).
pub const JOB_ROW_COUNTS: Sql = Sql {
    sqlite: "SELECT \
     (SELECT COUNT(*) FROM variants WHERE job_id = ?1 AND user_id = ?2) AS variants, \
     (SELECT COUNT(*) FROM generated_images WHERE job_id = ?1 AND user_id = ?2) AS images, \
     (SELECT COUNT(*) FROM image_embeddings WHERE job_id = ?1 AND user_id = ?2) AS embeddings, \
     (SELECT COUNT(*) FROM style_profiles WHERE job_id = ?1 AND user_id = ?2) AS style_profiles, \
     (SELECT COUNT(*) FROM cluster_assignments WHERE job_id = ?1 AND user_id = ?2) AS assignments, \
     (SELECT COUNT(*) FROM dpp_picks WHERE job_id = ?1 AND user_id = ?2) AS picks, \
     (SELECT COUNT(*) FROM attribute_gaps WHERE job_id = ?1 AND user_id = ?2) AS gaps, \
     (SELECT COUNT(*) FROM user_boosts WHERE user_id = ?2) AS user_boosts, \
     (SELECT COUNT(*) FROM generation_jobs WHERE user_id = ?2) AS user_jobs, \
     (SELECT COUNT(*) FROM dead_letters WHERE job_id = ?1 AND user_id = ?2) AS dead_letters, \
     (SELECT MAX(dim) FROM image_embeddings WHERE job_id = ?1 AND user_id = ?2) AS embedding_dim, \
     (SELECT COUNT(*) FROM variants WHERE job_id = ?1 AND user_id = ?2 \
        AND json_array_length(boosts_applied) > 0) AS boosted_variants",
    postgres: "SELECT \
     (SELECT COUNT(*) FROM variants WHERE job_id = ?1 AND user_id = ?2) AS variants, \
     (SELECT COUNT(*) FROM generated_images WHERE job_id = ?1 AND user_id = ?2) AS images, \
     (SELECT COUNT(*) FROM image_embeddings WHERE job_id = ?1 AND user_id = ?2) AS embeddings, \
     (SELECT COUNT(*) FROM style_profiles WHERE job_id = ?1 AND user_id = ?2) AS style_profiles, \
     (SELECT COUNT(*) FROM cluster_assignments WHERE job_id = ?1 AND user_id = ?2) AS assignments, \
     (SELECT COUNT(*) FROM dpp_picks WHERE job_id = ?1 AND user_id = ?2) AS picks, \
     (SELECT COUNT(*) FROM attribute_gaps WHERE job_id = ?1 AND user_id = ?2) AS gaps, \
     (SELECT COUNT(*) FROM user_boosts WHERE user_id = ?2) AS user_boosts, \
     (SELECT COUNT(*) FROM generation_jobs WHERE user_id = ?2) AS user_jobs, \
     (SELECT COUNT(*) FROM dead_letters WHERE job_id = ?1 AND user_id = ?2) AS dead_letters, \
     (SELECT MAX(dim) FROM image_embeddings WHERE job_id = ?1 AND user_id = ?2) AS embedding_dim, \
     (SELECT COUNT(*) FROM variants WHERE job_id = ?1 AND user_id = ?2 \
        AND jsonb_array_length(boosts_applied) > 0) AS boosted_variants",
};

/// Health check.
pub const SELECT_ONE: &str = "SELECT 1 AS one";

/// Jobs that have not moved since `?1` (an RFC 3339 time) and are not finished: the sweep re-sends
/// what they wait for (`bff_pipeline::stages::resume`).
pub const STALE_JOBS: &str = "SELECT job_id, user_id FROM generation_jobs \
     WHERE status NOT IN ('complete', 'partial', 'failed') AND updated_at < ?1 \
     ORDER BY updated_at LIMIT 50";

/// Jobs created before `?1`, oldest first (the retention period's deletions, across users; at most
/// 100 a run).
pub const EXPIRED_JOBS: &str = "SELECT job_id, user_id FROM generation_jobs \
     WHERE created_at < ?1 ORDER BY created_at LIMIT 100";

// --- feedback (stage 10a) ---

/// The user's most recent ratings but one image's.
pub const RATING_HISTORY: &str = "SELECT rating FROM user_feedback \
     WHERE user_id = ?1 AND image_id <> ?2 AND rating IS NOT NULL \
     ORDER BY updated_at DESC LIMIT ?3";

/// Inserts the feedback, or replaces the user's feedback on that image: revision + 1, the first
/// `created_at` kept. The id is derived from the image, which belongs to one user.
pub const UPSERT_FEEDBACK: &str = "INSERT INTO user_feedback \
     (feedback_id, user_id, job_id, image_id, rating, liked, comment, tags, revision, \
      learned_revision, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 0, ?9, ?9) \
     ON CONFLICT (feedback_id) DO UPDATE SET rating = excluded.rating, liked = excluded.liked, \
     comment = excluded.comment, tags = excluded.tags, revision = user_feedback.revision + 1, \
     updated_at = excluded.updated_at WHERE user_feedback.user_id = excluded.user_id";

pub const DELETE_OUTLIER: &str = "DELETE FROM outliers WHERE feedback_id = ?1 AND user_id = ?2";

pub const INSERT_OUTLIER: &str = "INSERT INTO outliers \
     (feedback_id, user_id, job_id, image_id, rating, quality, rule, confidence, z, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// Moves the user's analytics version (the edge cache key of their analytics answers).
pub const BUMP_ANALYTICS_VERSION: &str = "INSERT INTO user_analytics_state \
     (user_id, version, rolled_up_at, updated_at) VALUES (?1, 1, NULL, ?2) \
     ON CONFLICT (user_id) DO UPDATE SET version = user_analytics_state.version + 1, \
     updated_at = excluded.updated_at";

const FEEDBACK_WITH_OUTLIER: &str = "SELECT f.feedback_id, f.user_id, f.job_id, f.image_id, \
     f.rating, f.liked, f.comment, f.tags, f.revision, f.learned_revision, f.created_at, \
     f.updated_at, o.rule AS standout_rule, o.confidence AS standout_confidence, \
     o.z AS standout_z, o.quality AS standout_quality, o.created_at AS standout_at \
     FROM user_feedback f LEFT JOIN outliers o ON o.feedback_id = f.feedback_id";

pub fn select_feedback() -> String {
    format!("{FEEDBACK_WITH_OUTLIER} WHERE f.user_id = ?1 AND f.feedback_id = ?2")
}

/// Newest first; `?2` NULL for every job.
pub fn list_feedback() -> String {
    format!(
        "{FEEDBACK_WITH_OUTLIER} WHERE f.user_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR f.job_id = ?2) \
         ORDER BY f.updated_at DESC, f.feedback_id LIMIT ?3"
    )
}

/// The user's feedback with what learning and the rollup need of each image. A design's values
/// are its planned ones (`requested`): what the designer judged is the design, fabric and
/// occasion included, not only what a sketch can draw.
const RATED_IMAGES: &str = "SELECT f.feedback_id, f.job_id, f.image_id, f.rating, f.liked, \
     f.updated_at, i.requested AS attributes, i.quality, sp.profile_id, \
     CASE WHEN o.feedback_id IS NULL THEN 0 ELSE 1 END AS standout \
     FROM user_feedback f \
     JOIN generated_images i ON i.image_id = f.image_id AND i.user_id = f.user_id \
     LEFT JOIN cluster_assignments ca ON ca.job_id = f.job_id AND ca.image_id = f.image_id \
     LEFT JOIN style_profiles sp ON sp.job_id = ca.job_id AND sp.cluster = ca.cluster \
       AND sp.user_id = f.user_id \
     LEFT JOIN outliers o ON o.feedback_id = f.feedback_id";

pub fn rated_images_since() -> String {
    format!("{RATED_IMAGES} WHERE f.user_id = ?1 AND f.updated_at >= ?2 ORDER BY f.updated_at, f.feedback_id")
}

pub fn rated_images_between() -> String {
    format!(
        "{RATED_IMAGES} WHERE f.user_id = ?1 AND f.updated_at >= ?2 AND f.updated_at < ?3 \
         ORDER BY f.updated_at, f.feedback_id"
    )
}

pub const PROFILE_GENERATIONS: &str =
    "SELECT size AS n FROM style_profiles WHERE user_id = ?1 AND profile_id = ?2";

// --- learning (stage 10b) ---

pub const UPSERT_PREFERENCE: &str = "INSERT INTO user_preferences \
     (user_id, category, value, alpha, beta, evidence, weight, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
     ON CONFLICT (user_id, category, value) DO UPDATE SET alpha = excluded.alpha, \
     beta = excluded.beta, evidence = excluded.evidence, weight = excluded.weight, \
     updated_at = excluded.updated_at";

pub const INSERT_LEARNING_UPDATE: &str = "INSERT INTO learning_updates \
     (update_id, user_id, feedback_id, revision, category, value, weight_before, weight_after, \
      evidence, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
     ON CONFLICT DO NOTHING";

pub const UPSERT_ATTRIBUTE_SUCCESS: &str = "INSERT INTO vlt_attribute_success \
     (user_id, category, value, ratings, rating_sum, likes, dislikes, outliers, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
     ON CONFLICT (user_id, category, value) DO UPDATE SET ratings = excluded.ratings, \
     rating_sum = excluded.rating_sum, likes = excluded.likes, dislikes = excluded.dislikes, \
     outliers = excluded.outliers, updated_at = excluded.updated_at";

pub const UPSERT_PROFILE_SUCCESS: &str = "INSERT INTO style_profile_success \
     (user_id, profile_id, generations, ratings, rating_sum, likes, dislikes, outliers, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
     ON CONFLICT (user_id, profile_id) DO UPDATE SET generations = excluded.generations, \
     ratings = excluded.ratings, rating_sum = excluded.rating_sum, likes = excluded.likes, \
     dislikes = excluded.dislikes, outliers = excluded.outliers, updated_at = excluded.updated_at";

/// Never lowers the learned revision (an older message arriving late changes nothing).
pub const MARK_LEARNED: &str = "UPDATE user_feedback SET learned_revision = ?3 \
     WHERE user_id = ?1 AND feedback_id = ?2 AND learned_revision < ?3";

pub const UNLEARNED_FEEDBACK: &str = "SELECT user_id, job_id, feedback_id, revision \
     FROM user_feedback WHERE learned_revision < revision AND updated_at < ?1 \
     ORDER BY updated_at LIMIT ?2";

// --- analytics (stage 11) ---

pub const ANALYTICS_VERSION: &str = "SELECT version FROM user_analytics_state WHERE user_id = ?1";

/// Users with jobs, feedback or coverage reports in [`?1`, `?2`) (RFC 3339 text compares as time).
pub const ACTIVE_USERS: &str = "SELECT user_id FROM generation_jobs \
     WHERE created_at >= ?1 AND created_at < ?2 \
     UNION SELECT user_id FROM user_feedback WHERE updated_at >= ?1 AND updated_at < ?2 \
     UNION SELECT user_id FROM dpp_selection_results WHERE created_at >= ?1 AND created_at < ?2 \
     UNION SELECT user_id FROM coverage_reports WHERE created_at >= ?1 AND created_at < ?2 \
     ORDER BY user_id";

pub const DAY_COUNTS: &str = "SELECT \
     (SELECT COUNT(*) FROM generation_jobs WHERE user_id = ?1 AND created_at >= ?2 AND created_at < ?3) AS jobs, \
     (SELECT COUNT(*) FROM generated_images WHERE user_id = ?1 AND created_at >= ?2 AND created_at < ?3) AS images";

/// The picks of the selections made in [`?2`, `?3`), with each picked design's planned values.
pub const DAY_PICKS: &str = "SELECT p.job_id, p.image_id, i.requested AS attributes, s.created_at \
     FROM dpp_picks p \
     JOIN dpp_selection_results s ON s.job_id = p.job_id AND s.user_id = p.user_id \
     JOIN generated_images i ON i.image_id = p.image_id AND i.user_id = p.user_id \
     WHERE p.user_id = ?1 AND s.created_at >= ?2 AND s.created_at < ?3 \
     ORDER BY p.job_id, p.rank";

pub const DAY_COVERAGE: &str = "SELECT job_id, overall_score, created_at FROM coverage_reports \
     WHERE user_id = ?1 AND created_at >= ?2 AND created_at < ?3 ORDER BY created_at, job_id";

/// The categories the picks of each job measured in [`?2`, `?3`) show.
pub const DAY_COVERED_CATEGORIES: Sql = Sql {
    sqlite: "SELECT DISTINCT p.job_id AS job_id, \
     json_extract(d.value, '$.category') AS category \
     FROM dpp_picks p \
     JOIN generated_images i ON i.image_id = p.image_id AND i.user_id = p.user_id \
     JOIN json_each(i.drawn) d \
     WHERE p.user_id = ?1 AND p.job_id IN (SELECT job_id FROM coverage_reports \
       WHERE user_id = ?1 AND created_at >= ?2 AND created_at < ?3) \
     ORDER BY 1, 2",
    postgres: "SELECT DISTINCT p.job_id AS job_id, d.value ->> 'category' AS category \
     FROM dpp_picks p \
     JOIN generated_images i ON i.image_id = p.image_id AND i.user_id = p.user_id \
     CROSS JOIN LATERAL jsonb_array_elements(i.drawn) AS d(value) \
     WHERE p.user_id = ?1 AND p.job_id IN (SELECT job_id FROM coverage_reports \
       WHERE user_id = ?1 AND created_at >= ?2 AND created_at < ?3) \
     ORDER BY 1, 2",
};

pub const DELETE_DAILY_TOTALS: &str =
    "DELETE FROM analytics_daily_totals WHERE user_id = ?1 AND day = ?2";
pub const DELETE_DAILY_ATTRIBUTES: &str =
    "DELETE FROM analytics_daily_attributes WHERE user_id = ?1 AND day = ?2";
pub const DELETE_DAILY_CATEGORIES: &str =
    "DELETE FROM analytics_daily_categories WHERE user_id = ?1 AND day = ?2";

pub const INSERT_DAILY_TOTALS: &str = "INSERT INTO analytics_daily_totals \
     (user_id, day, jobs, images, picks, feedback, ratings, rating_sum, likes, dislikes, \
      standouts, coverage_reports, coverage_sum, rolled_up_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

pub const INSERT_DAILY_ATTRIBUTE: &str = "INSERT INTO analytics_daily_attributes \
     (user_id, day, category, value, picks, ratings, rating_sum, likes, dislikes, standouts) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

pub const INSERT_DAILY_CATEGORY: &str = "INSERT INTO analytics_daily_categories \
     (user_id, day, category, reports) VALUES (?1, ?2, ?3, ?4)";

pub const MARK_ROLLED_UP: &str = "INSERT INTO user_analytics_state \
     (user_id, version, rolled_up_at, updated_at) VALUES (?1, 1, ?2, ?2) \
     ON CONFLICT (user_id) DO UPDATE SET version = user_analytics_state.version + 1, \
     rolled_up_at = excluded.rolled_up_at, updated_at = excluded.updated_at";

pub const DAILY_TOTALS: &str = "SELECT day, jobs, images, picks, feedback, ratings, rating_sum, \
     likes, dislikes, standouts, coverage_reports, coverage_sum FROM analytics_daily_totals \
     WHERE user_id = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day";

pub const DAILY_ATTRIBUTES: &str = "SELECT day, category, value, picks, ratings, rating_sum, \
     likes, dislikes, standouts FROM analytics_daily_attributes \
     WHERE user_id = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day, category, value";

pub const DAILY_CATEGORIES: &str = "SELECT day, category, reports FROM analytics_daily_categories \
     WHERE user_id = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day, category";

pub const ATTRIBUTE_SUCCESS: &str = "SELECT category, value, ratings, rating_sum, likes, \
     dislikes, outliers FROM vlt_attribute_success WHERE user_id = ?1 ORDER BY category, value";

pub const PROFILE_SUCCESS: &str = "SELECT ps.profile_id, ps.generations, ps.ratings, \
     ps.rating_sum, ps.likes, ps.dislikes, ps.outliers, sp.name \
     FROM style_profile_success ps \
     JOIN style_profiles sp ON sp.profile_id = ps.profile_id AND sp.user_id = ps.user_id \
     WHERE ps.user_id = ?1 ORDER BY ps.profile_id";

/// Ratings and the standouts among them, over all of the user's current feedback.
pub const STANDOUT_TOTALS: &str = "SELECT COUNT(f.rating) AS ratings, \
     COUNT(CASE WHEN f.rating IS NOT NULL AND o.feedback_id IS NOT NULL THEN 1 END) AS standouts \
     FROM user_feedback f LEFT JOIN outliers o ON o.feedback_id = f.feedback_id \
     WHERE f.user_id = ?1";

// --- the durable queue (Spin; `crate::queue`) ---

pub const ENQUEUE: &str = "INSERT INTO queue_messages \
     (message_id, queue, body, attempts, visible_at, claimed_by, last_error, created_at) \
     VALUES (?1, ?2, ?3, 0, ?4, NULL, NULL, ?4) ON CONFLICT (message_id) DO NOTHING";

/// The claim, one statement per dialect: Postgres skips rows another transaction has locked, so
/// that two consumers never take the same message; SQLite has one writer at a time.
pub const CLAIM: Sql = Sql {
    sqlite: "UPDATE queue_messages SET attempts = attempts + 1, claimed_by = ?3, visible_at = ?4 \
     WHERE message_id = (SELECT message_id FROM queue_messages \
       WHERE queue = ?1 AND visible_at <= ?2 ORDER BY visible_at, message_id LIMIT 1) \
     RETURNING message_id, queue, body, attempts",
    postgres:
        "UPDATE queue_messages SET attempts = attempts + 1, claimed_by = ?3, visible_at = ?4 \
     WHERE message_id = (SELECT message_id FROM queue_messages \
       WHERE queue = ?1 AND visible_at <= ?2 ORDER BY visible_at, message_id LIMIT 1 \
       FOR UPDATE SKIP LOCKED) \
     RETURNING message_id, queue, body, attempts",
};

/// Only the consumer that holds the message settles it (a claim that expired and was taken by
/// another consumer is that consumer's now).
pub const ACK: &str = "DELETE FROM queue_messages WHERE message_id = ?1 AND claimed_by = ?2";

pub const RETRY_LATER: &str = "UPDATE queue_messages SET visible_at = ?3, claimed_by = NULL, \
     last_error = ?4 WHERE message_id = ?1 AND claimed_by = ?2";

pub const DUE_QUEUES: &str =
    "SELECT DISTINCT queue FROM queue_messages WHERE visible_at <= ?1 ORDER BY queue";

pub const QUEUE_DEPTH: &str = "SELECT COUNT(*) AS n FROM queue_messages WHERE queue = ?1";
