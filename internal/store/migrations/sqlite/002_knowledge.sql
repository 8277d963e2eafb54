-- The knowledge pipeline: media, bookmarks, voice memos, items, summaries
-- and the search index. Derived knowledge does not reference messages, which
-- retention deletes; it keeps the message's chat and id as plain values.
CREATE TABLE images (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    chat_id     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    sender      TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '',
    caption     TEXT NOT NULL DEFAULT '',
    sha256      TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    thumb_sha256 TEXT NOT NULL DEFAULT '',
    sent_at     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, chat_id, message_id)
);
CREATE INDEX images_user_sent ON images (user_id, sent_at, id);
CREATE INDEX images_user_chat ON images (user_id, chat_id, sent_at, id);

CREATE TABLE voice_memos (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    chat_id       TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    sender        TEXT NOT NULL DEFAULT '',
    sender_name   TEXT NOT NULL DEFAULT '',
    sha256        TEXT NOT NULL,
    mime_type     TEXT NOT NULL,
    size          INTEGER NOT NULL,
    seconds       INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL,
    language      TEXT NOT NULL DEFAULT '',
    transcript    TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    sent_at       INTEGER NOT NULL,
    transcribed_at INTEGER,
    created_at    INTEGER NOT NULL,
    UNIQUE (user_id, chat_id, message_id)
);
CREATE INDEX voice_memos_user_sent ON voice_memos (user_id, sent_at, id);
CREATE INDEX voice_memos_status ON voice_memos (status);

CREATE TABLE bookmarks (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    normalized_url TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    site_name     TEXT NOT NULL DEFAULT '',
    image_url     TEXT NOT NULL DEFAULT '',
    image_sha256  TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    error         TEXT NOT NULL DEFAULT '',
    manual        INTEGER NOT NULL DEFAULT 0,
    fetched_at    INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (user_id, normalized_url)
);
CREATE INDEX bookmarks_user_created ON bookmarks (user_id, created_at, id);

CREATE TABLE bookmark_shares (
    bookmark_id TEXT NOT NULL REFERENCES bookmarks(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    chat_id     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    sender      TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '',
    shared_at   INTEGER NOT NULL,
    PRIMARY KEY (bookmark_id, chat_id, message_id)
);
CREATE INDEX bookmark_shares_user ON bookmark_shares (user_id);

-- Tasks, notes, ideas and locations. source is "message", "voice_memo" or
-- "manual"; source_key ("m:<chat>/<id>" or "v:<memo id>") and ordinal make
-- re-running an analysis a no-op.
CREATE TABLE tasks (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    due_at        INTEGER,
    due_has_time  INTEGER NOT NULL DEFAULT 0,
    done          INTEGER NOT NULL DEFAULT 0,
    done_at       INTEGER,
    source        TEXT NOT NULL,
    source_key    TEXT,
    ordinal       INTEGER NOT NULL DEFAULT 0,
    chat_id       TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    voice_memo_id TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (user_id, source_key, ordinal)
);
CREATE INDEX tasks_user_created ON tasks (user_id, created_at, id);

CREATE TABLE notes (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    source_key    TEXT,
    ordinal       INTEGER NOT NULL DEFAULT 0,
    chat_id       TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    voice_memo_id TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (user_id, source_key, ordinal)
);
CREATE INDEX notes_user_created ON notes (user_id, created_at, id);

CREATE TABLE ideas (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    source_key    TEXT,
    ordinal       INTEGER NOT NULL DEFAULT 0,
    chat_id       TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    voice_memo_id TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (user_id, source_key, ordinal)
);
CREATE INDEX ideas_user_created ON ideas (user_id, created_at, id);

CREATE TABLE locations (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    latitude      REAL,
    longitude     REAL,
    url           TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    source_key    TEXT,
    ordinal       INTEGER NOT NULL DEFAULT 0,
    chat_id       TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    voice_memo_id TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (user_id, source_key, ordinal)
);
CREATE INDEX locations_user_created ON locations (user_id, created_at, id);

CREATE TABLE summaries (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    chat_id      TEXT NOT NULL,
    chat_name    TEXT NOT NULL DEFAULT '',
    day          TEXT NOT NULL,
    language     TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL,
    stats        TEXT NOT NULL DEFAULT '{}',
    generator    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (user_id, chat_id, day)
);
CREATE INDEX summaries_user_day ON summaries (user_id, day, id);

-- Full-text search over messages, bookmarks, items, transcripts and
-- summaries. search_docs names each indexed thing; search_fts indexes its
-- text, folded in Go (lower case, no diacritics), under the negated rowid
-- (so that FTS5's cheap forward order is newest first). The
-- first token of every document is its owner ("u<user id>"), so that a query
-- is intersected with the owner's documents inside the index.
CREATE TABLE search_docs (
    id      INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    ref     TEXT NOT NULL,
    ts      INTEGER NOT NULL,
    UNIQUE (kind, ref)
);
CREATE INDEX search_docs_user ON search_docs (user_id);

CREATE VIRTUAL TABLE search_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Rows of a deleted user leave the index with their search_docs rows.
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_fts WHERE rowid = -old.id;
END;

-- Messages, the bulk of what is searched, have an index of their own keyed
-- by the message's negated seq (newest first in FTS5's forward order): one
-- insert per message, and rows that leave with the message (retention, or
-- the user's deletion).
CREATE VIRTUAL TABLE message_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_fts WHERE rowid = -old.seq;
END;
