-- Edits and deletions for everyone. edited_at: when the sender last edited
-- the message (milliseconds); deleted_at: when it was deleted for everyone,
-- after which the row is a tombstone without text, attachments or index
-- entry, shown as "This message was deleted".
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
