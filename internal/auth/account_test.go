package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/validate"
)

// revocations records what a Service revokes.
type revocations struct {
	mu   sync.Mutex
	list []Revocation
}

func (r *revocations) Revoked(x Revocation) { r.mu.Lock(); r.list = append(r.list, x); r.mu.Unlock() }

func (r *revocations) last(t *testing.T) Revocation {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.list) == 0 {
		t.Fatal("nothing revoked")
	}
	return r.list[len(r.list)-1]
}

type accountFixture struct {
	svc  *Service
	s    *store.Store
	c    *clock
	revs *revocations
}

func newAccountFixture(t *testing.T, s *store.Store) *accountFixture {
	c := &clock{t: time.Now()}
	tk, err := NewTokens(secret, 15*time.Minute, c.now)
	if err != nil {
		t.Fatal(err)
	}
	revs := &revocations{}
	svc := NewService(Options{Store: s, Tokens: tk, RefreshTTL: time.Hour, Password: cheap, Now: c.now, Revocations: revs})
	return &accountFixture{svc: svc, s: s, c: c, revs: revs}
}

func (f *accountFixture) login(t *testing.T, email, password string) Result {
	t.Helper()
	r, err := f.svc.Login(context.Background(), email, password, "192.0.2.10")
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return r
}

func (f *accountFixture) authOK(t *testing.T, tok string) Identity {
	t.Helper()
	id, err := f.svc.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatalf("a live token was refused: %v", err)
	}
	return id
}

func (f *accountFixture) authRefused(t *testing.T, what, tok string) error {
	t.Helper()
	_, err := f.svc.Authenticate(context.Background(), tok)
	if !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("%s: token accepted (%v)", what, err)
	}
	return err
}

func TestAuthenticateSeesTheLiveAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newAccountFixture(t, s)
		// The first account of an install is its administrator.
		first, err := f.svc.Register(ctx, Registration{Email: "first@x.io", Password: "password1"}, "192.0.2.9")
		if err != nil || !first.User.IsAdmin {
			t.Fatalf("first sign-up: %+v %v", first.User, err)
		}
		reg, err := f.svc.Register(ctx, Registration{Email: "ana@x.io", Password: "password1"}, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		id := f.authOK(t, reg.AccessToken)
		if id.UserID != reg.User.ID || id.Admin || id.Credential.ID == "" || id.Credential.ExpiresAt.IsZero() {
			t.Fatalf("identity %+v", id)
		}
		// The administrator role comes from the account, not the token.
		if err := s.SetAdmin(ctx, reg.User.ID, true); err != nil {
			t.Fatal(err)
		}
		if !f.authOK(t, reg.AccessToken).Admin {
			t.Fatal("promotion not seen")
		}
		if err := s.SetAdmin(ctx, reg.User.ID, false); err != nil {
			t.Fatal(err)
		}
		if f.authOK(t, reg.AccessToken).Admin {
			t.Fatal("a demoted administrator keeps the role")
		}
		// A refresh keeps the log-in (the same credential id); both the old
		// and the new access token of a live log-in work.
		ref, err := f.svc.Refresh(ctx, reg.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if f.authOK(t, ref.AccessToken).Credential.ID != id.Credential.ID {
			t.Fatal("a refresh changed the credential id")
		}
		f.authOK(t, reg.AccessToken)
		// Logging out ends that log-in's access tokens, not another's.
		other := f.login(t, "ana@x.io", "password1")
		if err := f.svc.Logout(ctx, reg.User.ID, ref.RefreshToken); err != nil {
			t.Fatal(err)
		}
		f.authRefused(t, "after logout", reg.AccessToken)
		f.authRefused(t, "after logout (refreshed token)", ref.AccessToken)
		if r := f.revs.last(t); r.All || r.CredentialID != id.Credential.ID || r.Reason != ReasonLogout {
			t.Fatalf("logout revocation %+v", r)
		}
		f.authOK(t, other.AccessToken)
		// A token bound to no log-in works until the account says otherwise.
		bare, _, err := f.svc.IssueFor(ctx, reg.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.authOK(t, bare)

		// Disabled: nothing works, not even the right password, and
		// enabling the account again does not revive old tokens.
		f.c.add(time.Second)
		if err := f.svc.SetDisabled(ctx, reg.User.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.authRefused(t, "disabled", other.AccessToken); !errors.Is(err, ErrAccountDisabled) {
			t.Fatalf("disabled account: %v", err)
		}
		if r := f.revs.last(t); !r.All || r.Reason != ReasonDisabled || !r.Matches(id.Credential) {
			t.Fatalf("disable revocation %+v", r)
		}
		if _, err := f.svc.Login(ctx, "ana@x.io", "password1", "192.0.2.11"); !errors.Is(err, ErrAccountDisabled) || !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("login to a disabled account: %v", err)
		}
		if _, err := f.svc.Login(ctx, "ana@x.io", "wrong password", "192.0.2.12"); errors.Is(err, ErrAccountDisabled) || !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("a wrong password must not learn that the account is disabled: %v", err)
		}
		if _, err := f.svc.Refresh(ctx, other.RefreshToken); !errors.Is(err, ErrInvalidRefreshToken) {
			t.Fatalf("refresh of a disabled account: %v", err)
		}
		if _, _, err := f.svc.IssueFor(ctx, reg.User.ID); !errors.Is(err, ErrAccountDisabled) {
			t.Fatalf("IssueFor a disabled account: %v", err)
		}
		f.c.add(time.Second)
		if err := f.svc.SetDisabled(ctx, reg.User.ID, false); err != nil {
			t.Fatal(err)
		}
		f.authRefused(t, "an old token after re-enabling", other.AccessToken)
		f.authRefused(t, "an old bare token after re-enabling", bare)
		again := f.login(t, "ana@x.io", "password1")
		f.authOK(t, again.AccessToken)

		// Deleted: its tokens stop working.
		if err := f.svc.DeleteUser(ctx, reg.User.ID); err != nil {
			t.Fatal(err)
		}
		f.authRefused(t, "deleted", again.AccessToken)
		if r := f.revs.last(t); !r.All || r.Reason != ReasonDeleted || !r.Matches(Credential{UserID: reg.User.ID, IssuedAt: f.c.now().Add(time.Hour)}) {
			t.Fatalf("delete revocation %+v", r)
		}
	})
}

// A web session of a disabled account resolves to nobody.
func TestDisabledAccountWebSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newAccountFixture(t, s)
		u, err := f.svc.CreateUser(ctx, Registration{Email: "ana@x.io", Password: "password1"})
		if err != nil {
			t.Fatal(err)
		}
		now := f.c.now()
		if _, err := s.CreateWebSession(ctx, u.ID, []byte("token-hash"), []byte("csrf"), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ResolveWebSession(ctx, []byte("token-hash"), now); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ResolveWebSession(ctx, []byte("token-hash"), now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("web session of a disabled account: %v", err)
		}
	})
}

func TestChangePasswordEndsEveryOtherCredential(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newAccountFixture(t, s)
		u, err := f.svc.CreateUser(ctx, Registration{Email: "ana@x.io", Password: "password1"})
		if err != nil {
			t.Fatal(err)
		}
		a, b := f.login(t, "ana@x.io", "password1"), f.login(t, "ana@x.io", "password1")
		exp := f.c.now().Add(time.Hour)
		w1, err := s.CreateWebSession(ctx, u.ID, []byte("w1"), []byte("c"), exp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateWebSession(ctx, u.ID, []byte("w2"), []byte("c"), exp); err != nil {
			t.Fatal(err)
		}
		bare, _, _ := f.svc.IssueFor(ctx, u.ID)
		f.c.add(time.Second)

		keep := WebCredential(w1)
		if _, err := f.svc.ChangePassword(ctx, u.ID, "wrong password", "new password", keep); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong current password: %v", err)
		}
		var verr validate.Errors
		if _, err := f.svc.ChangePassword(ctx, u.ID, "password1", "short", keep); !errors.As(err, &verr) || verr[0].Field != "newPassword" {
			t.Fatalf("short new password: %v", err)
		}
		if _, err := f.svc.ChangePassword(ctx, u.ID, "password1", "new\x00password", keep); !errors.As(err, &verr) {
			t.Fatalf("new password with NUL: %v", err)
		}
		res, err := f.svc.ChangePassword(ctx, u.ID, "password1", "new password", keep)
		if err != nil || res.AccessToken != "" || res.User.ID != u.ID {
			t.Fatalf("change from a web session: %+v %v", res, err)
		}
		for name, tok := range map[string]string{"log-in a": a.AccessToken, "log-in b": b.AccessToken, "bare token": bare} {
			f.authRefused(t, name+" after a password change", tok)
		}
		for _, rt := range []string{a.RefreshToken, b.RefreshToken} {
			if _, err := f.svc.Refresh(ctx, rt); !errors.Is(err, ErrInvalidRefreshToken) {
				t.Fatalf("refresh after a password change: %v", err)
			}
		}
		now := f.c.now()
		if _, _, err := s.ResolveWebSession(ctx, []byte("w2"), now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other web session: %v", err)
		}
		if _, _, err := s.ResolveWebSession(ctx, []byte("w1"), now); err != nil {
			t.Fatalf("the session the change was made from: %v", err)
		}
		r := f.revs.last(t)
		if !r.All || r.Keep != keep.ID || r.Reason != ReasonPasswordChanged || r.Matches(keep) || !r.Matches(Credential{UserID: u.ID, ID: "api:x", IssuedAt: now.Add(-time.Second)}) {
			t.Fatalf("revocation %+v", r)
		}
		if _, err := f.svc.Login(ctx, "ana@x.io", "password1", "192.0.2.20"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("old password: %v", err)
		}
		c := f.login(t, "ana@x.io", "new password")

		// From an API log-in: the caller gets a new log-in, its old one ends.
		f.c.add(time.Second)
		cid := f.authOK(t, c.AccessToken)
		res, err = f.svc.ChangePassword(ctx, u.ID, "new password", "newer password", cid.Credential)
		if err != nil || res.AccessToken == "" || res.RefreshToken == "" {
			t.Fatalf("change from an API log-in: %+v %v", res, err)
		}
		f.authRefused(t, "the caller's old log-in", c.AccessToken)
		f.authOK(t, res.AccessToken)
		if _, err := f.svc.Refresh(ctx, res.RefreshToken); err != nil {
			t.Fatalf("refresh of the new log-in: %v", err)
		}
		if r := f.revs.last(t); r.Keep != "" || !r.Matches(cid.Credential) {
			t.Fatalf("revocation from an API change %+v", r)
		}
	})
}

// "Sign out every other browser" ends API log-ins too.
func TestSignOutEverywhere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newAccountFixture(t, s)
		u, err := f.svc.CreateUser(ctx, Registration{Email: "ana@x.io", Password: "password1"})
		if err != nil {
			t.Fatal(err)
		}
		a := f.login(t, "ana@x.io", "password1")
		w1, _ := s.CreateWebSession(ctx, u.ID, []byte("w1"), []byte("c"), f.c.now().Add(time.Hour))
		f.c.add(time.Second)
		if _, err := f.svc.SignOutEverywhere(ctx, u.ID, WebCredential(w1)); err != nil {
			t.Fatal(err)
		}
		f.authRefused(t, "API log-in after signing out everywhere", a.AccessToken)
		if _, err := f.svc.Refresh(ctx, a.RefreshToken); !errors.Is(err, ErrInvalidRefreshToken) {
			t.Fatalf("refresh after signing out everywhere: %v", err)
		}
		if _, _, err := s.ResolveWebSession(ctx, []byte("w1"), f.c.now()); err != nil {
			t.Fatalf("kept session: %v", err)
		}
		// The web UI's sign-out of one browser ends that session's streams.
		if err := f.svc.EndWebSession(ctx, u.ID, w1.ID); err != nil {
			t.Fatal(err)
		}
		if r := f.revs.last(t); r.All || !r.Matches(WebCredential(w1)) {
			t.Fatalf("sign-out revocation %+v", r)
		}
		// Logout without a refresh token ends everything.
		b := f.login(t, "ana@x.io", "password1")
		f.c.add(time.Second)
		if err := f.svc.Logout(ctx, u.ID, ""); err != nil {
			t.Fatal(err)
		}
		f.authRefused(t, "after logging out everywhere", b.AccessToken)
	})
}

func TestDeleteAccountNeedsThePassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newAccountFixture(t, s)
		u, _ := f.svc.CreateUser(ctx, Registration{Email: "ana@x.io", Password: "password1"})
		if err := f.svc.DeleteAccount(ctx, u.ID, "wrong password"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		// Guessing through a stolen session is limited like log-ins.
		for range 4 {
			_ = f.svc.DeleteAccount(ctx, u.ID, "wrong password")
		}
		var rl *RateLimitedError
		if err := f.svc.DeleteAccount(ctx, u.ID, "password1"); !errors.As(err, &rl) || rl.Scope != ScopeAccount {
			t.Fatalf("6th attempt: %v", err)
		}
		f.c.add(time.Minute)
		if err := f.svc.DeleteAccount(ctx, u.ID, "password1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByID(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("still there: %v", err)
		}
	})
}

// NUL characters and invalid UTF-8 are refused as input (validation errors,
// bad credentials), on PostgreSQL as on SQLite, never a database error.
func TestTextThatNoDatabaseStores(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newAccountFixture(t, s)
		var verr validate.Errors
		for _, r := range []Registration{
			{Email: "ana\x00@x.io", Password: "password1"},
			{Email: "ana\xff@x.io", Password: "password1"},
			{Email: "ana@x.io", Password: "password1", Name: "Ana\x00"},
			{Email: "ana@x.io", Password: "password1", Name: "Ana\xff"},
			{Email: "ana@x.io", Password: "pass\x00word1"},
			{Email: "ana@x.io", Password: "password1", Timezone: "UTC\x00"},
		} {
			if _, err := f.svc.Register(ctx, r, "192.0.2.1"); !errors.As(err, &verr) {
				t.Errorf("register %q %q %q %q: %v", r.Email, r.Name, r.Password, r.Timezone, err)
			}
		}
		for _, email := range []string{"ana\x00@x.io", "ana\xff@x.io"} {
			if _, err := f.svc.Login(ctx, email, "password1", "192.0.2.2"); !errors.Is(err, ErrBadCredentials) {
				t.Errorf("login %q: %v", email, err)
			}
		}
	})
}
