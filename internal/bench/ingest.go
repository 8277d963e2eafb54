package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// IngestResult is the outcome of Ingest.
type IngestResult struct {
	Sessions, Messages int
	Elapsed            time.Duration
	PerSecond          float64
}

// Ingest pairs `sessions` simulated phones, then has them all deliver
// `messages` text messages in total, as fast as they can, and measures the
// time until every message is durably stored (committed before the phone
// saw it acknowledged).
func Ingest(ctx context.Context, e Env, sessions, messages int) (IngestResult, error) {
	st, err := e.newStack(ctx)
	if err != nil {
		return IngestResult{}, err
	}
	defer st.close()
	users, err := st.pairUsers(ctx, sessions)
	if err != nil {
		return IngestResult{}, err
	}
	sids := make([]string, len(users))
	for i, u := range users {
		sids[i], _ = st.m.SessionID(ctx, u)
	}
	per := messages / sessions
	const chunk = 200
	// Build every message first, so that only delivery and storage are timed.
	work := make([][][]sim.Incoming, sessions)
	for i := range sessions {
		for j := 0; j < per; j += chunk {
			n := min(chunk, per-j)
			batch := make([]sim.Incoming, n)
			for k := range batch {
				batch[k] = sim.Incoming{ID: fmt.Sprintf("b%d-%d", i, j+k), Chat: fmt.Sprintf("4477%07d", (j+k)%40), ChatName: "Contact",
					Type: "text", Text: "Benchmark message with a little text, like a real one would have."}
			}
			work[i] = append(work[i], batch)
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, batch := range work[i] {
				if _, err := st.sim.Deliver(sids[i], batch); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return IngestResult{}, err
	}
	total := per * sessions
	for st.ing.Stored() < uint64(total) {
		if err := ctx.Err(); err != nil {
			return IngestResult{}, err
		}
		time.Sleep(time.Millisecond)
	}
	el := time.Since(start)
	if n, err := countMessages(ctx, st); err != nil || n != total {
		return IngestResult{}, fmt.Errorf("%d messages in the database, want %d (%v)", n, total, err)
	}
	return IngestResult{Sessions: sessions, Messages: total, Elapsed: el, PerSecond: float64(total) / el.Seconds()}, nil
}

func countMessages(ctx context.Context, st *stack) (int, error) {
	var n int
	err := st.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM messages`).Scan(&n)
	return n, err
}
