package e2e_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// BenchmarkHistoryImport links a phone whose history holds 50 chats of
// 1,000 text messages (within the window) and measures how fast Synapse
// stores and indexes them (messages/s), and the latency of live messages
// sent while the import runs (from the phone's send to the stored row,
// p50 and p99), and of 200 sent after it, when nothing else runs (idle). On SQLite, and on PostgreSQL when SYNAPSE_TEST_POSTGRES_URL
// is set; run with
//
//	go test -run '^$' -bench BenchmarkHistoryImport -benchtime 1x ./internal/e2e
func BenchmarkHistoryImport(b *testing.B) {
	for _, d := range dbtest.Dialects {
		b.Run(string(d), func(b *testing.B) { benchHistoryImport(b, d) })
	}
}

func benchHistoryImport(b *testing.B, d store.Dialect) {
	const chats, perChat = 50, 1000
	for range b.N {
		b.StopTimer()
		ws := historyWasim(b)
		srv := startMeowApp(b, d, ws, map[string]string{"WHATSAPP_HISTORY_DAYS": "30", "WHATSAPP_MESSAGE_RETENTION_DAYS": "30"})
		phone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000041", PushName: "Ana"})
		live, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000042", PushName: "Live"})
		now := time.Now()
		h := textHistory("4477009", chats, perChat, now, func(c, m int) string {
			return fmt.Sprintf("history message %d of chat %d about the quarterly plan", m, c)
		})
		h.ChunkSize = 2000
		if err := phone.SetHistory(h); err != nil {
			b.Fatal(err)
		}
		c := srv.Client
		u := c.Register(fmt.Sprintf("bench%d@example.com", time.Now().UnixNano()))
		b.StartTimer()
		start := time.Now()
		connectPhone(b, c, u, phone)
		var lat []time.Duration
		total := chats * perChat
		// liveMessage sends a live message and returns how long it took
		// to be stored.
		liveMessage := func() time.Duration {
			sent := time.Now()
			id, err := live.SendText(phone.Number(), "live while importing")
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := srv.App.Store.GetMessage(b.Context(), u.ID, live.JID().String(), id); err == nil {
					return time.Since(sent)
				}
				time.Sleep(200 * time.Microsecond)
			}
		}
		for {
			n, err := srv.App.Store.CountMessages(b.Context(), u.ID, now.AddDate(0, 0, -30))
			if err != nil {
				b.Fatal(err)
			}
			if n >= total+len(lat) {
				break
			}
			// A live message while the import runs, and how long it takes
			// to be stored.
			lat = append(lat, liveMessage())
			if time.Since(start) > 10*time.Minute {
				b.Fatalf("imported %d of %d", n, total)
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		// The same after the import, for comparison: what the machine
		// gives a live message when nothing else runs.
		idle := make([]time.Duration, 0, 200)
		for range cap(idle) {
			idle = append(idle, liveMessage())
		}
		slices.Sort(idle)
		b.ReportMetric(float64(idle[len(idle)/2].Microseconds())/1000, "idle-p50-ms")
		b.ReportMetric(float64(idle[len(idle)*99/100].Microseconds())/1000, "idle-p99-ms")
		slices.Sort(lat)
		b.ReportMetric(float64(total)/elapsed.Seconds(), "msgs/s")
		if len(lat) > 0 {
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "live-p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "live-p99-ms")
			b.ReportMetric(float64(len(lat)), "live-msgs")
		}
		ws.Close()
	}
}
