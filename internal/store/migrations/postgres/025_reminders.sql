-- Reminders (issue 12). reminder_settings holds each person's choices
-- (absent row: the defaults). reminders holds one row per item that
-- reminds (a task with a due time; calendar events later, item_kind
-- 'event'): when it goes out next (fire_at, after quiet hours or a
-- snooze), and whether that sending was claimed and done. A sending is
-- claimed with a conditional UPDATE (status 'pending' and the job's
-- fire_at) before anything goes out, so that across nodes and retries a
-- reminder is sent at most once per fire_at.
-- self_messages records what Synapse itself wrote in the person's
-- "Message yourself" chat (reminders, capture confirmations), so that
-- analysis leaves them alone and a reply to them can act on their task.
CREATE TABLE reminder_settings (
    user_id        TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    channels       TEXT NOT NULL DEFAULT 'whatsapp,web',
    offset_minutes INTEGER NOT NULL DEFAULT 0,
    quiet_start    INTEGER NOT NULL DEFAULT -1,
    quiet_end      INTEGER NOT NULL DEFAULT -1,
    capture        BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE reminders (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item_kind      TEXT NOT NULL,
    item_id        TEXT NOT NULL,
    remind_at      BIGINT,
    offset_minutes INTEGER,
    fire_at        BIGINT,
    status         TEXT NOT NULL DEFAULT 'pending',
    claimed_at     BIGINT,
    sent_at        BIGINT,
    message_id     TEXT NOT NULL DEFAULT '',
    job_id         BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (user_id, item_kind, item_id)
);
CREATE INDEX reminders_user_fire ON reminders (user_id, status, fire_at);

CREATE TABLE self_messages (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    text_hash   TEXT NOT NULL,
    message_id  TEXT NOT NULL DEFAULT '',
    item_kind   TEXT NOT NULL DEFAULT '',
    item_id     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX self_messages_hash ON self_messages (user_id, text_hash);
CREATE INDEX self_messages_message ON self_messages (user_id, message_id);
