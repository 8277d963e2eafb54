package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

func TestBadRequestDoesNotFailOthers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, store.User{Email: "a@x.io", Name: "a", PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ing := New(Options{Store: s, Log: slog.New(slog.DiscardHandler)})
		ing.Start()
		defer ing.Close()
		msg := func(id string) []whatsapp.Message {
			return []whatsapp.Message{{ID: id, ChatID: "1@s.whatsapp.net", Type: whatsapp.TypeText, Text: "x", Timestamp: time.Now()}}
		}
		// Many concurrent requests share transactions; one for a user that
		// does not exist fails (foreign key), and only that one.
		var wg sync.WaitGroup
		errs := make([]error, 40)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				user := u.ID
				if i == 17 {
					user = "no-such-user"
				}
				errs[i] = ing.Ingest(ctx, user, msg(strings.Repeat("m", i+1)))
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if (err != nil) != (i == 17) {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		if got := ing.Stored(); got != 39 {
			t.Fatalf("stored %d, want 39", got)
		}
		ing.Close()
		if err := ing.Ingest(ctx, u.ID, msg("late")); !errors.Is(err, ErrClosed) {
			t.Fatalf("after close: %v", err)
		}
	})
}

func TestConvertCleansOutsideInput(t *testing.T) {
	ing := New(Options{Store: dbtest.Open(t, store.SQLite), Now: func() time.Time { return time.Unix(1000, 0) }})
	m := ing.convert("u", &whatsapp.Message{ID: "a\x00b", ChatID: "c\xff", Type: "hologram", Text: strings.Repeat("é", maxText)})
	if m.ID != "ab" || !utf8.ValidString(m.ChatID) || m.Type != "text" || len(m.Text) > maxText || !utf8.ValidString(m.Text) {
		t.Fatalf("not cleaned: id %q chat %q type %q text %d bytes", m.ID, m.ChatID, m.Type, len(m.Text))
	}
	if !m.Timestamp.Equal(time.Unix(1000, 0)) {
		t.Fatalf("missing timestamp not filled: %v", m.Timestamp)
	}
}

func FuzzClean(f *testing.F) {
	f.Add("hello", 3)
	f.Add("\xff\x00é", 2)
	f.Add("日本語", 4)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		out := clean(s, max)
		if !utf8.ValidString(out) || strings.IndexByte(out, 0) >= 0 || len(out) > max {
			t.Fatalf("clean(%q, %d) = %q", s, max, out)
		}
		if utf8.ValidString(s) && !strings.Contains(s, "\x00") && len(s) <= max && out != s {
			t.Fatalf("clean changed valid input %q to %q", s, out)
		}
	})
}

// TestLiveMessagesGoBeforeHistory: with history waiting in the writer's
// queue, a live message is committed first, in a transaction of its own,
// and history batches stay small.
func TestLiveMessagesGoBeforeHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, store.User{Email: "a@x.io", Name: "a", PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ing := New(Options{Store: s, Log: slog.New(slog.DiscardHandler), Writers: 1})
		var mu sync.Mutex
		var batches [][]string
		ing.AddHook(func(_ context.Context, _ *sql.Tx, in []*store.IncomingMessage) error {
			ids := make([]string, len(in))
			for k, m := range in {
				ids[k] = m.ID
			}
			mu.Lock()
			batches = append(batches, ids)
			mu.Unlock()
			return nil
		})
		msgs := func(prefix string, n int) []whatsapp.Message {
			out := make([]whatsapp.Message, n)
			for k := range out {
				out[k] = whatsapp.Message{ID: fmt.Sprintf("%s%03d", prefix, k), ChatID: "1@s.whatsapp.net", Type: whatsapp.TypeText, Text: "x", Timestamp: time.Now()}
			}
			return out
		}
		// Four history requests of 100 and then one live message are
		// queued before the writer starts.
		var wg sync.WaitGroup
		for k := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := ing.Ingest(whatsapp.Backfill(ctx), u.ID, msgs(fmt.Sprintf("h%d-", k), 100)); err != nil {
					t.Error(err)
				}
			}()
		}
		for len(ing.bulk) < 4 {
			time.Sleep(time.Millisecond)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ing.Ingest(ctx, u.ID, msgs("live-", 1)); err != nil {
				t.Error(err)
			}
		}()
		for len(ing.reqs) < 1 {
			time.Sleep(time.Millisecond)
		}
		ing.Start()
		wg.Wait()
		ing.Close()
		if len(batches) == 0 || len(batches[0]) != 1 || batches[0][0] != "live-000" {
			t.Fatalf("first transaction %v, want the live message alone", batches[:min(1, len(batches))])
		}
		total := 0
		for _, b := range batches[1:] {
			if len(b) > maxBulkBatch {
				t.Fatalf("a history transaction of %d messages, want at most %d", len(b), maxBulkBatch)
			}
			total += len(b)
		}
		if total != 400 || ing.Stored() != 401 {
			t.Fatalf("history stored %d in transactions, %d in all; want 400 and 401", total, ing.Stored())
		}
	})
}
