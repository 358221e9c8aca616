-- Tokens a user manages (see ../0008_tokens.sql, the SQLite twin): an optional expiry, and the
-- token's public id (the first 16 hex digits of its hash) indexed per user.

ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
CREATE UNIQUE INDEX api_tokens_id ON api_tokens (user_id, substr(token_hash, 1, 16));
