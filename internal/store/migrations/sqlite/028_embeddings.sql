-- Embeddings for Ask: one vector per message with text and per indexed
-- thing (search_docs), each the user's own. ref is the message's seq (as
-- text) for messages, the thing's id otherwise. vec is the vector,
-- normalised to length 1, as float32 little-endian. chat_id, sender and ts
-- are copies that let a scan apply Ask's filters without a join; seq
-- orders rows as they are written, so that a cache can read only what is
-- new. A message edited, revoked or deleted (retention, the user's
-- deletion) and a thing re-indexed or deleted lose their vector here, by
-- trigger, and are embedded again by the next embedding job.
CREATE TABLE embeddings (
    seq     INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    ref     TEXT NOT NULL,
    chat_id TEXT NOT NULL DEFAULT '',
    sender  TEXT NOT NULL DEFAULT '',
    ts      INTEGER NOT NULL,
    model   TEXT NOT NULL,
    vec     BLOB NOT NULL,
    UNIQUE (user_id, kind, ref)
);
CREATE INDEX embeddings_user_seq ON embeddings (user_id, seq);

CREATE TRIGGER embeddings_message_delete AFTER DELETE ON messages BEGIN
    DELETE FROM embeddings WHERE user_id = old.user_id AND kind = 'message' AND ref = CAST(old.seq AS TEXT);
END;
CREATE TRIGGER embeddings_message_update AFTER UPDATE OF text ON messages WHEN old.text IS NOT new.text BEGIN
    DELETE FROM embeddings WHERE user_id = old.user_id AND kind = 'message' AND ref = CAST(old.seq AS TEXT);
END;
CREATE TRIGGER embeddings_doc_delete AFTER DELETE ON search_docs BEGIN
    DELETE FROM embeddings WHERE user_id = old.user_id AND kind = old.kind AND ref = old.ref;
END;
