package webhooks

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/store"
)

// Event is one realtime event on its way to a person's endpoints.
type Event struct {
	// ID is the event's stable id: the webhook-id of every request that
	// carries it, to every endpoint, on every attempt and replay.
	ID     string
	UserID string
	// Type is the realtime event type (message, session.status, …) and
	// Name its filter name (see EventName).
	Type, Name string
	At         time.Time
	// Body is the JSON that is signed and sent:
	// {"id", "type", "timestamp", "data"}.
	Body []byte
}

// Enqueuer stores events as deliveries to the endpoints that want them,
// with their jobs (jobs.Runner.EnqueueWebhookEvents).
type Enqueuer func(ctx context.Context, evs []Event) error

// Fanout is the realtime.Publisher that the rest of Synapse publishes
// through: it passes every event on unchanged, and hands those that
// webhooks carry to the Enqueuer, in batches, from its own goroutine, so
// that publishing never waits for the database.
//
// It sits where events are made, before they cross to other nodes (the
// cluster's Publisher is its next), so that each event is offered once in
// a cluster; the store keeps one delivery per event and endpoint, which
// makes even a repeated offer deliver once. An event is held in memory
// between its publication (after the write that made it has committed) and
// its enqueueing, normally for milliseconds: events published while the
// buffer is full, or in the instant of a crash, are not delivered (they are
// counted and logged). New messages, the bulk of events, skip this path
// (Skip): they are stored as deliveries in the ingest transaction.
type Fanout struct {
	next    realtime.Publisher
	log     *slog.Logger
	c       chan Event
	enqueue atomic.Pointer[Enqueuer]
	dropped atomic.Int64
	now     func() time.Time

	// skip are the event types offered elsewhere (new messages, in the
	// ingest transaction).
	skip atomic.Pointer[[]string]

	mu      sync.Mutex
	running bool
	stop    chan struct{}
	done    chan struct{}
}

// NewFanout returns a Fanout that passes events to next (nil: nowhere)
// and holds up to buffer events for the Enqueuer.
func NewFanout(next realtime.Publisher, log *slog.Logger, buffer int) *Fanout {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if buffer <= 0 {
		buffer = 4096
	}
	return &Fanout{next: next, log: log, c: make(chan Event, buffer), now: time.Now}
}

// SetEnqueuer sets where events go; until it is set, nothing is kept.
func (f *Fanout) SetEnqueuer(e Enqueuer) { f.enqueue.Store(&e) }

// Skip leaves events of the given types to another path (call before
// Start): new messages are stored as deliveries in the ingest transaction
// itself (jobs.Runner.WebhookIngestHook).
func (f *Fanout) Skip(types ...string) { f.skip.Store(&types) }

// Dropped counts events lost to a full buffer.
func (f *Fanout) Dropped() int64 { return f.dropped.Load() }

// Publish implements realtime.Publisher.
func (f *Fanout) Publish(userID, typ string, data any) {
	if f.next != nil {
		f.next.Publish(userID, typ, data)
	}
	if sk := f.skip.Load(); sk != nil && slices.Contains(*sk, typ) {
		return
	}
	if f.enqueue.Load() == nil {
		return
	}
	ev, ok, err := NewEvent(userID, typ, f.now(), data)
	if !ok {
		return
	}
	if err != nil {
		f.log.Error("webhooks: encode event", "type", typ, "err", err)
		return
	}
	select {
	case f.c <- ev:
	default:
		// Logged for the first drop and then every thousandth, so that a
		// burst does not flood the log.
		if n := f.dropped.Add(1); n == 1 || n%1000 == 0 {
			f.log.Error("webhooks: event buffer full; events not delivered to webhooks", "dropped_total", n, "user_id", userID, "type", typ)
		}
	}
}

// NewEvent makes the event of a realtime event type with a new id, and
// false for types webhooks do not carry.
func NewEvent(userID, typ string, at time.Time, data any) (Event, bool, error) {
	name, ok := EventName(typ)
	if !ok {
		return Event{}, false, nil
	}
	ev := Event{ID: "evt_" + store.NewID(), UserID: userID, Type: typ, Name: name, At: at.UTC()}
	body, err := json.Marshal(struct {
		ID        string    `json:"id"`
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      any       `json:"data"`
	}{ev.ID, typ, ev.At, data})
	ev.Body = body
	return ev, true, err
}

// Start hands events to the Enqueuer until Stop.
func (f *Fanout) Start() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running {
		return
	}
	f.running = true
	f.stop, f.done = make(chan struct{}), make(chan struct{})
	go f.run(f.stop, f.done)
}

// Stop hands over the events still buffered (until ctx ends) and stops.
func (f *Fanout) Stop(ctx context.Context) {
	f.mu.Lock()
	if !f.running {
		f.mu.Unlock()
		return
	}
	f.running = false
	close(f.stop)
	done := f.done
	f.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// maxBatch is the most events enqueued in one transaction.
const maxBatch = 256

func (f *Fanout) run(stop, done chan struct{}) {
	defer close(done)
	ctx := context.Background()
	for {
		var batch []Event
		select {
		case ev := <-f.c:
			batch = append(batch, ev)
		case <-stop:
			// Drain what is left, then end.
			for {
				batch = f.more(batch[:0])
				if len(batch) == 0 {
					return
				}
				f.hand(ctx, batch, stop)
			}
		}
		f.hand(ctx, f.more(batch), stop)
	}
}

// more adds what is waiting, up to maxBatch.
func (f *Fanout) more(batch []Event) []Event {
	for len(batch) < maxBatch {
		select {
		case ev := <-f.c:
			batch = append(batch, ev)
		default:
			return batch
		}
	}
	return batch
}

// hand gives a batch to the Enqueuer, trying again a few times (the
// database may be briefly unavailable).
func (f *Fanout) hand(ctx context.Context, batch []Event, stop chan struct{}) {
	e := f.enqueue.Load()
	if e == nil || len(batch) == 0 {
		return
	}
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := (*e)(cctx, batch)
		cancel()
		if err == nil {
			return
		}
		if attempt == 5 {
			f.log.Error("webhooks: events not enqueued", "events", len(batch), "err", err)
			return
		}
		f.log.Warn("webhooks: enqueue events; trying again", "events", len(batch), "err", err)
		select {
		case <-time.After(wait):
		case <-stop:
			// Shutting down: one more try without waiting.
		}
		wait *= 2
	}
}
