package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const issuer = "synapse"

// Identity is who a request speaks for.
type Identity struct {
	UserID string
	// Admin is the administrator role. Service.Authenticate reads it from
	// the account, so that a demoted administrator loses it at once;
	// Tokens.Verify can only repeat what the token said when it was issued.
	Admin bool
	// Credential is what the request was authenticated with (its id ties
	// an access token to the log-in it came from).
	Credential Credential
	// TokenID is set when the request bears a personal access token, and
	// Scopes are then what it may do (see Allows). Both are empty for a
	// log-in, which may do everything.
	TokenID string
	Scopes  []Scope
}

type claims struct {
	jwt.RegisteredClaims
	Admin bool   `json:"adm,omitempty"`
	Use   string `json:"use"`
	// Family is the log-in (refresh-token family) the token was issued
	// for, and RefreshID the refresh token it was issued with; a token of
	// a log-in that was ended stops working. Both are empty for tokens
	// issued without a log-in (IssueFor).
	Family    string `json:"sid,omitempty"`
	RefreshID string `json:"rid,omitempty"`
	// IssuedMS is the issue time in milliseconds (iat has whole
	// seconds), compared with the account's tokens-valid-after epoch.
	IssuedMS int64 `json:"ims,omitempty"`
}

// issuedAt is when the token was issued, to the millisecond when it says.
func (c *claims) issuedAt() time.Time {
	if c.IssuedMS > 0 {
		return time.UnixMilli(c.IssuedMS)
	}
	if c.IssuedAt != nil {
		return c.IssuedAt.Time
	}
	return time.Time{}
}

// credential is the token as a credential.
func (c *claims) credential() Credential {
	cr := Credential{UserID: c.Subject, IssuedAt: c.issuedAt()}
	if c.Family != "" {
		cr.ID = apiCredentialID(c.Family)
	}
	if c.ExpiresAt != nil {
		cr.ExpiresAt = c.ExpiresAt.Time
	}
	return cr
}

// Tokens issues and verifies short-lived HS256 access tokens.
type Tokens struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

// NewTokens returns a token issuer; secret must be at least 32 bytes.
func NewTokens(secret []byte, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	if len(secret) < 32 {
		return nil, errors.New("auth: JWT secret must be at least 32 bytes")
	}
	if now == nil {
		now = time.Now
	}
	return &Tokens{secret: secret, ttl: ttl, now: now}, nil
}

// Issue returns an access token for id, bound to no log-in, and when it
// expires.
func (t *Tokens) Issue(id Identity) (string, time.Time, error) {
	return t.issue(id, "", "")
}

// issue returns an access token for id, bound to the log-in family and the
// refresh token rid when they are not empty.
func (t *Tokens) issue(id Identity, family, rid string) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(t.ttl)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   id.UserID,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Admin:     id.Admin,
		Use:       "access",
		Family:    family,
		RefreshID: rid,
		IssuedMS:  now.UnixMilli(),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return s, exp, nil
}

// Verify checks an access token: signature (HS256 only, so alg "none" and
// algorithm confusion are refused), issuer, expiry and use. Any failure is
// ErrInvalidToken. It does not look at the account: a token of a deleted
// or disabled account, or of a log-in that ended, still verifies; requests
// must use Service.Authenticate.
func (t *Tokens) Verify(token string) (Identity, error) {
	c, err := t.parse(token)
	if err != nil {
		return Identity{}, err
	}
	return Identity{UserID: c.Subject, Admin: c.Admin, Credential: c.credential()}, nil
}

func (t *Tokens) parse(token string) (*claims, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil || c.Use != "access" || c.Subject == "" {
		return nil, ErrInvalidToken
	}
	return &c, nil
}

// newRefreshToken returns an opaque refresh token and the hash to store.
func newRefreshToken() (string, []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	tok := "rt_" + base64.RawURLEncoding.EncodeToString(b[:])
	return tok, hashRefreshToken(tok)
}

func hashRefreshToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}
