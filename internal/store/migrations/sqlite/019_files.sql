-- Documents (and other files) downloaded from messages: on demand, or by
-- themselves under WHATSAPP_AUTO_DOWNLOAD_BYTES. Like images, a message's
-- file is served only through this record, made by downloading it.
CREATE TABLE files (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    chat_id     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, chat_id, message_id)
);
