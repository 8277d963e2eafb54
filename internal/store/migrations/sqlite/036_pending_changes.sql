-- Edits and deletions for everyone that arrived before the message they
-- change (offline redelivery, a history chunk not yet imported): kept
-- until the message is stored, then applied to it.
CREATE TABLE pending_changes (
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    chat_id   TEXT NOT NULL,
    target_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    by_jid    TEXT NOT NULL DEFAULT '',
    by_me     INTEGER NOT NULL DEFAULT 0,
    by_admin  INTEGER NOT NULL DEFAULT 0,
    text      TEXT NOT NULL DEFAULT '',
    at        INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, chat_id, target_id, kind)
);
