-- When the person last read each chat in Synapse (milliseconds), for unread
-- counts. Synapse never tells WhatsApp: this is its own mark. Chats that
-- existed before count as read.
ALTER TABLE chats ADD COLUMN read_at BIGINT NOT NULL DEFAULT 0;
UPDATE chats SET read_at = last_message_at;
