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

CREATE FUNCTION item_tags_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM item_tags WHERE item_kind = TG_ARGV[0] AND item_id = OLD.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_tags_delete AFTER DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION item_tags_delete('task');
CREATE TRIGGER notes_tags_delete AFTER DELETE ON notes FOR EACH ROW EXECUTE FUNCTION item_tags_delete('note');
CREATE TRIGGER ideas_tags_delete AFTER DELETE ON ideas FOR EACH ROW EXECUTE FUNCTION item_tags_delete('idea');
CREATE TRIGGER locations_tags_delete AFTER DELETE ON locations FOR EACH ROW EXECUTE FUNCTION item_tags_delete('location');
CREATE TRIGGER events_tags_delete AFTER DELETE ON events FOR EACH ROW EXECUTE FUNCTION item_tags_delete('event');
CREATE TRIGGER bookmarks_tags_delete AFTER DELETE ON bookmarks FOR EACH ROW EXECUTE FUNCTION item_tags_delete('bookmark');
CREATE TRIGGER images_tags_delete AFTER DELETE ON images FOR EACH ROW EXECUTE FUNCTION item_tags_delete('image');
CREATE TRIGGER voice_memos_tags_delete AFTER DELETE ON voice_memos FOR EACH ROW EXECUTE FUNCTION item_tags_delete('voice_memo');

-- What the filter bars offer, kept as items change rather than counted on
-- every page: each tag with how many items carry it, and the people items
-- came from (the name last seen for them).
CREATE TABLE tag_counts (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (user_id, tag)
);
CREATE FUNCTION tag_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tag_counts (user_id, tag, n) VALUES (NEW.user_id, NEW.tag, 1)
        ON CONFLICT (user_id, tag) DO UPDATE SET n = tag_counts.n + 1;
    RETURN NULL;
END
$$;
CREATE FUNCTION tag_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tag_counts SET n = n - 1 WHERE user_id = OLD.user_id AND tag = OLD.tag;
    DELETE FROM tag_counts WHERE user_id = OLD.user_id AND tag = OLD.tag AND n <= 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER item_tags_count_add AFTER INSERT ON item_tags FOR EACH ROW EXECUTE FUNCTION tag_counts_add();
CREATE TRIGGER item_tags_count_remove AFTER DELETE ON item_tags FOR EACH ROW EXECUTE FUNCTION tag_counts_remove();

CREATE TABLE source_people (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    person  TEXT NOT NULL,
    name    TEXT NOT NULL,
    PRIMARY KEY (user_id, person)
);
CREATE FUNCTION source_people_from() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO source_people (user_id, person, name) VALUES (NEW.user_id, NEW.src_from, NEW.src_from_name)
        ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE source_people.name END;
    RETURN NULL;
END
$$;
CREATE FUNCTION source_people_sender() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO source_people (user_id, person, name) VALUES (NEW.user_id, NEW.sender, NEW.sender_name)
        ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE source_people.name END;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_people AFTER INSERT ON tasks FOR EACH ROW WHEN (NEW.src_from <> '') EXECUTE FUNCTION source_people_from();
INSERT INTO source_people (user_id, person, name) SELECT user_id, src_from, MAX(src_from_name) FROM tasks WHERE src_from <> '' GROUP BY user_id, src_from
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE source_people.name END;
CREATE TRIGGER notes_people AFTER INSERT ON notes FOR EACH ROW WHEN (NEW.src_from <> '') EXECUTE FUNCTION source_people_from();
INSERT INTO source_people (user_id, person, name) SELECT user_id, src_from, MAX(src_from_name) FROM notes WHERE src_from <> '' GROUP BY user_id, src_from
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE source_people.name END;
CREATE TRIGGER ideas_people AFTER INSERT ON ideas FOR EACH ROW WHEN (NEW.src_from <> '') EXECUTE FUNCTION source_people_from();
INSERT INTO source_people (user_id, person, name) SELECT user_id, src_from, MAX(src_from_name) FROM ideas WHERE src_from <> '' GROUP BY user_id, src_from
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE source_people.name END;
CREATE TRIGGER locations_people AFTER INSERT ON locations FOR EACH ROW WHEN (NEW.src_from <> '') EXECUTE FUNCTION source_people_from();
INSERT INTO source_people (user_id, person, name) SELECT user_id, src_from, MAX(src_from_name) FROM locations WHERE src_from <> '' GROUP BY user_id, src_from
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE source_people.name END;
CREATE TRIGGER events_people AFTER INSERT ON events FOR EACH ROW WHEN (NEW.src_from <> '') EXECUTE FUNCTION source_people_from();
INSERT INTO source_people (user_id, person, name) SELECT user_id, src_from, MAX(src_from_name) FROM events WHERE src_from <> '' GROUP BY user_id, src_from
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE source_people.name END;
CREATE TRIGGER images_people AFTER INSERT ON images FOR EACH ROW WHEN (NEW.sender <> '') EXECUTE FUNCTION source_people_sender();
INSERT INTO source_people (user_id, person, name) SELECT user_id, sender, MAX(sender_name) FROM images WHERE sender <> '' GROUP BY user_id, sender
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE source_people.name END;
CREATE TRIGGER voice_memos_people AFTER INSERT ON voice_memos FOR EACH ROW WHEN (NEW.sender <> '') EXECUTE FUNCTION source_people_sender();
INSERT INTO source_people (user_id, person, name) SELECT user_id, sender, MAX(sender_name) FROM voice_memos WHERE sender <> '' GROUP BY user_id, sender
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE source_people.name END;
CREATE TRIGGER bookmark_shares_people AFTER INSERT ON bookmark_shares FOR EACH ROW WHEN (NEW.sender <> '') EXECUTE FUNCTION source_people_sender();
INSERT INTO source_people (user_id, person, name) SELECT user_id, sender, MAX(sender_name) FROM bookmark_shares WHERE sender <> '' GROUP BY user_id, sender
    ON CONFLICT (user_id, person) DO UPDATE SET name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE source_people.name END;
