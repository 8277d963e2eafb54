package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/webhooks"
)

// WebhookOptions tune the delivery of webhooks.
type WebhookOptions struct {
	// Sender posts the requests; without it no webhook is delivered.
	Sender *webhooks.Sender
	// RetryBase is the wait before the second attempt; each later wait
	// doubles, up to RetryMax, with jitter (defaults 10 s and 6 h).
	RetryBase, RetryMax time.Duration
	// MaxAttempts is how many attempts a delivery gets (default 15: with
	// the default waits, about 30 hours).
	MaxAttempts int
	// DisableAfter is how long an endpoint may fail without a success
	// before it is disabled (default 24 h).
	DisableAfter time.Duration
	// Workers is how many deliveries this node makes at once (default 16).
	Workers int
}

const queueWebhooks = "webhooks"

// WebhookDeliveryArgs is the job of one delivery (a row of
// webhook_deliveries). It is unique while it waits or runs. A replay is a
// job of its own (Replay is when it was asked for), so that it runs now
// even when the delivery's earlier job has not quite finished or waits
// for a later retry; whichever runs second finds the delivery succeeded
// and sends nothing.
type WebhookDeliveryArgs struct {
	UserID     string `json:"user_id"`
	DeliveryID string `json:"delivery_id"`
	Replay     int64  `json:"replay,omitempty"`
}

func (WebhookDeliveryArgs) Kind() string { return "webhook_delivery" }

func (r *Runner) webhookOpts() *river.InsertOpts {
	return &river.InsertOpts{Queue: queueWebhooks, MaxAttempts: r.d.Webhooks.MaxAttempts, UniqueOpts: whilePending}
}

func (r *Runner) webhookJobs(userID string, ids []string, replay int64) []river.InsertManyParams {
	out := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		out[i] = river.InsertManyParams{Args: WebhookDeliveryArgs{UserID: userID, DeliveryID: id, Replay: replay}, InsertOpts: r.webhookOpts()}
	}
	return out
}

// EnqueueWebhookEvents stores each event as a delivery to each of its
// person's enabled endpoints that wants it, with the deliveries' jobs, in
// one transaction (it is the webhooks.Enqueuer). An event already stored
// for an endpoint is not stored or queued again.
func (r *Runner) EnqueueWebhookEvents(ctx context.Context, evs []webhooks.Event) error {
	if r.d.Webhooks.Sender == nil || len(evs) == 0 {
		return nil
	}
	var users []string
	for _, ev := range evs {
		if !slices.Contains(users, ev.UserID) {
			users = append(users, ev.UserID)
		}
	}
	eps, err := r.d.Store.EnabledWebhookEndpoints(ctx, users)
	if err != nil || len(eps) == 0 {
		return err
	}
	var ds []store.WebhookDelivery
	for _, ev := range evs {
		for _, ep := range eps {
			if ep.UserID == ev.UserID && slices.Contains(ep.Events, ev.Name) {
				ds = append(ds, store.WebhookDelivery{UserID: ev.UserID, EndpointID: ep.ID, EventID: ev.ID, EventType: ev.Type, Payload: string(ev.Body)})
			}
		}
	}
	if len(ds) == 0 {
		return nil
	}
	return r.d.Store.WithTx(ctx, func(tx *store.Tx) error { return r.insertDeliveries(ctx, tx, ds) })
}

// insertDeliveries stores deliveries and queues their jobs in tx.
func (r *Runner) insertDeliveries(ctx context.Context, tx *store.Tx, ds []store.WebhookDelivery) error {
	ins, err := tx.InsertWebhookDeliveries(ctx, ds)
	if err != nil {
		return err
	}
	var params []river.InsertManyParams
	for _, d := range ins {
		params = append(params, r.webhookJobs(d.UserID, []string{d.ID}, 0)...)
	}
	return r.insertManyTx(ctx, tx, params)
}

// WebhookIngestHook returns the ingest hook that stores each new message
// as a delivery to its person's endpoints that want messages, with the
// delivery's job, in the transaction that stores the message: a message
// WhatsApp considers delivered is delivered to webhooks too, whatever
// happens next. (The Fanout then skips "message" events; edits and
// deletions still go through it.)
func (r *Runner) WebhookIngestHook() store.IngestHook {
	return func(ctx context.Context, sqlTx *sql.Tx, inserted []*store.IncomingMessage) error {
		if r.d.Webhooks.Sender == nil || len(inserted) == 0 {
			return nil
		}
		tx := r.d.Store.Join(sqlTx)
		var users []string
		for _, m := range inserted {
			if !m.Edited && !slices.Contains(users, m.UserID) {
				users = append(users, m.UserID)
			}
		}
		eps, err := tx.EnabledWebhookEndpoints(ctx, users)
		if err != nil || len(eps) == 0 {
			return err
		}
		var ds []store.WebhookDelivery
		for _, m := range inserted {
			if m.Edited {
				continue
			}
			var ev webhooks.Event
			for _, ep := range eps {
				if ep.UserID != m.UserID || !slices.Contains(ep.Events, "message") {
					continue
				}
				if ev.ID == "" {
					if ev, _, err = webhooks.NewEvent(m.UserID, "message", r.d.Now(), &m.Message); err != nil {
						return fmt.Errorf("jobs: webhook event: %w", err)
					}
				}
				ds = append(ds, store.WebhookDelivery{UserID: m.UserID, EndpointID: ep.ID, EventID: ev.ID, EventType: ev.Type, Payload: string(ev.Body)})
			}
		}
		if len(ds) == 0 {
			return nil
		}
		return r.insertDeliveries(ctx, tx, ds)
	}
}

// ReplayWebhookDeliveries queues deliveries of one of the person's
// endpoints again: the ids given, or, with none, those matching the filter
// (its Status and Since). It returns the ids queued.
func (r *Runner) ReplayWebhookDeliveries(ctx context.Context, userID, endpointID string, ids []string, f store.DeliveryFilter) ([]string, error) {
	var out []string
	err := r.d.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if out, err = tx.RequeueWebhookDeliveries(ctx, userID, endpointID, ids, f); err != nil {
			return err
		}
		return r.insertManyTx(ctx, tx, r.webhookJobs(userID, out, r.d.Now().UnixNano()))
	})
	return out, err
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookDeliveryArgs]
	r *Runner
}

// NextRetry waits RetryBase·2^(attempt-1), at most RetryMax, of which a
// random half (so that the deliveries that failed together in an outage do
// not all come back at once).
func (w *webhookWorker) NextRetry(job *river.Job[WebhookDeliveryArgs]) time.Time {
	o := w.r.d.Webhooks
	d := o.RetryBase
	for i := 1; i < job.Attempt && d < o.RetryMax; i++ {
		d *= 2
	}
	d = min(d, o.RetryMax)
	d = d/2 + rand.N(d/2+1)
	return w.r.d.Now().Add(d)
}

func (w *webhookWorker) Timeout(*river.Job[WebhookDeliveryArgs]) time.Duration {
	if w.r.d.Webhooks.Sender == nil {
		return time.Minute
	}
	return w.r.timeout(w.r.d.Webhooks.Sender.Timeout() + 10*time.Second)
}

var errNoSender = errors.New("jobs: webhooks are not set up on this node")

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookDeliveryArgs]) error {
	r := w.r
	a := job.Args
	if r.d.Webhooks.Sender == nil {
		return errNoSender
	}
	d, err := r.d.Store.GetWebhookDelivery(ctx, a.UserID, a.DeliveryID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // its endpoint, or its person, was deleted
	}
	if err != nil {
		return err
	}
	if d.Status == store.DeliverySucceeded {
		return nil // a job run again after it had delivered (a crash between the two)
	}
	ep, err := r.d.Store.GetWebhookEndpoint(ctx, a.UserID, d.EndpointID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !ep.Enabled {
		return r.d.Store.FinishWebhookDelivery(ctx, a.UserID, d.ID, "endpoint disabled")
	}
	now := r.d.Now()
	res := r.d.Webhooks.Sender.Send(ctx, ep.URL, d.EventID, now, []byte(d.Payload), ep.Secrets(now))
	final := job.Attempt >= job.MaxAttempts
	reason := fmt.Sprintf("failed without a success for %s", r.d.Webhooks.DisableAfter)
	disabled, err := r.d.Store.RecordWebhookAttempt(context.WithoutCancel(ctx), a.UserID, d.ID, ep.ID, store.WebhookAttempt{
		At: now, OK: res.OK(), Latency: res.Latency, ResponseCode: res.Code, Error: webhooks.Describe(res.Err), Final: final,
		DisableAfter: r.d.Webhooks.DisableAfter, DisableReason: reason,
	})
	if err != nil {
		return err
	}
	if disabled {
		r.d.Log.Warn("webhook endpoint disabled after continuous failure", "user_id", a.UserID, "endpoint_id", ep.ID)
		if err := r.d.Store.FinishWebhookDelivery(ctx, a.UserID, d.ID, "endpoint disabled: "+webhooks.Describe(res.Err)); err != nil {
			return err
		}
		if r.d.Publisher != nil {
			r.d.Publisher.Publish(a.UserID, webhooks.EventDisabled, map[string]string{"id": ep.ID, "url": ep.URL, "reason": reason})
		}
		return nil
	}
	if res.OK() {
		return nil
	}
	return fmt.Errorf("jobs: webhook delivery: %s", webhooks.Describe(res.Err))
}
