package store

import "errors"

var (
	// ErrNotFound means the row does not exist or belongs to another user.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a unique value (an e-mail address) is taken.
	ErrConflict = errors.New("store: already exists")
	// ErrTokenReused means a refresh token that was already rotated or
	// revoked was presented again; its whole family has been revoked.
	ErrTokenReused = errors.New("store: refresh token reused")
	// ErrTokenExpired means a refresh token is past its expiry.
	ErrTokenExpired = errors.New("store: refresh token expired")
	// ErrLimitReached means the user already has as many of these rows as
	// the caller allows (personal access tokens).
	ErrLimitReached = errors.New("store: limit reached")
)
