-- The names the person gave contacts in their phone's address book. They
-- outrank push names when chats are named; a contact without a chat
-- makes no chat.
CREATE TABLE contact_names (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    jid     TEXT NOT NULL,
    name    TEXT NOT NULL,
    PRIMARY KEY (user_id, jid)
);
