-- Embeddings for Ask: one vector per message with text and per indexed
-- thing (search_docs), each the user's own. ref is the message's seq (as
-- text) for messages, the thing's id otherwise. vec is the vector,
-- normalised to length 1, as float32 little-endian (no pgvector: cosine is
-- computed in Go over the user's rows). chat_id, sender and ts are copies
-- that let a scan apply Ask's filters without a join; seq orders rows as
-- they are written, so that a cache can read only what is new. A message
-- edited, revoked or deleted (retention, the user's deletion) and a thing
-- re-indexed with other text or deleted lose their vector here, by
-- trigger, and are embedded again by the next embedding job.
CREATE TABLE embeddings (
    seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    ref     TEXT NOT NULL,
    chat_id TEXT NOT NULL DEFAULT '',
    sender  TEXT NOT NULL DEFAULT '',
    ts      BIGINT NOT NULL,
    model   TEXT NOT NULL,
    vec     BYTEA NOT NULL,
    UNIQUE (user_id, kind, ref)
);
CREATE INDEX embeddings_user_seq ON embeddings (user_id, seq);

CREATE FUNCTION embeddings_forget_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM embeddings WHERE user_id = OLD.user_id AND kind = 'message' AND ref = OLD.seq::text;
    RETURN NULL;
END
$$;
CREATE TRIGGER embeddings_message_delete AFTER DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION embeddings_forget_message();
CREATE TRIGGER embeddings_message_update AFTER UPDATE OF text ON messages
    FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text) EXECUTE FUNCTION embeddings_forget_message();

CREATE FUNCTION embeddings_forget_doc() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM embeddings WHERE user_id = OLD.user_id AND kind = OLD.kind AND ref = OLD.ref;
    RETURN NULL;
END
$$;
CREATE TRIGGER embeddings_doc_delete AFTER DELETE ON search_docs
    FOR EACH ROW EXECUTE FUNCTION embeddings_forget_doc();
CREATE TRIGGER embeddings_doc_update AFTER UPDATE OF tsv ON search_docs
    FOR EACH ROW WHEN (OLD.tsv IS DISTINCT FROM NEW.tsv) EXECUTE FUNCTION embeddings_forget_doc();
