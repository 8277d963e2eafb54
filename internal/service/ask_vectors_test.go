package service

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/aitest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// clustered returns n normalised vectors of dim dimensions drawn around
// clusters random centres (each vector's noise one and a half times
// its centre), and a draw function for more of them.
func clustered(rng *rand.Rand, n, dim, clusters int) ([][]float32, func() []float32) {
	centres := make([][]float32, clusters)
	for c := range centres {
		centres[c] = make([]float32, dim)
		for j := range centres[c] {
			centres[c][j] = float32(rng.NormFloat64())
		}
	}
	draw := func() []float32 {
		c := centres[rng.IntN(clusters)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = c[j] + 1.5*float32(rng.NormFloat64())
		}
		return store.Normalise(v)
	}
	out := make([][]float32, n)
	for i := range out {
		out[i] = draw()
	}
	return out, draw
}

// indexOf builds an index of vecs (seq i+1, chat "c<i%5>", a second apart)
// and returns it with the embeddings.
func indexOf(vecs [][]float32) (*vecIndex, []store.Embedding) {
	ix := &vecIndex{}
	es := make([]store.Embedding, len(vecs))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, v := range vecs {
		es[i] = store.Embedding{Seq: int64(i + 1), Kind: domain.KindMessage, Ref: strconv.Itoa(i + 1), ChatID: fmt.Sprintf("c%d", i%5),
			Sender: "s", Time: t0.Add(time.Duration(i) * time.Second), Vec: v}
		ix.add(es[i])
	}
	ix.flush()
	return ix, es
}

// approxTop is nearestTo's search without a store: the sign-bit
// candidates rescored exactly.
func approxTop(ix *vecIndex, es []store.Embedding, q []float32, scope store.AskScope, k int) []store.AskHit {
	f, ok := ix.filter(scope)
	if !ok {
		return nil
	}
	var cand []store.Embedding
	for _, r := range ix.candidates(q, f, max(rescoreMin, rescorePer*k)) {
		cand = append(cand, es[ix.rows[r].seq-1])
	}
	return exactTop(q, cand, k)
}

// exactScan is the linear scan the index replaces.
func exactScan(es []store.Embedding, q []float32, scope store.AskScope, k int) []store.AskHit {
	var in []store.Embedding
	for _, e := range es {
		if scope.ChatID != "" && e.ChatID != scope.ChatID || !scope.From.IsZero() && e.Time.Before(scope.From) {
			continue
		}
		in = append(in, e)
	}
	return exactTop(q, in, k)
}

func overlap(a, b []store.AskHit) int {
	n := 0
	for _, h := range a {
		if slices.Contains(b, h) {
			n++
		}
	}
	return n
}

func TestVectorIndexRecall(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	vecs, draw := clustered(rng, 50_000, 256, 200)
	ix, es := indexOf(vecs)
	if got := len(ix.rows); got != len(vecs) {
		t.Fatalf("index holds %d rows, want %d", got, len(vecs))
	}
	total, found := 0, 0
	var worst int
	worst = AskPassages
	for range 100 {
		q := draw()
		want := exactScan(es, q, store.AskScope{}, AskPassages)
		got := approxTop(ix, es, q, store.AskScope{}, askCandidates)[:AskPassages]
		o := overlap(want, got)
		total += AskPassages
		found += o
		worst = min(worst, o)
	}
	recall := float64(found) / float64(total)
	t.Logf("top-%d recall over 100 questions: %.3f (worst question %d of %d)", AskPassages, recall, worst, AskPassages)
	if recall < 0.9 {
		t.Fatalf("top-%d recall %.3f, want ≥ 0.9", AskPassages, recall)
	}
}

func TestVectorIndexExactForSmallSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vecs, draw := clustered(rng, rescoreMin, 96, 8) // 96: the last word half used
	ix, es := indexOf(vecs)
	for range 20 {
		q := draw()
		want := exactScan(es, q, store.AskScope{}, askCandidates)
		got := approxTop(ix, es, q, store.AskScope{}, askCandidates)
		if !slices.Equal(want, got) {
			t.Fatalf("index of %d vectors: %v, the exact scan %v", len(vecs), got, want)
		}
	}
}

func TestVectorIndexScope(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	vecs, draw := clustered(rng, 40_000, 256, 50)
	ix, es := indexOf(vecs)
	from := es[38_500].Time
	scope := store.AskScope{ChatID: "c3", From: from}
	for range 20 {
		q := draw()
		got := approxTop(ix, es, q, scope, askCandidates)
		// Chat c3 from row 38,500 on is 300 rows, no more than the
		// candidates: the result is the exact one, all of it in scope.
		want := exactScan(es, q, scope, askCandidates)
		if len(got) != askCandidates || !slices.Equal(want, got) {
			t.Fatalf("scoped: %v, the exact scan %v", got, want)
		}
		for _, h := range got {
			if e := es[mustInt(t, h.Ref)-1]; e.ChatID != "c3" || e.Time.Before(from) {
				t.Fatalf("out of scope: %+v", e)
			}
		}
	}
	if got := approxTop(ix, es, draw(), store.AskScope{ChatID: "unknown"}, askCandidates); len(got) != 0 {
		t.Fatalf("a chat the index has not seen: %v", got)
	}
}

// testEmbedder embeds in process with aitest's hashed bag of words.
type testEmbedder struct{}

func (testEmbedder) Model() string { return "local" }
func (testEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = aitest.Embed(t)
	}
	return out, nil
}

// embedAll stores a vector for everything of the user's that has none.
func embedAll(t *testing.T, st *store.Store, userID string) {
	t.Helper()
	ctx := context.Background()
	var cur store.EmbedCursor
	for {
		src, err := st.PendingEmbeddings(ctx, userID, &cur, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(src) == 0 {
			return
		}
		texts := make([]string, len(src))
		for i, s := range src {
			texts[i] = s.Text
		}
		vecs, _ := testEmbedder{}.Embed(ctx, texts)
		if err := st.PutEmbeddings(ctx, userID, "local", src, vecs); err != nil {
			t.Fatal(err)
		}
	}
}

func addMessages(t *testing.T, st *store.Store, userID, prefix string, texts ...string) {
	t.Helper()
	var msgs []*store.IncomingMessage
	for i, text := range texts {
		chat := "4915500000@s.whatsapp.net"
		msgs = append(msgs, &store.IncomingMessage{UserID: userID, Message: store.Message{ChatID: chat, ID: fmt.Sprintf("%s%d", prefix, i),
			From: chat, FromName: "Friend", Type: "text", Text: text, Timestamp: time.Now().Add(-time.Duration(len(texts)-i) * time.Minute)}})
	}
	if err := st.IngestMessages(context.Background(), msgs, nil); err != nil {
		t.Fatal(err)
	}
}

// seqsOf returns the user's message seqs (as embedding refs).
func seqsOf(t *testing.T, st *store.Store, userID string) map[string]bool {
	t.Helper()
	rows, err := st.DB().QueryContext(context.Background(), `SELECT seq FROM messages WHERE user_id = $1`, userID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		out[strconv.FormatInt(seq, 10)] = true
	}
	return out
}

// TestAskIndexWarm: a person with more vectors than are loaded on the
// question's path is answered by full text, saying so, while their index
// is built; once it is warm, retrieval is hybrid, new vectors are topped
// up on the next question, and another person's vectors never come back.
func TestAskIndexWarm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var ids []string
		for _, email := range []string{"a@example.com", "b@example.com"} {
			u, err := st.CreateUser(ctx, store.User{Email: email, Name: "P", PasswordHash: "h"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		a, b := ids[0], ids[1]
		var texts []string
		for i := range 30 {
			texts = append(texts, fmt.Sprintf("dinner at the museum with friends number %d", i))
		}
		addMessages(t, st, a, "a", texts...)
		addMessages(t, st, b, "b", "the dentist appointment is on friday", "garage invoice for the car")
		embedAll(t, st, a)
		embedAll(t, st, b)

		svc := New(Options{Store: st, Embedder: testEmbedder{}})
		svc.vectors.syncLoad = 10
		ps, mode, note, err := svc.Retrieve(ctx, a, "museum dinner", store.AskScope{}, AskPassages)
		if err != nil {
			t.Fatal(err)
		}
		if mode != RetrievalFullText || note != vectorsLoadingNote || len(ps) == 0 {
			t.Fatalf("while loading: %s, %q, %d passages; want full text, the loading note and passages", mode, note, len(ps))
		}
		if err := svc.WarmAsk(ctx, a); err != nil {
			t.Fatal(err)
		}
		ps, mode, note, err = svc.Retrieve(ctx, a, "museum dinner", store.AskScope{}, AskPassages)
		if err != nil {
			t.Fatal(err)
		}
		if mode != RetrievalHybrid || note != "" || len(ps) != AskPassages {
			t.Fatalf("warm: %s, %q, %d passages; want hybrid, no note, %d", mode, note, len(ps), AskPassages)
		}

		// A new vector is read on the next question (a top-up).
		addMessages(t, st, a, "new", "the orthodontist moved the appointment")
		embedAll(t, st, a)
		hits, ready, err := svc.nearest(ctx, a, "teeth", store.AskScope{}, askCandidates)
		if err != nil || !ready {
			t.Fatalf("nearest: ready %v, %v", ready, err)
		}
		mine := seqsOf(t, st, a)
		newest := ""
		for ref := range mine {
			if newest == "" || len(ref) > len(newest) || len(ref) == len(newest) && ref > newest {
				newest = ref
			}
		}
		if len(hits) == 0 || hits[0].Ref != newest {
			t.Fatalf("after a top-up the nearest to %q is %v, want the new message %s first", "teeth", hits, newest)
		}
		for _, h := range hits {
			if !mine[h.Ref] {
				t.Fatalf("person A's retrieval returned %v, not theirs", h)
			}
		}

		// Person B, small, is loaded on the question's path, and sees
		// only their own vectors.
		svc.vectors.syncLoad = 0
		hits, ready, err = svc.nearest(ctx, b, "dentist teeth museum dinner", store.AskScope{}, askCandidates)
		if err != nil || !ready {
			t.Fatalf("nearest for B: ready %v, %v", ready, err)
		}
		theirs := seqsOf(t, st, b)
		if len(hits) != len(theirs) {
			t.Fatalf("B's nearest: %d hits, want their %d", len(hits), len(theirs))
		}
		for _, h := range hits {
			if !theirs[h.Ref] {
				t.Fatalf("person B's retrieval returned %v, not theirs", h)
			}
		}

		// A deleted message's vector is skipped before the index is
		// rebuilt.
		if _, err := st.DB().ExecContext(ctx, `DELETE FROM messages WHERE user_id = $1 AND seq = $2`, a, mustInt(t, newest)); err != nil {
			t.Fatal(err)
		}
		hits, _, err = svc.nearest(ctx, a, "teeth", store.AskScope{}, askCandidates)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.Ref == newest {
				t.Fatalf("the deleted message %s came back: %v", newest, hits)
			}
		}
		if got := svc.vectors.used; got <= 0 || got > 2*(30+3)*(32+8*4)+4096 {
			t.Fatalf("the cache accounts %d bytes for 33 vectors", got)
		}
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// BenchmarkVectorIndexScan measures the sign-bit scan alone (no store):
// one question's candidates among 1,000,000 vectors of 256 dimensions,
// on every core.
//
//	go test ./internal/service -run '^$' -bench BenchmarkVectorIndexScan -benchtime 100x
func BenchmarkVectorIndexScan(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	ix := &vecIndex{}
	_, draw := clustered(rng, 0, 256, 200)
	for i := range 1_000_000 {
		v := make([]float32, 256)
		for j := range v {
			v[j] = rng.Float32() - 0.5
		}
		ix.add(store.Embedding{Seq: int64(i + 1), Kind: domain.KindMessage, ChatID: "c", Vec: v})
	}
	ix.flush()
	q := draw()
	f, _ := ix.filter(store.AskScope{})
	b.ResetTimer()
	for range b.N {
		if got := ix.candidates(q, f, rescorePer*askCandidates); len(got) != rescorePer*askCandidates {
			b.Fatalf("%d candidates", len(got))
		}
	}
	b.ReportMetric(float64(ix.bytes())/(1<<20), "index-MB")
}
