package service

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
)

// Vector cache limits.
const (
	// vectorBudget bounds the floats the cache holds over all people
	// (256 MB); the least recently asked people are dropped past it.
	vectorBudget = 64 << 20
	// vectorRebuild is how long a person's cached vectors are only
	// topped up with new rows before they are read afresh (dropping the
	// vectors of deleted things, which retrieval skips meanwhile).
	vectorRebuild = 10 * time.Minute
	// vectorOverlap is how many rows before the newest seen are read
	// again on a top-up on PostgreSQL, where a row may commit after one
	// with a higher seq (SQLite's single writer commits them in order).
	vectorOverlap = 256
)

// vectorCache holds each person's embeddings in memory, as one matrix,
// so that nearest-neighbour search is a scan of contiguous floats. It is
// topped up from the store's rows written since (EachEmbedding's seq) on
// every question, and read afresh every vectorRebuild.
type vectorCache struct {
	mu    sync.Mutex
	users map[string]*userVectors
	used  int
}

type vecMeta struct {
	kind   domain.Kind
	ref    string
	chatID string
	sender string
	ts     int64 // ms
}

// userVectors is one person's embeddings of one model.
type userVectors struct {
	mu       sync.Mutex
	model    string
	dim      int
	lastSeq  int64
	vecs     []float32 // len(meta) × dim
	meta     []vecMeta
	pos      map[string]int // kind/ref → row
	loadedAt time.Time
	usedAt   time.Time
}

func (u *userVectors) size() int { return len(u.vecs) }

// get returns the person's entry, creating it.
func (c *vectorCache) get(userID, model string, now time.Time) *userVectors {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users == nil {
		c.users = map[string]*userVectors{}
	}
	u := c.users[userID]
	if u == nil || u.model != model {
		if u != nil {
			c.used -= u.size()
		}
		u = &userVectors{model: model}
		c.users[userID] = u
	}
	u.usedAt = now
	return u
}

// account records a change of a person's size and drops the least
// recently used others while the cache is over budget.
func (c *vectorCache) account(userID string, delta int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.used += delta
	for c.used > vectorBudget && len(c.users) > 1 {
		var oldest string
		var at time.Time
		for id, u := range c.users {
			if id != userID && (oldest == "" || u.usedAt.Before(at)) {
				oldest, at = id, u.usedAt
			}
		}
		if oldest == "" {
			return
		}
		c.used -= c.users[oldest].size()
		delete(c.users, oldest)
	}
}

// forget drops a person's cached vectors (their account was deleted).
func (c *vectorCache) forget(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u := c.users[userID]; u != nil {
		c.used -= u.size()
		delete(c.users, userID)
	}
}

// refresh reads the person's rows written since the last read (or all of
// them when the entry is new or old). u.mu is held.
func (u *userVectors) refresh(ctx context.Context, st *store.Store, userID string, now time.Time) (int, error) {
	before := len(u.vecs)
	after := u.lastSeq
	if st.Dialect() == store.Postgres {
		after -= vectorOverlap
	}
	if u.pos == nil || now.Sub(u.loadedAt) > vectorRebuild {
		u.vecs, u.meta, u.pos, u.dim, u.lastSeq, after = nil, nil, map[string]int{}, 0, 0, 0
		u.loadedAt = now
	} else {
		// Nothing new (the common case): no rows to read.
		last, err := st.LastEmbeddingSeq(ctx, userID)
		if err != nil || last <= u.lastSeq {
			return 0, err
		}
	}
	err := st.EachEmbedding(ctx, userID, u.model, max(after, 0), func(e store.Embedding) error {
		if u.dim == 0 {
			u.dim = len(e.Vec)
		}
		if len(e.Vec) != u.dim {
			return nil // another dimension: the model changed its output
		}
		m := vecMeta{kind: e.Kind, ref: e.Ref, chatID: e.ChatID, sender: e.Sender, ts: e.Time.UnixMilli()}
		key := string(e.Kind) + "/" + e.Ref
		if i, ok := u.pos[key]; ok {
			copy(u.vecs[i*u.dim:], e.Vec)
			u.meta[i] = m
		} else {
			u.pos[key] = len(u.meta)
			u.meta = append(u.meta, m)
			u.vecs = append(u.vecs, e.Vec...)
		}
		u.lastSeq = max(u.lastSeq, e.Seq)
		return nil
	})
	return len(u.vecs) - before, err
}

// nearest embeds the question and returns the person's things whose
// vectors are nearest to it (cosine), within the scope, best first.
func (s *Service) nearest(ctx context.Context, userID, question string, scope store.AskScope, k int) ([]store.AskHit, error) {
	vecs, err := s.o.Embedder.Embed(ctx, []string{question})
	if err != nil {
		return nil, err
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("service: ask: %d vectors for one question", len(vecs))
	}
	q := store.Normalise(vecs[0])
	if q == nil {
		return nil, nil
	}
	return s.nearestTo(ctx, userID, q, scope, k)
}

// nearestTo is nearest for a normalised query vector.
func (s *Service) nearestTo(ctx context.Context, userID string, q []float32, scope store.AskScope, k int) ([]store.AskHit, error) {
	now := s.o.Now()
	u := s.vectors.get(userID, s.o.Embedder.Model(), now)
	u.mu.Lock()
	defer u.mu.Unlock()
	delta, err := u.refresh(ctx, s.o.Store, userID, now)
	s.vectors.account(userID, delta)
	if err != nil {
		return nil, err
	}
	if u.dim != len(q) {
		return nil, nil // nothing embedded yet, or by another model
	}
	return u.search(q, scope, k), nil
}

// search scans the person's vectors within the scope and keeps the k
// best. u.mu is held.
func (u *userVectors) search(q []float32, scope store.AskScope, k int) []store.AskHit {
	var from, to int64
	if !scope.From.IsZero() {
		from = scope.From.UnixMilli()
	}
	if !scope.To.IsZero() {
		to = scope.To.UnixMilli()
	}
	h := make(topK, 0, k+1)
	dim := u.dim
	for i := range u.meta {
		m := &u.meta[i]
		if scope.ChatID != "" && m.chatID != scope.ChatID ||
			scope.Sender != "" && (m.kind != domain.KindMessage || m.sender != scope.Sender) ||
			from != 0 && m.ts < from || to != 0 && m.ts >= to {
			continue
		}
		v := u.vecs[i*dim : i*dim+dim]
		var dot float32
		for j, x := range q {
			dot += x * v[j]
		}
		if len(h) < k {
			heap.Push(&h, scoredRow{i, dot})
		} else if dot > h[0].score {
			h[0] = scoredRow{i, dot}
			heap.Fix(&h, 0)
		}
	}
	out := make([]store.AskHit, len(h))
	for n := len(h) - 1; n >= 0; n-- {
		r := heap.Pop(&h).(scoredRow)
		out[n] = store.AskHit{Kind: u.meta[r.row].kind, Ref: u.meta[r.row].ref}
	}
	return out
}

type scoredRow struct {
	row   int
	score float32
}

// topK is a min-heap of the best rows so far.
type topK []scoredRow

func (h topK) Len() int           { return len(h) }
func (h topK) Less(i, j int) bool { return h[i].score < h[j].score }
func (h topK) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topK) Push(x any)        { *h = append(*h, x.(scoredRow)) }
func (h *topK) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
