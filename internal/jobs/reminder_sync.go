package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
)

// ReminderChoice is what a person chose for one task's reminder; nil
// fields keep what was chosen before.
type ReminderChoice struct {
	// RemindAt is a time of their choosing (a snooze sets it too).
	RemindAt *time.Time
	// OffsetMinutes is how long before the due time.
	OffsetMinutes *int
	// Reset forgets an earlier choice (before the fields above apply).
	Reset bool
}

// missedAfter is how late a reminder may still go out when its time is
// set: a task analysed from an old message, due last week, does not
// remind now.
const missedAfter = time.Minute

// remindedItem is what a reminder needs to know of its item.
type remindedItem struct {
	kind, id string
	// due is the task's due time (nil: none, or only a day) or the
	// event's start.
	due  *time.Time
	done bool
	// event: the item is a calendar event (default offset: the person's
	// event lead time; a reminder whose time passed before its start goes
	// out at once; done dismisses).
	event bool
}

// SyncTaskReminderTx brings a task's reminder in line with the task, the
// person's settings and choice, in tx: it (re)schedules the sending job
// when the time it goes out changes (cancelling the old job), and stops
// it when the task is done or has no time. A task that never had a
// reminder and has no due time gets no row.
func (r *Runner) SyncTaskReminderTx(ctx context.Context, tx *store.Tx, userID string, t store.Task, choice *ReminderChoice) (store.Reminder, error) {
	it := remindedItem{kind: string(domain.KindTask), id: t.ID, done: t.Done}
	if t.Due != nil && t.DueHasTime {
		it.due = t.Due
	}
	return r.syncReminderTx(ctx, tx, userID, it, choice)
}

// SyncEventReminderTx is SyncTaskReminderTx for a calendar event: it
// reminds the person's event lead time (or the event's own offset) before
// its start, unless its reminder was dismissed (choice.Reset, as after a
// new start, brings it back).
func (r *Runner) SyncEventReminderTx(ctx context.Context, tx *store.Tx, userID string, e store.Event, choice *ReminderChoice) (store.Reminder, error) {
	start := e.Start
	return r.syncReminderTx(ctx, tx, userID, remindedItem{kind: string(domain.KindEvent), id: e.ID, due: &start, event: true}, choice)
}

func (r *Runner) syncReminderTx(ctx context.Context, tx *store.Tx, userID string, it remindedItem, choice *ReminderChoice) (store.Reminder, error) {
	cur, err := tx.ReminderFor(ctx, userID, it.kind, it.id)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return cur, err
	}
	if !exists {
		cur = store.Reminder{ItemKind: it.kind, ItemID: it.id, Status: store.ReminderPending}
	}
	rem := cur
	if it.event && cur.Status == store.ReminderDismissed && (choice == nil || !choice.Reset && choice.RemindAt == nil) {
		it.done = true
	}
	if choice != nil {
		if choice.Reset {
			rem.RemindAt, rem.OffsetMinutes = nil, nil
		}
		if choice.RemindAt != nil {
			v := choice.RemindAt.UTC().Truncate(time.Millisecond)
			rem.RemindAt = &v
		}
		if choice.OffsetMinutes != nil {
			v := *choice.OffsetMinutes
			rem.OffsetMinutes = &v
		}
	}
	settings, err := tx.ReminderSettings(ctx, userID)
	if err != nil {
		return cur, err
	}
	if it.event {
		settings.OffsetMinutes = settings.EventLeadMinutes
	}
	loc := time.UTC
	if u, err := r.d.Store.UserByID(ctx, userID); err == nil {
		if l, err := time.LoadLocation(u.Timezone); err == nil {
			loc = l
		}
	}
	now := r.d.Now()
	var fire *time.Time
	if !it.done && (rem.RemindAt != nil || it.due != nil) {
		due := rem.RemindAt
		if it.due != nil {
			due = it.due
		}
		f := reminders.AfterQuiet(reminders.BaseTime(*due, rem.RemindAt, rem.OffsetMinutes, settings), settings, loc).UTC().Truncate(time.Millisecond)
		if it.event && rem.RemindAt == nil && f.Before(now) && it.due.After(now) {
			// An event made (or moved) less than its lead time before
			// its start reminds at once.
			// A reminder already set between then and the start (sent at
			// once, or due at once) stays.
			if exists && cur.FireAt != nil && !cur.FireAt.Before(f) && cur.FireAt.Before(*it.due) {
				f = *cur.FireAt
			} else {
				f = reminders.AfterQuiet(now, settings, loc).UTC().Truncate(time.Millisecond)
			}
		}
		fire = &f
	}
	if !exists && fire == nil && choice == nil {
		return cur, store.ErrNotFound
	}
	same := exists && sameTime(cur.FireAt, fire) && sameTime(cur.RemindAt, rem.RemindAt) && sameInt(cur.OffsetMinutes, rem.OffsetMinutes)
	if same {
		return cur, nil
	}
	if exists && !sameTime(cur.FireAt, fire) {
		if err := r.cancelReminderJobTx(ctx, tx, cur.JobID); err != nil {
			return cur, err
		}
		rem.JobID = 0
		rem.FireAt = fire
		if fire != nil {
			rem.Status, rem.SentAt = store.ReminderPending, nil
		}
	}
	if !exists {
		rem.FireAt = fire
	}
	schedule := rem.FireAt != nil && (!exists || !sameTime(cur.FireAt, fire))
	if schedule && rem.FireAt.Before(now.Add(-missedAfter)) {
		schedule = false
		rem.Status = store.ReminderMissed
	}
	saved, err := tx.SaveReminder(ctx, userID, rem)
	if err != nil {
		return saved, err
	}
	if schedule {
		id, err := r.ScheduleReminderTx(ctx, tx, userID, saved.ID, *saved.FireAt)
		if err != nil {
			return saved, err
		}
		saved.JobID = id
		if err := tx.SetReminderJob(ctx, userID, saved.ID, id); err != nil {
			return saved, err
		}
	}
	return saved, nil
}

// DismissReminderTx marks a reminder done without touching its item (an
// event's: an event has nothing to check off) and cancels its job.
func (r *Runner) DismissReminderTx(ctx context.Context, tx *store.Tx, userID, id string) error {
	job, err := tx.DismissReminder(ctx, userID, id)
	if err != nil {
		return err
	}
	return r.cancelReminderJobTx(ctx, tx, job)
}

// DropEventReminderTx deletes an event's reminder and cancels its job.
func (r *Runner) DropEventReminderTx(ctx context.Context, tx *store.Tx, userID, eventID string) error {
	rem, err := tx.DeleteReminderFor(ctx, userID, string(domain.KindEvent), eventID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return r.cancelReminderJobTx(ctx, tx, rem.JobID)
}

// DropTaskReminderTx deletes a task's reminder and cancels its job.
func (r *Runner) DropTaskReminderTx(ctx context.Context, tx *store.Tx, userID, taskID string) error {
	rem, err := tx.DeleteReminderFor(ctx, userID, string(domain.KindTask), taskID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return r.cancelReminderJobTx(ctx, tx, rem.JobID)
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func sameInt(a, b *int) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
