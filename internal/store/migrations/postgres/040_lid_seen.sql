-- LIDs (WhatsApp's "@lid" ids) that some of a person's messages were
-- stored under because no phone number was known for them then. When the
-- number becomes known, the chat and the sender are merged into the
-- phone-number ones (Store.MergeLIDs) and the row goes.
CREATE TABLE lid_seen (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    lid     TEXT NOT NULL,
    PRIMARY KEY (user_id, lid)
);
