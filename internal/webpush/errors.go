package webpush

import (
	"errors"
	"fmt"
	"time"

	"github.com/synapse-kb/synapse/internal/linkpreview"
)

var (
	// ErrGone means the push service no longer knows the subscription
	// (404 or 410): it must be deleted.
	ErrGone = errors.New("webpush: subscription gone")
	// ErrBadKeys is a VAPID key pair that cannot be used.
	ErrBadKeys = errors.New("webpush: bad VAPID keys")
	// ErrBadSubscription is a subscription whose endpoint or keys cannot be
	// used.
	ErrBadSubscription = errors.New("webpush: bad subscription")
	// ErrPayloadTooLarge is a message that does not fit one record.
	ErrPayloadTooLarge = errors.New("webpush: payload too large")
)

// StatusError is a push service's answer other than 201/202 (and 404/410,
// which are ErrGone).
type StatusError struct {
	Status int
	// RetryAfter is the push service's Retry-After, zero when it sent none.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("webpush: push service answered %d", e.Status)
}

// Temporary reports whether trying again later may succeed (429, 5xx).
func (e *StatusError) Temporary() bool {
	return e.Status == 429 || e.Status >= 500
}

// Retryable reports whether a Send error may succeed when tried again
// later: the push service was busy or failing (429, 5xx) or could not be
// reached. A gone subscription, a refused endpoint or a rejected message
// are not retryable.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, ErrGone) || errors.Is(err, ErrBadSubscription) || errors.Is(err, ErrPayloadTooLarge) || errors.Is(err, ErrBadKeys) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	return !errors.Is(err, linkpreview.ErrForbiddenAddress)
}
