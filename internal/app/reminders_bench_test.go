package app_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/pushtest"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// BenchmarkRemindersSameMinute: N reminders (SYNAPSE_BENCH_REMINDERS,
// default 2,000) of 20 people, all due at the same instant, go out through
// each person's own chat on the sim engine (SQLite, one node;
// SYNAPSE_BENCH_DIALECT=postgres for PostgreSQL), or with
// SYNAPSE_BENCH_REMINDER_CHANNEL=push through Web Push alone, to one
// browser each at a local push service in the process
// (internal/testutil/pushtest, which checks every VAPID signature and
// decrypts every message). It reports the time from the due instant until
// the last one is recorded as sent, the process's CPU time (cpu-s) and
// peak heap while they go out. Run with -benchtime=1x.
func BenchmarkRemindersSameMinute(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("SYNAPSE_BENCH_REMINDERS")); err == nil && v > 0 {
		n = v
	}
	push := os.Getenv("SYNAPSE_BENCH_REMINDER_CHANNEL") == "push"
	const people = 20
	for range b.N {
		b.StopTimer()
		opts := apptest.Options{}
		if os.Getenv("SYNAPSE_BENCH_DIALECT") == "postgres" {
			opts.Dialect = store.Postgres
		}
		var ps *pushtest.Service
		if push {
			ps = pushtest.Start("", false)
			u, _ := url.Parse(ps.URL)
			opts.Env = map[string]string{"WEBPUSH_ALLOWED_HOSTS": u.Host}
		}
		srv := apptest.Start(b, opts)
		ctx := context.Background()
		var users []string
		for i := range people {
			u := srv.Register(fmt.Sprintf("p%d@example.com", i))
			users = append(users, u.ID)
			if push {
				key, err := srv.App.Service.VAPIDPublicKey()
				if err != nil {
					b.Fatal(err)
				}
				ps.VAPIDKey = key
				br := ps.NewBrowser()
				if _, err := srv.App.Service.SubscribePush(ctx, u.ID, service.NewPushSubscription{Endpoint: br.Endpoint, P256dh: br.P256dh(), Auth: br.AuthSecret()}); err != nil {
					b.Fatal(err)
				}
				ch := []string{"push"}
				if _, err := srv.App.Service.UpdateReminderSettings(ctx, u.ID, service.ReminderSettingsInput{Channels: &ch}); err != nil {
					b.Fatal(err)
				}
				continue
			}
			q, err := srv.App.Sessions.QR(ctx, u.ID, false)
			if err != nil {
				b.Fatal(err)
			}
			sid, _ := srv.App.Sessions.SessionID(ctx, u.ID)
			if _, err := srv.App.Sim.Scan(sid, sim.ScanOptions{Code: q.Raw, Phone: fmt.Sprintf("55119%08d", i), PushName: "P"}); err != nil {
				b.Fatal(err)
			}
			srv.WaitStatus(u, "WORKING")
		}
		// Every task is due at one instant, after they are all made: each
		// person's first through the service (which queues the instant's
		// reminder_batch job), the rest as copies of those rows, written
		// many to a statement (making 100,000 through the service takes
		// about 15 minutes). The copies are what the service would have
		// written for the reminder: a task row and a pending reminder row
		// for the same instant and job (not the search index, which
		// sending does not read).
		due := time.Now().Add(time.Duration(n)*200*time.Microsecond + 10*time.Second).Truncate(time.Second)
		dueText := due.UTC().Format(time.RFC3339)
		setup0 := time.Now()
		templates := make([]string, len(users))
		for i, uid := range users {
			if i >= n {
				break
			}
			t, err := srv.App.Service.CreateTask(ctx, uid, service.TaskInput{Title: ptr(fmt.Sprintf("Task %d", i)), Due: &dueText})
			if err != nil {
				b.Fatal(err)
			}
			templates[i] = t.ID
		}
		b.Logf("%d tasks through the service by %s", min(n, people), time.Since(setup0))
		if n > people {
			if err := apptest.CopyTasks(ctx, srv.App.Store, users, templates, n, analyzeAfterCopy()); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("%d tasks made in %s", n, time.Since(setup0))
		if time.Now().After(due) {
			b.Fatalf("making %d tasks took past their due time; raise the margin", n)
		}
		time.Sleep(time.Until(due))
		var peak uint64
		cpu0 := cpuTime()
		b.StartTimer()
		// Counting the sent reminders reads every one of them: until the
		// local push service has them all, count there (in memory).
		for (push && ps.Accepted() < n) || sent(b, srv.App.Store) < n {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			time.Sleep(50 * time.Millisecond)
		}
		b.StopTimer()
		b.ReportMetric((cpuTime() - cpu0).Seconds(), "cpu-s")
		b.ReportMetric(float64(n), "reminders")
		if push {
			b.ReportMetric(float64(ps.Accepted()), "pushes")
			ps.Close()
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		srv.Stop()
	}
}

func sent(b *testing.B, st *store.Store) int {
	var n int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM reminders WHERE status = 'sent'`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ptr[T any](v T) *T { return &v }

// analyzeAfterCopy: SYNAPSE_BENCH_ANALYZE=1 brings PostgreSQL's statistics
// up to date after the tasks are copied in.
func analyzeAfterCopy() bool { return os.Getenv("SYNAPSE_BENCH_ANALYZE") == "1" }
