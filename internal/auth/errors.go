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
	// ErrEmailTaken means an account with this e-mail exists. Only
	// CreateUser (the operator's tools) says so; Register answers a
	// validation error that does not (see Register).
	ErrEmailTaken = errors.New("auth: an account with this e-mail already exists")
	// ErrAccountDisabled means the account is disabled. Authenticate's
	// error wraps it together with ErrInvalidToken, Login's (given only
	// for the right password) together with ErrBadCredentials, so that a
	// mapping of those answers 401 as before.
	ErrAccountDisabled = errors.New("auth: account disabled")
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
	// ScopeAccount: too many wrong passwords given by a signed-in caller
	// (a password change, deleting the account).
	ScopeAccount = "account"
)

// RateLimitedError means too many failed attempts; try again after
// RetryAfter.
type RateLimitedError struct {
	RetryAfter time.Duration
	Scope      string // ScopeAddress, ScopePair or ScopeAccount
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("auth: too many attempts for this %s; retry in %s", e.Scope, e.RetryAfter.Round(time.Second))
}
