-- The durable queue of the Spin deployment (Spin's Redis trigger delivers at most once, so
-- messages wait in the database until a consumer has settled them). D1 carries the table too and
-- leaves it empty: on Cloudflare the stages are chained by Queues. Messages that exhaust their
-- attempts go to `dead_letters` (0002_pipeline.sql).
--
-- A consumer claims a visible message (`visible_at` <= now) by setting `claimed_by` and moving
-- `visible_at` to the end of its lease; it deletes the message when handled, or
-- on failure records `last_error` and makes it visible again after a back-off. `attempts` counts
-- deliveries. Timestamps are RFC 3339 text in UTC.

CREATE TABLE queue_messages (
    message_id    TEXT PRIMARY KEY,
    queue         TEXT NOT NULL,
    body          TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    visible_at    TEXT NOT NULL,
    claimed_by    TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX queue_messages_queue_visible ON queue_messages (queue, visible_at);
