package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func TestCalendarFeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		if _, err := s.CalendarFeed(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("feed before one is made: %v", err)
		}
		if _, err := s.PutCalendarFeed(ctx, "nobody", tokenHash("n")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("feed of a missing user: %v", err)
		}
		if _, err := s.PutCalendarFeed(ctx, a.ID, tokenHash("a1")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutCalendarFeed(ctx, b.ID, tokenHash("a1")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("reused hash: %v", err)
		}
		if _, err := s.PutCalendarFeed(ctx, b.ID, tokenHash("b1")); err != nil {
			t.Fatal(err)
		}
		got, st, err := s.ResolveCalendarFeed(ctx, tokenHash("a1"))
		if err != nil || got.UserID != a.ID || !st.DisabledAt.IsZero() || got.CreatedAt.IsZero() {
			t.Fatalf("resolve: %+v %+v %v", got, st, err)
		}

		// The content hash moves ChangedAt; fetches write at most once
		// per gap; another user's call or an old hash writes nothing.
		now := time.Now().Truncate(time.Millisecond)
		steps := []struct {
			user, token, content string
			at                   time.Time
			changed, fetched     time.Time
		}{
			{a.ID, "a1", "v1", now, now, now},
			{a.ID, "a1", "v1", now.Add(10 * time.Second), now, now},
			{a.ID, "a1", "v2", now.Add(20 * time.Second), now.Add(20 * time.Second), now},
			{a.ID, "a1", "v2", now.Add(90 * time.Second), now.Add(20 * time.Second), now.Add(90 * time.Second)},
			{b.ID, "a1", "v3", now.Add(200 * time.Second), now.Add(20 * time.Second), now.Add(90 * time.Second)},
		}
		for i, c := range steps {
			if _, err := s.MarkCalendarFeedServed(ctx, c.user, tokenHash(c.token), []byte(c.content), c.at, time.Minute); err != nil {
				t.Fatal(err)
			}
			f, err := s.CalendarFeed(ctx, a.ID)
			if err != nil || !f.ChangedAt.Equal(c.changed) || !f.LastFetchedAt.Equal(c.fetched) || string(f.ContentHash) != "v2" && i >= 2 {
				t.Fatalf("step %d: %+v %v", i, f, err)
			}
		}

		// Rotation: the old hash is gone, the state starts afresh.
		if _, err := s.PutCalendarFeed(ctx, a.ID, tokenHash("a2")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ResolveCalendarFeed(ctx, tokenHash("a1")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("old hash after rotation: %v", err)
		}
		if f, err := s.CalendarFeed(ctx, a.ID); err != nil || !f.LastFetchedAt.IsZero() || f.ContentHash != nil {
			t.Fatalf("after rotation: %+v %v", f, err)
		}
		if err := s.DeleteCalendarFeed(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCalendarFeed(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second revocation: %v", err)
		}
		if _, _, err := s.ResolveCalendarFeed(ctx, tokenHash("a2")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked: %v", err)
		}
		if err := s.DeleteUser(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ResolveCalendarFeed(ctx, tokenHash("b1")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("feed of a deleted user: %v", err)
		}
	})
}
