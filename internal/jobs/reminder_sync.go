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

// SyncTaskReminderTx brings a task's reminder in line with the task, the
// person's settings and choice, in tx: it (re)schedules the sending job
// when the time it goes out changes (cancelling the old job), and stops
// it when the task is done or has no time. A task that never had a
// reminder and has no due time gets no row.
func (r *Runner) SyncTaskReminderTx(ctx context.Context, tx *store.Tx, userID string, t store.Task, choice *ReminderChoice) (store.Reminder, error) {
	cur, err := tx.ReminderFor(ctx, userID, string(domain.KindTask), t.ID)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return cur, err
	}
	if !exists {
		cur = store.Reminder{ItemKind: string(domain.KindTask), ItemID: t.ID, Status: store.ReminderPending}
	}
	rem := cur
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
	loc := time.UTC
	if u, err := r.d.Store.UserByID(ctx, userID); err == nil {
		if l, err := time.LoadLocation(u.Timezone); err == nil {
			loc = l
		}
	}
	var fire *time.Time
	if !t.Done && (rem.RemindAt != nil || t.Due != nil && t.DueHasTime) {
		due := rem.RemindAt
		if t.Due != nil {
			due = t.Due
		}
		f := reminders.AfterQuiet(reminders.BaseTime(*due, rem.RemindAt, rem.OffsetMinutes, settings), settings, loc).UTC().Truncate(time.Millisecond)
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
		if err := r.CancelJobTx(ctx, tx, cur.JobID); err != nil {
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
	if schedule && rem.FireAt.Before(r.d.Now().Add(-missedAfter)) {
		schedule = false
		rem.Status = "missed"
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

// DropTaskReminderTx deletes a task's reminder and cancels its job.
func (r *Runner) DropTaskReminderTx(ctx context.Context, tx *store.Tx, userID, taskID string) error {
	rem, err := tx.DeleteReminderFor(ctx, userID, string(domain.KindTask), taskID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return r.CancelJobTx(ctx, tx, rem.JobID)
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
