-- Suggestions: promises the person made and requests made to them, found in
-- their chats, waiting in the "Suggested" inbox for the person to accept
-- (a task is made: task_id) or dismiss. One row per message and kind,
-- kept whatever its status, so that analysing a message again never brings
-- back what the person dismissed or accepted. status: open, accepted,
-- dismissed, answered (a request the person answered in the chat). The
-- snapshot (src_*) keeps who said what, and when, past retention.
CREATE TABLE suggestions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    due_at        INTEGER,
    due_has_time  INTEGER NOT NULL DEFAULT 0,
    chat_id       TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    src_from      TEXT NOT NULL DEFAULT '',
    src_from_name TEXT NOT NULL DEFAULT '',
    src_text      TEXT NOT NULL DEFAULT '',
    src_at        INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open',
    task_id       TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    decided_at    INTEGER,
    UNIQUE (user_id, chat_id, message_id, kind)
);
CREATE INDEX suggestions_user_status ON suggestions (user_id, status, created_at, id);
-- A chat the person excluded from suggestions (milliseconds since; NULL:
-- its messages are read for promises and requests).
ALTER TABLE chats ADD COLUMN no_suggestions_since INTEGER;
