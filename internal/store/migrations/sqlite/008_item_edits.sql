-- When the person last changed an item by hand (milliseconds; 0: never).
-- Re-analysis, merging, edits and deletions of the source message never
-- touch an item the person changed.
ALTER TABLE tasks ADD COLUMN edited_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notes ADD COLUMN edited_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ideas ADD COLUMN edited_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE locations ADD COLUMN edited_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE bookmarks ADD COLUMN edited_at BIGINT NOT NULL DEFAULT 0;
