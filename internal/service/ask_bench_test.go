//go:build unix

package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/aitest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// localEmbedder embeds in process (aitest's hashed bag of words), so that
// the benchmark measures retrieval, not a network round trip.
type localEmbedder struct{}

func (localEmbedder) Model() string { return "local" }
func (localEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = aitest.Embed(t)
	}
	return out, nil
}

var benchWords = []string{"dinner", "meeting", "flight", "dentist", "birthday", "garage", "invoice", "school", "football",
	"concert", "doctor", "holiday", "recipe", "groceries", "apartment", "train", "weather", "project", "deadline", "coffee",
	"museum", "beach", "hotel", "ticket", "package", "delivery", "password", "wedding", "camera", "laptop", "pharmacy", "bakery"}

// BenchmarkAskRetrieval measures Ask's retrieval before the language model
// (full-text search, the question's vector against every one of the
// person's vectors, reciprocal-rank fusion, loading the 8 passages) over
// one person's SYNAPSE_BENCH_ASK_MESSAGES messages (default 100,000), each
// with a vector of aitest.Dim dimensions, on SQLite. The question's
// embedding is computed in process. It reports the 50th and 99th
// percentile per question and the CPU time per question (cpu-ms/op, this
// process's user and system time); the first question (which loads the
// person's vectors into memory) is reported apart as load-ms.
//
//	go test ./internal/service -run '^$' -bench BenchmarkAskRetrieval -benchtime 200x
func BenchmarkAskRetrieval(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("SYNAPSE_BENCH_ASK_MESSAGES")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	st := dbtest.Open(b, store.SQLite)
	u, err := st.CreateUser(ctx, store.User{Email: "bench@example.com", Name: "Bench", PasswordHash: "h"})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	const batch = 1000
	for i := 0; i < n; i += batch {
		var msgs []*store.IncomingMessage
		for j := i; j < min(i+batch, n); j++ {
			text := ""
			for range 8 {
				text += benchWords[rng.IntN(len(benchWords))] + " "
			}
			chat := fmt.Sprintf("49155%05d@s.whatsapp.net", j%50)
			msgs = append(msgs, &store.IncomingMessage{UserID: u.ID, Message: store.Message{ChatID: chat, ID: fmt.Sprintf("m%d", j),
				From: chat, FromName: "Friend", Type: "text", Text: text + strconv.Itoa(j), Timestamp: now.Add(-time.Duration(n-j) * time.Second)}})
		}
		if err := st.IngestMessages(ctx, msgs, nil); err != nil {
			b.Fatal(err)
		}
	}
	var cur store.EmbedCursor
	for {
		src, err := st.PendingEmbeddings(ctx, u.ID, &cur, batch)
		if err != nil {
			b.Fatal(err)
		}
		if len(src) == 0 {
			break
		}
		vecs, _ := localEmbedder{}.Embed(ctx, textsOf(src))
		if err := st.PutEmbeddings(ctx, u.ID, "local", src, vecs); err != nil {
			b.Fatal(err)
		}
	}
	svc := service.New(service.Options{Store: st, Embedder: localEmbedder{}})
	questions := []string{"when is the dentist appointment", "which hotel for the holiday", "birthday cake recipe", "flight ticket delivery",
		"what about the project deadline", "football on the beach"}
	t0 := time.Now()
	if _, _, _, err := svc.Retrieve(ctx, u.ID, questions[0], store.AskScope{}, service.AskPassages); err != nil {
		b.Fatal(err)
	}
	load := time.Since(t0)
	durs := make([]time.Duration, 0, b.N)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		ps, mode, _, err := svc.Retrieve(ctx, u.ID, questions[i%len(questions)], store.AskScope{}, service.AskPassages)
		if err != nil || mode != service.RetrievalHybrid || len(ps) != service.AskPassages {
			b.Fatalf("retrieve: %d passages, %s, %v", len(ps), mode, err)
		}
		durs = append(durs, time.Since(t))
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	slices.Sort(durs)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(durs[len(durs)/2]), "p50-ms")
	b.ReportMetric(ms(durs[len(durs)*99/100]), "p99-ms")
	b.ReportMetric(ms(load), "load-ms")
	b.ReportMetric(ms(cpu)/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(n), "messages")
}

func textsOf(src []store.EmbedSource) []string {
	out := make([]string, len(src))
	for i, s := range src {
		out[i] = s.Text
	}
	return out
}
