-- Tokens a user manages: an optional expiry. A token's public id is the first 16 hex digits of
-- its hash (`substr(token_hash, 1, 16)`), so listing and revoking never need the token itself;
-- the index makes that lookup cheap.

ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
CREATE UNIQUE INDEX api_tokens_id ON api_tokens (user_id, substr(token_hash, 1, 16));
