-- The claim of the reminders due at one instant takes them in id order, a
-- part (256) at a time (store.Tx.ClaimRemindersAt): with id in the index,
-- each part reads its rows off the index instead of sorting every pending
-- reminder of the instant again (100,000 due together made that quadratic).
-- The periodic sweep's (status, fire_at) range uses the same index.
DROP INDEX reminders_status_fire;
CREATE INDEX reminders_status_fire_id ON reminders (status, fire_at, id);
