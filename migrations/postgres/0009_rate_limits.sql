-- Per-user rate limits and quotas (see ../0009_rate_limits.sql, the SQLite twin), with the row
-- security of 0006 and the product role's privileges (0006's GRANT covered the tables of its time
-- only).

CREATE TABLE rate_counters (
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    window_start TEXT NOT NULL,
    count        BIGINT NOT NULL CHECK (count >= 0),
    PRIMARY KEY (user_id, name, window_start)
);
CREATE INDEX rate_counters_window ON rate_counters (window_start);

ALTER TABLE rate_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE rate_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON rate_counters
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_counters TO bff_app;
