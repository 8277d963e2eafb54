// Package realtime fans out per-user events to WebSocket and SSE clients.
// One hub serves the process; every client has a bounded buffer, and a client
// that falls behind is dropped rather than allowed to slow down the
// publisher (ingest must never wait for a browser).
package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
)

// Event types.
const (
	TypeSessionStatus = "session.status"
	TypeSessionQR     = "session.qr"
	TypeMessage       = "message"
)

// Publisher sends an event to every client of one user. Implementations must
// not block.
type Publisher interface {
	Publish(userID, typ string, data any)
}

// frame is one encoded event: {"type": …, "data": …}.
type frame struct {
	typ  string
	json []byte
}

// Subscription is one client's stream of its user's events.
type Subscription struct {
	userID  string
	c       chan frame
	done    chan struct{}
	once    sync.Once
	dropped atomic.Bool
}

// Done is closed when the subscription ends: unsubscribed, or dropped for
// falling behind (then Dropped reports true).
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Receive waits for the next event, encoded as {"type": …, "data": …},
// until ctx ends or the subscription does.
func (s *Subscription) Receive(ctx context.Context) ([]byte, error) {
	select {
	case f := <-s.c:
		return f.json, nil
	case <-s.done:
		return nil, errors.New("realtime: subscription ended")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Dropped reports whether the hub dropped this client for being too slow.
func (s *Subscription) Dropped() bool { return s.dropped.Load() }

// Hub is the in-process fan-out. The zero value is not usable; call NewHub.
type Hub struct {
	mu     sync.RWMutex
	subs   map[string]map[*Subscription]struct{}
	buffer int
	log    *slog.Logger

	published atomic.Uint64
	delivered atomic.Uint64
	dropped   atomic.Uint64
	clients   atomic.Int64
}

// NewHub returns a hub whose clients each buffer up to buffer events.
func NewHub(buffer int, log *slog.Logger) *Hub {
	if buffer <= 0 {
		buffer = 256
	}
	return &Hub{subs: map[string]map[*Subscription]struct{}{}, buffer: buffer, log: log}
}

// Subscribe starts a stream of userID's events. Call Unsubscribe when done.
func (h *Hub) Subscribe(userID string) *Subscription {
	s := &Subscription{userID: userID, c: make(chan frame, h.buffer), done: make(chan struct{})}
	h.mu.Lock()
	m := h.subs[userID]
	if m == nil {
		m = map[*Subscription]struct{}{}
		h.subs[userID] = m
	}
	m[s] = struct{}{}
	h.mu.Unlock()
	h.clients.Add(1)
	return s
}

// Unsubscribe ends a subscription. It is safe to call more than once.
func (h *Hub) Unsubscribe(s *Subscription) {
	h.remove(s)
	s.once.Do(func() { close(s.done) })
}

func (h *Hub) remove(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.subs[s.userID]
	if _, ok := m[s]; !ok {
		return
	}
	delete(m, s)
	if len(m) == 0 {
		delete(h.subs, s.userID)
	}
	h.clients.Add(-1)
}

// Publish delivers an event to userID's clients without blocking. The data is
// encoded once, and only if someone is listening.
func (h *Hub) Publish(userID, typ string, data any) {
	h.published.Add(1)
	h.mu.RLock()
	n := len(h.subs[userID])
	h.mu.RUnlock()
	if n == 0 {
		return
	}
	b, err := json.Marshal(struct {
		Type string `json:"type"`
		Data any    `json:"data"`
	}{typ, data})
	if err != nil {
		h.log.Error("realtime: encode event", "type", typ, "err", err)
		return
	}
	h.deliver(userID, frame{typ: typ, json: b})
}

func (h *Hub) deliver(userID string, f frame) {
	var slow []*Subscription
	h.mu.RLock()
	for s := range h.subs[userID] {
		select {
		case s.c <- f:
			h.delivered.Add(1)
		default:
			slow = append(slow, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		s.dropped.Store(true)
		h.dropped.Add(1)
		h.log.Warn("realtime: dropping slow client", "user_id", userID, "buffer", h.buffer)
		h.Unsubscribe(s)
	}
}

// Stats are counters for metrics.
type Stats struct {
	Clients   int64
	Published uint64
	Delivered uint64
	Dropped   uint64
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	return Stats{Clients: h.clients.Load(), Published: h.published.Load(), Delivered: h.delivered.Load(), Dropped: h.dropped.Load()}
}
