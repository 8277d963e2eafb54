package app_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
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
			if err := copyTasks(ctx, srv.App.Store, users, templates, n); err != nil {
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

// copyTasks makes tasks people..n-1 (task j is person j%len(users)'s) as
// copies of each person's template task and its reminder, with new ids
// and titles, a few hundred rows to a statement.
func copyTasks(ctx context.Context, st *store.Store, users, templates []string, n int) error {
	taskCols, taskRows, err := readRows(ctx, st, `SELECT * FROM tasks WHERE id IN (`+quoted(templates)+`)`)
	if err != nil {
		return err
	}
	remCols, remRows, err := readRows(ctx, st, `SELECT * FROM reminders WHERE item_kind = 'task' AND item_id IN (`+quoted(templates)+`)`)
	if err != nil {
		return err
	}
	if len(taskRows) != len(users) || len(remRows) != len(users) {
		return fmt.Errorf("copy tasks: %d template tasks and %d reminders for %d people", len(taskRows), len(remRows), len(users))
	}
	byUser := func(cols []string, rows [][]any) map[string][]any {
		ui := slices.Index(cols, "user_id")
		m := map[string][]any{}
		for _, r := range rows {
			m[asString(r[ui])] = r
		}
		return m
	}
	tasksOf, remsOf := byUser(taskCols, taskRows), byUser(remCols, remRows)
	var tasks, rems [][]any
	for j := len(users); j < n; j++ {
		uid := users[j%len(users)]
		taskID := store.NewID()
		tasks = append(tasks, withValues(taskCols, tasksOf[uid], map[string]any{"id": taskID, "title": fmt.Sprintf("Task %d", j)}))
		rems = append(rems, withValues(remCols, remsOf[uid], map[string]any{"id": store.NewID(), "item_id": taskID}))
	}
	if err := insertRows(ctx, st, "tasks", taskCols, tasks); err != nil {
		return err
	}
	return insertRows(ctx, st, "reminders", remCols, rems)
}

func readRows(ctx context.Context, st *store.Store, query string) ([]string, [][]any, error) {
	rows, err := st.DB().QueryContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		out = append(out, vals)
	}
	return cols, out, rows.Err()
}

func withValues(cols []string, row []any, set map[string]any) []any {
	out := slices.Clone(row)
	for i, c := range cols {
		if v, ok := set[c]; ok {
			out[i] = v
		}
	}
	return out
}

func insertRows(ctx context.Context, st *store.Store, table string, cols []string, rows [][]any) error {
	per := max(1, 30000/len(cols))
	for len(rows) > 0 {
		chunk := rows[:min(per, len(rows))]
		rows = rows[len(chunk):]
		var sb strings.Builder
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(")
			for k := range cols {
				if k > 0 {
					sb.WriteString(", ")
				}
				args = append(args, r[k])
				if st.Dialect() == store.Postgres {
					sb.WriteString("$" + strconv.Itoa(len(args)))
				} else {
					sb.WriteString("?")
				}
			}
			sb.WriteString(")")
		}
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES `+sb.String(), args...); err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
	}
	return nil
}

func asString(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

func quoted(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = "'" + strings.ReplaceAll(id, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
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
