-- Search documents of tagged kinds hold their filter keys: 't:<tag>' for
-- each of the item's tags and 'p:<WhatsApp id>' for each person it came
-- from (see filterMark in search.go), so that search narrowed by tag or
-- person intersects two indexes instead of testing every document the
-- words match.
ALTER TABLE search_docs ADD COLUMN filters TEXT[] NOT NULL DEFAULT '{}';
UPDATE search_docs d SET filters = ARRAY(
    SELECT k FROM (
        SELECT 't:' || g.tag AS k FROM item_tags g WHERE g.user_id = d.user_id AND g.item_kind = d.kind AND g.item_id = d.ref
        UNION SELECT 'p:' || x.src_from FROM tasks x WHERE d.kind = 'task' AND x.user_id = d.user_id AND x.id = d.ref AND x.src_from <> ''
        UNION SELECT 'p:' || x.src_from FROM notes x WHERE d.kind = 'note' AND x.user_id = d.user_id AND x.id = d.ref AND x.src_from <> ''
        UNION SELECT 'p:' || x.src_from FROM ideas x WHERE d.kind = 'idea' AND x.user_id = d.user_id AND x.id = d.ref AND x.src_from <> ''
        UNION SELECT 'p:' || x.src_from FROM locations x WHERE d.kind = 'location' AND x.user_id = d.user_id AND x.id = d.ref AND x.src_from <> ''
        UNION SELECT 'p:' || x.src_from FROM events x WHERE d.kind = 'event' AND x.user_id = d.user_id AND x.id = d.ref AND x.src_from <> ''
        UNION SELECT 'p:' || x.sender FROM images x WHERE d.kind = 'image' AND x.user_id = d.user_id AND x.id = d.ref AND x.sender <> ''
        UNION SELECT 'p:' || x.sender FROM voice_memos x WHERE d.kind = 'voice_memo' AND x.user_id = d.user_id AND x.id = d.ref AND x.sender <> ''
        UNION SELECT 'p:' || x.sender FROM bookmark_shares x WHERE d.kind = 'bookmark' AND x.user_id = d.user_id AND x.bookmark_id = d.ref AND x.sender <> ''
    ) keys ORDER BY k)
WHERE d.kind IN ('task', 'note', 'idea', 'location', 'event', 'bookmark', 'image', 'voice_memo');
CREATE INDEX search_docs_filters ON search_docs USING GIN (filters);

-- Each tag row also holds its item's list time (at: the time its list is
-- ordered by), so that a list narrowed by a tag reads its page from one
-- index, newest first, instead of walking the whole list and testing every
-- item against the tagged ones. Triggers keep it: set from the item when a
-- tag is added, followed when the item's time changes.
ALTER TABLE item_tags ADD COLUMN at BIGINT;
UPDATE item_tags g SET at = x.created_at FROM tasks x WHERE g.item_kind = 'task' AND x.id = g.item_id;
UPDATE item_tags g SET at = x.created_at FROM notes x WHERE g.item_kind = 'note' AND x.id = g.item_id;
UPDATE item_tags g SET at = x.created_at FROM ideas x WHERE g.item_kind = 'idea' AND x.id = g.item_id;
UPDATE item_tags g SET at = x.created_at FROM locations x WHERE g.item_kind = 'location' AND x.id = g.item_id;
UPDATE item_tags g SET at = x.created_at FROM bookmarks x WHERE g.item_kind = 'bookmark' AND x.id = g.item_id;
UPDATE item_tags g SET at = x.starts_at FROM events x WHERE g.item_kind = 'event' AND x.id = g.item_id;
UPDATE item_tags g SET at = x.sent_at FROM images x WHERE g.item_kind = 'image' AND x.id = g.item_id;
UPDATE item_tags g SET at = x.sent_at FROM voice_memos x WHERE g.item_kind = 'voice_memo' AND x.id = g.item_id;
UPDATE item_tags SET at = 0 WHERE at IS NULL;
ALTER TABLE item_tags ALTER COLUMN at SET NOT NULL;
CREATE INDEX item_tags_user_tag_at ON item_tags (user_id, item_kind, tag, at, item_id);

CREATE FUNCTION item_tags_set_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.at := CASE NEW.item_kind
        WHEN 'task' THEN (SELECT created_at FROM tasks WHERE id = NEW.item_id)
        WHEN 'note' THEN (SELECT created_at FROM notes WHERE id = NEW.item_id)
        WHEN 'idea' THEN (SELECT created_at FROM ideas WHERE id = NEW.item_id)
        WHEN 'location' THEN (SELECT created_at FROM locations WHERE id = NEW.item_id)
        WHEN 'bookmark' THEN (SELECT created_at FROM bookmarks WHERE id = NEW.item_id)
        WHEN 'event' THEN (SELECT starts_at FROM events WHERE id = NEW.item_id)
        WHEN 'image' THEN (SELECT sent_at FROM images WHERE id = NEW.item_id)
        WHEN 'voice_memo' THEN (SELECT sent_at FROM voice_memos WHERE id = NEW.item_id)
    END;
    IF NEW.at IS NULL THEN
        NEW.at := 0;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER item_tags_at BEFORE INSERT ON item_tags FOR EACH ROW EXECUTE FUNCTION item_tags_set_at();

-- TG_ARGV: the item kind and the column its list is ordered by.
CREATE FUNCTION item_tags_follow_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE item_tags SET at = (to_jsonb(NEW) ->> TG_ARGV[1])::BIGINT WHERE item_kind = TG_ARGV[0] AND item_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_tags_at AFTER UPDATE OF created_at ON tasks FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION item_tags_follow_at('task', 'created_at');
CREATE TRIGGER notes_tags_at AFTER UPDATE OF created_at ON notes FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION item_tags_follow_at('note', 'created_at');
CREATE TRIGGER ideas_tags_at AFTER UPDATE OF created_at ON ideas FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION item_tags_follow_at('idea', 'created_at');
CREATE TRIGGER locations_tags_at AFTER UPDATE OF created_at ON locations FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION item_tags_follow_at('location', 'created_at');
CREATE TRIGGER bookmarks_tags_at AFTER UPDATE OF created_at ON bookmarks FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION item_tags_follow_at('bookmark', 'created_at');
CREATE TRIGGER events_tags_at AFTER UPDATE OF starts_at ON events FOR EACH ROW WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at)
    EXECUTE FUNCTION item_tags_follow_at('event', 'starts_at');
CREATE TRIGGER images_tags_at AFTER UPDATE OF sent_at ON images FOR EACH ROW WHEN (OLD.sent_at IS DISTINCT FROM NEW.sent_at)
    EXECUTE FUNCTION item_tags_follow_at('image', 'sent_at');
CREATE TRIGGER voice_memos_tags_at AFTER UPDATE OF sent_at ON voice_memos FOR EACH ROW WHEN (OLD.sent_at IS DISTINCT FROM NEW.sent_at)
    EXECUTE FUNCTION item_tags_follow_at('voice_memo', 'sent_at');
