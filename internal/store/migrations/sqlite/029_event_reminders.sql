-- Calendar events remind too (issue 12): event_lead_minutes is how long
-- before an event's start it reminds its owner (30 minutes unless the
-- person chose otherwise; an event's own reminder row may override it in
-- reminders.offset_minutes). An event reminder marked done is 'dismissed'.
-- The index serves the periodic sweep that finds pending reminders whose
-- time has passed without a job to send them.
ALTER TABLE reminder_settings ADD COLUMN event_lead_minutes INTEGER NOT NULL DEFAULT 30;
CREATE INDEX reminders_status_fire ON reminders (status, fire_at);
