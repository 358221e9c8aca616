-- Proof of the edge foundation: the gateway's pings, the pong consumer's progress on them,
-- messages that reached the dead-letter queue, and the daily cron's runs. D1 (SQLite) dialect.

CREATE TABLE pings (
    id           TEXT PRIMARY KEY,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    processed    INTEGER NOT NULL DEFAULT 0 CHECK (processed IN (0, 1)),
    processed_at TEXT,
    deliveries   INTEGER NOT NULL DEFAULT 0,
    object_bytes INTEGER
);

CREATE TABLE dead_letters (
    message_id  TEXT PRIMARY KEY,
    queue       TEXT NOT NULL,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE cron_runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    cron           TEXT NOT NULL,
    scheduled_time INTEGER NOT NULL,
    ran_at         TEXT NOT NULL
);
