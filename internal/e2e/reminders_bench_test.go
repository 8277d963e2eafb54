package e2e_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// BenchmarkSelfChatRemindersWasim: N reminders (SYNAPSE_BENCH_REMINDERS,
// default 10,000) of P people (SYNAPSE_BENCH_PEOPLE, default 100), all due
// at one instant, go out into each person's own "Message yourself" chat
// through Synapse's whatsmeow engine, each person's session linked to a
// phone of the protocol simulator (wasim, in this process: its CPU counts
// against the node). SQLite; SYNAPSE_BENCH_DIALECT=postgres for
// PostgreSQL. It reports the time from the due instant until the last one
// is recorded as sent, the process's CPU time (cpu-s) and peak heap while
// they go out, and how many reached the phones' own chats. Run with
// -benchtime=1x.
func BenchmarkSelfChatRemindersWasim(b *testing.B) {
	n, people := 10000, 100
	if v, err := strconv.Atoi(os.Getenv("SYNAPSE_BENCH_REMINDERS")); err == nil && v > 0 {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("SYNAPSE_BENCH_PEOPLE")); err == nil && v > 0 {
		people = v
	}
	people = min(people, n)
	d := store.SQLite
	if os.Getenv("SYNAPSE_BENCH_DIALECT") == "postgres" {
		d = store.Postgres
	}
	for range b.N {
		b.StopTimer()
		ws := historyWasim(b)
		srv := startMeowApp(b, d, ws, nil)
		ctx := context.Background()
		users := make([]apptest.User, people)
		phones := make([]*wasim.Phone, people)
		for i := range people {
			users[i] = registerFrom(b, srv, fmt.Sprintf("p%d@example.com", i), i)
			p, err := ws.NewPhone(wasim.PhoneOptions{Number: fmt.Sprintf("55119%08d", i), PushName: "P"})
			if err != nil {
				b.Fatal(err)
			}
			phones[i] = p
		}
		// Linking, four at a time.
		link0 := time.Now()
		var wg sync.WaitGroup
		next := make(chan int)
		for range 4 {
			wg.Go(func() {
				for i := range next {
					connectPhone(b, srv.Client, users[i], phones[i])
				}
			})
		}
		for i := range people {
			next <- i
		}
		close(next)
		wg.Wait()
		b.Logf("%d phones linked in %s", people, time.Since(link0).Round(time.Millisecond))
		// Each person's first task through the service, the rest copies.
		due := time.Now().Add(time.Duration(n)*200*time.Microsecond + 10*time.Second).Truncate(time.Second)
		dueText := due.UTC().Format(time.RFC3339)
		ids := make([]string, people)
		templates := make([]string, people)
		for i, u := range users {
			title := fmt.Sprintf("Task %d", i)
			t, err := srv.App.Service.CreateTask(ctx, u.ID, service.TaskInput{Title: &title, Due: &dueText})
			if err != nil {
				b.Fatal(err)
			}
			ids[i], templates[i] = u.ID, t.ID
		}
		if n > people {
			if err := apptest.CopyTasks(ctx, srv.App.Store, ids, templates, n, analyzeAfterCopy()); err != nil {
				b.Fatal(err)
			}
		}
		if time.Now().After(due) {
			b.Fatalf("making %d tasks took past their due time; raise the margin", n)
		}
		time.Sleep(time.Until(due))
		var peak uint64
		cpu0 := processCPU()
		b.StartTimer()
		for sentReminders(b, srv.App.Store) < n {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			time.Sleep(50 * time.Millisecond)
		}
		b.StopTimer()
		b.ReportMetric((processCPU() - cpu0).Seconds(), "cpu-s")
		b.ReportMetric(float64(n), "reminders")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		got := 0
		for _, p := range phones {
			got += len(selfChatSent(p, "Reminder: Task"))
		}
		b.ReportMetric(float64(got), "in-own-chats")
		srv.Stop()
	}
}

// registerFrom registers a person through the auth service as a sign-up
// from its own client address (the sign-up rate limit is per address).
func registerFrom(b *testing.B, srv *apptest.Server, email string, i int) apptest.User {
	r, err := srv.App.Auth.Register(context.Background(), auth.Registration{Email: email, Password: "correct horse battery", Name: "P"},
		fmt.Sprintf("10.1.%d.%d", i/250, i%250+1))
	if err != nil {
		b.Fatalf("register %s: %v", email, err)
	}
	return apptest.User{ID: r.User.ID, Email: email, Token: r.AccessToken}
}

func sentReminders(b *testing.B, st *store.Store) int {
	var n int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM reminders WHERE status = 'sent'`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// analyzeAfterCopy: SYNAPSE_BENCH_ANALYZE=1 brings PostgreSQL's statistics
// up to date after the tasks are copied in.
func analyzeAfterCopy() bool { return os.Getenv("SYNAPSE_BENCH_ANALYZE") == "1" }
