package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/store"
)

// queueEmbed holds the embedding jobs: they never wait behind, or hold up,
// the analysis and transcription on the provider queue.
const queueEmbed = "embed"

// embedBatch is how many texts one embeddings request carries.
const embedBatch = 64

// embedDelay gathers the messages of a burst into one job.
const embedDelay = 2 * time.Second

// EmbedArgs embeds what a user has without an embedding (messages with
// text, items, transcripts, summaries), newest first, in batched requests,
// for Ask. A failed request is retried by River with backoff, and what it
// left is found again by the next one (EmbedSweepArgs finds every user's).
//
// Writes queue one for the window of embedDelay they fall in, to run when
// the window ends: the writes of a burst share one job (it is unique while
// it waits), and a write after a job has started (and perhaps already
// looked) belongs to the next window's job. (Unique while running as well,
// a write just as a job finishes would be lost: River records completions
// a moment later.)
type EmbedArgs struct {
	UserID string `json:"user_id"`
	// Window is the write's time in units of embedDelay since the epoch
	// (0: queued by the sweep).
	Window int64 `json:"window,omitempty"`
}

func (EmbedArgs) Kind() string { return "embed" }

func (EmbedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueEmbed, MaxAttempts: 10, UniqueOpts: whilePending}
}

type embedWorker struct {
	river.WorkerDefaults[EmbedArgs]
	r *Runner
}

// embedRunFor bounds one job's run; a user with more to embed gets
// another job.
const embedRunFor = 90 * time.Second

func (w *embedWorker) Timeout(*river.Job[EmbedArgs]) time.Duration {
	return w.r.timeout(embedRunFor + ai.DefaultEmbedTimeout + 30*time.Second)
}

func (w *embedWorker) Work(ctx context.Context, job *river.Job[EmbedArgs]) error {
	n, more, err := w.r.EmbedPending(ctx, job.Args.UserID, embedRunFor)
	if err != nil {
		return err
	}
	if more {
		args, opts := w.r.embedNext(job.Args.UserID)
		if _, err := w.r.client.Insert(ctx, args, opts); err != nil {
			return fmt.Errorf("jobs: embed: continue: %w", err)
		}
	}
	w.r.d.Log.Debug("embedded", "user_id", job.Args.UserID, "count", n, "more", more)
	return nil
}

// EmbedPending embeds the user's things that have no embedding, a batch
// per request, for at most budget; it reports how many it stored and
// whether more remain. Without an embedder it does nothing.
func (r *Runner) EmbedPending(ctx context.Context, userID string, budget time.Duration) (int, bool, error) {
	e := r.d.Embedder
	if e == nil {
		return 0, false, nil
	}
	start, done := time.Now(), 0
	var cur store.EmbedCursor
	for {
		if time.Since(start) > budget {
			return done, true, nil
		}
		src, err := r.d.Store.PendingEmbeddings(ctx, userID, &cur, embedBatch)
		if err != nil {
			return done, false, err
		}
		if len(src) == 0 {
			return done, false, nil
		}
		texts := make([]string, len(src))
		for i, s := range src {
			texts[i] = s.Text
		}
		vecs, err := e.Embed(ctx, texts)
		if err != nil {
			return done, false, fmt.Errorf("jobs: embed: %w", err)
		}
		if err := r.d.Store.PutEmbeddings(ctx, userID, e.Model(), src, vecs); err != nil {
			return done, false, err
		}
		done += len(src)
	}
}

// embedSoon queues the embedding of the user's new things (after a write
// that committed); a failure only delays them until the sweep.
func (r *Runner) embedSoon(ctx context.Context, userID string) {
	if r.d.Embedder == nil || r.client == nil {
		return
	}
	args, opts := r.embedNext(userID)
	if _, err := r.client.Insert(ctx, args, opts); err != nil {
		r.d.Log.Warn("queue embedding", "user_id", userID, "err", err)
	}
}

// embedParams is the embedding job that follows new messages, for the
// ingest transaction.
func (r *Runner) embedParams(userID string) river.InsertManyParams {
	args, opts := r.embedNext(userID)
	return river.InsertManyParams{Args: args, InsertOpts: opts}
}

// embedNext is the embedding job of the current window, to run when the
// window ends.
func (r *Runner) embedNext(userID string) (EmbedArgs, *river.InsertOpts) {
	w := r.d.Now().UnixNano() / int64(embedDelay)
	return EmbedArgs{UserID: userID, Window: w}, &river.InsertOpts{ScheduledAt: time.Unix(0, (w+1)*int64(embedDelay))}
}

// EmbedSweepArgs is the periodic job that queues an EmbedArgs for every
// user with something not yet embedded: the backfill of what existed before
// embeddings were configured, and whatever a given-up job left.
type EmbedSweepArgs struct {
	After string `json:"after,omitempty"`
}

func (EmbedSweepArgs) Kind() string { return "embed_sweep" }

func (EmbedSweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueEmbed, MaxAttempts: 5, UniqueOpts: whilePending}
}

type embedSweepWorker struct {
	river.WorkerDefaults[EmbedSweepArgs]
	r *Runner
}

func (w *embedSweepWorker) Work(ctx context.Context, job *river.Job[EmbedSweepArgs]) error {
	return w.r.EmbedSweep(ctx)
}

// EmbedSweep queues an embedding job for each user with something not
// yet embedded. Without an embedder it does nothing.
func (r *Runner) EmbedSweep(ctx context.Context) error {
	if r.d.Embedder == nil {
		return nil
	}
	if n, err := r.d.Store.DeleteEmbeddingsNotOf(ctx, r.d.Embedder.Model()); err != nil {
		return err
	} else if n > 0 {
		r.d.Log.Info("embeddings of another model deleted; they are made again", "count", n, "model", r.d.Embedder.Model())
	}
	after := ""
	for {
		users, err := r.d.Store.UsersWithPendingEmbeddings(ctx, after, 500)
		if err != nil {
			return err
		}
		if len(users) == 0 {
			return nil
		}
		params := make([]river.InsertManyParams, len(users))
		for i, u := range users {
			params[i] = river.InsertManyParams{Args: EmbedArgs{UserID: u}}
		}
		if _, err := r.client.InsertMany(ctx, params); err != nil {
			return fmt.Errorf("jobs: embed sweep: %w", err)
		}
		after = users[len(users)-1]
	}
}
