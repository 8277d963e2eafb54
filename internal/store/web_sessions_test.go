package store_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func tokenHash(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

func TestWebSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		now := time.Now()
		exp := now.Add(time.Hour)
		sa, err := s.CreateWebSession(ctx, a.ID, tokenHash("ta"), []byte("csrf-a"), exp)
		if err != nil {
			t.Fatal(err)
		}
		if sa.ID == "" || sa.UserID != a.ID || !sa.ExpiresAt.Equal(exp.Truncate(time.Millisecond)) {
			t.Fatalf("created %+v", sa)
		}
		sb, err := s.CreateWebSession(ctx, b.ID, tokenHash("tb"), []byte("csrf-b"), exp)
		if err != nil {
			t.Fatal(err)
		}

		// Each token resolves to its own session and user, never another's.
		got, u, err := s.ResolveWebSession(ctx, tokenHash("ta"), now)
		if err != nil || got.ID != sa.ID || u.ID != a.ID || u.Email != "a@x.io" || !bytes.Equal(got.CSRFSecret, []byte("csrf-a")) {
			t.Fatalf("resolve a: %+v %+v %v", got, u, err)
		}
		got, u, err = s.ResolveWebSession(ctx, tokenHash("tb"), now)
		if err != nil || got.ID != sb.ID || u.ID != b.ID || !bytes.Equal(got.CSRFSecret, []byte("csrf-b")) {
			t.Fatalf("resolve b: %+v %+v %v", got, u, err)
		}
		if _, _, err := s.ResolveWebSession(ctx, tokenHash("unknown"), now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
		if _, _, err := s.ResolveWebSession(ctx, []byte("ta"), now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("raw token instead of its hash: %v", err)
		}
		// A token hash is one session only.
		if _, err := s.CreateWebSession(ctx, b.ID, tokenHash("ta"), []byte("x"), exp); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("reused token hash: %v", err)
		}
		if _, err := s.CreateWebSession(ctx, "nobody", tokenHash("tn"), []byte("x"), exp); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session of a missing user: %v", err)
		}

		// Expiry: not resolvable at or after its end; touching slides it.
		if _, _, err := s.ResolveWebSession(ctx, tokenHash("ta"), exp); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("resolved at expiry: %v", err)
		}
		later := exp.Add(time.Hour)
		if err := s.TouchWebSession(ctx, b.ID, sa.ID, now, later); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b touches a's session: %v", err)
		}
		if err := s.TouchWebSession(ctx, a.ID, sa.ID, now.Add(time.Minute), later); err != nil {
			t.Fatal(err)
		}
		got, _, err = s.ResolveWebSession(ctx, tokenHash("ta"), exp)
		if err != nil || !got.LastSeenAt.Equal(now.Add(time.Minute).Truncate(time.Millisecond)) {
			t.Fatalf("after touch: %+v %v", got, err)
		}

		list, err := s.ListWebSessions(ctx, a.ID, now)
		if err != nil || len(list) != 1 || list[0].ID != sa.ID {
			t.Fatalf("list a: %+v %v", list, err)
		}

		// Another user cannot end a's session; a can.
		if err := s.DeleteWebSession(ctx, b.ID, sa.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b deletes a's session: %v", err)
		}
		if _, _, err := s.ResolveWebSession(ctx, tokenHash("ta"), now); err != nil {
			t.Fatalf("a's session after b's attempt: %v", err)
		}
		if err := s.DeleteWebSession(ctx, a.ID, sa.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ResolveWebSession(ctx, tokenHash("ta"), now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after sign-out: %v", err)
		}
		if err := s.DeleteWebSession(ctx, a.ID, sa.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second sign-out: %v", err)
		}

		// Expired sessions are swept, per user or for everyone.
		if _, err := s.CreateWebSession(ctx, a.ID, tokenHash("old-a"), []byte("x"), now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateWebSession(ctx, b.ID, tokenHash("old-b"), []byte("x"), now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeleteExpiredWebSessions(ctx, a.ID, now); err != nil || n != 1 {
			t.Fatalf("sweep a: %d %v", n, err)
		}
		if n, err := s.DeleteExpiredWebSessions(ctx, "", now); err != nil || n != 1 {
			t.Fatalf("sweep all: %d %v", n, err)
		}

		// Signing out everywhere, and deleting the user, end its sessions.
		if _, err := s.CreateWebSession(ctx, b.ID, tokenHash("tb2"), []byte("x"), exp); err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeleteWebSessions(ctx, b.ID); err != nil || n != 2 {
			t.Fatalf("sign out everywhere: %d %v", n, err)
		}
		if _, err := s.CreateWebSession(ctx, a.ID, tokenHash("ta3"), []byte("x"), exp); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUser(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ResolveWebSession(ctx, tokenHash("ta3"), now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session outlived its user: %v", err)
		}
	})
}
