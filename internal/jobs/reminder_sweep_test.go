package jobs

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// sentLog is a reminder channel ("web") that records what it is given.
type sentLog struct {
	mu   sync.Mutex
	sent map[string]int
}

func (*sentLog) Name() string { return reminders.ChannelWeb }

func (l *sentLog) Send(_ context.Context, _ string, r reminders.Reminder) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent[r.ID]++
	return nil
}

func (l *sentLog) count(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent[id]
}

// TestReminderSweepReschedulesLostJobs: a pending reminder whose job was
// deleted (an operator, a restore from a backup) or cancelled is found by
// the sweep once its time has passed and goes out once; two sweeps at the
// same time schedule it once; a reminder with a live job, a sent one and
// one of a deleted task are left alone; one lost for more than a day is
// marked missed, not sent.
func TestReminderSweepReschedulesLostJobs(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := dbtest.Open(t, d)
			ctx := context.Background()
			log := &sentLog{sent: map[string]int{}}
			r, err := New(ctx, Deps{Store: s, ReminderChannels: []reminders.Channel{log}}, Options{NoSchedules: true, PollInterval: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				_ = r.Stop(sctx)
			})
			u, err := s.CreateUser(ctx, store.User{Email: "ana@example.com", Name: "Ana", PasswordHash: "x"})
			if err != nil {
				t.Fatal(err)
			}
			remind := func(title string, due time.Time) (store.Task, store.Reminder) {
				t.Helper()
				tk, err := s.CreateTask(ctx, u.ID, title, "", &due, true)
				if err != nil {
					t.Fatal(err)
				}
				var rem store.Reminder
				if err := s.WithTx(ctx, func(tx *store.Tx) error {
					rem, err = r.SyncTaskReminderTx(ctx, tx, u.ID, tk, nil)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if rem.JobID == 0 {
					t.Fatalf("%s: no job", title)
				}
				return tk, rem
			}
			dropJob := func(id int64) {
				t.Helper()
				if _, err := s.DB().ExecContext(ctx, `DELETE FROM river_job WHERE id = $1`, id); err != nil {
					t.Fatal(err)
				}
			}
			// A millisecond apart: reminders due at one instant share a job.
			soon := time.Now().Add(5 * time.Second).Truncate(time.Millisecond)
			_, deleted := remind("Restored from a backup", soon)
			_, cancelled := remind("Cancelled by an operator", soon.Add(time.Millisecond))
			_, live := remind("Sent by its own job", soon.Add(2*time.Millisecond))
			gone, goneRem := remind("Task deleted", soon.Add(3*time.Millisecond))
			_, later := remind("Due tomorrow", time.Now().Add(24*time.Hour))
			dropJob(deleted.JobID)
			if _, err := r.client.JobCancel(ctx, cancelled.JobID); err != nil {
				t.Fatal(err)
			}
			dropJob(goneRem.JobID)
			if err := s.DeleteTask(ctx, u.ID, gone.ID); err != nil {
				t.Fatal(err)
			}
			dropJob(later.JobID) // not due yet: left for later
			// Lost two days ago: too late to tell.
			_, oldRem := remind("Lost long ago", time.Now().Add(time.Hour))
			dropJob(oldRem.JobID)
			if _, err := s.DB().ExecContext(ctx, `UPDATE reminders SET fire_at = $1 WHERE id = $2`, time.Now().Add(-48*time.Hour).UnixMilli(), oldRem.ID); err != nil {
				t.Fatal(err)
			}

			deadline := time.Now().Add(30 * time.Second)
			for log.count(live.ID) == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the reminder with its job never went out")
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(reminderSweepGrace + time.Second - time.Until(soon)) // past the grace
			if log.count(deleted.ID)+log.count(cancelled.ID) != 0 {
				t.Fatal("a reminder without a job went out")
			}
			// Two sweeps at once: each lost reminder is scheduled once.
			var wg sync.WaitGroup
			counts := make([]int, 2)
			for i := range counts {
				wg.Go(func() {
					n, err := r.SweepReminders(ctx)
					if err != nil {
						t.Error(err)
					}
					counts[i] = n
				})
			}
			wg.Wait()
			if counts[0]+counts[1] != 2 {
				t.Fatalf("the sweeps scheduled %v, want 2 in all", counts)
			}
			for _, id := range []string{deleted.ID, cancelled.ID} {
				for log.count(id) == 0 {
					if time.Now().After(deadline) {
						t.Fatalf("reminder %s never went out after the sweep", id)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			time.Sleep(500 * time.Millisecond)
			if n, err := r.SweepReminders(ctx); err != nil || n != 0 {
				t.Fatalf("a sweep after the sending scheduled %d (%v)", n, err)
			}
			for _, id := range []string{deleted.ID, cancelled.ID, live.ID} {
				if n := log.count(id); n != 1 {
					t.Fatalf("reminder %s went out %d times", id, n)
				}
				got, err := s.GetReminder(ctx, u.ID, id)
				if err != nil || got.Status != store.ReminderSent {
					t.Fatalf("reminder %s: %+v %v", id, got, err)
				}
			}
			if n := log.count(goneRem.ID) + log.count(later.ID) + log.count(oldRem.ID); n != 0 {
				t.Fatalf("%d reminders went out that should not", n)
			}
			if got, _ := s.GetReminder(ctx, u.ID, later.ID); got.Status != store.ReminderPending {
				t.Fatalf("a reminder not due yet: %+v", got)
			}
			if got, _ := s.GetReminder(ctx, u.ID, oldRem.ID); got.Status != store.ReminderMissed {
				t.Fatalf("a reminder lost two days ago: %+v", got)
			}
		})
	}
}
