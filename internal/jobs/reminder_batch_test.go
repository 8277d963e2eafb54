package jobs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// startReminderRunner starts a runner that sends reminders through ch.
func startReminderRunner(t *testing.T, s *store.Store, ch reminders.Channel, o Options) *Runner {
	t.Helper()
	ctx := context.Background()
	o.NoSchedules = true
	if o.PollInterval == 0 {
		o.PollInterval = 20 * time.Millisecond
	}
	r, err := New(ctx, Deps{Store: s, ReminderChannels: []reminders.Channel{ch}}, o)
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
	return r
}

// remindAll makes, for each person, n tasks due at due with their
// reminders (through r) and returns the reminders by id with their person.
func remindAll(t *testing.T, s *store.Store, r *Runner, users []string, n int, due time.Time) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, uid := range users {
		for i := range n {
			tk, err := s.CreateTask(ctx, uid, fmt.Sprintf("Task %d", i), "", &due, true)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.WithTx(ctx, func(tx *store.Tx) error {
				rem, err := r.SyncTaskReminderTx(ctx, tx, uid, tk, nil)
				out[rem.ID] = uid
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func reminderStatuses(t *testing.T, s *store.Store) map[string]int {
	t.Helper()
	rows, err := s.DB().Query(`SELECT status, COUNT(*) FROM reminders GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			t.Fatal(err)
		}
		out[st] = n
	}
	return out
}

// TestRemindersDueAtOneInstant: many reminders of several people due at
// the same instant share one job, go out in parts (a chain of jobs) on two
// nodes at once, each exactly once, to its own person; one snoozed before
// its time and one whose task was done meanwhile do not go out then; one
// added while its instant's job is already running still goes out.
func TestRemindersDueAtOneInstant(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := dbtest.Open(t, d)
			ctx := context.Background()
			logs := []*sentLog{{sent: map[string]int{}}, {sent: map[string]int{}}}
			owner := &ownerLog{got: map[string]string{}}
			o := Options{ReminderBatch: 4, ReminderParts: 2}
			a := startReminderRunner(t, s, teeChannel{logs[0], owner}, o)
			startReminderRunner(t, s, teeChannel{logs[1], owner}, o)
			var users []string
			for i := range 3 {
				u, err := s.CreateUser(ctx, store.User{Email: fmt.Sprintf("p%d@example.com", i), Name: "P", PasswordHash: "x"})
				if err != nil {
					t.Fatal(err)
				}
				users = append(users, u.ID)
			}
			// Far enough ahead for making them all on a loaded machine
			// (under -race): a reminder made after its instant's job ran
			// gets a job of its own, checked below.
			due := time.Now().Add(45 * time.Second).Truncate(time.Second)
			rems := remindAll(t, s, a, users, 10, due)
			if time.Now().After(due.Add(-2 * time.Second)) {
				t.Fatal("making the reminders took until their instant; raise the margin")
			}
			jobs := map[int64]bool{}
			for id, uid := range rems {
				got, err := s.GetReminder(ctx, uid, id)
				if err != nil {
					t.Fatal(err)
				}
				jobs[got.JobID] = true
			}
			if len(jobs) != 1 {
				t.Fatalf("%d jobs for one instant, want 1", len(jobs))
			}
			// Snoozed to later, and a task done, before the instant.
			var snoozed, done string
			for id, uid := range rems {
				rem, _ := s.GetReminder(ctx, uid, id)
				switch {
				case snoozed == "":
					snoozed = id
					tk, err := s.GetTask(ctx, uid, rem.ItemID)
					if err != nil {
						t.Fatal(err)
					}
					later := due.Add(time.Hour)
					if err := s.WithTx(ctx, func(tx *store.Tx) error {
						_, err := a.SyncTaskReminderTx(ctx, tx, uid, tk, &ReminderChoice{RemindAt: &later})
						return err
					}); err != nil {
						t.Fatal(err)
					}
				case done == "":
					done = id
					if _, err := s.DB().Exec(`UPDATE tasks SET done = $1 WHERE id = $2`, true, rem.ItemID); err != nil {
						t.Fatal(err)
					}
				}
			}
			want := len(rems) - 2
			deadline := time.Now().Add(60 * time.Second)
			for logs[0].total()+logs[1].total() < want {
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d reminders went out", logs[0].total()+logs[1].total(), want)
				}
				time.Sleep(20 * time.Millisecond)
			}
			// Added for the same instant after it passed (a task made at
			// that moment): it goes out too.
			late := remindAll(t, s, a, users[:1], 1, due)
			for id := range late {
				rems[id] = users[0]
			}
			want++
			for logs[0].total()+logs[1].total() < want {
				if time.Now().After(deadline) {
					t.Fatal("the reminder added for a passed instant did not go out")
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(time.Second)
			for id, uid := range rems {
				n := logs[0].count(id) + logs[1].count(id)
				switch id {
				case snoozed, done:
					if n != 0 {
						t.Fatalf("reminder %s went out %d times", id, n)
					}
					continue
				}
				if n != 1 {
					t.Fatalf("reminder %s went out %d times", id, n)
				}
				if got := owner.owner(id); got != uid {
					t.Fatalf("reminder %s of %s went to %s", id, uid, got)
				}
				if got, err := s.GetReminder(ctx, uid, id); err != nil || got.Status != store.ReminderSent || got.SentAt == nil {
					t.Fatalf("reminder %s: %+v %v", id, got, err)
				}
			}
			if got, _ := s.GetReminder(ctx, rems[snoozed], snoozed); got.Status != store.ReminderPending {
				t.Fatalf("the snoozed reminder: %+v", got)
			}
			if logs[0].total() == 0 || logs[1].total() == 0 {
				t.Logf("one node sent them all (%d, %d)", logs[0].total(), logs[1].total())
			}
			// Nothing is left to the sweep.
			if n, err := a.SweepReminders(ctx); err != nil || n != 0 {
				t.Fatalf("the sweep scheduled %d (%v)", n, err)
			}
		})
	}
}

// ownerLog records whose each reminder was.
type ownerLog struct {
	mu  sync.Mutex
	got map[string]string
}

func (l *ownerLog) owner(id string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.got[id]
}

// teeChannel is a "web" channel that records into a sentLog and an
// ownerLog.
type teeChannel struct {
	log   *sentLog
	owner *ownerLog
}

func (teeChannel) Name() string { return reminders.ChannelWeb }

func (c teeChannel) Send(ctx context.Context, userID string, r reminders.Reminder) error {
	c.owner.mu.Lock()
	c.owner.got[r.ID] = userID
	c.owner.mu.Unlock()
	return c.log.Send(ctx, userID, r)
}

func (l *sentLog) total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.sent {
		n += c
	}
	return n
}

// Environment of the child process of TestKilledWhileSendingReminders.
const (
	killSends    = "SYNAPSE_TEST_KILL_REMINDER_SENDS" // file the child appends each sent reminder's id to
	killSendsMax = 25                                 // sends before the child dies
	killBatch    = 10                                 // ReminderBatch of both processes
)

// fileChannel is a "web" channel that appends each reminder's id to a
// file (synced, as a message that reached a phone) and kills the process
// (SIGKILL) after max sends.
type fileChannel struct {
	mu  sync.Mutex
	f   *os.File
	n   int
	max int
}

func (*fileChannel) Name() string { return reminders.ChannelWeb }

func (c *fileChannel) Send(_ context.Context, _ string, r reminders.Reminder) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max > 0 && c.n == c.max {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	if _, err := c.f.WriteString(r.ID + "\n"); err != nil {
		return err
	}
	c.n++
	return c.f.Sync()
}

// TestKillReminderHelper is the child process of
// TestKilledWhileSendingReminders: it sends the reminders due and dies
// after killSendsMax of them.
func TestKillReminderHelper(t *testing.T) {
	path := os.Getenv(killSends)
	if path == "" {
		t.Skip("the child process of TestKilledWhileSendingReminders")
	}
	s := openForKill(t, store.Dialect(os.Getenv(killDialect)), os.Getenv(killDB))
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	startReminderRunner(t, s, &fileChannel{f: f, max: killSendsMax}, Options{ReminderBatch: killBatch, ReminderParts: 1})
	time.Sleep(time.Minute)
	t.Fatal("never died")
}

// The process dies in the middle of sending the reminders due at one
// instant: after a restart the rest go out, none twice; only the part the
// dead process had claimed is left "sending" (at most once: some of it
// may have reached the person before the crash, so none of it is sent
// again), and that part is no larger than ReminderBatch.
func TestKilledWhileSendingReminders(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process and waits for River to rescue its job")
	}
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			var db string
			if d == store.SQLite {
				db = dbtest.SQLitePath(t)
			} else {
				db = dbtest.PostgresURL(t)
			}
			s := openForKill(t, d, db)
			ctx := context.Background()
			// A runner not started: it only queues the jobs.
			q, err := New(ctx, Deps{Store: s}, Options{NoSchedules: true})
			if err != nil {
				t.Fatal(err)
			}
			u, err := s.CreateUser(ctx, store.User{Email: "ana@example.com", Name: "Ana", PasswordHash: "x"})
			if err != nil {
				t.Fatal(err)
			}
			const n = 60
			due := time.Now().Add(2 * time.Second).Truncate(time.Millisecond)
			rems := remindAll(t, s, q, []string{u.ID}, n, due)

			sends := t.TempDir() + "/sent"
			cmd := exec.Command(os.Args[0], "-test.run=^TestKillReminderHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), killSends+"="+sends, killDialect+"="+string(d), killDB+"="+db)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed while sending: %v\n%s", err, out)
			}
			before := readIDs(t, sends)
			if len(before) != killSendsMax {
				t.Fatalf("the child sent %d before dying, want %d", len(before), killSendsMax)
			}

			// Restarted, with abandoned jobs rescued at once.
			log := &sentLog{sent: map[string]int{}}
			r := startReminderRunner(t, s, log, Options{ReminderBatch: killBatch, jobTimeout: time.Second, RescueAfter: time.Second})
			deadline := time.Now().Add(60 * time.Second)
			// Until nothing is pending and no job of the instant is left
			// (the dead process's, rescued, has run again).
			for {
				busy, err := r.busyReminderInstants(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(busy) == 0 && reminderStatuses(t, s)[store.ReminderPending] == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("reminders left pending after the restart: %v", reminderStatuses(t, s))
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(time.Second)
			stranded := 0
			for id, uid := range rems {
				times := before[id] + log.count(id)
				if times > 1 {
					t.Fatalf("reminder %s went out %d times", id, times)
				}
				got, err := s.GetReminder(ctx, uid, id)
				if err != nil {
					t.Fatal(err)
				}
				switch got.Status {
				case store.ReminderSent:
					if times != 1 {
						t.Fatalf("reminder %s recorded sent, went out %d times", id, times)
					}
				case store.ReminderSending:
					stranded++
					if log.count(id) != 0 {
						t.Fatalf("reminder %s claimed by the dead process went out again", id)
					}
				default:
					t.Fatalf("reminder %s: %s", id, got.Status)
				}
			}
			if stranded > killBatch {
				t.Fatalf("%d reminders left claimed by the dead process, more than its part of %d", stranded, killBatch)
			}
			if log.total() < n-killSendsMax-killBatch {
				t.Fatalf("after the restart %d went out, want at least %d", log.total(), n-killSendsMax-killBatch)
			}
		})
	}
}

func readIDs(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out[sc.Text()]++
	}
	return out
}

// batchChannel is a "web" reminders.BatchChannel: it records the people of
// each part it is asked for, and the channel it returns sends only for
// them; its own Send (one reminder at a time) is not to be used.
type batchChannel struct {
	mu     sync.Mutex
	parts  [][]string
	single int
	log    *sentLog
}

func (*batchChannel) Name() string { return reminders.ChannelWeb }

func (c *batchChannel) Send(context.Context, string, reminders.Reminder) error {
	c.mu.Lock()
	c.single++
	c.mu.Unlock()
	return errors.New("sent one by one")
}

func (c *batchChannel) ForPeople(_ context.Context, userIDs []string) (reminders.Channel, error) {
	c.mu.Lock()
	c.parts = append(c.parts, userIDs)
	c.mu.Unlock()
	return partChannel{people: userIDs, log: c.log}, nil
}

type partChannel struct {
	people []string
	log    *sentLog
}

func (partChannel) Name() string { return reminders.ChannelWeb }

func (c partChannel) Send(ctx context.Context, userID string, r reminders.Reminder) error {
	for _, p := range c.people {
		if p == userID {
			return c.log.Send(ctx, userID, r)
		}
	}
	return fmt.Errorf("%s is not one of the part's people", userID)
}

// A channel that reads a part's people at once is asked once per part,
// with each person of the part once, and sends that part's reminders.
func TestBatchChannelReadsEachPartsPeopleOnce(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := dbtest.Open(t, d)
			ctx := context.Background()
			ch := &batchChannel{log: &sentLog{sent: map[string]int{}}}
			r := startReminderRunner(t, s, ch, Options{ReminderBatch: 4, ReminderParts: 1})
			var users []string
			for i := range 3 {
				u, err := s.CreateUser(ctx, store.User{Email: fmt.Sprintf("p%d@example.com", i), Name: "P", PasswordHash: "x"})
				if err != nil {
					t.Fatal(err)
				}
				users = append(users, u.ID)
			}
			due := time.Now().Add(15 * time.Second).Truncate(time.Second)
			rems := remindAll(t, s, r, users, 4, due)
			if time.Now().After(due.Add(-time.Second)) {
				t.Fatal("making the reminders took until their instant; raise the margin")
			}
			deadline := time.Now().Add(60 * time.Second)
			for ch.log.total() < len(rems) {
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d reminders went out", ch.log.total(), len(rems))
				}
				time.Sleep(20 * time.Millisecond)
			}
			ch.mu.Lock()
			defer ch.mu.Unlock()
			if ch.single != 0 {
				t.Fatalf("%d reminders were sent one by one", ch.single)
			}
			// 12 reminders in parts of 4 (and an empty last look, which
			// asks nothing).
			if len(ch.parts) != 3 {
				t.Fatalf("asked for %d parts' people, want 3: %v", len(ch.parts), ch.parts)
			}
			for _, p := range ch.parts {
				seen := map[string]bool{}
				for _, id := range p {
					if seen[id] {
						t.Fatalf("a part's people name %s twice: %v", id, p)
					}
					seen[id] = true
				}
			}
			for id := range rems {
				if n := ch.log.count(id); n != 1 {
					t.Fatalf("reminder %s went out %d times", id, n)
				}
			}
		})
	}
}
