package jobs_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/jobs"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/aitest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// BenchmarkEmbedBackfill measures the embedding backfill: one person's
// SYNAPSE_BENCH_EMBED_MESSAGES messages (default 20,000), stored before
// embeddings were configured, embedded by the job's own loop
// (Runner.EmbedPending: batches of 64 texts per request) against a local
// OpenAI-compatible server (aitest, 256 dimensions) over HTTP, on each
// database. It reports messages embedded per second.
//
//	go test ./internal/jobs -run '^$' -bench BenchmarkEmbedBackfill -benchtime 1x
func BenchmarkEmbedBackfill(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("SYNAPSE_BENCH_EMBED_MESSAGES")); err == nil && v > 0 {
		n = v
	}
	for _, d := range dbtest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			fake := aitest.New(b)
			emb, err := ai.NewEmbedder(ai.Config{BaseURL: fake.BaseURL(), Model: "test-embed"})
			if err != nil {
				b.Fatal(err)
			}
			var total time.Duration
			for range b.N {
				st := dbtest.Open(b, d)
				u, err := st.CreateUser(ctx, store.User{Email: "bench@example.com", Name: "Bench", PasswordHash: "h"})
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < n; i += 1000 {
					var msgs []*store.IncomingMessage
					for j := i; j < min(i+1000, n); j++ {
						chat := fmt.Sprintf("49155%05d@s.whatsapp.net", j%50)
						msgs = append(msgs, &store.IncomingMessage{UserID: u.ID, Message: store.Message{ChatID: chat, ID: fmt.Sprintf("m%d", j),
							From: chat, Type: "text", Text: fmt.Sprintf("message number %d about the dentist and the garage", j), Timestamp: time.Now()}})
					}
					if err := st.IngestMessages(ctx, msgs, nil); err != nil {
						b.Fatal(err)
					}
				}
				r, err := jobs.New(ctx, jobs.Deps{Store: st, Embedder: emb}, jobs.Options{NoSchedules: true})
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				done, more, err := r.EmbedPending(ctx, u.ID, time.Hour)
				total += time.Since(t0)
				if err != nil || more || done != n {
					b.Fatalf("embedded %d of %d (more %v): %v", done, n, more, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "messages/s")
		})
	}
}
