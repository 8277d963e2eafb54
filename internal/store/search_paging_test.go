package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestSearchPaging: a search pages through every match (newest first, also
// across many hits of the same instant) and through the best ones (ranked),
// never showing one twice; filters by kind, chat and time keep only what
// they name; another person's search finds none of it.
func TestSearchPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		var in []*store.IncomingMessage
		for i := range 90 {
			chat := "one@g.us"
			if i%3 == 0 {
				chat = "two@g.us"
			}
			// Ten messages share each second, as WhatsApp stamps them.
			in = append(in, msg(a.ID, chat, fmt.Sprint("m", i), t0.Add(time.Duration(i/10)*time.Second), fmt.Sprintf("bread number %d", i)))
		}
		in = append(in, msg(b.ID, "one@g.us", "theirs", t0, "bread of bruno"))
		if err := s.IngestMessages(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
		for i := range 40 {
			if _, err := s.AddExtracted(ctx, a.ID, store.Source{Kind: store.SourceMessage, ChatID: "two@g.us", MessageID: fmt.Sprint("m", i*3)},
				[]store.Extracted{{Kind: domain.KindTask, Title: fmt.Sprintf("Buy bread %d", i)}}); err != nil {
				t.Fatal(err)
			}
		}
		all := func(o store.SearchOptions) []store.SearchHit {
			t.Helper()
			var out []store.SearchHit
			seen := map[string]bool{}
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatal("paging does not end")
				}
				p, err := s.SearchPaged(ctx, a.ID, "bread", o)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Hits) > o.Limit {
					t.Fatalf("page of %d, limit %d", len(p.Hits), o.Limit)
				}
				for _, h := range p.Hits {
					k := string(h.Kind) + "/" + h.ID + "/" + h.ChatID
					if seen[k] {
						t.Fatalf("%s shown twice (page %d)", k, pages)
					}
					seen[k] = true
					out = append(out, h)
				}
				if p.NextCursor == "" {
					return out
				}
				o.Cursor = p.NextCursor
			}
		}
		// Some tasks share their creation instant (ms) with others.
		newest := all(store.SearchOptions{Newest: true, Limit: 7})
		if len(newest) != 130 {
			t.Fatalf("newest first found %d of 130", len(newest))
		}
		for i := 1; i < len(newest); i++ {
			if newest[i].Time.After(newest[i-1].Time) {
				t.Fatalf("not newest first at %d: %v after %v", i, newest[i].Time, newest[i-1].Time)
			}
		}
		if ranked := all(store.SearchOptions{Limit: 25}); len(ranked) != 130 {
			t.Fatalf("ranked paging found %d of 130", len(ranked))
		}
		tasks := all(store.SearchOptions{Kinds: []domain.Kind{domain.KindTask}, Newest: true, Limit: 50})
		if len(tasks) != 40 {
			t.Fatalf("tasks: %d", len(tasks))
		}
		two := all(store.SearchOptions{ChatID: "two@g.us", Newest: true, Limit: 50})
		if len(two) != 30+40 {
			t.Fatalf("chat two: %d hits, want its 30 messages and the 40 tasks made from them", len(two))
		}
		for _, h := range two {
			if h.ChatID != "two@g.us" {
				t.Fatalf("chat filter let through %+v", h)
			}
		}
		window := all(store.SearchOptions{Kinds: []domain.Kind{domain.KindMessage}, From: t0.Add(2 * time.Second), To: t0.Add(5 * time.Second), Limit: 50})
		if len(window) != 30 {
			t.Fatalf("time filter: %d messages, want 30", len(window))
		}
		for _, h := range window {
			if h.Time.Before(t0.Add(2*time.Second)) || !h.Time.Before(t0.Add(5*time.Second)) {
				t.Fatalf("time filter let through %v", h.Time)
			}
		}
		if p, err := s.SearchPaged(ctx, b.ID, "bread", store.SearchOptions{Newest: true}); err != nil || len(p.Hits) != 1 {
			t.Fatalf("b's search: %+v %v", p.Hits, err)
		}
		if _, err := s.SearchPaged(ctx, a.ID, "bread", store.SearchOptions{Cursor: "not-a-cursor"}); !errors.Is(err, store.ErrBadCursor) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}
