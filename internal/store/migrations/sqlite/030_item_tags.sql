-- Tags on items: "#hashtags" found in the words an item came from (origin
-- 'hashtag') and tags the person added by hand ('manual'). item_kind is a
-- domain kind (task, note, idea, location, event, bookmark, image,
-- voice_memo) and item_id the item's id in its own table; a trigger on
-- each of those tables removes an item's tags with it, whichever path
-- deletes it.
CREATE TABLE item_tags (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item_kind  TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    tag        TEXT NOT NULL,
    origin     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (item_kind, item_id, tag)
);
CREATE INDEX item_tags_user_tag ON item_tags (user_id, tag, item_kind, item_id);

-- Lists filtered by person (the sender of the item's source) or chat,
-- newest first.
CREATE INDEX tasks_user_from ON tasks (user_id, src_from, created_at, id);
CREATE INDEX tasks_user_chat ON tasks (user_id, chat_id, created_at, id);
CREATE INDEX notes_user_from ON notes (user_id, src_from, created_at, id);
CREATE INDEX notes_user_chat ON notes (user_id, chat_id, created_at, id);
CREATE INDEX ideas_user_from ON ideas (user_id, src_from, created_at, id);
CREATE INDEX ideas_user_chat ON ideas (user_id, chat_id, created_at, id);
CREATE INDEX locations_user_from ON locations (user_id, src_from, created_at, id);
CREATE INDEX locations_user_chat ON locations (user_id, chat_id, created_at, id);
CREATE INDEX events_user_from ON events (user_id, src_from, starts_at, id);
CREATE INDEX events_user_chat ON events (user_id, chat_id, starts_at, id);
CREATE INDEX images_user_sender ON images (user_id, sender, sent_at, id);
CREATE INDEX voice_memos_user_sender ON voice_memos (user_id, sender, sent_at, id);
CREATE INDEX voice_memos_user_chat ON voice_memos (user_id, chat_id, sent_at, id);
CREATE INDEX bookmark_shares_user_sender ON bookmark_shares (user_id, sender, bookmark_id);
CREATE INDEX bookmark_shares_user_chat ON bookmark_shares (user_id, chat_id, bookmark_id);

CREATE TRIGGER tasks_tags_delete AFTER DELETE ON tasks BEGIN
    DELETE FROM item_tags WHERE item_kind = 'task' AND item_id = old.id;
END;
CREATE TRIGGER notes_tags_delete AFTER DELETE ON notes BEGIN
    DELETE FROM item_tags WHERE item_kind = 'note' AND item_id = old.id;
END;
CREATE TRIGGER ideas_tags_delete AFTER DELETE ON ideas BEGIN
    DELETE FROM item_tags WHERE item_kind = 'idea' AND item_id = old.id;
END;
CREATE TRIGGER locations_tags_delete AFTER DELETE ON locations BEGIN
    DELETE FROM item_tags WHERE item_kind = 'location' AND item_id = old.id;
END;
CREATE TRIGGER events_tags_delete AFTER DELETE ON events BEGIN
    DELETE FROM item_tags WHERE item_kind = 'event' AND item_id = old.id;
END;
CREATE TRIGGER bookmarks_tags_delete AFTER DELETE ON bookmarks BEGIN
    DELETE FROM item_tags WHERE item_kind = 'bookmark' AND item_id = old.id;
END;
CREATE TRIGGER images_tags_delete AFTER DELETE ON images BEGIN
    DELETE FROM item_tags WHERE item_kind = 'image' AND item_id = old.id;
END;
CREATE TRIGGER voice_memos_tags_delete AFTER DELETE ON voice_memos BEGIN
    DELETE FROM item_tags WHERE item_kind = 'voice_memo' AND item_id = old.id;
END;

-- What the filter bars offer, kept as items change rather than counted on
-- every page: each tag with how many items carry it, and the people items
-- came from (the name last seen for them).
CREATE TABLE tag_counts (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (user_id, tag)
);
CREATE TRIGGER item_tags_count_add AFTER INSERT ON item_tags BEGIN
    INSERT INTO tag_counts (user_id, tag, n) VALUES (new.user_id, new.tag, 1)
        ON CONFLICT (user_id, tag) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER item_tags_count_remove AFTER DELETE ON item_tags BEGIN
    UPDATE tag_counts SET n = n - 1 WHERE user_id = old.user_id AND tag = old.tag;
    DELETE FROM tag_counts WHERE user_id = old.user_id AND tag = old.tag AND n <= 0;
END;

CREATE TABLE source_people (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    person  TEXT NOT NULL,
    name    TEXT NOT NULL,
    PRIMARY KEY (user_id, person)
);
CREATE TRIGGER tasks_people AFTER INSERT ON tasks WHEN new.src_from <> '' BEGIN
    INSERT INTO source_people (user_id, person, name) VALUES (new.user_id, new.src_from, new.src_from_name)
        ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;
INSERT INTO source_people (user_id, person, name) SELECT user_id, src_from, MAX(src_from_name) FROM tasks WHERE src_from <> '' GROUP BY user_id, src_from
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
CREATE TRIGGER notes_people AFTER INSERT ON notes WHEN new.src_from <> '' BEGIN
    INSERT INTO source_people (user_id, person, name) VALUES (new.user_id, new.src_from, new.src_from_name)
        ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;
INSERT INTO source_people (user_id, person, name) SELECT user_id, src_from, MAX(src_from_name) FROM notes WHERE src_from <> '' GROUP BY user_id, src_from
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
CREATE TRIGGER ideas_people AFTER INSERT ON ideas WHEN new.src_from <> '' BEGIN
    INSERT INTO source_people (user_id, person, name) VALUES (new.user_id, new.src_from, new.src_from_name)
        ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;
INSERT INTO source_people (user_id, person, name) SELECT user_id, src_from, MAX(src_from_name) FROM ideas WHERE src_from <> '' GROUP BY user_id, src_from
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
CREATE TRIGGER locations_people AFTER INSERT ON locations WHEN new.src_from <> '' BEGIN
    INSERT INTO source_people (user_id, person, name) VALUES (new.user_id, new.src_from, new.src_from_name)
        ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;
INSERT INTO source_people (user_id, person, name) SELECT user_id, src_from, MAX(src_from_name) FROM locations WHERE src_from <> '' GROUP BY user_id, src_from
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
CREATE TRIGGER events_people AFTER INSERT ON events WHEN new.src_from <> '' BEGIN
    INSERT INTO source_people (user_id, person, name) VALUES (new.user_id, new.src_from, new.src_from_name)
        ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;
INSERT INTO source_people (user_id, person, name) SELECT user_id, src_from, MAX(src_from_name) FROM events WHERE src_from <> '' GROUP BY user_id, src_from
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
CREATE TRIGGER images_people AFTER INSERT ON images WHEN new.sender <> '' BEGIN
    INSERT INTO source_people (user_id, person, name) VALUES (new.user_id, new.sender, new.sender_name)
        ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;
INSERT INTO source_people (user_id, person, name) SELECT user_id, sender, MAX(sender_name) FROM images WHERE sender <> '' GROUP BY user_id, sender
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
CREATE TRIGGER voice_memos_people AFTER INSERT ON voice_memos WHEN new.sender <> '' BEGIN
    INSERT INTO source_people (user_id, person, name) VALUES (new.user_id, new.sender, new.sender_name)
        ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;
INSERT INTO source_people (user_id, person, name) SELECT user_id, sender, MAX(sender_name) FROM voice_memos WHERE sender <> '' GROUP BY user_id, sender
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
CREATE TRIGGER bookmark_shares_people AFTER INSERT ON bookmark_shares WHEN new.sender <> '' BEGIN
    INSERT INTO source_people (user_id, person, name) VALUES (new.user_id, new.sender, new.sender_name)
        ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;
INSERT INTO source_people (user_id, person, name) SELECT user_id, sender, MAX(sender_name) FROM bookmark_shares WHERE sender <> '' GROUP BY user_id, sender
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
