package store_test

import (
	"fmt"
	"iter"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// BenchmarkFilteredLists measures lists and search narrowed by tag, chat,
// person and dates over one user's items (SYNAPSE_BENCH_ITEMS, default
// 100,000: a fifth each tasks, notes, ideas, places and events, from 1,000
// messages of 100 items each, in 100 chats from 50 people, each message
// with one of 50 hashtags, so a tag is on 2 % of the items; every item
// says "projeto" and one of 16 words "palavraN"). Each
// sub-benchmark reports its p50 and p99 per query and the CPU time this
// process used per query (cpu-ms/op: all of it on SQLite, only the
// client's on PostgreSQL, whose server is another process).
// SYNAPSE_BENCH_MESSAGES=N stores N of the user's messages as well (same
// chats, people and words; the goal is 1,000,000). Run it with
// -benchtime 300x:
//
//	go test ./internal/store -run '^$' -bench BenchmarkFilteredLists -benchtime 300x
func BenchmarkFilteredLists(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("SYNAPSE_BENCH_ITEMS")); err == nil && v >= 1000 {
		n = v
	}
	for _, d := range dbtest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var tick atomic.Int64
			s := dbtest.OpenUnmigrated(b, d, store.Options{Now: func() time.Time { return t0.Add(time.Duration(tick.Add(1)) * time.Second) }})
			if err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			u, err := s.CreateUser(ctx, store.User{Email: "bench@x.io", Name: "bench", PasswordHash: "h"})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			kinds := []domain.Kind{domain.KindTask, domain.KindNote, domain.KindIdea, domain.KindLocation, domain.KindEvent}
			// Four writers: PostgreSQL takes them at once; SQLite in turn.
			// On PostgreSQL the planner's statistics are refreshed after
			// the first 800 and 8,000 items and at the end, as autovacuum
			// would in time: planned for empty tables, the check of each
			// new item for a repeat made loading take an hour.
			for from, to := range loadPhases(n / 100) {
				var wg sync.WaitGroup
				var failed atomic.Value
				for w := range 4 {
					wg.Go(func() {
						for m := from + w; m < to; m += 4 {
							if err := addMessage(s, u.ID, m, t0, kinds); err != nil {
								failed.Store(err)
								return
							}
						}
					})
				}
				wg.Wait()
				if err, _ := failed.Load().(error); err != nil {
					b.Fatal(err)
				}
				if d == store.Postgres {
					if _, err := s.DB().ExecContext(ctx, `ANALYZE`); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Logf("%s: %d items stored in %v", d, n, time.Since(start).Round(time.Second))
			if msgs, _ := strconv.Atoi(os.Getenv("SYNAPSE_BENCH_MESSAGES")); msgs > 0 {
				// The person's messages too, in the same chats, from the
				// same people, with the same words: searches that keep
				// messages (by person, chat or dates) read them as well.
				start := time.Now()
				if err := addMessages(s, u.ID, msgs, t0); err != nil {
					b.Fatal(err)
				}
				if d == store.Postgres {
					// Vacuumed as well, as autovacuum would soon after a
					// million new rows: otherwise it does so while the
					// queries below are timed, taking a core of two.
					if _, err := s.DB().ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
						b.Fatal(err)
					}
				}
				b.Logf("%s: %d messages stored in %v", d, msgs, time.Since(start).Round(time.Second))
			}
			from, to := t0.Add(time.Duration(n/4)*time.Second), t0.Add(time.Duration(n*3/4)*time.Second)
			var cursor4 string
			for i := range 3 {
				p, err := s.ListNotes(ctx, u.ID, domain.KindNote, store.ItemFilter{Tag: "tag7"}, store.ListOptions{Cursor: cursor4})
				if err != nil {
					b.Fatalf("page %d: %v", i, err)
				}
				if cursor4 = p.NextCursor; cursor4 == "" {
					break // a small run: the first page then
				}
			}
			queries := []struct {
				name string
				run  func() (int, error)
			}{
				{"tasks", func() (int, error) {
					p, err := s.ListTasks(ctx, u.ID, store.TaskFilter{}, store.ListOptions{})
					return len(p.Items), err
				}},
				{"tasks tag", func() (int, error) {
					p, err := s.ListTasks(ctx, u.ID, store.TaskFilter{ItemFilter: store.ItemFilter{Tag: "tag7"}}, store.ListOptions{})
					return len(p.Items), err
				}},
				{"tasks tag+chat+person+dates", func() (int, error) {
					// Messages 7, 107, …: chat 7 and person 7 have tag7 all along.
					p, err := s.ListTasks(ctx, u.ID, store.TaskFilter{ItemFilter: store.ItemFilter{Tag: "tag7", ChatID: "chat7@g.us",
						Person: "p7@s.whatsapp.net", From: from, To: to}}, store.ListOptions{})
					return len(p.Items), err
				}},
				{"tasks tag no match", func() (int, error) {
					// tag7 and chat8 never meet: the worst case, nothing to find.
					p, err := s.ListTasks(ctx, u.ID, store.TaskFilter{ItemFilter: store.ItemFilter{Tag: "tag7", ChatID: "chat8@g.us"}}, store.ListOptions{})
					return len(p.Items), err
				}},
				{"notes person", func() (int, error) {
					p, err := s.ListNotes(ctx, u.ID, domain.KindNote, store.ItemFilter{Person: "p3@s.whatsapp.net"}, store.ListOptions{})
					return len(p.Items), err
				}},
				{"notes tag 4th page", func() (int, error) {
					p, err := s.ListNotes(ctx, u.ID, domain.KindNote, store.ItemFilter{Tag: "tag7"}, store.ListOptions{Cursor: cursor4})
					return len(p.Items), err
				}},
				{"events tag+person", func() (int, error) {
					p, err := s.ListEvents(ctx, u.ID, store.EventFilter{Tag: "tag9", Person: "p9@s.whatsapp.net"}, store.ListOptions{})
					return len(p.Items), err
				}},
				// palavra3 is in one item in 16.
				{"search tag", func() (int, error) {
					p, err := s.SearchPaged(ctx, u.ID, "palavra3", store.SearchOptions{Tag: "tag7"})
					return len(p.Hits), err
				}},
				{"search person", func() (int, error) {
					p, err := s.SearchPaged(ctx, u.ID, "palavra3", store.SearchOptions{Person: "p7@s.whatsapp.net"})
					return len(p.Hits), err
				}},
				{"search person newest", func() (int, error) {
					p, err := s.SearchPaged(ctx, u.ID, "palavra3", store.SearchOptions{Person: "p7@s.whatsapp.net", Newest: true})
					return len(p.Hits), err
				}},
				{"search chat+dates", func() (int, error) {
					p, err := s.SearchPaged(ctx, u.ID, "palavra3", store.SearchOptions{ChatID: "chat7@g.us", From: from, To: to})
					return len(p.Hits), err
				}},
				// projeto is in every item: the worst case of a filtered search.
				{"search tag, word in every item", func() (int, error) {
					p, err := s.SearchPaged(ctx, u.ID, "projeto", store.SearchOptions{Tag: "tag7"})
					return len(p.Hits), err
				}},
				{"tags", func() (int, error) {
					l, err := s.ListTags(ctx, u.ID)
					return len(l), err
				}},
				{"people", func() (int, error) {
					l, err := s.ListPeople(ctx, u.ID)
					return len(l), err
				}},
			}
			for _, q := range queries {
				b.Run(q.name, func(b *testing.B) {
					lat := make([]time.Duration, 0, b.N)
					cpu0 := cpuTime()
					for b.Loop() {
						t := time.Now()
						got, err := q.run()
						lat = append(lat, time.Since(t))
						if err != nil {
							b.Fatal(err)
						}
						if got == 0 && q.name != "tasks tag no match" {
							b.Fatalf("%s found nothing", q.name)
						}
					}
					cpu := cpuTime() - cpu0
					slices.Sort(lat)
					b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(lat)), "cpu-ms/op")
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}

// loadPhases splits the benchmark's messages [0, n) at 8 and 80.
func loadPhases(n int) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		from := 0
		for _, to := range []int{8, 80, n} {
			if to = min(to, n); to > from {
				if !yield(from, to) {
					return
				}
				from = to
			}
		}
	}
}

// addMessage stores the 100 items of benchmark message m.
func addMessage(s *store.Store, userID string, m int, t0 time.Time, kinds []domain.Kind) error {
	at := t0.Add(time.Duration(m) * time.Minute)
	text := fmt.Sprintf("lembrete número %d sobre o projeto #tag%d", m, m%50)
	src := store.Source{Kind: store.SourceMessage, ChatID: fmt.Sprintf("chat%d@g.us", m%100), MessageID: fmt.Sprint("m", m),
		Snapshot: store.Snapshot{From: fmt.Sprintf("p%d@s.whatsapp.net", m%50), FromName: fmt.Sprint("Person ", m%50), Text: text, Time: at}}
	items := make([]store.Extracted, 100)
	for i := range items {
		items[i] = store.Extracted{Kind: kinds[i%len(kinds)], Title: fmt.Sprintf("item %d of %d projeto palavra%d", i, m, i%16), Start: &at}
	}
	_, err := s.AddExtracted(ctx, userID, src, items)
	return err
}

// addMessages stores n text messages of the user, one a second from t0,
// in the benchmark's 100 chats from its 50 people, each saying "projeto"
// and one of the 16 words "palavraN" (SYNAPSE_BENCH_MESSAGES).
func addMessages(s *store.Store, userID string, n int, t0 time.Time) error {
	const batch = 2000
	for from := 0; from < n; from += batch {
		in := make([]*store.IncomingMessage, 0, batch)
		for i := from; i < min(from+batch, n); i++ {
			in = append(in, &store.IncomingMessage{UserID: userID, Message: store.Message{
				ChatID: fmt.Sprintf("chat%d@g.us", i%100), ID: fmt.Sprint("msg", i), From: fmt.Sprintf("p%d@s.whatsapp.net", i%50),
				FromName: fmt.Sprint("Person ", i%50), Type: "text", Text: fmt.Sprintf("mensagem %d do projeto palavra%d", i, i%16),
				Timestamp: t0.Add(time.Duration(i) * time.Second)}, IsGroup: true})
		}
		if err := s.IngestMessages(ctx, in, nil); err != nil {
			return err
		}
	}
	return nil
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
