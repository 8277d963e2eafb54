-- Search documents of tagged kinds hold their filter keys (tags and the
-- people an item came from) as tokens of their indexed text (see
-- filterMark in search.go). SQLite keeps no copy of a document's text, so
-- the documents indexed before this migration are listed here and indexed
-- again from their items, in Go, as the store migrates (refilterPending).
CREATE TABLE search_refilter (
    doc_id INTEGER PRIMARY KEY
);
INSERT INTO search_refilter (doc_id)
    SELECT id FROM search_docs WHERE kind IN ('task', 'note', 'idea', 'location', 'event', 'bookmark', 'image', 'voice_memo');
