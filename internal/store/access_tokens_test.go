package store_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func TestAccessTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		exp := time.Now().Add(time.Hour)
		ta, err := s.CreateAccessToken(ctx, store.AccessToken{UserID: a.ID, Name: "n8n", Scopes: []string{"read", "write"}, ExpiresAt: exp}, tokenHash("pa"), 50)
		if err != nil {
			t.Fatal(err)
		}
		if ta.ID == "" || ta.CreatedAt.IsZero() || !ta.ExpiresAt.Equal(exp.Truncate(time.Millisecond)) || !ta.LastUsedAt.IsZero() {
			t.Fatalf("created %+v", ta)
		}
		tb, err := s.CreateAccessToken(ctx, store.AccessToken{UserID: b.ID, Name: "b's", Scopes: []string{"send"}}, tokenHash("pb"), 50)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAccessToken(ctx, store.AccessToken{UserID: b.ID, Name: "again", Scopes: []string{"read"}}, tokenHash("pa"), 50); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("reused hash: %v", err)
		}
		if _, err := s.CreateAccessToken(ctx, store.AccessToken{UserID: "nobody", Name: "x", Scopes: []string{"read"}}, tokenHash("pn"), 50); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("token of a missing user: %v", err)
		}

		// Each hash resolves to its own token and account.
		got, st, err := s.ResolveAccessToken(ctx, tokenHash("pa"))
		if err != nil || got.ID != ta.ID || got.UserID != a.ID || !slices.Equal(got.Scopes, []string{"read", "write"}) || st.IsAdmin || !st.DisabledAt.IsZero() {
			t.Fatalf("resolve a: %+v %+v %v", got, st, err)
		}
		got, _, err = s.ResolveAccessToken(ctx, tokenHash("pb"))
		if err != nil || got.ID != tb.ID || got.UserID != b.ID || !got.ExpiresAt.IsZero() {
			t.Fatalf("resolve b: %+v %v", got, err)
		}
		if _, _, err := s.ResolveAccessToken(ctx, []byte("pa")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("raw secret instead of its hash: %v", err)
		}

		// Last use is written at most once per gap, and never through
		// another user.
		now := time.Now()
		for i, c := range []struct {
			user  string
			at    time.Time
			wrote bool
		}{
			{b.ID, now, false},
			{a.ID, now, true},
			{a.ID, now.Add(30 * time.Second), false},
			{a.ID, now.Add(61 * time.Second), true},
		} {
			wrote, err := s.TouchAccessToken(ctx, c.user, ta.ID, c.at, time.Minute)
			if err != nil || wrote != c.wrote {
				t.Fatalf("touch %d: wrote %v, %v; want %v", i, wrote, err, c.wrote)
			}
		}
		list, err := s.ListAccessTokens(ctx, a.ID)
		if err != nil || len(list) != 1 || list[0].ID != ta.ID || !list[0].LastUsedAt.Equal(now.Add(61*time.Second).Truncate(time.Millisecond)) {
			t.Fatalf("list a: %+v %v", list, err)
		}

		// Another user cannot revoke a's token; a can, and then it is gone.
		if err := s.DeleteAccessToken(ctx, b.ID, ta.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b revokes a's token: %v", err)
		}
		if err := s.DeleteAccessToken(ctx, a.ID, ta.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAccessToken(ctx, a.ID, ta.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked twice: %v", err)
		}
		if _, _, err := s.ResolveAccessToken(ctx, tokenHash("pa")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked token resolves: %v", err)
		}
		if list, _ := s.ListAccessTokens(ctx, a.ID); len(list) != 0 {
			t.Fatalf("revoked token listed: %+v", list)
		}

		// Deleting the account deletes its tokens.
		if err := s.DeleteUser(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ResolveAccessToken(ctx, tokenHash("pb")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("token of a deleted account: %v", err)
		}
	})
}

// TestAccessTokenLimitHoldsUnderConcurrency: creations racing for the last
// places never pass the limit.
func TestAccessTokenLimitHoldsUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		u := mustUser(t, s, "a@x.io")
		const max = 5
		var wg sync.WaitGroup
		var mu sync.Mutex
		made, refused := 0, 0
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.CreateAccessToken(ctx, store.AccessToken{UserID: u.ID, Name: "t", Scopes: []string{"read"}}, tokenHash(string(rune('a'+i))), max)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					made++
				case errors.Is(err, store.ErrLimitReached):
					refused++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if made != max || refused != 12-max {
			t.Fatalf("made %d, refused %d; want %d and %d", made, refused, max, 12-max)
		}
	})
}
