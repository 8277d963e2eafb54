package auth

import (
	"sync"
	"time"
)

// limiter keeps one token bucket per key (a client address, or an e-mail
// and client address pair): burst tokens, refilled at one per interval.
// Idle buckets are swept on use, so no goroutine is needed.
type limiter struct {
	mu        sync.Mutex
	interval  time.Duration
	burst     float64
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

func newLimiter(interval time.Duration, burst int) *limiter {
	return &limiter{interval: interval, burst: float64(burst), buckets: map[string]*bucket{}}
}

// fill brings b's count up to now.
func (l *limiter) fill(b *bucket, now time.Time) {
	if now.After(b.at) {
		b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.interval))
		b.at = now
	}
}

// take takes one token for key and returns a function that gives it back
// (for an attempt that turned out not to count: a correct password, or one
// never checked); or, when no token is left, nil and how long until one is.
// Taking before the check, rather than counting after it, means that
// concurrent attempts cannot all slip through before the first failure is
// counted.
func (l *limiter) take(key string, now time.Time) (refund func(), wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	l.fill(b, now)
	if b.tokens < 1 {
		return nil, max(time.Duration((1-b.tokens)*float64(l.interval)), time.Millisecond)
	}
	b.tokens--
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			b.tokens = min(l.burst, b.tokens+1)
		})
	}, 0
}

// sweep forgets buckets that have been idle long enough to be full again.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(l.burst)*l.interval + time.Minute
	for k, b := range l.buckets {
		if now.Sub(b.at) > full {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}
