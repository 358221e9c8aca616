-- Feedback, standouts, preference learning and analytics rollups (stages 10-11). PostgreSQL
-- dialect: the final shape of ../0004_feedback.sql (which on D1 replaces tables 0002 declared
-- first; here they are created once). Conventions as in 0002_pipeline.sql.

-- One row per user and image: re-rating replaces the row and raises `revision`. The id is derived
-- from user and image, so a retried POST cannot create a second row.
CREATE TABLE user_feedback (
    feedback_id      TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    job_id           TEXT NOT NULL,
    image_id         TEXT NOT NULL,
    rating           BIGINT CHECK (rating BETWEEN 1 AND 5),
    liked            BIGINT CHECK (liked IN (0, 1)),
    comment          TEXT,
    tags             JSONB NOT NULL DEFAULT '[]',
    -- 1 for the first feedback, +1 per re-rating.
    revision         BIGINT NOT NULL DEFAULT 1,
    -- The revision the learning stage has applied (0: none yet).
    learned_revision BIGINT NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK (rating IS NOT NULL OR liked IS NOT NULL),
    UNIQUE (user_id, image_id)
);
CREATE INDEX user_feedback_user_updated ON user_feedback (user_id, updated_at);
CREATE INDEX user_feedback_user_job ON user_feedback (user_id, job_id);
CREATE INDEX user_feedback_unlearned ON user_feedback (learned_revision, revision, updated_at);

-- A standout design (the seed's "outlier"): a high rating on an image of quality 0.75 or more, or a
-- rating far above the user's usual ones (bff_learn::standout). Deleted when a re-rating ends it.
CREATE TABLE outliers (
    feedback_id TEXT PRIMARY KEY REFERENCES user_feedback (feedback_id),
    user_id     TEXT NOT NULL,
    job_id      TEXT NOT NULL,
    image_id    TEXT NOT NULL,
    rating      BIGINT,
    quality     DOUBLE PRECISION NOT NULL,
    rule        TEXT NOT NULL CHECK (rule IN ('high_rating_and_quality', 'far_above_usual')),
    confidence  DOUBLE PRECISION NOT NULL CHECK (confidence > 0 AND confidence <= 1),
    z           DOUBLE PRECISION,
    created_at  TEXT NOT NULL
);
CREATE INDEX outliers_user_created ON outliers (user_id, created_at);

-- The learned preference per user and value: a Beta posterior (alpha, beta) as of updated_at, and
-- the planner weight it gave then. The prompt stage decays it to the job's time and draws from it.
CREATE TABLE user_preferences (
    user_id    TEXT NOT NULL,
    category   TEXT NOT NULL,
    value      TEXT NOT NULL,
    alpha      DOUBLE PRECISION NOT NULL CHECK (alpha > 0),
    beta       DOUBLE PRECISION NOT NULL CHECK (beta > 0),
    evidence   DOUBLE PRECISION NOT NULL CHECK (evidence >= 0),
    weight     DOUBLE PRECISION NOT NULL CHECK (weight > 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, category, value)
);

-- Per user and value shown: ratings, likes and standouts of the user's current feedback.
CREATE TABLE vlt_attribute_success (
    user_id     TEXT NOT NULL,
    category    TEXT NOT NULL,
    value       TEXT NOT NULL,
    ratings     BIGINT NOT NULL,
    rating_sum  DOUBLE PRECISION NOT NULL,
    likes       BIGINT NOT NULL,
    dislikes    BIGINT NOT NULL,
    outliers    BIGINT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, category, value)
);

-- Per style profile (a cluster of one job): images generated in it, and the feedback on them.
CREATE TABLE style_profile_success (
    user_id     TEXT NOT NULL,
    profile_id  TEXT NOT NULL,
    generations BIGINT NOT NULL,
    ratings     BIGINT NOT NULL,
    rating_sum  DOUBLE PRECISION NOT NULL,
    likes       BIGINT NOT NULL,
    dislikes    BIGINT NOT NULL,
    outliers    BIGINT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, profile_id)
);

-- Every preference update: which feedback revision moved which value, from what to what, on what
-- evidence (JSON: the posterior before and after, the feedback's signal).
CREATE TABLE learning_updates (
    update_id     TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    feedback_id   TEXT NOT NULL,
    revision      BIGINT NOT NULL,
    category      TEXT NOT NULL,
    value         TEXT NOT NULL,
    weight_before DOUBLE PRECISION NOT NULL,
    weight_after  DOUBLE PRECISION NOT NULL,
    evidence      JSONB NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (feedback_id, revision, category, value)
);
CREATE INDEX learning_updates_user_created ON learning_updates (user_id, created_at);

-- Analytics state per user: `version` changes with every feedback and rollup; it is part of the
-- edge cache key of the analytics answers, so new feedback bypasses the cached ones.
CREATE TABLE user_analytics_state (
    user_id      TEXT PRIMARY KEY,
    version      BIGINT NOT NULL,
    rolled_up_at TEXT,
    updated_at   TEXT NOT NULL
);

-- --- daily rollups (written by the analytics cron; a day is replaced whole, so a rerun changes
-- nothing) ------------------------------------------------------------------------------------

CREATE TABLE analytics_daily_totals (
    user_id          TEXT NOT NULL,
    day              TEXT NOT NULL,
    jobs             BIGINT NOT NULL,
    images           BIGINT NOT NULL,
    picks            BIGINT NOT NULL,
    feedback         BIGINT NOT NULL,
    ratings          BIGINT NOT NULL,
    rating_sum       DOUBLE PRECISION NOT NULL,
    likes            BIGINT NOT NULL,
    dislikes         BIGINT NOT NULL,
    standouts        BIGINT NOT NULL,
    coverage_reports BIGINT NOT NULL,
    coverage_sum     DOUBLE PRECISION NOT NULL,
    rolled_up_at     TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
);

CREATE TABLE analytics_daily_attributes (
    user_id    TEXT NOT NULL,
    day        TEXT NOT NULL,
    category   TEXT NOT NULL,
    value      TEXT NOT NULL,
    picks      BIGINT NOT NULL,
    ratings    BIGINT NOT NULL,
    rating_sum DOUBLE PRECISION NOT NULL,
    likes      BIGINT NOT NULL,
    dislikes   BIGINT NOT NULL,
    standouts  BIGINT NOT NULL,
    PRIMARY KEY (user_id, day, category, value)
);

CREATE TABLE analytics_daily_categories (
    user_id  TEXT NOT NULL,
    day      TEXT NOT NULL,
    category TEXT NOT NULL,
    reports  BIGINT NOT NULL,
    PRIMARY KEY (user_id, day, category)
);

-- --- the seed's views ---------------------------------------------------------------------------
-- `security_invoker`: row-level security applies through the views to whoever queries them.
-- Aggregates are cast where PostgreSQL would return NUMERIC, so that the columns read as numbers
-- in both dialects (AVG of integers is NUMERIC here, REAL on SQLite).

-- Of the rated designs with a value (planned: what the designer judged), the share that were
-- standouts, per user.
CREATE VIEW outlier_rate_by_attribute WITH (security_invoker = true) AS
SELECT f.user_id,
       d.value ->> 'category' AS category,
       d.value ->> 'value' AS value,
       COUNT(*) AS rated,
       COUNT(o.feedback_id) AS outliers,
       CAST(COUNT(o.feedback_id) AS DOUBLE PRECISION) / COUNT(*) AS outlier_rate
  FROM user_feedback f
  JOIN generated_images i ON i.image_id = f.image_id AND i.user_id = f.user_id
  CROSS JOIN LATERAL jsonb_array_elements(i.requested) AS d (value)
  LEFT JOIN outliers o ON o.feedback_id = f.feedback_id
 WHERE f.rating IS NOT NULL
 GROUP BY f.user_id, d.value ->> 'category', d.value ->> 'value';

-- Feedback of the last 7 days per user (updated_at is RFC 3339 text: compared as text with the
-- same format SQLite's strftime('%Y-%m-%dT%H:%M:%fZ') gives).
CREATE VIEW recent_feedback_summary WITH (security_invoker = true) AS
SELECT f.user_id,
       COUNT(*) AS feedback,
       COUNT(f.rating) AS ratings,
       CAST(AVG(f.rating) AS DOUBLE PRECISION) AS mean_rating,
       SUM(CASE WHEN f.liked = 1 THEN 1 ELSE 0 END) AS likes,
       SUM(CASE WHEN f.liked = 0 THEN 1 ELSE 0 END) AS dislikes,
       COUNT(o.feedback_id) AS outliers,
       MAX(f.updated_at) AS last_feedback_at
  FROM user_feedback f
  LEFT JOIN outliers o ON o.feedback_id = f.feedback_id
 WHERE f.updated_at >= to_char((now() - INTERVAL '7 days') AT TIME ZONE 'UTC',
                               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
 GROUP BY f.user_id;
