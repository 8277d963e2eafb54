-- One item per thing: every source message of a task, note, idea, place,
-- event or image (the first one included). A repeated or forwarded message
-- adds a source to the item it repeats instead of a new item. norm is the
-- normalised text the source gave (empty for rows made before merging
-- existed: those are never merge targets). item_dismissals remembers the
-- items the person deleted, by source message, kind and normalised text,
-- so that analysing the message again never brings them back.
CREATE TABLE item_sources (
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item_kind     TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    chat_id       TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    norm          TEXT NOT NULL DEFAULT '',
    src_from      TEXT NOT NULL DEFAULT '',
    src_from_name TEXT NOT NULL DEFAULT '',
    src_text      TEXT NOT NULL DEFAULT '',
    src_at        BIGINT,
    added_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, item_kind, item_id, chat_id, message_id)
);
CREATE INDEX item_sources_item ON item_sources (item_kind, item_id);
CREATE INDEX item_sources_norm ON item_sources (user_id, item_kind, norm, src_at);
CREATE INDEX item_sources_message ON item_sources (user_id, chat_id, message_id);
CREATE TABLE item_dismissals (
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item_kind    TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    norm         TEXT NOT NULL,
    dismissed_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, item_kind, chat_id, message_id, norm)
);
ALTER TABLE images ADD COLUMN phash BIGINT;
ALTER TABLE images ADD COLUMN dup_of TEXT NOT NULL DEFAULT '';
CREATE INDEX images_user_sha ON images (user_id, sha256);
ALTER TABLE tasks ADD COLUMN mentions INTEGER NOT NULL DEFAULT 1;
UPDATE tasks SET mentions = 0 WHERE source = 'manual';
INSERT INTO item_sources (user_id, item_kind, item_id, chat_id, message_id, src_from, src_from_name, src_text, src_at, added_at)
    SELECT user_id, 'task', id, chat_id, message_id, src_from, src_from_name, src_text, src_at, created_at
    FROM tasks WHERE source <> 'manual' AND message_id <> '';
ALTER TABLE notes ADD COLUMN mentions INTEGER NOT NULL DEFAULT 1;
UPDATE notes SET mentions = 0 WHERE source = 'manual';
INSERT INTO item_sources (user_id, item_kind, item_id, chat_id, message_id, src_from, src_from_name, src_text, src_at, added_at)
    SELECT user_id, 'note', id, chat_id, message_id, src_from, src_from_name, src_text, src_at, created_at
    FROM notes WHERE source <> 'manual' AND message_id <> '';
ALTER TABLE ideas ADD COLUMN mentions INTEGER NOT NULL DEFAULT 1;
UPDATE ideas SET mentions = 0 WHERE source = 'manual';
INSERT INTO item_sources (user_id, item_kind, item_id, chat_id, message_id, src_from, src_from_name, src_text, src_at, added_at)
    SELECT user_id, 'idea', id, chat_id, message_id, src_from, src_from_name, src_text, src_at, created_at
    FROM ideas WHERE source <> 'manual' AND message_id <> '';
ALTER TABLE locations ADD COLUMN mentions INTEGER NOT NULL DEFAULT 1;
UPDATE locations SET mentions = 0 WHERE source = 'manual';
INSERT INTO item_sources (user_id, item_kind, item_id, chat_id, message_id, src_from, src_from_name, src_text, src_at, added_at)
    SELECT user_id, 'location', id, chat_id, message_id, src_from, src_from_name, src_text, src_at, created_at
    FROM locations WHERE source <> 'manual' AND message_id <> '';
ALTER TABLE events ADD COLUMN mentions INTEGER NOT NULL DEFAULT 1;
UPDATE events SET mentions = 0 WHERE source = 'manual';
INSERT INTO item_sources (user_id, item_kind, item_id, chat_id, message_id, src_from, src_from_name, src_text, src_at, added_at)
    SELECT user_id, 'event', id, chat_id, message_id, src_from, src_from_name, src_text, src_at, created_at
    FROM events WHERE source <> 'manual' AND message_id <> '';
ALTER TABLE images ADD COLUMN mentions INTEGER NOT NULL DEFAULT 1;
INSERT INTO item_sources (user_id, item_kind, item_id, chat_id, message_id, src_from, src_from_name, src_text, src_at, added_at)
    SELECT user_id, 'image', id, chat_id, message_id, sender, sender_name, caption, sent_at, created_at FROM images;
