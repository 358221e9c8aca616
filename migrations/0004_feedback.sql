-- Feedback, standouts, preference learning and analytics rollups (stages 10-11).
--
-- 0002 declared the seed's feedback tables before anything wrote them; their final shape is
-- here. They are dropped and created again (nothing has written them: the feedback routes arrive
-- with this migration), with the views that read them.

DROP VIEW IF EXISTS outlier_rate_by_attribute;
DROP VIEW IF EXISTS recent_feedback_summary;
DROP TABLE IF EXISTS learning_updates;
DROP TABLE IF EXISTS outliers;
DROP TABLE IF EXISTS user_feedback;
DROP TABLE IF EXISTS vlt_attribute_success;
DROP TABLE IF EXISTS style_profile_success;
DROP TABLE IF EXISTS user_preferences;

-- One row per user and image: re-rating replaces the row and raises `revision`. The id is derived
-- from user and image, so a retried POST cannot create a second row.
CREATE TABLE user_feedback (
    feedback_id      TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    job_id           TEXT NOT NULL,
    image_id         TEXT NOT NULL,
    rating           INTEGER CHECK (rating BETWEEN 1 AND 5),
    liked            INTEGER CHECK (liked IN (0, 1)),
    comment          TEXT,
    tags             TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    -- 1 for the first feedback, +1 per re-rating.
    revision         INTEGER NOT NULL DEFAULT 1,
    -- The revision the learning stage has applied (0: none yet).
    learned_revision INTEGER NOT NULL DEFAULT 0,
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
    rating      INTEGER,
    quality     REAL NOT NULL,
    rule        TEXT NOT NULL CHECK (rule IN ('high_rating_and_quality', 'far_above_usual')),
    confidence  REAL NOT NULL CHECK (confidence > 0 AND confidence <= 1),
    z           REAL,
    created_at  TEXT NOT NULL
);
CREATE INDEX outliers_user_created ON outliers (user_id, created_at);

-- The learned preference per user and value: a Beta posterior (alpha, beta) as of updated_at, and
-- the planner weight it gave then. The prompt stage decays it to the job's time and draws from it.
CREATE TABLE user_preferences (
    user_id    TEXT NOT NULL,
    category   TEXT NOT NULL,
    value      TEXT NOT NULL,
    alpha      REAL NOT NULL CHECK (alpha > 0),
    beta       REAL NOT NULL CHECK (beta > 0),
    evidence   REAL NOT NULL CHECK (evidence >= 0),
    weight     REAL NOT NULL CHECK (weight > 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, category, value)
);

-- Per user and value shown: ratings, likes and standouts of the user's current feedback.
CREATE TABLE vlt_attribute_success (
    user_id     TEXT NOT NULL,
    category    TEXT NOT NULL,
    value       TEXT NOT NULL,
    ratings     INTEGER NOT NULL,
    rating_sum  REAL NOT NULL,
    likes       INTEGER NOT NULL,
    dislikes    INTEGER NOT NULL,
    outliers    INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, category, value)
);

-- Per style profile (a cluster of one job): images generated in it, and the feedback on them.
CREATE TABLE style_profile_success (
    user_id     TEXT NOT NULL,
    profile_id  TEXT NOT NULL,
    generations INTEGER NOT NULL,
    ratings     INTEGER NOT NULL,
    rating_sum  REAL NOT NULL,
    likes       INTEGER NOT NULL,
    dislikes    INTEGER NOT NULL,
    outliers    INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, profile_id)
);

-- Every preference update: which feedback revision moved which value, from what to what, on what
-- evidence (JSON: the posterior before and after, the feedback's signal).
CREATE TABLE learning_updates (
    update_id     TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    feedback_id   TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    category      TEXT NOT NULL,
    value         TEXT NOT NULL,
    weight_before REAL NOT NULL,
    weight_after  REAL NOT NULL,
    evidence      TEXT NOT NULL CHECK (json_valid(evidence)),
    created_at    TEXT NOT NULL,
    UNIQUE (feedback_id, revision, category, value)
);
CREATE INDEX learning_updates_user_created ON learning_updates (user_id, created_at);

-- Analytics state per user: `version` changes with every feedback and rollup; it is part of the
-- edge cache key of the analytics answers, so new feedback bypasses the cached ones.
CREATE TABLE user_analytics_state (
    user_id      TEXT PRIMARY KEY,
    version      INTEGER NOT NULL,
    rolled_up_at TEXT,
    updated_at   TEXT NOT NULL
);

-- --- daily rollups (written by the analytics cron; a day is replaced whole, so a rerun changes
-- nothing) ------------------------------------------------------------------------------------

CREATE TABLE analytics_daily_totals (
    user_id          TEXT NOT NULL,
    day              TEXT NOT NULL,
    jobs             INTEGER NOT NULL,
    images           INTEGER NOT NULL,
    picks            INTEGER NOT NULL,
    feedback         INTEGER NOT NULL,
    ratings          INTEGER NOT NULL,
    rating_sum       REAL NOT NULL,
    likes            INTEGER NOT NULL,
    dislikes         INTEGER NOT NULL,
    standouts        INTEGER NOT NULL,
    coverage_reports INTEGER NOT NULL,
    coverage_sum     REAL NOT NULL,
    rolled_up_at     TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
);

CREATE TABLE analytics_daily_attributes (
    user_id    TEXT NOT NULL,
    day        TEXT NOT NULL,
    category   TEXT NOT NULL,
    value      TEXT NOT NULL,
    picks      INTEGER NOT NULL,
    ratings    INTEGER NOT NULL,
    rating_sum REAL NOT NULL,
    likes      INTEGER NOT NULL,
    dislikes   INTEGER NOT NULL,
    standouts  INTEGER NOT NULL,
    PRIMARY KEY (user_id, day, category, value)
);

CREATE TABLE analytics_daily_categories (
    user_id  TEXT NOT NULL,
    day      TEXT NOT NULL,
    category TEXT NOT NULL,
    reports  INTEGER NOT NULL,
    PRIMARY KEY (user_id, day, category)
);

-- --- the seed's views ---------------------------------------------------------------------------

-- Of the rated designs with a value (planned: what the designer judged), the share that were
-- standouts, per user.
CREATE VIEW outlier_rate_by_attribute AS
SELECT f.user_id,
       json_extract(d.value, '$.category') AS category,
       json_extract(d.value, '$.value') AS value,
       COUNT(*) AS rated,
       COUNT(o.feedback_id) AS outliers,
       CAST(COUNT(o.feedback_id) AS REAL) / COUNT(*) AS outlier_rate
  FROM user_feedback f
  JOIN generated_images i ON i.image_id = f.image_id AND i.user_id = f.user_id
  JOIN json_each(i.requested) d
  LEFT JOIN outliers o ON o.feedback_id = f.feedback_id
 WHERE f.rating IS NOT NULL
 GROUP BY f.user_id, category, value;

-- Feedback of the last 7 days per user.
CREATE VIEW recent_feedback_summary AS
SELECT f.user_id,
       COUNT(*) AS feedback,
       COUNT(f.rating) AS ratings,
       AVG(f.rating) AS mean_rating,
       SUM(CASE WHEN f.liked = 1 THEN 1 ELSE 0 END) AS likes,
       SUM(CASE WHEN f.liked = 0 THEN 1 ELSE 0 END) AS dislikes,
       COUNT(o.feedback_id) AS outliers,
       MAX(f.updated_at) AS last_feedback_at
  FROM user_feedback f
  LEFT JOIN outliers o ON o.feedback_id = f.feedback_id
 WHERE f.updated_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
 GROUP BY f.user_id;
