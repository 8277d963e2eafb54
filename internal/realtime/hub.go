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
	"time"
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

// Credential is what a stream was opened with: a person's access token or
// web session. A stream ends when its credential does: at ExpiresAt (when
// not zero), or when Hub.Revoke matches it.
type Credential struct {
	UserID string
	// ID names the credential (auth.Credential's ID).
	ID        string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// bound reports whether c names a credential rather than just a user.
func (c Credential) bound() bool { return c.ID != "" || !c.IssuedAt.IsZero() || !c.ExpiresAt.IsZero() }

// EndReason says why a subscription ended.
type EndReason int32

const (
	// Live: it has not ended.
	Live EndReason = iota
	// Unsubscribed: its consumer ended it (or the stream's lifetime did).
	Unsubscribed
	// Dropped: it fell behind.
	Dropped
	// Expired: its credential expired.
	Expired
	// Revoked: its credential was revoked (log-out, password change,
	// signing out everywhere, account disabled or deleted).
	Revoked
)

func (r EndReason) String() string {
	return [...]string{"live", "unsubscribed", "dropped", "expired", "revoked"}[r]
}

// Subscription is one client's stream of its user's events.
type Subscription struct {
	userID  string
	cred    Credential
	c       chan frame
	done    chan struct{}
	once    sync.Once
	reason  atomic.Int32
	dropped atomic.Bool
	expiry  *time.Timer
}

// Done is closed when the subscription ends: unsubscribed, dropped for
// falling behind (then Dropped reports true), or its credential expired or
// was revoked (see Ended).
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Ended says why the subscription ended (Live while it has not).
func (s *Subscription) Ended() EndReason { return EndReason(s.reason.Load()) }

// Credential is what the subscription was opened with.
func (s *Subscription) Credential() Credential { return s.cred }

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
	// revoked remembers recent revocations per user for revocationMemory,
	// so that a stream whose credential was checked just before a
	// revocation and subscribed just after it still ends.
	revoked map[string][]tombstone

	published atomic.Uint64
	delivered atomic.Uint64
	dropped   atomic.Uint64
	clients   atomic.Int64
}

type tombstone struct {
	match func(Credential) bool
	at    time.Time
}

// revocationMemory is how long Revoke's matcher keeps refusing new
// subscriptions: longer than it takes a request to go from checking its
// credential to subscribing.
const revocationMemory = time.Minute

// NewHub returns a hub whose clients each buffer up to buffer events.
func NewHub(buffer int, log *slog.Logger) *Hub {
	if buffer <= 0 {
		buffer = 256
	}
	return &Hub{subs: map[string]map[*Subscription]struct{}{}, revoked: map[string][]tombstone{}, buffer: buffer, log: log}
}

// Subscribe starts a stream of userID's events bound to no credential: it
// ends only when unsubscribed, dropped, or (when a Revoke for the user
// matches a credential that names no more than the user) revoked. It is
// for in-process consumers; a person's stream must use SubscribeAs. Call
// Unsubscribe when done.
func (h *Hub) Subscribe(userID string) *Subscription {
	return h.SubscribeAs(Credential{UserID: userID})
}

// SubscribeAs starts a stream of cred.UserID's events that ends when cred
// does: at cred.ExpiresAt (a credential already expired gives a
// subscription already ended), or when Revoke matches it, including a
// Revoke made up to a minute before the call (a request that checked its
// credential just before a log-out subscribes just after it). Call
// Unsubscribe when done.
func (h *Hub) SubscribeAs(cred Credential) *Subscription {
	s := &Subscription{userID: cred.UserID, cred: cred, c: make(chan frame, h.buffer), done: make(chan struct{})}
	now := time.Now()
	if !cred.ExpiresAt.IsZero() && !cred.ExpiresAt.After(now) {
		s.end(Expired)
		return s
	}
	h.mu.Lock()
	if cred.bound() {
		for _, t := range h.tombstones(cred.UserID, now) {
			if t.match(cred) {
				h.mu.Unlock()
				s.end(Revoked)
				return s
			}
		}
	}
	m := h.subs[cred.UserID]
	if m == nil {
		m = map[*Subscription]struct{}{}
		h.subs[cred.UserID] = m
	}
	if !cred.ExpiresAt.IsZero() {
		// Set under h.mu: the timer's endAs takes it before reading
		// s.expiry, and so does every other way to end s.
		s.expiry = time.AfterFunc(cred.ExpiresAt.Sub(now), func() { h.endAs(s, Expired) })
	}
	m[s] = struct{}{}
	h.clients.Add(1)
	h.mu.Unlock()
	return s
}

// tombstones returns userID's recent revocations, forgetting old ones.
// h.mu must be held for writing.
func (h *Hub) tombstones(userID string, now time.Time) []tombstone {
	list := h.revoked[userID]
	i := 0
	for i < len(list) && now.Sub(list[i].at) > revocationMemory {
		i++
	}
	if i == len(list) {
		delete(h.revoked, userID)
		return nil
	}
	if i > 0 {
		list = append([]tombstone(nil), list[i:]...)
		h.revoked[userID] = list
	}
	return list
}

// Revoke ends every subscription of userID whose credential match
// reports, and reports how many; for the next minute, SubscribeAs refuses
// credentials that match too. match must be quick and must not call the
// hub.
func (h *Hub) Revoke(userID string, match func(Credential) bool) int {
	now := time.Now()
	var ended []*Subscription
	h.mu.Lock()
	h.revoked[userID] = append(h.tombstones(userID, now), tombstone{match: match, at: now})
	for s := range h.subs[userID] {
		if match(s.cred) {
			ended = append(ended, s)
		}
	}
	// Forget users whose revocations are all old, so that the map does
	// not keep every user who was ever revoked.
	if len(h.revoked) > 1024 {
		for u := range h.revoked {
			h.tombstones(u, now)
		}
	}
	h.mu.Unlock()
	for _, s := range ended {
		h.endAs(s, Revoked)
	}
	if len(ended) > 0 {
		h.log.Info("realtime: streams ended with their credential", "user_id", userID, "count", len(ended))
	}
	return len(ended)
}

// Unsubscribe ends a subscription. It is safe to call more than once.
func (h *Hub) Unsubscribe(s *Subscription) { h.endAs(s, Unsubscribed) }

// endAs removes s from the hub and ends it for reason (the first reason
// given wins).
func (h *Hub) endAs(s *Subscription, reason EndReason) {
	h.remove(s)
	s.end(reason)
}

func (s *Subscription) end(reason EndReason) {
	s.once.Do(func() {
		s.reason.Store(int32(reason))
		if s.expiry != nil {
			s.expiry.Stop()
		}
		close(s.done)
	})
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
		h.endAs(s, Dropped)
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
