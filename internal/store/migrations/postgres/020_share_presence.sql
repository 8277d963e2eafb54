-- Whether the person lets Synapse tell WhatsApp that they are online and
-- have read messages (read receipts when they read a chat in Synapse).
-- Off by default: their phone keeps its notifications and nobody sees them
-- online because of Synapse.
ALTER TABLE users ADD COLUMN share_presence BOOLEAN NOT NULL DEFAULT FALSE;
