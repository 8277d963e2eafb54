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
