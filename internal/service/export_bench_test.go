package service_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// BenchmarkExport exports accounts of growing size to io.Discard. Besides
// ns/op and B/op (bytes allocated in all, which grow with the account), it
// reports peak-heap-MB, the largest live heap seen while exporting: flat
// memory means it does not grow with the account.
//
//	go test ./internal/service -run '^$' -bench 'BenchmarkExport' -benchtime 3x
func BenchmarkExport(b *testing.B) {
	for _, d := range dbtest.Dialects {
		for _, size := range []struct{ messages, items int }{{10_000, 1_000}, {100_000, 10_000}} {
			b.Run(fmt.Sprintf("%s/messages=%d/items=%d", d, size.messages, size.items), func(b *testing.B) {
				svc, userID := seedExport(b, d, size.messages, size.items)
				ctx := context.Background()
				var peak atomic.Uint64
				stop := sampleHeap(&peak)
				b.ReportAllocs()
				for b.Loop() {
					if err := svc.Export(ctx, userID, io.Discard); err != nil {
						b.Fatal(err)
					}
				}
				stop()
				b.ReportMetric(float64(peak.Load())/1e6, "peak-heap-MB")
			})
		}
	}
}

// sampleHeap records the largest live heap until stop is called.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	runtime.GC()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				metrics.Read(s)
				if v := s[0].Value.Uint64(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// seedExport makes one account with messages in 50 chats over a year and
// items (tasks, notes, ideas, places) from some of them, each day's.
func seedExport(b *testing.B, d store.Dialect, messages, items int) (*service.Service, string) {
	b.Helper()
	ctx := context.Background()
	start := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	now := start
	st := dbtest.OpenUnmigrated(b, d, store.Options{Now: func() time.Time { return now }})
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.User{Email: "big@example.com", Name: "Big", PasswordHash: "x", Timezone: "Europe/Lisbon"})
	if err != nil {
		b.Fatal(err)
	}
	step := 365 * 24 * time.Hour / time.Duration(messages)
	const batch = 1000
	for i := 0; i < messages; i += batch {
		msgs := make([]*store.IncomingMessage, 0, batch)
		for j := i; j < min(i+batch, messages); j++ {
			chat := fmt.Sprintf("1203630%05d@g.us", j%50)
			msgs = append(msgs, &store.IncomingMessage{UserID: u.ID, ChatName: fmt.Sprintf("Group %d", j%50), IsGroup: true,
				Message: store.Message{ChatID: chat, ID: fmt.Sprintf("m%07d", j), From: "351912000001@s.whatsapp.net", FromName: "Dora",
					Type: "text", Text: fmt.Sprintf("message %d: let us meet on Friday at the usual place and bring the book", j),
					Timestamp: start.Add(time.Duration(j) * step)}})
		}
		if err := st.IngestMessages(ctx, msgs, nil); err != nil {
			b.Fatal(err)
		}
	}
	kinds := []domain.Kind{domain.KindTask, domain.KindNote, domain.KindIdea, domain.KindLocation}
	every := max(messages/items, 1)
	err = st.WithTx(ctx, func(tx *store.Tx) error {
		for k := 0; k < items; k++ {
			j := k * every
			now = start.Add(time.Duration(j) * step)
			src := store.Source{Kind: store.SourceMessage, ChatID: fmt.Sprintf("1203630%05d@g.us", j%50), MessageID: fmt.Sprintf("m%07d", j)}
			if _, err := tx.AddExtracted(ctx, u.ID, src, []store.Extracted{{Kind: kinds[k%len(kinds)],
				Title: fmt.Sprintf("item %d from the group", k), Body: "meet on Friday at the usual place", Address: "Rua Augusta 1, Lisboa"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return service.New(service.Options{Store: st}), u.ID
}
