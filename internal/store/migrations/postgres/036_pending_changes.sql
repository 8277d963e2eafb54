-- Edits and deletions for everyone that arrived before the message they
-- change (offline redelivery, a history chunk not yet imported): kept
-- until the message is stored, then applied to it.
CREATE TABLE pending_changes (
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    chat_id   TEXT NOT NULL,
    target_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    by_jid    TEXT NOT NULL DEFAULT '',
    by_me     BOOLEAN NOT NULL DEFAULT FALSE,
    by_admin  BOOLEAN NOT NULL DEFAULT FALSE,
    text      TEXT NOT NULL DEFAULT '',
    at        BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, chat_id, target_id, kind)
);
