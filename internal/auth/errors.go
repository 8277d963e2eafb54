// Package auth holds accounts: password hashing (argon2id), short-lived
// access JWTs, rotating refresh tokens with reuse detection, and login rate
// limits.
package auth

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrInvalidToken means an access token is missing, malformed, expired
	// or not ours.
	ErrInvalidToken = errors.New("auth: invalid or expired access token")
	// ErrBadCredentials means the e-mail/password pair is wrong. It does not
	// say which half.
	ErrBadCredentials = errors.New("auth: wrong e-mail or password")
	// ErrInvalidRefreshToken means a refresh token is unknown, expired or
	// revoked; the client must log in again.
	ErrInvalidRefreshToken = errors.New("auth: invalid or expired refresh token")
	// ErrEmailTaken means an account with this e-mail exists.
	ErrEmailTaken = errors.New("auth: an account with this e-mail already exists")
	// ErrRegistrationClosed means self-service sign-up is disabled.
	ErrRegistrationClosed = errors.New("auth: registration is closed on this server")
	// ErrBusy means too many password hashes are running or waiting in
	// the process (see HashGate); nothing was checked or changed. Answer
	// 503 with a Retry-After of BusyRetryAfter.
	ErrBusy = errors.New("auth: too many sign-ins at once; try again in a moment")
)

// BusyRetryAfter is how long a caller that got ErrBusy should wait.
const BusyRetryAfter = 2 * time.Second

// Scopes of a RateLimitedError.
const (
	// ScopeAddress: too many failed attempts from this client address.
	ScopeAddress = "address"
	// ScopePair: too many failed attempts for this e-mail from this
	// client address.
	ScopePair = "account and address"
)

// RateLimitedError means too many failed attempts; try again after
// RetryAfter.
type RateLimitedError struct {
	RetryAfter time.Duration
	Scope      string // ScopeAddress or ScopePair
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("auth: too many attempts for this %s; retry in %s", e.Scope, e.RetryAfter.Round(time.Second))
}
