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

// Identity is who an access token speaks for.
type Identity struct {
	UserID string
	Admin  bool
}

type claims struct {
	jwt.RegisteredClaims
	Admin bool   `json:"adm,omitempty"`
	Use   string `json:"use"`
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

// Issue returns an access token for id and when it expires.
func (t *Tokens) Issue(id Identity) (string, time.Time, error) {
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
		Admin: id.Admin,
		Use:   "access",
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return s, exp, nil
}

// Verify checks an access token: signature (HS256 only, so alg "none" and
// algorithm confusion are refused), issuer, expiry and use. Any failure is
// ErrInvalidToken.
func (t *Tokens) Verify(token string) (Identity, error) {
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
		return Identity{}, ErrInvalidToken
	}
	return Identity{UserID: c.Subject, Admin: c.Admin}, nil
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
