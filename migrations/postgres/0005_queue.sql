-- The durable queue of the Spin deployment: the twin of ../0005_queue.sql (see there for how
-- consumers use it). Messages carry no user_id (a message names its job; the consumer scopes its
-- work to the job's user), so the table has no row-level security: consumers read it under the
-- system scope.

CREATE TABLE queue_messages (
    message_id    TEXT PRIMARY KEY,
    queue         TEXT NOT NULL,
    body          TEXT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    visible_at    TEXT NOT NULL,
    claimed_by    TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX queue_messages_queue_visible ON queue_messages (queue, visible_at);
