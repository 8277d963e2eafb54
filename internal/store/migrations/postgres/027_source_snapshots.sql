-- Items outlive raw messages: each task, note, idea, place and event keeps a
-- snapshot of the words it came from (sender, time, text), and each
-- bookmark share the text that shared it, so that "from a message" still
-- shows its context once retention has removed the message. A pinned
-- message is kept past retention.
ALTER TABLE messages ADD COLUMN pinned_at BIGINT;
CREATE INDEX messages_pinned ON messages (user_id, pinned_at) WHERE pinned_at IS NOT NULL;
ALTER TABLE bookmark_shares ADD COLUMN text TEXT NOT NULL DEFAULT '';
UPDATE bookmark_shares SET text = COALESCE((SELECT m.text FROM messages m WHERE m.user_id = bookmark_shares.user_id AND m.chat_id = bookmark_shares.chat_id AND m.id = bookmark_shares.message_id), '');
ALTER TABLE tasks ADD COLUMN src_from TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN src_from_name TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN src_text TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN src_at BIGINT;
UPDATE tasks SET
    src_from = COALESCE((SELECT m.sender FROM messages m WHERE m.user_id = tasks.user_id AND m.chat_id = tasks.chat_id AND m.id = tasks.message_id), ''),
    src_from_name = COALESCE((SELECT m.sender_name FROM messages m WHERE m.user_id = tasks.user_id AND m.chat_id = tasks.chat_id AND m.id = tasks.message_id), ''),
    src_text = COALESCE((SELECT m.text FROM messages m WHERE m.user_id = tasks.user_id AND m.chat_id = tasks.chat_id AND m.id = tasks.message_id), ''),
    src_at = (SELECT m.ts FROM messages m WHERE m.user_id = tasks.user_id AND m.chat_id = tasks.chat_id AND m.id = tasks.message_id)
WHERE source = 'message';
UPDATE tasks SET
    src_from = COALESCE((SELECT v.sender FROM voice_memos v WHERE v.user_id = tasks.user_id AND v.id = tasks.voice_memo_id), ''),
    src_from_name = COALESCE((SELECT v.sender_name FROM voice_memos v WHERE v.user_id = tasks.user_id AND v.id = tasks.voice_memo_id), ''),
    src_text = COALESCE((SELECT v.transcript FROM voice_memos v WHERE v.user_id = tasks.user_id AND v.id = tasks.voice_memo_id), ''),
    src_at = (SELECT v.sent_at FROM voice_memos v WHERE v.user_id = tasks.user_id AND v.id = tasks.voice_memo_id)
WHERE source = 'voice_memo';
ALTER TABLE notes ADD COLUMN src_from TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN src_from_name TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN src_text TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN src_at BIGINT;
UPDATE notes SET
    src_from = COALESCE((SELECT m.sender FROM messages m WHERE m.user_id = notes.user_id AND m.chat_id = notes.chat_id AND m.id = notes.message_id), ''),
    src_from_name = COALESCE((SELECT m.sender_name FROM messages m WHERE m.user_id = notes.user_id AND m.chat_id = notes.chat_id AND m.id = notes.message_id), ''),
    src_text = COALESCE((SELECT m.text FROM messages m WHERE m.user_id = notes.user_id AND m.chat_id = notes.chat_id AND m.id = notes.message_id), ''),
    src_at = (SELECT m.ts FROM messages m WHERE m.user_id = notes.user_id AND m.chat_id = notes.chat_id AND m.id = notes.message_id)
WHERE source = 'message';
UPDATE notes SET
    src_from = COALESCE((SELECT v.sender FROM voice_memos v WHERE v.user_id = notes.user_id AND v.id = notes.voice_memo_id), ''),
    src_from_name = COALESCE((SELECT v.sender_name FROM voice_memos v WHERE v.user_id = notes.user_id AND v.id = notes.voice_memo_id), ''),
    src_text = COALESCE((SELECT v.transcript FROM voice_memos v WHERE v.user_id = notes.user_id AND v.id = notes.voice_memo_id), ''),
    src_at = (SELECT v.sent_at FROM voice_memos v WHERE v.user_id = notes.user_id AND v.id = notes.voice_memo_id)
WHERE source = 'voice_memo';
ALTER TABLE ideas ADD COLUMN src_from TEXT NOT NULL DEFAULT '';
ALTER TABLE ideas ADD COLUMN src_from_name TEXT NOT NULL DEFAULT '';
ALTER TABLE ideas ADD COLUMN src_text TEXT NOT NULL DEFAULT '';
ALTER TABLE ideas ADD COLUMN src_at BIGINT;
UPDATE ideas SET
    src_from = COALESCE((SELECT m.sender FROM messages m WHERE m.user_id = ideas.user_id AND m.chat_id = ideas.chat_id AND m.id = ideas.message_id), ''),
    src_from_name = COALESCE((SELECT m.sender_name FROM messages m WHERE m.user_id = ideas.user_id AND m.chat_id = ideas.chat_id AND m.id = ideas.message_id), ''),
    src_text = COALESCE((SELECT m.text FROM messages m WHERE m.user_id = ideas.user_id AND m.chat_id = ideas.chat_id AND m.id = ideas.message_id), ''),
    src_at = (SELECT m.ts FROM messages m WHERE m.user_id = ideas.user_id AND m.chat_id = ideas.chat_id AND m.id = ideas.message_id)
WHERE source = 'message';
UPDATE ideas SET
    src_from = COALESCE((SELECT v.sender FROM voice_memos v WHERE v.user_id = ideas.user_id AND v.id = ideas.voice_memo_id), ''),
    src_from_name = COALESCE((SELECT v.sender_name FROM voice_memos v WHERE v.user_id = ideas.user_id AND v.id = ideas.voice_memo_id), ''),
    src_text = COALESCE((SELECT v.transcript FROM voice_memos v WHERE v.user_id = ideas.user_id AND v.id = ideas.voice_memo_id), ''),
    src_at = (SELECT v.sent_at FROM voice_memos v WHERE v.user_id = ideas.user_id AND v.id = ideas.voice_memo_id)
WHERE source = 'voice_memo';
ALTER TABLE locations ADD COLUMN src_from TEXT NOT NULL DEFAULT '';
ALTER TABLE locations ADD COLUMN src_from_name TEXT NOT NULL DEFAULT '';
ALTER TABLE locations ADD COLUMN src_text TEXT NOT NULL DEFAULT '';
ALTER TABLE locations ADD COLUMN src_at BIGINT;
UPDATE locations SET
    src_from = COALESCE((SELECT m.sender FROM messages m WHERE m.user_id = locations.user_id AND m.chat_id = locations.chat_id AND m.id = locations.message_id), ''),
    src_from_name = COALESCE((SELECT m.sender_name FROM messages m WHERE m.user_id = locations.user_id AND m.chat_id = locations.chat_id AND m.id = locations.message_id), ''),
    src_text = COALESCE((SELECT m.text FROM messages m WHERE m.user_id = locations.user_id AND m.chat_id = locations.chat_id AND m.id = locations.message_id), ''),
    src_at = (SELECT m.ts FROM messages m WHERE m.user_id = locations.user_id AND m.chat_id = locations.chat_id AND m.id = locations.message_id)
WHERE source = 'message';
UPDATE locations SET
    src_from = COALESCE((SELECT v.sender FROM voice_memos v WHERE v.user_id = locations.user_id AND v.id = locations.voice_memo_id), ''),
    src_from_name = COALESCE((SELECT v.sender_name FROM voice_memos v WHERE v.user_id = locations.user_id AND v.id = locations.voice_memo_id), ''),
    src_text = COALESCE((SELECT v.transcript FROM voice_memos v WHERE v.user_id = locations.user_id AND v.id = locations.voice_memo_id), ''),
    src_at = (SELECT v.sent_at FROM voice_memos v WHERE v.user_id = locations.user_id AND v.id = locations.voice_memo_id)
WHERE source = 'voice_memo';
ALTER TABLE events ADD COLUMN src_from TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN src_from_name TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN src_text TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN src_at BIGINT;
UPDATE events SET
    src_from = COALESCE((SELECT m.sender FROM messages m WHERE m.user_id = events.user_id AND m.chat_id = events.chat_id AND m.id = events.message_id), ''),
    src_from_name = COALESCE((SELECT m.sender_name FROM messages m WHERE m.user_id = events.user_id AND m.chat_id = events.chat_id AND m.id = events.message_id), ''),
    src_text = COALESCE((SELECT m.text FROM messages m WHERE m.user_id = events.user_id AND m.chat_id = events.chat_id AND m.id = events.message_id), ''),
    src_at = (SELECT m.ts FROM messages m WHERE m.user_id = events.user_id AND m.chat_id = events.chat_id AND m.id = events.message_id)
WHERE source = 'message';
UPDATE events SET
    src_from = COALESCE((SELECT v.sender FROM voice_memos v WHERE v.user_id = events.user_id AND v.id = events.voice_memo_id), ''),
    src_from_name = COALESCE((SELECT v.sender_name FROM voice_memos v WHERE v.user_id = events.user_id AND v.id = events.voice_memo_id), ''),
    src_text = COALESCE((SELECT v.transcript FROM voice_memos v WHERE v.user_id = events.user_id AND v.id = events.voice_memo_id), ''),
    src_at = (SELECT v.sent_at FROM voice_memos v WHERE v.user_id = events.user_id AND v.id = events.voice_memo_id)
WHERE source = 'voice_memo';
