package auth

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
)

// HashGateOptions size a HashGate. Zero values take the defaults.
type HashGateOptions struct {
	// Concurrency is how many password hashes may run at once (default:
	// GOMAXPROCS, the number of CPUs the process may use). Each argon2id
	// hash with the default costs holds 19 MiB while it runs, so this
	// bounds that memory at Concurrency × 19 MiB.
	Concurrency int
	// Queue is how many callers may wait for a free slot (default 16 per
	// slot). A caller arriving when the queue is full gets ErrBusy at once.
	Queue int
	// MaxWait is how long a caller waits in the queue before it gets
	// ErrBusy (default 5 s).
	MaxWait time.Duration
}

// HashGate bounds the password hashing of a whole process: every argon2id
// computation of a Service (log-in, sign-up, password change, and the
// dummy hash that keeps a log-in for an unknown e-mail as slow as one for a
// known one) runs through it. Without it, many concurrent log-ins (from
// many addresses, so that per-address limits do not apply) each allocate
// their own 19 MiB and the process grows without bound. It is safe for
// concurrent use; share one between the Services of a process.
type HashGate struct {
	slots    chan struct{}
	queue    int64
	maxWait  time.Duration
	waiting  atomic.Int64
	running  atomic.Int64
	peak     atomic.Int64
	rejected atomic.Uint64
}

// NewHashGate returns a gate sized by o.
func NewHashGate(o HashGateOptions) *HashGate {
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.GOMAXPROCS(0)
	}
	if o.Queue <= 0 {
		o.Queue = 16 * o.Concurrency
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 5 * time.Second
	}
	return &HashGate{slots: make(chan struct{}, o.Concurrency), queue: int64(o.Queue), maxWait: o.MaxWait}
}

// Do runs fn while holding one of the gate's slots. When every slot is
// taken it waits in the queue, for at most MaxWait; when the queue is full,
// the wait runs out, or ctx ends first, it returns ErrBusy (or ctx's error)
// without running fn.
func (g *HashGate) Do(ctx context.Context, fn func()) error {
	if err := g.acquire(ctx); err != nil {
		return err
	}
	defer g.release()
	n := g.running.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	defer g.running.Add(-1)
	fn()
	return nil
}

func (g *HashGate) acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		g.rejected.Add(1)
		return ErrBusy
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-t.C:
		g.rejected.Add(1)
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *HashGate) release() { <-g.slots }

// HashGateStats are a gate's counters, for metrics and tests.
type HashGateStats struct {
	// Capacity is the number of slots; Running how many hashes run now
	// and Peak the most that ever ran at once; Waiting how many callers
	// queue; Rejected how many got ErrBusy.
	Capacity, Running, Peak, Waiting int64
	Rejected                         uint64
}

// Stats returns the gate's counters.
func (g *HashGate) Stats() HashGateStats {
	return HashGateStats{Capacity: int64(cap(g.slots)), Running: g.running.Load(), Peak: g.peak.Load(),
		Waiting: g.waiting.Load(), Rejected: g.rejected.Load()}
}
