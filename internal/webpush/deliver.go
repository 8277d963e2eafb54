package webpush

import (
	"context"
	"errors"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
)

// Book keeps the delivery record of subscriptions (the store implements
// it).
type Book interface {
	PushDelivered(ctx context.Context, userID, id string, at time.Time) error
	PushFailed(ctx context.Context, userID, id string) error
	DeletePushSubscription(ctx context.Context, userID, id string) error
}

// Outcome is what became of one delivery.
type Outcome int

// Outcomes.
const (
	// Delivered: the push service accepted the message.
	Delivered Outcome = iota
	// Removed: the push service no longer knows the subscription (404,
	// 410), or it cannot be used; it was deleted.
	Removed
	// Retry: the push service was busy or failing, or unreachable; the
	// message may be sent again later (see RetryAfter).
	Retry
	// Failed: the push service refused this message (another 4xx); it is
	// not sent again.
	Failed
)

// touchEvery is how stale a subscription's last success may be before a
// delivery records it again: most deliveries write nothing.
const touchEvery = time.Hour

// Deliver sends m to sub (one of userID's subscriptions) and records the
// outcome in book: a success (at most hourly, or after failures), a
// failure, or the deletion of a subscription that is gone. The error
// explains an outcome other than Delivered; a failure to record is
// returned only when the send itself succeeded.
func (s *Sender) Deliver(ctx context.Context, book Book, userID string, sub store.PushSubscription, m Message, now time.Time) (Outcome, error) {
	err := s.Send(ctx, Subscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth}, m)
	switch {
	case err == nil:
		if sub.Failures > 0 || now.Sub(sub.LastSuccessAt) >= touchEvery {
			if err := book.PushDelivered(ctx, userID, sub.ID, now); err != nil {
				return Delivered, err
			}
		}
		return Delivered, nil
	case errors.Is(err, ErrGone), errors.Is(err, ErrBadSubscription):
		if derr := book.DeletePushSubscription(ctx, userID, sub.ID); derr != nil && !errors.Is(derr, store.ErrNotFound) {
			return Removed, errors.Join(err, derr)
		}
		return Removed, err
	case Retryable(err):
		_ = book.PushFailed(ctx, userID, sub.ID)
		return Retry, err
	}
	_ = book.PushFailed(ctx, userID, sub.ID)
	return Failed, err
}

// RetryAfter is the delay a push service asked for in err (zero when it
// named none).
func RetryAfter(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}
