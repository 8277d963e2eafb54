-- One person's messages in time order, for search narrowed to what a
-- person sent: it reads their newest messages and tests the words on each,
-- instead of reading every message holding the words and testing the
-- sender (a common word is in tens of thousands of messages).
CREATE INDEX messages_sender_ts ON messages (user_id, sender, ts, seq);
