-- A chat the person chose not to keep: its messages are acknowledged to
-- WhatsApp and dropped (milliseconds since; NULL: kept).
ALTER TABLE chats ADD COLUMN not_kept_since BIGINT;
