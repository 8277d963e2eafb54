package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/store"
)

// ReminderSweepArgs is the periodic job (every Options.ReminderSweepInterval,
// and at start) that finds pending reminders whose time has passed with no
// River job waiting to send them (the job was deleted or cancelled by an
// operator, pruned, or lost in a restore from a backup) and schedules
// them again, at once. Each is rescheduled at most once per loss: the new
// job is recorded with a conditional UPDATE of the job the sweep found
// gone, in the transaction that queues it, so two nodes sweeping together
// queue one job; and the sending itself stays claimed once per fire time
// (reminderWorker), so a reminder still goes out exactly once.
//
// A reminder lost for longer than ReminderLostFor is not sent any more
// (telling someone of a task due last week is no reminder): it is marked
// missed.
type ReminderSweepArgs struct{}

func (ReminderSweepArgs) Kind() string { return "reminder_sweep" }

func (ReminderSweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: whilePending}
}

// ReminderLostFor is how late a lost reminder is still sent by the sweep.
const ReminderLostFor = 24 * time.Hour

// reminderSweepGrace is how long past its time a reminder must be before
// the sweep looks at it (its own job is due then, and may be starting).
const reminderSweepGrace = 10 * time.Second

// reminderSweepBatch is how many lost reminders one query returns; a run
// goes on until it finds fewer.
const reminderSweepBatch = 500

type reminderSweepWorker struct {
	river.WorkerDefaults[ReminderSweepArgs]
	r *Runner
}

func (w *reminderSweepWorker) Timeout(*river.Job[ReminderSweepArgs]) time.Duration {
	return w.r.timeout(10 * time.Minute)
}

func (w *reminderSweepWorker) Work(ctx context.Context, _ *river.Job[ReminderSweepArgs]) error {
	_, err := w.r.SweepReminders(ctx)
	return err
}

// errReplaced rolls back a rescheduling that another node did first.
var errReplaced = errors.New("jobs: the reminder's job was replaced meanwhile")

// SweepReminders schedules again the pending reminders due in the last
// ReminderLostFor that no job waits to send, marks older ones missed, and
// returns how many it scheduled.
func (r *Runner) SweepReminders(ctx context.Context) (int, error) {
	d := r.d
	now := d.Now()
	if _, err := d.Store.MarkLostRemindersMissed(ctx, now.Add(-ReminderLostFor)); err != nil {
		return 0, err
	}
	busy, err := r.busyReminderInstants(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	seen := map[string]bool{}
	for {
		lost, err := d.Store.LostReminders(ctx, now.Add(-ReminderLostFor), now.Add(-reminderSweepGrace), reminderSweepBatch, busy)
		if err != nil {
			return n, err
		}
		fresh := 0
		for _, l := range lost {
			if seen[l.ID] {
				continue // replaced meanwhile by another node, or its job ended at once
			}
			seen[l.ID], fresh = true, fresh+1
			err := d.Store.WithTx(ctx, func(tx *store.Tx) error {
				id, err := r.ScheduleReminderTx(ctx, tx, l.UserID, l.ID, l.FireAt)
				if err != nil {
					return err
				}
				ok, err := tx.ReplaceReminderJob(ctx, l.UserID, l.ID, l.FireAt, l.JobID, id)
				if err == nil && !ok {
					err = errReplaced
				}
				return err
			})
			switch {
			case errors.Is(err, errReplaced):
				continue
			case err != nil:
				return n, err
			}
			n++
			d.Log.Warn("reminder sweep: a reminder due without a job to send it was scheduled again",
				"user_id", l.UserID, "reminder_id", l.ID, "fire_at", l.FireAt, "lost_job_id", l.JobID)
		}
		if len(lost) < reminderSweepBatch || fresh == 0 {
			return n, nil
		}
	}
}
