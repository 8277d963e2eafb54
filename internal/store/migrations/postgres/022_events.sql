-- Calendar events: meetings and plans with a start time, extracted from a
-- message or transcript (source, like the other items) or typed by hand.
-- Times are UTC instants in milliseconds, computed from the local wall time
-- in the person's time zone (time_zone, as it was when the event was made).
-- people is a JSON array of names. edited_at is when the person last changed
-- the event by hand (0: never); re-analysis never touches an edited event.
CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    starts_at     BIGINT NOT NULL,
    ends_at       BIGINT,
    place         TEXT NOT NULL DEFAULT '',
    people        TEXT NOT NULL DEFAULT '[]',
    time_zone     TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    source_key    TEXT,
    ordinal       INTEGER NOT NULL DEFAULT 0,
    chat_id       TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    voice_memo_id TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    edited_at     BIGINT NOT NULL DEFAULT 0,
    UNIQUE (user_id, source_key, ordinal)
);
CREATE INDEX events_user_starts ON events (user_id, starts_at, id);
CREATE INDEX events_user_created ON events (user_id, created_at, id);
