-- Synapse schema, SQLite. Times are unix milliseconds (INTEGER).
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    timezone      TEXT NOT NULL DEFAULT 'UTC',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family_id  TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    revoked_at INTEGER
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

CREATE TABLE whatsapp_sessions (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    status           TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    want_running     INTEGER NOT NULL DEFAULT 0,
    jid              TEXT NOT NULL DEFAULT '',
    push_name        TEXT NOT NULL DEFAULT '',
    connected_at     INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX whatsapp_sessions_restore ON whatsapp_sessions (want_running) WHERE want_running = 1;

CREATE TABLE chats (
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    is_group        INTEGER NOT NULL DEFAULT 0,
    last_message_at INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, id)
) WITHOUT ROWID;
CREATE INDEX chats_recent ON chats (user_id, last_message_at, id);

CREATE TABLE messages (
    seq         INTEGER PRIMARY KEY,
    user_id     TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    id          TEXT NOT NULL,
    sender      TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '',
    from_me     INTEGER NOT NULL DEFAULT 0,
    type        TEXT NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    ts          INTEGER NOT NULL,
    payload     TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, chat_id, id),
    FOREIGN KEY (user_id, chat_id) REFERENCES chats (user_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_chat_ts ON messages (user_id, chat_id, ts, seq);
CREATE INDEX messages_user_ts ON messages (user_id, ts);
CREATE INDEX messages_ts ON messages (ts);
