-- Search documents also hold, as filter keys, the chats their things came
-- from ('c:<chat id>', see filterMark in search.go), so that search
-- narrowed to a chat intersects two indexes instead of testing every
-- document the words match (a common word is in thousands). Summaries,
-- which carry no tag and no person, get their chat's key too. Every key
-- is made again from the things, not added to the old ones: a contact's
-- LID merged into their number before this migration left its documents
-- with the LID's person key.
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
        UNION SELECT 'c:' || x.chat_id FROM tasks x WHERE d.kind = 'task' AND x.user_id = d.user_id AND x.id = d.ref AND x.chat_id <> ''
        UNION SELECT 'c:' || x.chat_id FROM notes x WHERE d.kind = 'note' AND x.user_id = d.user_id AND x.id = d.ref AND x.chat_id <> ''
        UNION SELECT 'c:' || x.chat_id FROM ideas x WHERE d.kind = 'idea' AND x.user_id = d.user_id AND x.id = d.ref AND x.chat_id <> ''
        UNION SELECT 'c:' || x.chat_id FROM locations x WHERE d.kind = 'location' AND x.user_id = d.user_id AND x.id = d.ref AND x.chat_id <> ''
        UNION SELECT 'c:' || x.chat_id FROM events x WHERE d.kind = 'event' AND x.user_id = d.user_id AND x.id = d.ref AND x.chat_id <> ''
        UNION SELECT 'c:' || x.chat_id FROM images x WHERE d.kind = 'image' AND x.user_id = d.user_id AND x.id = d.ref AND x.chat_id <> ''
        UNION SELECT 'c:' || x.chat_id FROM voice_memos x WHERE d.kind = 'voice_memo' AND x.user_id = d.user_id AND x.id = d.ref AND x.chat_id <> ''
        UNION SELECT 'c:' || x.chat_id FROM bookmark_shares x WHERE d.kind = 'bookmark' AND x.user_id = d.user_id AND x.bookmark_id = d.ref AND x.chat_id <> ''
        UNION SELECT 'c:' || x.chat_id FROM summaries x WHERE d.kind = 'summary' AND x.user_id = d.user_id AND x.id = d.ref AND x.chat_id <> ''
    ) keys ORDER BY k)
WHERE d.kind IN ('task', 'note', 'idea', 'location', 'event', 'bookmark', 'image', 'voice_memo', 'summary');
