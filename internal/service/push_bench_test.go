//go:build unix

package service_test

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/testutil/pushtest"
	"github.com/synapse-kb/synapse/internal/webpush"
)

// BenchmarkPushNotify sends one reminder-like notification to each of b.N
// people (one subscribed browser each) through Service.PushNotify,
// from 32 goroutines as a busy job queue would, to a local push service
// that checks each VAPID signature and decrypts each payload on the same
// machine. It reports notifications/s, the peak live heap and the CPU time
// per notification (cpu-µs/op: this process's user and system time,
// sender and push service together, so that a machine shared with other
// work does not skew it as it skews the rate).
// first-delivery: no browser was notified before, so every delivery also
// writes its success; delivered-within-the-hour: every browser had one less
// than an hour ago, so deliveries write nothing.
//
//	go test ./internal/service -run '^$' -bench 'BenchmarkPushNotify' -benchtime 5000x
func BenchmarkPushNotify(b *testing.B) {
	for _, d := range dbtest.Dialects {
		for _, first := range []bool{true, false} {
			name := string(d) + "/first-delivery"
			if !first {
				name = string(d) + "/delivered-within-the-hour"
			}
			b.Run(name, func(b *testing.B) { benchPushNotify(b, d, first) })
		}
	}
}

func benchPushNotify(b *testing.B, d store.Dialect, first bool) {
	ctx := context.Background()
	keys, err := webpush.GenerateKeys()
	if err != nil {
		b.Fatal(err)
	}
	ps := pushtest.Start(keys.PublicKey, false)
	defer ps.Close()
	u, _ := url.Parse(ps.URL)
	sender, err := webpush.New(webpush.Options{Keys: keys, Subject: "mailto:bench@example.org", AllowedHosts: []string{u.Host}})
	if err != nil {
		b.Fatal(err)
	}
	st := dbtest.Open(b, d)
	svc := service.New(service.Options{Store: st, Push: sender})
	users := make([]string, b.N)
	for i := range users {
		usr, err := st.CreateUser(ctx, store.User{Email: fmt.Sprintf("p%d@example.com", i), Name: "P", PasswordHash: "x"})
		if err != nil {
			b.Fatal(err)
		}
		br := ps.NewBrowser()
		sub, err := st.PutPushSubscription(ctx, usr.ID, store.PushSubscription{Endpoint: br.Endpoint, P256dh: br.P256dh(), Auth: br.AuthSecret(), Label: "Firefox on Linux"}, 20)
		if err != nil {
			b.Fatal(err)
		}
		users[i] = usr.ID
		if !first {
			if err := st.PushDelivered(ctx, usr.ID, sub.ID, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	}
	n := service.Notification{Title: "Call the plumber", Body: "Due at 10:00", URL: "/tasks", Tag: "task-1",
		Actions: []service.Action{{Action: "snooze-10m", Title: "Snooze 10 min", URL: "/reminders/x/snooze"}, {Action: "done", Title: "Done"}},
		TTL:     time.Hour, Urgency: webpush.UrgencyHigh}
	var next, failed atomic.Int64
	var peak atomic.Uint64
	stop := sampleHeap(&peak)
	b.SetParallelism(16) // 32 goroutines on 2 cores
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			res, err := svc.PushNotify(ctx, users[i], n)
			if err != nil || res.Sent != 1 {
				failed.Add(1)
			}
		}
	})
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	stop()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "notifications/s")
	b.ReportMetric(float64(peak.Load())/1e6, "peak-heap-MB")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	if failed.Load() > 0 || ps.Accepted() != b.N {
		b.Fatalf("%d failed, %d accepted of %d; push service refusals: %v", failed.Load(), ps.Accepted(), b.N, ps.Failures())
	}
}

// cpuTime is the CPU time (user and system) this process has used: the
// sender and the local push service together.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
