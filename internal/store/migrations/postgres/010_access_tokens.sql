-- Personal access tokens: named, scoped bearer tokens a person creates for
-- other programs. Only the SHA-256 of the secret is stored (the secrets are
-- 32 random bytes, so a fast hash is enough), so a copy of the database
-- authenticates nobody. scopes is a comma-separated list of read, write and
-- send. A revoked token is deleted. last_used_at is updated at most about
-- once a minute.
CREATE TABLE access_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   BYTEA NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX access_tokens_user ON access_tokens (user_id, created_at);
