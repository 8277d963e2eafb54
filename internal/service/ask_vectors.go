package service

import (
	"container/heap"
	"context"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
)

// Vector index limits.
const (
	// vectorBudget bounds the bytes the compact indexes hold over all
	// people (256 MB); the least recently asked people are dropped past
	// it. One person's index is always kept.
	vectorBudget = 256 << 20
	// vectorRebuild is how often a person's index is checked for rows
	// deleted from the store since it was built (retrieval skips them
	// meanwhile); it is rebuilt, in the background, when more than a
	// tenth of its rows are gone.
	vectorRebuild = 10 * time.Minute
	// vectorOverlap is how many rows before the newest seen are read
	// again on a top-up on PostgreSQL, where a row may commit after one
	// with a higher seq (SQLite's single writer commits them in order).
	vectorOverlap = 256
	// vectorSyncLoad is the most vectors a person may have for their
	// index to be built on the question's path (about half a second);
	// with more, it is built in the background and questions meanwhile
	// are answered by full text alone, saying so.
	vectorSyncLoad = 5_000
	// vectorSyncTopUp bounds the new rows (by seq) read on the question's
	// path; a longer gap (a backfill) is read in the background while
	// questions use the index as it was.
	vectorSyncTopUp = 5_000
	// rescorePer and rescoreMin size the candidates the sign-bit scan
	// keeps for exact rescoring: rescorePer × k, at least rescoreMin.
	rescorePer = 10
	rescoreMin = 200
	// parallelRows is the size from which the scan is split over every
	// core.
	parallelRows = 1 << 15
	// meanSample is how many vectors the centre (the per-dimension mean
	// subtracted before taking signs) is computed from.
	meanSample = 4096
)

// vectorsLoadingNote says why a question was answered by full text while
// the person's index is built.
const vectorsLoadingNote = "Retrieval is by full text only for now: your embeddings are still being loaded after a restart or a large backfill."

// vectorCache holds each person's compact index of their embeddings.
type vectorCache struct {
	mu    sync.Mutex
	users map[string]*userVectors
	used  int // bytes
	// syncLoad replaces vectorSyncLoad when set (tests).
	syncLoad int
}

// vecRow is what the index keeps of one vector besides its sign bits:
// the embeddings row (to read the full vector back for rescoring) and
// what Ask filters by. 32 bytes.
type vecRow struct {
	seq    int64
	ts     int64 // ms
	chat   uint32
	sender uint32
	msg    bool
}

// vecIndex is one person's index of one model's vectors: per vector the
// sign of each dimension after subtracting the centre (dim bits), and a
// vecRow. It is never changed once published: a top-up makes a new value
// that appends to the same arrays past the published length (one writer
// at a time), a rebuild makes a new one.
type vecIndex struct {
	dim, words int
	mean       []float32
	meanRows   int
	bits       []uint64 // len(rows) × words
	rows       []vecRow
	// names interns chat ids and senders; index 0 is "".
	names   []string
	nameIdx map[string]uint32
	lastSeq int64
	// pending holds the first vectors until the centre is known.
	pending []store.Embedding
	shared  bool // names/nameIdx belong to a published index
}

func (ix *vecIndex) bytes() int {
	if ix == nil {
		return 0
	}
	return 8*len(ix.bits) + 32*len(ix.rows) + 48*len(ix.names) + 4*len(ix.mean)
}

// extend returns a copy of ix to append to.
func (ix *vecIndex) extend() *vecIndex {
	c := *ix
	c.pending, c.shared = nil, true
	return &c
}

func (ix *vecIndex) intern(s string) uint32 {
	if i, ok := ix.nameIdx[s]; ok {
		return i
	}
	if ix.shared || ix.nameIdx == nil {
		m := make(map[string]uint32, len(ix.nameIdx)+1)
		for k, v := range ix.nameIdx {
			m[k] = v
		}
		if len(ix.names) == 0 {
			m[""] = 0
			ix.names = []string{""}
		}
		ix.names = slices.Clip(ix.names)
		ix.nameIdx, ix.shared = m, false
		if i, ok := m[s]; ok {
			return i
		}
	}
	i := uint32(len(ix.names))
	ix.names = append(ix.names, s)
	ix.nameIdx[s] = i
	return i
}

// has reports whether seq is among the last rows (a top-up's overlap).
func (ix *vecIndex) has(seq int64) bool {
	for i := len(ix.rows) - 1; i >= 0 && i >= len(ix.rows)-4*vectorOverlap; i-- {
		if ix.rows[i].seq == seq {
			return true
		}
	}
	return false
}

// add appends one embedding.
func (ix *vecIndex) add(e store.Embedding) {
	if ix.dim == 0 {
		ix.dim, ix.words = len(e.Vec), (len(e.Vec)+63)/64
	}
	if len(e.Vec) != ix.dim {
		return // another dimension: the model changed its output
	}
	if e.Seq <= ix.lastSeq && ix.has(e.Seq) {
		return
	}
	ix.lastSeq = max(ix.lastSeq, e.Seq)
	if ix.mean == nil {
		ix.pending = append(ix.pending, e)
		if len(ix.pending) >= meanSample {
			ix.flush()
		}
		return
	}
	ix.push(e)
}

// flush computes the centre from the pending vectors and adds them.
func (ix *vecIndex) flush() {
	if ix.mean != nil || len(ix.pending) == 0 {
		return
	}
	sum := make([]float64, ix.dim)
	for _, e := range ix.pending {
		for j, x := range e.Vec {
			sum[j] += float64(x)
		}
	}
	ix.mean = make([]float32, ix.dim)
	for j := range sum {
		ix.mean[j] = float32(sum[j] / float64(len(ix.pending)))
	}
	ix.meanRows = len(ix.pending)
	for _, e := range ix.pending {
		ix.push(e)
	}
	ix.pending = nil
}

func (ix *vecIndex) push(e store.Embedding) {
	ix.bits = ix.signs(ix.bits, e.Vec)
	ix.rows = append(ix.rows, vecRow{seq: e.Seq, ts: e.Time.UnixMilli(), chat: ix.intern(e.ChatID), sender: ix.intern(e.Sender),
		msg: e.Kind == domain.KindMessage})
}

// signs appends v's sign bits (after the centre) to dst.
func (ix *vecIndex) signs(dst []uint64, v []float32) []uint64 {
	for w := 0; w < ix.words; w++ {
		var word uint64
		for b := 0; b < 64 && w*64+b < ix.dim; b++ {
			j := w*64 + b
			if v[j] > ix.mean[j] {
				word |= 1 << b
			}
		}
		dst = append(dst, word)
	}
	return dst
}

// rowFilter is an AskScope in the index's terms (-1: any).
type rowFilter struct {
	chat, sender int64
	from, to     int64
}

// filter turns a scope into the index's terms; false when no row can
// match (a chat or sender the index has never seen).
func (ix *vecIndex) filter(scope store.AskScope) (rowFilter, bool) {
	f := rowFilter{chat: -1, sender: -1}
	if scope.ChatID != "" {
		i, ok := ix.nameIdx[scope.ChatID]
		if !ok {
			return f, false
		}
		f.chat = int64(i)
	}
	if scope.Sender != "" {
		i, ok := ix.nameIdx[scope.Sender]
		if !ok {
			return f, false
		}
		f.sender = int64(i)
	}
	if !scope.From.IsZero() {
		f.from = scope.From.UnixMilli()
	}
	if !scope.To.IsZero() {
		f.to = scope.To.UnixMilli()
	}
	return f, true
}

func (f *rowFilter) ok(r *vecRow) bool {
	return (f.chat < 0 || int64(r.chat) == f.chat) &&
		(f.sender < 0 || r.msg && int64(r.sender) == f.sender) &&
		(f.from == 0 || r.ts >= f.from) && (f.to == 0 || r.ts < f.to)
}

var distPool = sync.Pool{New: func() any { return new([]uint16) }}

// candidates returns the rows (at most n) whose sign bits are nearest
// the query's in Hamming distance, among those the filter lets through;
// all of them when there are no more than n. The scan runs on every core
// for a large index.
func (ix *vecIndex) candidates(q []float32, f rowFilter, n int) []int {
	rows := len(ix.rows)
	if rows == 0 || n <= 0 {
		return nil
	}
	qb := ix.signs(make([]uint64, 0, ix.words), q)
	const skip = 0xFFFF
	bufp := distPool.Get().(*[]uint16)
	defer distPool.Put(bufp)
	if cap(*bufp) < rows {
		*bufp = make([]uint16, rows)
	}
	dist := (*bufp)[:rows]
	maxD := ix.words * 64
	workers := 1
	if rows >= parallelRows {
		workers = runtime.GOMAXPROCS(0)
	}
	hists := make([][]int, workers)
	var wg sync.WaitGroup
	chunk := (rows + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min(rows, (w+1)*chunk)
		hist := make([]int, maxD+1)
		hists[w] = hist
		scan := func() {
			words := ix.words
			for i := lo; i < hi; i++ {
				if !f.ok(&ix.rows[i]) {
					dist[i] = skip
					continue
				}
				b := ix.bits[i*words : i*words+words]
				d := 0
				for j, x := range qb {
					d += bits.OnesCount64(x ^ b[j])
				}
				dist[i] = uint16(d)
				hist[d]++
			}
		}
		if workers == 1 {
			scan()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			scan()
		}()
	}
	wg.Wait()
	// The cut: the smallest distance t with at least n rows within it.
	total, cut := 0, maxD
	for d := 0; d <= maxD; d++ {
		for _, h := range hists {
			total += h[d]
		}
		if total >= n {
			cut = d
			break
		}
	}
	out := make([]int, 0, min(n, total))
	for i, d := range dist {
		if d < uint16(cut) {
			out = append(out, i)
		}
	}
	for i, d := range dist {
		if len(out) >= n {
			break
		}
		if d == uint16(cut) {
			out = append(out, i)
		}
	}
	return out
}

// userVectors is one person's index of one model.
type userVectors struct {
	mu    sync.Mutex
	model string
	ix    *vecIndex // nil until first built
	// building is open while a build or top-up runs (one at a time);
	// syncBuild says that one is a small first build a question waits
	// for.
	building  chan struct{}
	syncBuild bool
	checkedAt time.Time
	usedAt    time.Time
}

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

func (u *userVectors) size() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.ix.bytes()
}

// account records a change of a person's size and drops the least
// recently used others while the cache is over budget.
func (c *vectorCache) account(userID string, u *userVectors, delta int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users[userID] != u {
		return // dropped or replaced meanwhile
	}
	c.used += delta
	for c.used > vectorBudget && len(c.users) > 1 {
		var oldest string
		var at time.Time
		for id, o := range c.users {
			if id != userID && (oldest == "" || o.usedAt.Before(at)) {
				oldest, at = id, o.usedAt
			}
		}
		if oldest == "" {
			return
		}
		c.used -= c.users[oldest].size()
		delete(c.users, oldest)
	}
}

// forget drops a person's index (their account was deleted).
func (c *vectorCache) forget(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u := c.users[userID]; u != nil {
		c.used -= u.size()
		delete(c.users, userID)
	}
}

// claim makes the caller the entry's one writer; false when another is.
// u.mu is held.
func (u *userVectors) claim(sync bool) bool {
	if u.building != nil {
		return false
	}
	u.building, u.syncBuild = make(chan struct{}), sync
	return true
}

// build reads the person's vectors into their index (all of them when
// full or there is none yet, else those written since) and publishes it.
// The caller has claimed the entry; build releases it.
func (s *Service) build(ctx context.Context, u *userVectors, userID string, full bool) error {
	u.mu.Lock()
	old := u.ix
	u.mu.Unlock()
	var ix *vecIndex
	after := int64(0)
	if full || old == nil {
		ix = &vecIndex{}
	} else {
		ix = old.extend()
		after = ix.lastSeq
		if s.o.Store.Dialect() == store.Postgres {
			after = max(after-vectorOverlap, 0)
		}
	}
	err := s.o.Store.EachEmbedding(ctx, userID, u.model, after, func(e store.Embedding) error {
		ix.add(e)
		return nil
	})
	ix.flush()
	u.mu.Lock()
	if err == nil {
		u.ix = ix
		if full || old == nil {
			u.checkedAt = s.o.Now()
		}
	}
	close(u.building)
	u.building = nil
	u.mu.Unlock()
	if err != nil {
		return fmt.Errorf("service: ask: reading embeddings: %w", err)
	}
	s.vectors.account(userID, u, ix.bytes()-old.bytes())
	return nil
}

// buildInBackground runs build in its own goroutine, logging a failure.
func (s *Service) buildInBackground(u *userVectors, userID string, full bool) {
	go func() {
		if err := s.build(context.Background(), u, userID, full); err != nil {
			s.o.Log.Warn("ask: building the embeddings index failed", "user_id", userID, "err", err)
		}
	}()
}

// recheck looks, in the background, for rows deleted since the index was
// built (or a centre taken from too few rows) and rebuilds it if so.
func (s *Service) recheck(u *userVectors, userID string, ix *vecIndex) {
	go func() {
		ctx := context.Background()
		n, err := s.o.Store.CountEmbeddings(ctx, userID)
		if err == nil && (len(ix.rows)-n > len(ix.rows)/10 || ix.meanRows < meanSample && len(ix.rows) > 2*ix.meanRows) {
			err = s.build(ctx, u, userID, true)
		} else {
			u.mu.Lock()
			u.checkedAt = s.o.Now()
			close(u.building)
			u.building = nil
			u.mu.Unlock()
		}
		if err != nil {
			s.o.Log.Warn("ask: rebuilding the embeddings index failed", "user_id", userID, "err", err)
		}
	}()
}

// index returns the person's index brought up to date, or nil when it is
// being built in the background (answer by full text meanwhile).
func (s *Service) index(ctx context.Context, u *userVectors, userID string) (*vecIndex, error) {
	st := s.o.Store
	u.mu.Lock()
	ix, busy, waitFor := u.ix, u.building, u.syncBuild
	u.mu.Unlock()
	if ix == nil {
		if busy != nil {
			if !waitFor {
				return nil, nil
			}
			select {
			case <-busy:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return s.index(ctx, u, userID)
		}
		syncLoad := vectorSyncLoad
		if s.vectors.syncLoad > 0 {
			syncLoad = s.vectors.syncLoad
		}
		n, err := st.CountEmbeddingsUpTo(ctx, userID, syncLoad+1)
		if err != nil {
			return nil, err
		}
		u.mu.Lock()
		ok := u.claim(n <= syncLoad)
		u.mu.Unlock()
		if !ok {
			return s.index(ctx, u, userID)
		}
		if n > syncLoad {
			s.buildInBackground(u, userID, true)
			return nil, nil
		}
		if err := s.build(ctx, u, userID, true); err != nil {
			return nil, err
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		return u.ix, nil
	}
	if busy != nil {
		return ix, nil // a top-up or rebuild runs: use the index as it is
	}
	if s.o.Now().Sub(u.checkedAt) > vectorRebuild {
		u.mu.Lock()
		ok := u.claim(false)
		u.mu.Unlock()
		if ok {
			s.recheck(u, userID, ix)
		}
		return ix, nil
	}
	last, err := st.LastEmbeddingSeq(ctx, userID)
	if err != nil || last <= ix.lastSeq {
		return ix, err // nothing new (the common case)
	}
	u.mu.Lock()
	ok := u.claim(last-ix.lastSeq <= vectorSyncTopUp)
	u.mu.Unlock()
	if !ok {
		return ix, nil
	}
	if last-ix.lastSeq > vectorSyncTopUp {
		s.buildInBackground(u, userID, false)
		return ix, nil
	}
	if err := s.build(ctx, u, userID, false); err != nil {
		return nil, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.ix, nil
}

// WarmAsk builds the person's index of their embeddings for Ask now, or
// waits for the build under way, so that their next question uses it. A
// no-op without an embedder.
func (s *Service) WarmAsk(ctx context.Context, userID string) error {
	if s.o.Embedder == nil {
		return nil
	}
	u := s.vectors.get(userID, s.o.Embedder.Model(), s.o.Now())
	for {
		u.mu.Lock()
		ix, busy := u.ix, u.building
		ok := ix == nil && busy == nil && u.claim(true)
		u.mu.Unlock()
		switch {
		case ok:
			return s.build(ctx, u, userID, true)
		case busy != nil:
			select {
			case <-busy:
			case <-ctx.Done():
				return ctx.Err()
			}
		default:
			_, err := s.index(ctx, u, userID)
			return err
		}
	}
}

// nearest embeds the question and returns the person's things whose
// vectors are nearest to it (cosine), within the scope, best first; ready
// is false while their index is being built.
func (s *Service) nearest(ctx context.Context, userID, question string, scope store.AskScope, k int) (hits []store.AskHit, ready bool, err error) {
	vecs, err := s.o.Embedder.Embed(ctx, []string{question})
	if err != nil {
		return nil, true, err
	}
	if len(vecs) != 1 {
		return nil, true, fmt.Errorf("service: ask: %d vectors for one question", len(vecs))
	}
	q := store.Normalise(vecs[0])
	if q == nil {
		return nil, true, nil
	}
	return s.nearestTo(ctx, userID, q, scope, k)
}

// nearestTo is nearest for a normalised query vector: the sign-bit scan
// keeps the nearest candidates, whose full vectors are read from the
// store and scored exactly.
func (s *Service) nearestTo(ctx context.Context, userID string, q []float32, scope store.AskScope, k int) ([]store.AskHit, bool, error) {
	u := s.vectors.get(userID, s.o.Embedder.Model(), s.o.Now())
	ix, err := s.index(ctx, u, userID)
	if err != nil || ix == nil {
		return nil, ix != nil, err
	}
	if ix.dim != len(q) || len(ix.rows) == 0 {
		return nil, true, nil // nothing embedded yet, or by another model
	}
	f, ok := ix.filter(scope)
	if !ok {
		return nil, true, nil
	}
	cand := ix.candidates(q, f, max(rescoreMin, rescorePer*k))
	seqs := make([]int64, len(cand))
	for i, r := range cand {
		seqs[i] = ix.rows[r].seq
	}
	slices.Sort(seqs)
	seqs = slices.Compact(seqs)
	es, err := s.o.Store.EmbeddingsBySeq(ctx, userID, seqs)
	if err != nil {
		return nil, true, err
	}
	return exactTop(q, es, k), true, nil
}

// exactTop scores embeddings by their dot product with q and keeps the k
// best, best first (ties: the newer row first).
func exactTop(q []float32, es []store.Embedding, k int) []store.AskHit {
	h := make(topK, 0, k+1)
	for i := range es {
		v := es[i].Vec
		if len(v) != len(q) {
			continue
		}
		var dot float32
		for j, x := range q {
			dot += x * v[j]
		}
		r := scoredRow{i, dot, es[i].Seq}
		if len(h) < k {
			heap.Push(&h, r)
		} else if h.less(h[0], r) {
			h[0] = r
			heap.Fix(&h, 0)
		}
	}
	out := make([]store.AskHit, len(h))
	for n := len(h) - 1; n >= 0; n-- {
		r := heap.Pop(&h).(scoredRow)
		out[n] = store.AskHit{Kind: es[r.row].Kind, Ref: es[r.row].Ref}
	}
	return out
}

type scoredRow struct {
	row   int
	score float32
	seq   int64
}

// topK is a min-heap of the best rows so far.
type topK []scoredRow

func (topK) less(a, b scoredRow) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.seq < b.seq
}
func (h topK) Len() int           { return len(h) }
func (h topK) Less(i, j int) bool { return h.less(h[i], h[j]) }
func (h topK) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topK) Push(x any)        { *h = append(*h, x.(scoredRow)) }
func (h *topK) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
