-- The Designer BFF pipeline: jobs, variants, images, embeddings, clusters, DPP selections,
-- coverage, boosts and dead letters. PostgreSQL dialect: the twin of ../0002_pipeline.sql with
-- the final shape of the feedback tables in 0004_feedback.sql (they are not declared here).
--
-- Same tables, columns, keys and indexes as on D1, and the same conventions, so that the store's
-- statements run on both dialects:
-- - every row that belongs to a user carries `user_id`, every query is scoped by it, and row-level
--   security (0006_row_security.sql) enforces it;
-- - every integer is BIGINT (Spin's Postgres host binds integers as 64-bit), reals are DOUBLE
--   PRECISION, booleans stay BIGINT 0/1 with the same CHECKs;
-- - nested values are JSONB (the server validates them; D1's json_valid CHECKs are not needed);
--   the store writes them with `?N::text::jsonb` and reads them back as JSON text;
-- - seeds are u64: stored as decimal TEXT;
-- - vectors (embeddings, centroids) are little-endian f32 BYTEA;
-- - timestamps are RFC 3339 TEXT in UTC (compared as text, as on D1).
--
-- Plain statements separated by `;` at line ends (no function bodies): Spin runs one statement
-- per call, and the migration runner (bff_store::migrations) splits files on `;`.

-- --- users and API tokens ---------------------------------------------------------------------

CREATE TABLE users (
    user_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Bearer tokens, stored as the hex SHA-256 of the token: a leaked table does not leak tokens.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id    TEXT NOT NULL REFERENCES users (user_id),
    label      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- --- core ---------------------------------------------------------------------------------------

-- The visual language taxonomy (VLT), one row per value; seeded by ../0003_taxonomy.sql (the same
-- file as on D1), which `cargo xtask gen-taxonomy-sql` generates.
CREATE TABLE vlt_attributes (
    category         TEXT NOT NULL,
    value            TEXT NOT NULL,
    category_label   TEXT NOT NULL,
    label            TEXT NOT NULL,
    prior            DOUBLE PRECISION NOT NULL,
    prompt           TEXT NOT NULL,
    renderable       BIGINT NOT NULL CHECK (renderable IN (0, 1)),
    taxonomy_version TEXT NOT NULL,
    PRIMARY KEY (category, value)
);

CREATE TABLE generation_jobs (
    job_id           TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN
                       ('generating', 'clustering', 'selecting', 'measuring', 'complete', 'partial', 'failed')),
    brief            TEXT NOT NULL,
    designs          BIGINT NOT NULL CHECK (designs BETWEEN 1 AND 48),
    provider         TEXT NOT NULL,
    theta            DOUBLE PRECISION NOT NULL CHECK (theta >= 0 AND theta < 1),
    over_generation  DOUBLE PRECISION NOT NULL CHECK (over_generation BETWEEN 2 AND 3),
    seed             TEXT NOT NULL,
    taxonomy_version TEXT NOT NULL,
    requested        JSONB NOT NULL,
    excluded         JSONB NOT NULL,
    modifiers        JSONB NOT NULL,
    personalisation  JSONB NOT NULL,
    warnings         JSONB NOT NULL,
    error            TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX generation_jobs_user_created ON generation_jobs (user_id, created_at);
CREATE INDEX generation_jobs_status ON generation_jobs (status, updated_at);

-- One planned variant of a job (designs × over-generation of them).
CREATE TABLE variants (
    job_id         TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    variant        BIGINT NOT NULL,
    image_id       TEXT NOT NULL UNIQUE,
    status         TEXT NOT NULL CHECK (status IN ('planned', 'generated', 'embedded', 'failed')),
    seed           TEXT NOT NULL,
    model          TEXT NOT NULL,
    attributes     JSONB NOT NULL,
    prompt         JSONB NOT NULL,
    boosts_applied JSONB NOT NULL,
    error          TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (job_id, variant)
);
CREATE INDEX variants_user_job_status ON variants (user_id, job_id, status);
-- Analytics filter variants by planned value (`attributes @> '[{"category": …, "value": …}]'`).
CREATE INDEX variants_attributes_gin ON variants USING GIN (attributes jsonb_path_ops);

CREATE TABLE generated_images (
    image_id        TEXT PRIMARY KEY,
    job_id          TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    variant         BIGINT NOT NULL,
    prompt          TEXT NOT NULL,
    negative_prompt TEXT NOT NULL,
    seed            TEXT NOT NULL,
    provider        TEXT NOT NULL,
    model           TEXT NOT NULL,
    parameters      JSONB NOT NULL,
    requested       JSONB NOT NULL,
    drawn           JSONB NOT NULL,
    quality         DOUBLE PRECISION NOT NULL CHECK (quality BETWEEN 0 AND 1),
    blob_key        TEXT NOT NULL,
    width           BIGINT NOT NULL,
    height          BIGINT NOT NULL,
    bytes           BIGINT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX generated_images_user_job ON generated_images (user_id, job_id, variant);
CREATE INDEX generated_images_user_created ON generated_images (user_id, created_at);
-- Search by model and seed ("which image had seed 42 on sketch").
CREATE INDEX generated_images_user_model_seed ON generated_images (user_id, model, seed);
-- Analytics filter images by requested and drawn value (containment, `@>`).
CREATE INDEX generated_images_requested_gin ON generated_images USING GIN (requested jsonb_path_ops);
CREATE INDEX generated_images_drawn_gin ON generated_images USING GIN (drawn jsonb_path_ops);

-- --- clustering ---------------------------------------------------------------------------------

CREATE TABLE image_embeddings (
    image_id   TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    variant    BIGINT NOT NULL,
    embedder   TEXT NOT NULL,
    dim        BIGINT NOT NULL,
    vector     BYTEA NOT NULL CHECK (length(vector) = 4 * dim),
    created_at TEXT NOT NULL
);
CREATE INDEX image_embeddings_user_job ON image_embeddings (user_id, job_id, variant);

CREATE TABLE cluster_results (
    job_id      TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    k           BIGINT NOT NULL,
    silhouette  DOUBLE PRECISION,
    candidates  JSONB NOT NULL,
    image_count BIGINT NOT NULL,
    seed        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX cluster_results_user_created ON cluster_results (user_id, created_at);

CREATE TABLE style_profiles (
    profile_id TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    cluster    BIGINT NOT NULL,
    name       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    dominant   JSONB NOT NULL,
    centroid   BYTEA NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX style_profiles_user_job ON style_profiles (user_id, job_id, cluster);

CREATE TABLE cluster_assignments (
    image_id TEXT NOT NULL,
    job_id   TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    cluster  BIGINT NOT NULL,
    distance DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (job_id, image_id)
);
CREATE INDEX cluster_assignments_user_job ON cluster_assignments (user_id, job_id);

-- --- selection and coverage ---------------------------------------------------------------------

CREATE TABLE dpp_selection_results (
    job_id                        TEXT PRIMARY KEY,
    user_id                       TEXT NOT NULL,
    theta                         DOUBLE PRECISION NOT NULL,
    target                        BIGINT NOT NULL,
    picked                        BIGINT NOT NULL,
    candidates                    BIGINT NOT NULL,
    stop                          TEXT NOT NULL,
    log_det_kernel                DOUBLE PRECISION NOT NULL,
    log_det_similarity            DOUBLE PRECISION NOT NULL,
    mean_pairwise_cosine_distance DOUBLE PRECISION NOT NULL,
    cluster_cap_relaxed           BIGINT NOT NULL CHECK (cluster_cap_relaxed IN (0, 1)),
    suppressed                    JSONB NOT NULL,
    created_at                    TEXT NOT NULL
);
CREATE INDEX dpp_selection_results_user_created ON dpp_selection_results (user_id, created_at);

-- One selected design per row, with why it was picked (quality or novelty).
CREATE TABLE dpp_picks (
    job_id   TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    rank     BIGINT NOT NULL,
    image_id TEXT NOT NULL,
    variant  BIGINT NOT NULL,
    cluster  BIGINT NOT NULL,
    quality  DOUBLE PRECISION NOT NULL,
    log_gain DOUBLE PRECISION NOT NULL,
    novelty  DOUBLE PRECISION NOT NULL,
    reason   TEXT NOT NULL,
    PRIMARY KEY (job_id, rank),
    UNIQUE (job_id, image_id)
);
CREATE INDEX dpp_picks_user_job ON dpp_picks (user_id, job_id);

CREATE TABLE coverage_reports (
    job_id           TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    overall_score    DOUBLE PRECISION NOT NULL,
    overall_evenness DOUBLE PRECISION NOT NULL,
    set_size         BIGINT NOT NULL,
    image_count      BIGINT NOT NULL,
    report           JSONB NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX coverage_reports_user_created ON coverage_reports (user_id, created_at);

CREATE TABLE attribute_gaps (
    job_id         TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    rank           BIGINT NOT NULL,
    category       TEXT NOT NULL,
    value          TEXT NOT NULL,
    requested      BIGINT NOT NULL CHECK (requested IN (0, 1)),
    coverage       DOUBLE PRECISION NOT NULL,
    count          BIGINT NOT NULL,
    target_count   BIGINT NOT NULL,
    missing        BIGINT NOT NULL,
    severity       TEXT NOT NULL,
    severity_score DOUBLE PRECISION NOT NULL,
    boost          DOUBLE PRECISION NOT NULL CHECK (boost BETWEEN 0.15 AND 0.25),
    PRIMARY KEY (job_id, rank)
);
CREATE INDEX attribute_gaps_user_job ON attribute_gaps (user_id, job_id);

-- Coverage settings: a row with user_id NULL is the default; a user's row overrides it. Every
-- user reads the default row, so this table has no row-level security.
CREATE TABLE coverage_config (
    config_id    TEXT PRIMARY KEY,
    user_id      TEXT UNIQUE,
    target_share DOUBLE PRECISION NOT NULL CHECK (target_share > 0 AND target_share <= 1),
    boost_min    DOUBLE PRECISION NOT NULL DEFAULT 0.15,
    boost_max    DOUBLE PRECISION NOT NULL DEFAULT 0.25,
    updated_at   TEXT NOT NULL,
    CHECK (boost_min <= boost_max)
);
INSERT INTO coverage_config (config_id, user_id, target_share, boost_min, boost_max, updated_at)
VALUES ('default', NULL, 0.15, 0.15, 0.25, '2026-01-01T00:00:00.000Z');

-- --- personalisation ----------------------------------------------------------------------------

-- Coverage-gap boosts applied to the user's next plans; one per (user, value).
CREATE TABLE user_boosts (
    user_id       TEXT NOT NULL,
    category      TEXT NOT NULL,
    value         TEXT NOT NULL,
    boost         DOUBLE PRECISION NOT NULL,
    source_job_id TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, category, value)
);

-- --- operations ---------------------------------------------------------------------------------

-- Messages that reached a dead-letter queue, one row per message id. Written under the system
-- scope (or the owning user's): a row without user_id is visible to the system scope only.
CREATE TABLE dead_letters (
    message_id  TEXT PRIMARY KEY,
    queue       TEXT NOT NULL,
    user_id     TEXT,
    job_id      TEXT,
    body        TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX dead_letters_job ON dead_letters (job_id);

-- --- views --------------------------------------------------------------------------------------

-- `security_invoker`: the view reads its tables with the privileges and row-level security of
-- whoever queries it (PostgreSQL 15), not those of its owner.
CREATE VIEW coverage_summary_view WITH (security_invoker = true) AS
SELECT r.user_id,
       r.job_id,
       j.brief,
       j.status,
       r.overall_score,
       r.overall_evenness,
       r.set_size,
       (SELECT COUNT(*) FROM attribute_gaps g
         WHERE g.user_id = r.user_id AND g.job_id = r.job_id) AS gap_count,
       (SELECT MAX(g.severity_score) FROM attribute_gaps g
         WHERE g.user_id = r.user_id AND g.job_id = r.job_id) AS worst_severity_score,
       r.created_at
  FROM coverage_reports r
  JOIN generation_jobs j ON j.job_id = r.job_id AND j.user_id = r.user_id;
