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
