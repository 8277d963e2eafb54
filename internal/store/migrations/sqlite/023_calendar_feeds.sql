-- Private calendar feeds: one per person at most, served without a log-in
-- at /calendar/<secret>.ics (calendar apps cannot send credentials). Only
-- the SHA-256 of the secret is stored, like personal access tokens (010).
-- Rotating replaces the row's hash; revoking deletes the row.
-- content_hash and changed_at remember the last document served, so that
-- Last-Modified moves when anything in it changes, deletions included.
-- last_fetched_at is written at most about once a minute.
CREATE TABLE calendar_feeds (
    user_id         TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash      BLOB NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    last_fetched_at INTEGER,
    content_hash    BLOB,
    changed_at      INTEGER
);
