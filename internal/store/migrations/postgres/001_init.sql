-- Synapse schema, PostgreSQL. Times are unix milliseconds (BIGINT), as on
-- SQLite, so that both dialects share their queries.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    timezone      TEXT NOT NULL DEFAULT 'UTC',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family_id  TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

CREATE TABLE whatsapp_sessions (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    status           TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    want_running     BOOLEAN NOT NULL DEFAULT FALSE,
    jid              TEXT NOT NULL DEFAULT '',
    push_name        TEXT NOT NULL DEFAULT '',
    connected_at     BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX whatsapp_sessions_restore ON whatsapp_sessions (want_running) WHERE want_running;

CREATE TABLE chats (
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    is_group        BOOLEAN NOT NULL DEFAULT FALSE,
    last_message_at BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX chats_recent ON chats (user_id, last_message_at, id);

CREATE TABLE messages (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    id          TEXT NOT NULL,
    sender      TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '',
    from_me     BOOLEAN NOT NULL DEFAULT FALSE,
    type        TEXT NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    ts          BIGINT NOT NULL,
    payload     TEXT,
    created_at  BIGINT NOT NULL,
    UNIQUE (user_id, chat_id, id),
    FOREIGN KEY (user_id, chat_id) REFERENCES chats (user_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_chat_ts ON messages (user_id, chat_id, ts, seq);
CREATE INDEX messages_user_ts ON messages (user_id, ts);
CREATE INDEX messages_ts ON messages (ts);
