-- The Designer BFF pipeline: jobs, variants, images, embeddings, clusters, DPP selections,
-- coverage, boosts, feedback and learning. D1 (SQLite) dialect.
--
-- Column names equal the field names of the rows in `bff_pipeline::ports` (the adapter in
-- `shared/bff-cloudflare/src/store.rs` reads rows back by name). Conventions:
-- - every row that belongs to a user carries `user_id`, and every query is scoped by it;
-- - nested values are JSON text (`*_json` checks keep them well-formed);
-- - seeds are u64: stored as decimal TEXT (D1 binds numbers as doubles, exact to 2^53 only);
-- - vectors (embeddings, centroids) are little-endian f32 BLOBs;
-- - timestamps are RFC 3339 text in UTC;
-- - booleans are INTEGER 0/1.

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

-- The visual language taxonomy (VLT), one row per value; seeded by 0003_taxonomy.sql, which
-- `cargo xtask gen-taxonomy-sql` generates from shared/bff-domain/data/vlt-taxonomy.json.
CREATE TABLE vlt_attributes (
    category         TEXT NOT NULL,
    value            TEXT NOT NULL,
    category_label   TEXT NOT NULL,
    label            TEXT NOT NULL,
    prior            REAL NOT NULL,
    prompt           TEXT NOT NULL,
    renderable       INTEGER NOT NULL CHECK (renderable IN (0, 1)),
    taxonomy_version TEXT NOT NULL,
    PRIMARY KEY (category, value)
);

CREATE TABLE generation_jobs (
    job_id           TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN
                       ('generating', 'clustering', 'selecting', 'measuring', 'complete', 'partial', 'failed')),
    brief            TEXT NOT NULL,
    designs          INTEGER NOT NULL CHECK (designs BETWEEN 1 AND 48),
    provider         TEXT NOT NULL,
    theta            REAL NOT NULL CHECK (theta >= 0 AND theta < 1),
    over_generation  REAL NOT NULL CHECK (over_generation BETWEEN 2 AND 3),
    seed             TEXT NOT NULL,
    taxonomy_version TEXT NOT NULL,
    requested        TEXT NOT NULL CHECK (json_valid(requested)),
    excluded         TEXT NOT NULL CHECK (json_valid(excluded)),
    modifiers        TEXT NOT NULL CHECK (json_valid(modifiers)),
    personalisation  TEXT NOT NULL CHECK (json_valid(personalisation)),
    warnings         TEXT NOT NULL CHECK (json_valid(warnings)),
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
    variant        INTEGER NOT NULL,
    image_id       TEXT NOT NULL UNIQUE,
    status         TEXT NOT NULL CHECK (status IN ('planned', 'generated', 'embedded', 'failed')),
    seed           TEXT NOT NULL,
    model          TEXT NOT NULL,
    attributes     TEXT NOT NULL CHECK (json_valid(attributes)),
    prompt         TEXT NOT NULL CHECK (json_valid(prompt)),
    boosts_applied TEXT NOT NULL CHECK (json_valid(boosts_applied)),
    error          TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (job_id, variant)
);
CREATE INDEX variants_user_job_status ON variants (user_id, job_id, status);

CREATE TABLE generated_images (
    image_id        TEXT PRIMARY KEY,
    job_id          TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    variant         INTEGER NOT NULL,
    prompt          TEXT NOT NULL,
    negative_prompt TEXT NOT NULL,
    seed            TEXT NOT NULL,
    provider        TEXT NOT NULL,
    model           TEXT NOT NULL,
    parameters      TEXT NOT NULL CHECK (json_valid(parameters)),
    requested       TEXT NOT NULL CHECK (json_valid(requested)),
    drawn           TEXT NOT NULL CHECK (json_valid(drawn)),
    quality         REAL NOT NULL CHECK (quality BETWEEN 0 AND 1),
    blob_key        TEXT NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    bytes           INTEGER NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX generated_images_user_job ON generated_images (user_id, job_id, variant);
CREATE INDEX generated_images_user_created ON generated_images (user_id, created_at);
-- Search by model and seed ("which image had seed 42 on sketch").
CREATE INDEX generated_images_user_model_seed ON generated_images (user_id, model, seed);

-- --- clustering ---------------------------------------------------------------------------------

CREATE TABLE image_embeddings (
    image_id   TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    variant    INTEGER NOT NULL,
    embedder   TEXT NOT NULL,
    dim        INTEGER NOT NULL,
    vector     BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    created_at TEXT NOT NULL
);
CREATE INDEX image_embeddings_user_job ON image_embeddings (user_id, job_id, variant);

CREATE TABLE cluster_results (
    job_id      TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    k           INTEGER NOT NULL,
    silhouette  REAL,
    candidates  TEXT NOT NULL CHECK (json_valid(candidates)),
    image_count INTEGER NOT NULL,
    seed        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX cluster_results_user_created ON cluster_results (user_id, created_at);

CREATE TABLE style_profiles (
    profile_id TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    cluster    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    dominant   TEXT NOT NULL CHECK (json_valid(dominant)),
    centroid   BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX style_profiles_user_job ON style_profiles (user_id, job_id, cluster);

CREATE TABLE cluster_assignments (
    image_id TEXT NOT NULL,
    job_id   TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    cluster  INTEGER NOT NULL,
    distance REAL NOT NULL,
    PRIMARY KEY (job_id, image_id)
);
CREATE INDEX cluster_assignments_user_job ON cluster_assignments (user_id, job_id);

-- --- selection and coverage ---------------------------------------------------------------------

CREATE TABLE dpp_selection_results (
    job_id                        TEXT PRIMARY KEY,
    user_id                       TEXT NOT NULL,
    theta                         REAL NOT NULL,
    target                        INTEGER NOT NULL,
    picked                        INTEGER NOT NULL,
    candidates                    INTEGER NOT NULL,
    stop                          TEXT NOT NULL,
    log_det_kernel                REAL NOT NULL,
    log_det_similarity            REAL NOT NULL,
    mean_pairwise_cosine_distance REAL NOT NULL,
    cluster_cap_relaxed           INTEGER NOT NULL CHECK (cluster_cap_relaxed IN (0, 1)),
    suppressed                    TEXT NOT NULL CHECK (json_valid(suppressed)),
    created_at                    TEXT NOT NULL
);
CREATE INDEX dpp_selection_results_user_created ON dpp_selection_results (user_id, created_at);

-- One selected design per row, with why it was picked (quality or novelty).
CREATE TABLE dpp_picks (
    job_id   TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    rank     INTEGER NOT NULL,
    image_id TEXT NOT NULL,
    variant  INTEGER NOT NULL,
    cluster  INTEGER NOT NULL,
    quality  REAL NOT NULL,
    log_gain REAL NOT NULL,
    novelty  REAL NOT NULL,
    reason   TEXT NOT NULL,
    PRIMARY KEY (job_id, rank),
    UNIQUE (job_id, image_id)
);
CREATE INDEX dpp_picks_user_job ON dpp_picks (user_id, job_id);

CREATE TABLE coverage_reports (
    job_id           TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    overall_score    REAL NOT NULL,
    overall_evenness REAL NOT NULL,
    set_size         INTEGER NOT NULL,
    image_count      INTEGER NOT NULL,
    report           TEXT NOT NULL CHECK (json_valid(report)),
    created_at       TEXT NOT NULL
);
CREATE INDEX coverage_reports_user_created ON coverage_reports (user_id, created_at);

CREATE TABLE attribute_gaps (
    job_id         TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    rank           INTEGER NOT NULL,
    category       TEXT NOT NULL,
    value          TEXT NOT NULL,
    requested      INTEGER NOT NULL CHECK (requested IN (0, 1)),
    coverage       REAL NOT NULL,
    count          INTEGER NOT NULL,
    target_count   INTEGER NOT NULL,
    missing        INTEGER NOT NULL,
    severity       TEXT NOT NULL,
    severity_score REAL NOT NULL,
    boost          REAL NOT NULL CHECK (boost BETWEEN 0.15 AND 0.25),
    PRIMARY KEY (job_id, rank)
);
CREATE INDEX attribute_gaps_user_job ON attribute_gaps (user_id, job_id);

-- Coverage settings: a row with user_id NULL is the default; a user's row overrides it.
CREATE TABLE coverage_config (
    config_id    TEXT PRIMARY KEY,
    user_id      TEXT UNIQUE,
    target_share REAL NOT NULL CHECK (target_share > 0 AND target_share <= 1),
    boost_min    REAL NOT NULL DEFAULT 0.15,
    boost_max    REAL NOT NULL DEFAULT 0.25,
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
    boost         REAL NOT NULL,
    source_job_id TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, category, value)
);

-- Learned preference weights (1 = neutral), written by the learning stage.
CREATE TABLE user_preferences (
    user_id    TEXT NOT NULL,
    category   TEXT NOT NULL,
    value      TEXT NOT NULL,
    weight     REAL NOT NULL CHECK (weight > 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, category, value)
);

-- --- feedback and learning ----------------------------------------------------------------------

CREATE TABLE user_feedback (
    feedback_id TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    job_id      TEXT NOT NULL,
    image_id    TEXT NOT NULL,
    rating      INTEGER CHECK (rating BETWEEN 1 AND 5),
    liked       INTEGER CHECK (liked IN (0, 1)),
    favourite   INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
    comment     TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX user_feedback_user_created ON user_feedback (user_id, created_at);
CREATE INDEX user_feedback_user_job ON user_feedback (user_id, job_id);

-- A standout design: a high rating on an image whose quality score is 0.75 or more.
CREATE TABLE outliers (
    feedback_id TEXT PRIMARY KEY REFERENCES user_feedback (feedback_id),
    user_id     TEXT NOT NULL,
    job_id      TEXT NOT NULL,
    image_id    TEXT NOT NULL,
    rating      INTEGER NOT NULL,
    quality     REAL NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX outliers_user_created ON outliers (user_id, created_at);

CREATE TABLE vlt_attribute_success (
    user_id     TEXT NOT NULL,
    category    TEXT NOT NULL,
    value       TEXT NOT NULL,
    ratings     INTEGER NOT NULL DEFAULT 0,
    rating_sum  REAL NOT NULL DEFAULT 0,
    likes       INTEGER NOT NULL DEFAULT 0,
    dislikes    INTEGER NOT NULL DEFAULT 0,
    outliers    INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, category, value)
);

CREATE TABLE style_profile_success (
    user_id     TEXT NOT NULL,
    profile_id  TEXT NOT NULL,
    ratings     INTEGER NOT NULL DEFAULT 0,
    rating_sum  REAL NOT NULL DEFAULT 0,
    likes       INTEGER NOT NULL DEFAULT 0,
    dislikes    INTEGER NOT NULL DEFAULT 0,
    outliers    INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, profile_id)
);

-- Every preference update and its effect.
CREATE TABLE learning_updates (
    update_id     TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    feedback_id   TEXT NOT NULL,
    category      TEXT NOT NULL,
    value         TEXT NOT NULL,
    weight_before REAL NOT NULL,
    weight_after  REAL NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (feedback_id, category, value)
);
CREATE INDEX learning_updates_user_created ON learning_updates (user_id, created_at);

-- --- operations ---------------------------------------------------------------------------------

-- Messages that reached a dead-letter queue, one row per message id.
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

CREATE VIEW coverage_summary_view AS
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

-- Of the rated images showing a value, the share that were outliers, per user.
CREATE VIEW outlier_rate_by_attribute AS
SELECT f.user_id,
       json_extract(d.value, '$.category') AS category,
       json_extract(d.value, '$.value') AS value,
       COUNT(*) AS rated,
       COUNT(o.feedback_id) AS outliers,
       CAST(COUNT(o.feedback_id) AS REAL) / COUNT(*) AS outlier_rate
  FROM user_feedback f
  JOIN generated_images i ON i.image_id = f.image_id AND i.user_id = f.user_id
  JOIN json_each(i.drawn) d
  LEFT JOIN outliers o ON o.feedback_id = f.feedback_id
 WHERE f.rating IS NOT NULL
 GROUP BY f.user_id, category, value;

-- Feedback of the last 30 days per user.
CREATE VIEW recent_feedback_summary AS
SELECT user_id,
       COUNT(*) AS feedback,
       AVG(rating) AS mean_rating,
       SUM(CASE WHEN liked = 1 THEN 1 ELSE 0 END) AS likes,
       SUM(CASE WHEN liked = 0 THEN 1 ELSE 0 END) AS dislikes,
       SUM(favourite) AS favourites,
       MAX(created_at) AS last_feedback_at
  FROM user_feedback
 WHERE created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days')
 GROUP BY user_id;
