-- Per-user rate limits and quotas: one counter per user, limit and window (the window's start as
-- an RFC 3339 time: the minute for per-minute limits, the UTC day for daily quotas). A request is
-- counted by one conditional upsert that refuses to pass the limit, so concurrent requests cannot
-- overrun it. The daily sweep deletes windows older than two days.

CREATE TABLE rate_counters (
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    window_start TEXT NOT NULL,
    count        INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (user_id, name, window_start)
);
CREATE INDEX rate_counters_window ON rate_counters (window_start);
