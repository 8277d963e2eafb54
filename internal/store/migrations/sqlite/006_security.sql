-- Account state that every authenticated request checks: a disabled
-- account (disabled_at) and an epoch before which no access token of the
-- user is valid (tokens_valid_after, unix milliseconds; 0: none).
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE users ADD COLUMN tokens_valid_after INTEGER NOT NULL DEFAULT 0;
