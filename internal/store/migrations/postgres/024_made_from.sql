-- The chat page links each message to what was made from it: look up
-- bookmark shares and voice memos by message.
CREATE INDEX bookmark_shares_message ON bookmark_shares (user_id, chat_id, message_id);
CREATE INDEX voice_memos_message ON voice_memos (user_id, chat_id, message_id);
