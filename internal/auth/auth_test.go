package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/validate"
)

var cheap = PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}

var secret = []byte(strings.Repeat("k", 32))

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash format %q", h)
	}
	h2, _ := HashPassword("correct horse", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if ok, err := VerifyPassword("correct horse", h); !ok || err != nil {
		t.Fatalf("verify: %v %v", ok, err)
	}
	if ok, _ := VerifyPassword("correct hors", h); ok {
		t.Fatal("wrong password verified")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$a$b", "$argon2id$v=19$m=99999999,t=1,p=1$YQ$YQ", h[:len(h)-3] + "!!!"} {
		if _, err := VerifyPassword("x", bad); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestAccessTokens(t *testing.T) {
	c := &clock{t: time.Now()}
	tk, err := NewTokens(secret, 15*time.Minute, c.now)
	if err != nil {
		t.Fatal(err)
	}
	tok, exp, err := tk.Issue(Identity{UserID: "u1", Admin: true})
	if err != nil || exp.Sub(c.now()) != 15*time.Minute {
		t.Fatal(err, exp)
	}
	id, err := tk.Verify(tok)
	if err != nil || id.UserID != "u1" || !id.Admin {
		t.Fatalf("verify: %+v %v", id, err)
	}
	sign := func(m jwt.SigningMethod, key any, cl jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, cl).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := jwt.MapClaims{"iss": "synapse", "sub": "u1", "use": "access", "exp": c.now().Add(time.Hour).Unix(), "iat": c.now().Unix()}
	header, _, _ := strings.Cut(sign(jwt.SigningMethodHS256, secret, valid), ".")
	_ = header
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	payload := strings.Split(tok, ".")[1]
	bad := map[string]string{
		"empty":        "",
		"garbage":      "not.a.token",
		"alg none":     noneHeader + "." + payload + ".",
		"wrong secret": sign(jwt.SigningMethodHS256, []byte(strings.Repeat("x", 32)), valid),
		"HS512":        sign(jwt.SigningMethodHS512, secret, valid),
		"tampered":     tok[:len(tok)-2] + "AA",
		"no exp":       sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": "synapse", "sub": "u1", "use": "access"}),
		"other issuer": sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": "evil", "sub": "u1", "use": "access", "exp": c.now().Add(time.Hour).Unix()}),
		"not access":   sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": "synapse", "sub": "u1", "use": "refresh", "exp": c.now().Add(time.Hour).Unix()}),
	}
	for name, tok := range bad {
		if _, err := tk.Verify(tok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
	c.add(16 * time.Minute)
	if _, err := tk.Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatal("expired token accepted")
	}
	if _, err := NewTokens([]byte("short"), time.Minute, nil); err == nil {
		t.Fatal("short secret accepted")
	}
}

func newService(t *testing.T, s *store.Store, c *clock) *Service {
	tk, err := NewTokens(secret, 15*time.Minute, c.now)
	if err != nil {
		t.Fatal(err)
	}
	return NewService(Options{Store: s, Tokens: tk, RefreshTTL: time.Hour, Password: cheap, Now: c.now})
}

func TestRegisterLoginRefreshLogout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := &clock{t: time.Now()}
		svc := newService(t, s, c)
		var verr validate.Errors
		_, err := svc.Register(ctx, Registration{Email: "nope", Password: "short", Timezone: "Mars/Base"}, "1.1.1.1")
		if !errors.As(err, &verr) || len(verr) != 3 {
			t.Fatalf("validation: %v", err)
		}
		res, err := svc.Register(ctx, Registration{Email: "Ana@Example.com", Password: "long enough pw"}, "1.1.1.1")
		if err != nil {
			t.Fatal(err)
		}
		if res.User.Email != "ana@example.com" || res.User.Name != "ana" || res.AccessToken == "" || !strings.HasPrefix(res.RefreshToken, "rt_") {
			t.Fatalf("register result %+v", res)
		}
		// A taken e-mail is refused like any invalid input, without saying
		// that an account exists.
		if _, err := svc.Register(ctx, Registration{Email: "ana@example.com", Password: "long enough pw"}, "1.1.1.2"); !errors.As(err, &verr) ||
			len(verr) != 1 || verr[0].Field != "email" || strings.Contains(verr.Error(), "exist") || errors.Is(err, ErrEmailTaken) {
			t.Fatalf("duplicate: %v", err)
		}
		if _, err := svc.CreateUser(ctx, Registration{Email: "ana@example.com", Password: "long enough pw"}); !errors.Is(err, ErrEmailTaken) {
			t.Fatalf("duplicate through CreateUser: %v", err)
		}
		if _, err := svc.Login(ctx, "ana@example.com", "wrong password", "1.1.1.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := svc.Login(ctx, "nobody@example.com", "whatever pw", "1.1.1.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("unknown user: %v", err)
		}
		login, err := svc.Login(ctx, "ANA@example.com", "long enough pw", "1.1.1.1")
		if err != nil {
			t.Fatal(err)
		}
		r2, err := svc.Refresh(ctx, login.RefreshToken)
		if err != nil || r2.RefreshToken == login.RefreshToken || r2.User.ID != res.User.ID {
			t.Fatalf("refresh: %+v %v", r2, err)
		}
		// Reusing the rotated token kills the family: r2's token dies too.
		if _, err := svc.Refresh(ctx, login.RefreshToken); !errors.Is(err, ErrInvalidRefreshToken) {
			t.Fatalf("reuse: %v", err)
		}
		if _, err := svc.Refresh(ctx, r2.RefreshToken); !errors.Is(err, ErrInvalidRefreshToken) {
			t.Fatalf("family not revoked: %v", err)
		}
		// The registration's own family is separate and still works; logout ends it.
		r3, err := svc.Refresh(ctx, res.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Logout(ctx, res.User.ID, r3.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Refresh(ctx, r3.RefreshToken); !errors.Is(err, ErrInvalidRefreshToken) {
			t.Fatalf("after logout: %v", err)
		}
		// Refresh tokens expire.
		r4, _ := svc.Login(ctx, "ana@example.com", "long enough pw", "1.1.1.3")
		c.add(2 * time.Hour)
		if _, err := svc.Refresh(ctx, r4.RefreshToken); !errors.Is(err, ErrInvalidRefreshToken) {
			t.Fatalf("expired refresh: %v", err)
		}
	})
}

func TestLoginRateLimits(t *testing.T) {
	s := dbtest.Open(t, store.SQLite)
	ctx := context.Background()
	c := &clock{t: time.Now()}
	svc := newService(t, s, c)
	if _, err := svc.CreateUser(ctx, Registration{Email: "a@x.io", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	var rl *RateLimitedError
	// Someone guesses a@x.io's password from one address: after 5 failures
	// that address may not try a@x.io again, even with the right password.
	for i := range 5 {
		if _, err := svc.Login(ctx, "a@x.io", "bad password", "203.0.113.66"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := svc.Login(ctx, "a@x.io", "password1", "203.0.113.66"); !errors.As(err, &rl) || rl.Scope != ScopePair || rl.RetryAfter <= 0 {
		t.Fatalf("6th attempt from the guessing address: %v", err)
	}
	// The owner, from a clean address, is not locked out.
	if _, err := svc.Login(ctx, "A@x.io", "password1", "10.0.0.9"); err != nil {
		t.Fatalf("owner from another address: %v", err)
	}
	// Successful log-ins do not count: the owner signs in again and again.
	for i := range 30 {
		if _, err := svc.Login(ctx, "a@x.io", "password1", "10.0.0.9"); err != nil {
			t.Fatalf("log-in %d of the owner: %v", i, err)
		}
	}
	// A failure or two of the owner's own does not lock them out either.
	for range 2 {
		_, _ = svc.Login(ctx, "a@x.io", "typo password", "10.0.0.9")
	}
	if _, err := svc.Login(ctx, "a@x.io", "password1", "10.0.0.9"); err != nil {
		t.Fatalf("owner after two typos: %v", err)
	}
	// The guesser's pair refills at one attempt a minute.
	c.add(time.Minute)
	if _, err := svc.Login(ctx, "a@x.io", "bad password", "203.0.113.66"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("after a minute: %v", err)
	}
	if _, err := svc.Login(ctx, "a@x.io", "bad password", "203.0.113.66"); !errors.As(err, &rl) || rl.Scope != ScopePair {
		t.Fatalf("second attempt in that minute: %v", err)
	}
	// Per address: 20 failures across accounts, then refused.
	for i := range 20 {
		if _, err := svc.Login(ctx, "u"+string(rune('a'+i))+"@x.io", "bad password", "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d from one address: %v", i, err)
		}
	}
	if _, err := svc.Login(ctx, "zz@x.io", "bad password", "192.0.2.1"); !errors.As(err, &rl) || rl.Scope != ScopeAddress {
		t.Fatalf("21st attempt from one address: %v", err)
	}
	if _, err := svc.Login(ctx, "zz@x.io", "bad password", "192.0.2.2"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("another address is not limited: %v", err)
	}
	// Sign-ups take from the same per-address budget.
	if _, err := svc.Register(ctx, Registration{Email: "new@x.io", Password: "password1"}, "192.0.2.1"); !errors.As(err, &rl) || rl.Scope != ScopeAddress {
		t.Fatalf("sign-up from an exhausted address: %v", err)
	}
}

// Concurrent wrong guesses from one address cannot all slip through before
// the first failure is counted.
func TestLoginRateLimitsConcurrentGuesses(t *testing.T) {
	s := dbtest.Open(t, store.SQLite)
	ctx := context.Background()
	svc := newService(t, s, &clock{t: time.Now()})
	if _, err := svc.CreateUser(ctx, Registration{Email: "a@x.io", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Login(ctx, "a@x.io", "bad password", "203.0.113.66")
			if errors.Is(err, ErrBadCredentials) {
				mu.Lock()
				checked++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if checked != 5 {
		t.Fatalf("%d of 50 concurrent guesses were checked, want 5", checked)
	}
}

func TestRegistrationClosed(t *testing.T) {
	s := dbtest.Open(t, store.SQLite)
	tk, _ := NewTokens(secret, time.Minute, nil)
	svc := NewService(Options{Store: s, Tokens: tk, RefreshTTL: time.Hour, Password: cheap, RegistrationOff: true})
	if _, err := svc.Register(context.Background(), Registration{Email: "a@x.io", Password: "password1"}, "1.2.3.4"); !errors.Is(err, ErrRegistrationClosed) {
		t.Fatalf("closed registration: %v", err)
	}
}
