package service_test

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/testutil/pushtest"
	"github.com/synapse-kb/synapse/internal/webpush"
)

// BenchmarkPushNotify sends one reminder-like notification to each of b.N
// people (one subscribed browser each, never notified before, so every
// delivery also records its first success) through Service.PushNotify,
// from 32 goroutines as a busy job queue would, to a local push service
// that checks each VAPID signature and decrypts each payload on the same
// machine. It reports notifications/s and the peak live heap.
//
//	go test ./internal/service -run '^$' -bench 'BenchmarkPushNotify' -benchtime 5000x
func BenchmarkPushNotify(b *testing.B) {
	for _, d := range dbtest.Dialects {
		b.Run(string(d), func(b *testing.B) {
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
				if _, err := st.PutPushSubscription(ctx, usr.ID, store.PushSubscription{Endpoint: br.Endpoint, P256dh: br.P256dh(), Auth: br.AuthSecret(), Label: "Firefox on Linux"}, 20); err != nil {
					b.Fatal(err)
				}
				users[i] = usr.ID
			}
			n := service.Notification{Title: "Call the plumber", Body: "Due at 10:00", URL: "/tasks", Tag: "task-1",
				Actions: []service.NotificationAction{{Action: "snooze-10m", Title: "Snooze 10 min", URL: "/reminders/x/snooze"}, {Action: "done", Title: "Done"}},
				TTL:     time.Hour, Urgency: webpush.UrgencyHigh}
			var next, failed atomic.Int64
			var peak atomic.Uint64
			stop := sampleHeap(&peak)
			b.SetParallelism(16) // 32 goroutines on 2 cores
			b.ResetTimer()
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
			b.StopTimer()
			stop()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "notifications/s")
			b.ReportMetric(float64(peak.Load())/1e6, "peak-heap-MB")
			if failed.Load() > 0 || ps.Accepted() != b.N {
				b.Fatalf("%d failed, %d accepted of %d; push service refusals: %v", failed.Load(), ps.Accepted(), b.N, ps.Failures())
			}
		})
	}
}
