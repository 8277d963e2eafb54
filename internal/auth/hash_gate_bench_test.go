package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// BenchmarkLoginFlood sends 150 concurrent log-ins with the production
// password costs (argon2id, 19 MiB) from 150 addresses, half for an
// existing account with a wrong password and half for unknown e-mails, and
// reports the process's peak resident memory above where it started, the
// median and slowest answer, and how many were refused with ErrBusy.
// "gated" is the default gate; "ungated" lets all 150 hash at once (the
// behaviour before the gate). Run each alone, so that one does not inherit
// the other's heap:
//
//	go test -run '^$' -bench 'LoginFlood/^gated$' -benchtime 1x ./internal/auth/
//	go test -run '^$' -bench 'LoginFlood/^ungated$' -benchtime 1x ./internal/auth/
func BenchmarkLoginFlood(b *testing.B) {
	for _, bc := range []struct {
		name string
		gate HashGateOptions
	}{
		{"gated", HashGateOptions{}},
		{"ungated", HashGateOptions{Concurrency: 150}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := dbtest.Open(b, store.SQLite)
			ctx := context.Background()
			tk, _ := NewTokens(secret, 15*time.Minute, nil)
			svc := NewService(Options{Store: s, Tokens: tk, RefreshTTL: time.Hour, HashGate: NewHashGate(bc.gate)})
			if _, err := svc.CreateUser(ctx, Registration{Email: "a@x.io", Password: "password1"}); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			base := rssKiB(b)
			var peak atomic.Int64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				t := time.NewTicker(2 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case <-t.C:
						if v := rssKiB(b); v > peak.Load() {
							peak.Store(v)
						}
					}
				}
			}()
			const n = 150
			var busy atomic.Int64
			var lat []time.Duration
			b.ResetTimer()
			for range b.N {
				var mu sync.Mutex
				var wg sync.WaitGroup
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						email := "a@x.io"
						if i%2 == 1 {
							email = fmt.Sprintf("nobody%d@x.io", i)
						}
						start := time.Now()
						_, err := svc.Login(ctx, email, "wrong password", fmt.Sprintf("198.51.%d.%d", i/250, i%250))
						d := time.Since(start)
						if errors.Is(err, ErrBusy) {
							busy.Add(1)
						} else if !errors.Is(err, ErrBadCredentials) {
							b.Error(err)
						}
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					}()
				}
				wg.Wait()
			}
			b.StopTimer()
			close(stop)
			<-sampled
			slices.Sort(lat)
			b.ReportMetric(float64(peak.Load()-base)/1024, "peak-rss-growth-MiB")
			b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
			b.ReportMetric(float64(busy.Load())/float64(b.N), "busy/flood")
		})
	}
}

// rssKiB is the process's resident set size (Linux).
func rssKiB(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status:", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return v
		}
	}
	return 0
}
