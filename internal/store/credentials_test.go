package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func TestAccountStateAndCredentialChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		u := mustUser(t, s, "ana@example.com")
		other := mustUser(t, s, "bea@example.com")
		exp := time.Now().Add(time.Hour)
		keep, _ := s.CreateRefreshToken(ctx, u.ID, []byte("keep"), exp)
		gone, _ := s.CreateRefreshToken(ctx, u.ID, []byte("gone"), exp)
		foreign, _ := s.CreateRefreshToken(ctx, other.ID, []byte("foreign"), exp)
		w1, _ := s.CreateWebSession(ctx, u.ID, []byte("w1"), []byte("c"), exp)
		if _, err := s.CreateWebSession(ctx, u.ID, []byte("w2"), []byte("c"), exp); err != nil {
			t.Fatal(err)
		}
		st, err := s.AccountState(ctx, u.ID, gone.ID)
		if err != nil || !st.RefreshTokenLive || st.IsAdmin || !st.DisabledAt.IsZero() || !st.TokensValidAfter.IsZero() {
			t.Fatalf("fresh state %+v %v", st, err)
		}
		if st, _ := s.AccountState(ctx, u.ID, foreign.ID); st.RefreshTokenLive {
			t.Fatal("another user's refresh token counts as live")
		}
		if st, _ := s.AccountState(ctx, u.ID, ""); st.RefreshTokenLive {
			t.Fatal("no refresh token asked about, yet live")
		}
		if _, err := s.AccountState(ctx, "missing", ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		at := time.UnixMilli(time.Now().UnixMilli()).UTC()
		if err := s.ChangeCredentials(ctx, u.ID, store.CredentialChange{PasswordHash: "new", EndOthers: true,
			KeepFamily: keep.FamilyID, KeepWebSession: w1.ID, TokensValidAfter: at, Disable: true, DisabledAt: at}); err != nil {
			t.Fatal(err)
		}
		st, _ = s.AccountState(ctx, u.ID, gone.ID)
		if st.RefreshTokenLive || !st.DisabledAt.Equal(at) || !st.TokensValidAfter.Equal(at) {
			t.Fatalf("after the change %+v", st)
		}
		if st, _ := s.AccountState(ctx, u.ID, keep.ID); !st.RefreshTokenLive {
			t.Fatal("kept family revoked")
		}
		if st, _ := s.AccountState(ctx, other.ID, foreign.ID); !st.RefreshTokenLive {
			t.Fatal("another user's token revoked")
		}
		list, _ := s.ListWebSessions(ctx, u.ID, time.Now())
		if len(list) != 1 || list[0].ID != w1.ID {
			t.Fatalf("web sessions left: %+v", list)
		}
		got, _ := s.UserByID(ctx, u.ID)
		if got.PasswordHash != "new" || !got.Disabled() {
			t.Fatalf("user %+v", got)
		}
		if err := s.ChangeCredentials(ctx, u.ID, store.CredentialChange{Enable: true}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.UserByID(ctx, u.ID); got.Disabled() || !got.TokensValidAfter.Equal(at) {
			t.Fatalf("enabled user %+v", got)
		}
		if err := s.ChangeCredentials(ctx, "missing", store.CredentialChange{Enable: true}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		// Invalid text never reaches the database.
		if _, err := s.UserByEmail(ctx, "ana\x00@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("NUL e-mail: %v", err)
		}
		if _, err := s.UserByEmail(ctx, "ana\xff@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("invalid UTF-8 e-mail: %v", err)
		}
	})
}
