package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/webpush"
)

// PushRetryArgs sends a Web Push message again to one subscription, after
// its push service answered 429 or 5xx or could not be reached. River's
// back-off spaces the attempts; a Retry-After from the push service is
// honoured. The message is dropped once its TTL has passed (Expires):
// late is worse than never for a reminder.
type PushRetryArgs struct {
	UserID         string    `json:"user_id"`
	SubscriptionID string    `json:"subscription_id"`
	Payload        []byte    `json:"payload"`
	TTLSeconds     int       `json:"ttl_seconds"`
	Urgency        string    `json:"urgency,omitempty"`
	Topic          string    `json:"topic,omitempty"`
	Expires        time.Time `json:"expires"`
}

func (PushRetryArgs) Kind() string { return "push_retry" }

func (PushRetryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 6}
}

type pushRetryWorker struct {
	river.WorkerDefaults[PushRetryArgs]
	r *Runner
}

func (w *pushRetryWorker) Timeout(*river.Job[PushRetryArgs]) time.Duration {
	return w.r.timeout(time.Minute)
}

// NextRetry waits 10 s, 40 s, 90 s, 160 s, 250 s after attempts 1–5: the
// whole series fits well inside a reminder's relevance.
func (w *pushRetryWorker) NextRetry(job *river.Job[PushRetryArgs]) time.Time {
	return time.Now().Add(time.Duration(job.Attempt*job.Attempt) * 10 * time.Second)
}

func (w *pushRetryWorker) Work(ctx context.Context, job *river.Job[PushRetryArgs]) error {
	d, a := w.r.d, job.Args
	if d.Push == nil {
		return permanent(errors.New("jobs: web push is not configured"))
	}
	now := d.Now()
	if !a.Expires.IsZero() && now.After(a.Expires) {
		return nil
	}
	sub, err := d.Store.GetPushSubscription(ctx, a.UserID, a.SubscriptionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	ttl := time.Duration(a.TTLSeconds) * time.Second
	if !a.Expires.IsZero() {
		ttl = a.Expires.Sub(now) // what is left of it
	}
	out, err := d.Push.Deliver(ctx, d.Store, a.UserID, sub, webpush.Message{Payload: a.Payload, TTL: ttl,
		Urgency: webpush.Urgency(a.Urgency), Topic: a.Topic}, now)
	switch out {
	case webpush.Delivered, webpush.Removed:
		return nil
	case webpush.Retry:
		if ra := webpush.RetryAfter(err); ra > 0 && (a.Expires.IsZero() || now.Add(ra).Before(a.Expires)) {
			return river.JobSnooze(ra)
		}
		return err
	}
	return permanent(err)
}

// EnqueuePushRetry queues a later attempt of a Web Push delivery.
func (r *Runner) EnqueuePushRetry(ctx context.Context, a PushRetryArgs) error {
	if _, err := r.client.Insert(ctx, a, nil); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", a.Kind(), err)
	}
	return nil
}
