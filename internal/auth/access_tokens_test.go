package auth

import (
	"strings"
	"testing"
	"time"
)

func TestPersonalTokenShape(t *testing.T) {
	a, ha := NewPersonalToken()
	b, _ := NewPersonalToken()
	if a == b || !IsPersonalToken(a) || len(a) != len(PersonalTokenPrefix)+43 || strings.ContainsAny(a[len(PersonalTokenPrefix):], "+/=") {
		t.Fatalf("tokens %q %q", a, b)
	}
	if string(HashPersonalToken(a)) != string(ha) || len(ha) != 32 {
		t.Fatal("the stored hash is not the token's SHA-256")
	}
	if IsPersonalToken("eyJhbGciOiJIUzI1NiJ9.e30.x") {
		t.Fatal("a JWT taken for a personal access token")
	}
}

func TestIdentityAllows(t *testing.T) {
	login := Identity{UserID: "u"}
	read := Identity{UserID: "u", TokenID: "t", Scopes: []Scope{ScopeRead}}
	all := Identity{UserID: "u", TokenID: "t", Scopes: TokenScopes}
	none := Identity{UserID: "u", TokenID: "t"}
	for _, c := range []struct {
		id   Identity
		s    Scope
		want bool
	}{
		{login, ScopeRead, true}, {login, ScopeSend, true}, {login, ScopeSession, true},
		{read, ScopeRead, true}, {read, ScopeWrite, false}, {read, ScopeSend, false}, {read, ScopeSession, false},
		{all, ScopeWrite, true}, {all, ScopeSend, true}, {all, ScopeSession, false},
		{none, ScopeRead, false},
	} {
		if got := c.id.Allows(c.s); got != c.want {
			t.Errorf("%+v allows %s: %v, want %v", c.id, c.s, got, c.want)
		}
	}
}

// TestRevocationOfPersonalTokens: a token's streams end when it is revoked
// or its account disabled or deleted, not when the password changes or the
// person signs out everywhere.
func TestRevocationOfPersonalTokens(t *testing.T) {
	now := time.Now()
	pat := Credential{UserID: "u", ID: personalCredentialID("t1"), IssuedAt: now.Add(-time.Hour)}
	for _, c := range []struct {
		r    Revocation
		want bool
	}{
		{Revocation{UserID: "u", CredentialID: "pat:t1", Reason: ReasonTokenRevoked}, true},
		{Revocation{UserID: "u", CredentialID: "pat:t2", Reason: ReasonTokenRevoked}, false},
		{Revocation{UserID: "v", CredentialID: "pat:t1", Reason: ReasonTokenRevoked}, false},
		{Revocation{UserID: "u", All: true, At: now, Reason: ReasonPasswordChanged}, false},
		{Revocation{UserID: "u", All: true, At: now, Reason: ReasonSignOut}, false},
		{Revocation{UserID: "u", All: true, At: now, Reason: ReasonDisabled}, true},
		{Revocation{UserID: "u", All: true, Reason: ReasonDeleted}, true},
	} {
		if got := c.r.Matches(pat); got != c.want {
			t.Errorf("%+v matches a personal token: %v, want %v", c.r, got, c.want)
		}
	}
	// A log-in's credential still ends with a password change.
	login := Credential{UserID: "u", ID: apiCredentialID("f"), IssuedAt: now.Add(-time.Hour)}
	if !(Revocation{UserID: "u", All: true, At: now, Reason: ReasonPasswordChanged}).Matches(login) {
		t.Fatal("a password change no longer ends log-ins")
	}
}
