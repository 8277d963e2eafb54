-- Follow-up work that the pipeline can find again. Each job that writes
-- queues its follow-up job in the same transaction; these columns, table and
-- indexes let the periodic sweep find what is still waiting for work (after
-- an upgrade from a version that queued outside the transaction, or after a
-- job was given up) and queue it again.

-- When a transcribed memo's transcript was analysed into items. Memos
-- transcribed before this version count as analysed when they have items;
-- the others are analysed once more (analysis is keyed by memo, so nothing
-- is stored twice).
ALTER TABLE voice_memos ADD COLUMN analysed_at INTEGER;
UPDATE voice_memos SET analysed_at = COALESCE(transcribed_at, created_at)
WHERE status = 'transcribed' AND (
    EXISTS (SELECT 1 FROM tasks t WHERE t.user_id = voice_memos.user_id AND t.source_key = 'v:' || voice_memos.id)
    OR EXISTS (SELECT 1 FROM notes n WHERE n.user_id = voice_memos.user_id AND n.source_key = 'v:' || voice_memos.id)
    OR EXISTS (SELECT 1 FROM ideas i WHERE i.user_id = voice_memos.user_id AND i.source_key = 'v:' || voice_memos.id)
    OR EXISTS (SELECT 1 FROM locations l WHERE l.user_id = voice_memos.user_id AND l.source_key = 'v:' || voice_memos.id));

-- A message whose media can never be downloaded (gone, too large, none),
-- so that the sweep does not try it again. It goes with its message.
CREATE TABLE media_failures (
    user_id    TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    message_id TEXT NOT NULL,
    reason     TEXT NOT NULL,
    failed_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, chat_id, message_id),
    FOREIGN KEY (user_id, chat_id, message_id) REFERENCES messages (user_id, chat_id, id) ON DELETE CASCADE
);

-- What the sweep walks, in key order, a bounded page at a time.
CREATE INDEX messages_media ON messages (seq) WHERE type IN ('image', 'voice');
CREATE INDEX voice_memos_awaiting ON voice_memos (id) WHERE status = 'awaiting_transcription';
CREATE INDEX voice_memos_unanalysed ON voice_memos (id) WHERE status = 'transcribed' AND analysed_at IS NULL;
CREATE INDEX bookmarks_pending ON bookmarks (id) WHERE status = 'pending';
