package bench

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// SessionsResult is the outcome of Sessions.
type SessionsResult struct {
	Sessions             int
	HeapPerSession       float64 // bytes
	RSSPerSession        float64 // bytes
	GoroutinesPerSession float64
}

// Sessions pairs n simulated sessions and measures what each idle connected
// one costs: live heap, resident memory and goroutines, after a GC.
func Sessions(ctx context.Context, e Env, n int) (SessionsResult, error) {
	st, err := e.newStack(ctx)
	if err != nil {
		return SessionsResult{}, err
	}
	defer st.close()
	// Warm up: one session, so that one-time allocations are not counted.
	if _, err := st.pairUsers(ctx, 1); err != nil {
		return SessionsResult{}, err
	}
	heap0, rss0, g0 := settle()
	if _, err := st.pairUsersFrom(ctx, 1, n); err != nil {
		return SessionsResult{}, err
	}
	heap1, rss1, g1 := settle()
	return SessionsResult{
		Sessions:             n,
		HeapPerSession:       float64(int64(heap1)-int64(heap0)) / float64(n),
		RSSPerSession:        float64(rss1-rss0) / float64(n),
		GoroutinesPerSession: float64(g1-g0) / float64(n),
	}, nil
}

// settle lets background work finish, collects garbage and reads the live
// heap, resident set size and goroutine count.
func settle() (heap uint64, rss int64, goroutines int) {
	time.Sleep(500 * time.Millisecond)
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, residentBytes(), runtime.NumGoroutine()
}

// residentBytes reads this process's resident set size (Linux).
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
