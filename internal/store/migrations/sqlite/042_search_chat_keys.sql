-- Search documents also hold, as filter keys, the chats their things came
-- from (see filterMark in search.go); summaries get their chat's key too.
-- As in migration 033, the documents are listed here and indexed again
-- from their things, in Go, as the store migrates (refilterPending): every
-- key is made again, so a contact's LID merged into their number before
-- this migration no longer leaves its documents with the LID's person key.
INSERT OR IGNORE INTO search_refilter (doc_id)
    SELECT id FROM search_docs WHERE kind IN ('task', 'note', 'idea', 'location', 'event', 'bookmark', 'image', 'voice_memo', 'summary');
