package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
)

// ReminderArgs sends one reminder due at FireAt (unix milliseconds): a job
// per reminder, as they were queued before ReminderBatchArgs (which now
// sends every reminder); such jobs still queued run as before. One whose
// reminder no longer fires at FireAt (snoozed, rescheduled, done, deleted)
// does nothing.
type ReminderArgs struct {
	UserID     string `json:"user_id"`
	ReminderID string `json:"reminder_id"`
	FireAt     int64  `json:"fire_at"`
}

func (ReminderArgs) Kind() string { return "reminder" }

// reminderAttempts bounds how often a reminder whose WhatsApp sending
// failed is tried again (River's backoff: about 1 s, 16 s, 81 s) before it
// goes out through the other channels alone.
const reminderAttempts = 4

func (ReminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: reminderAttempts, UniqueOpts: whilePending, Queue: queueReminders}
}

// CancelJobTx cancels, in tx, a job that has not run yet (a reminder's,
// when its task is done or deleted or its time changes). A job that ran
// or is gone is no error.
func (r *Runner) CancelJobTx(ctx context.Context, tx *store.Tx, jobID int64) error {
	if jobID == 0 {
		return nil
	}
	if _, err := r.client.JobCancelTx(ctx, tx.SQL(), jobID); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("jobs: cancel job: %w", err)
	}
	return nil
}

type reminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	r *Runner
}

// Work sends the reminder through the person's channels, exactly once per
// fire time across every node: the sending is claimed first with a
// conditional UPDATE (ClaimReminder), and only the claimer sends; then it
// is recorded as sent (River completes the job after, in a batch). A crash
// between the claim and that record leaves the reminder "sending": it is
// not sent again (at most once; the reminders list shows it among the
// sent ones), because sending twice is the worse failure for a message
// on someone's phone.
func (w *reminderWorker) Work(ctx context.Context, job *river.Job[ReminderArgs]) error {
	d := w.r.d
	a := job.Args
	fireAt := time.UnixMilli(a.FireAt)
	if wait := fireAt.Sub(d.Now()); wait > 0 {
		// Early by the runner's clock (a test's, or a clock that was set
		// back): wait for it.
		return river.JobSnooze(wait)
	}
	rem, err := d.Store.GetReminder(ctx, a.UserID, a.ReminderID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if rem.Done || rem.Status != store.ReminderPending || rem.FireAt == nil || !rem.FireAt.Equal(fireAt) {
		return nil
	}
	claimed, err := d.Store.ClaimReminder(ctx, a.UserID, a.ReminderID, fireAt)
	if err != nil || !claimed {
		return err
	}
	user, err := d.Store.UserByID(ctx, a.UserID)
	if err != nil {
		_ = d.Store.ReleaseReminder(ctx, a.UserID, a.ReminderID)
		return err
	}
	settings, err := d.Store.ReminderSettings(ctx, a.UserID)
	if err != nil {
		_ = d.Store.ReleaseReminder(ctx, a.UserID, a.ReminderID)
		return err
	}
	loc, err := time.LoadLocation(user.Timezone)
	if err != nil {
		loc = time.UTC
	}
	out := reminderMessage(d.Now(), rem, fireAt, loc)
	log := d.Log.With("user_id", a.UserID, "reminder_id", rem.ID)
	for i, ch := range d.ReminderChannels {
		if !settings.HasChannel(ch.Name()) {
			continue
		}
		if err := ch.Send(ctx, a.UserID, out); err != nil {
			if i == 0 && job.Attempt < job.MaxAttempts {
				// The first channel (WhatsApp) failed before anything went
				// out: give the claim back and try again later.
				if rerr := d.Store.ReleaseReminder(ctx, a.UserID, a.ReminderID); rerr != nil {
					return rerr
				}
				return fmt.Errorf("jobs: reminder through %s: %w", ch.Name(), err)
			}
			log.Warn("a reminder could not go out through a channel", "channel", ch.Name(), "err", err)
		}
	}
	// The sent record needs no transaction with the job's completion
	// (which River then batches with others'): a job run again after a
	// crash finds the reminder sent, or still claimed, and sends nothing.
	if err := d.Store.MarkReminderSent(ctx, a.UserID, a.ReminderID, "", d.Now()); err != nil {
		return err
	}
	log.Info("reminder sent")
	return nil
}

// reminderMessage is what goes out for rem, due at fireAt, sent at now.
func reminderMessage(now time.Time, rem store.Reminder, fireAt time.Time, loc *time.Location) reminders.Reminder {
	due := fireAt
	if rem.Due != nil {
		due = *rem.Due
	}
	out := reminders.Reminder{ID: rem.ID, ItemKind: rem.ItemKind, ItemID: rem.ItemID, Title: rem.Title, Due: due, FireAt: fireAt,
		Text: reminders.Message(rem.Title, due, loc)}
	if rem.ItemKind == string(domain.KindEvent) {
		// "in 30 min" counts from when it goes out (later than fireAt
		// after a retry).
		sent := now
		if sent.Before(fireAt) {
			sent = fireAt
		}
		out.Text = reminders.EventMessage(rem.Title, due, sent, loc)
	}
	return out
}
