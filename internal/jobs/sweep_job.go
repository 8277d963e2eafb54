package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/store"
)

// SweepArgs is the periodic job that finds work left waiting and queues it
// again: media never downloaded, voice memos waiting for a transcript (when
// a transcriber is configured) or for the analysis of theirs, bookmarks
// waiting for their preview. Follow-up work is queued with the write that
// causes it, so normally there is nothing to find; what the sweep finds was
// given up by River after its last attempt, abandoned by an older version,
// or waited for a provider configured only now.
//
// Each step examines at most Options.SweepBatch rows of each kind and queues
// their jobs, its continuation (when there is more to see) and its own
// completion in one transaction. Queueing is idempotent: these jobs are
// unique while one waits or runs.
type SweepArgs struct {
	// Cursors says where the scan of each kind of work resumes; a kind that
	// is absent is done. Nil starts a fresh sweep of every kind.
	Cursors map[string]string `json:"cursors,omitempty"`
}

func (SweepArgs) Kind() string { return "sweep" }

func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: whilePending}
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	r *Runner
}

func (w *sweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration {
	return w.r.timeout(5 * time.Minute)
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	_, err := w.r.sweepStep(ctx, job.Args.Cursors, true, func(tx *store.Tx) error {
		return completeTx(ctx, tx, job)
	})
	return err
}

// sweepKind is one kind of work the sweep looks for.
type sweepKind struct {
	name string // the kind of the job it queues
	// on reports whether the pipeline can do this work now.
	on   func(r *Runner) bool
	scan func(s *store.Store, ctx context.Context, after string, limit int) (store.PendingPage, error)
	job  func(r *Runner, p store.Pending) river.InsertManyParams
}

var sweepKinds = []sweepKind{
	{
		name: "media",
		on:   func(r *Runner) bool { return r.d.Downloader != nil },
		scan: (*store.Store).MediaNotDownloaded,
		job: func(_ *Runner, p store.Pending) river.InsertManyParams {
			return river.InsertManyParams{Args: MediaArgs{MessageRef{UserID: p.UserID, ChatID: p.ChatID, MessageID: p.MessageID}}}
		},
	},
	{
		name: "transcribe",
		on:   func(r *Runner) bool { return r.d.Transcriber != nil },
		scan: (*store.Store).MemosAwaitingTranscription,
		job: func(_ *Runner, p store.Pending) river.InsertManyParams {
			return river.InsertManyParams{Args: TranscribeArgs{UserID: p.UserID, MemoID: p.ID}}
		},
	},
	{
		name: "analyse",
		on:   func(*Runner) bool { return true },
		scan: (*store.Store).MemosAwaitingAnalysis,
		job: func(r *Runner, p store.Pending) river.InsertManyParams {
			return river.InsertManyParams{Args: AnalyseArgs{UserID: p.UserID, MemoID: p.ID}, InsertOpts: r.analyseOpts()}
		},
	},
	{
		name: "bookmark_fetch",
		on:   func(r *Runner) bool { return r.d.Previews != nil },
		scan: (*store.Store).PendingBookmarks,
		job: func(_ *Runner, p store.Pending) river.InsertManyParams {
			return river.InsertManyParams{Args: BookmarkFetchArgs{UserID: p.UserID, BookmarkID: p.ID}}
		},
	},
}

// Sweep runs a whole sweep now, step after step, and returns how many jobs
// it queued of each kind (jobs already waiting or running are not
// counted: they were not queued again).
func (r *Runner) Sweep(ctx context.Context) (map[string]int, error) {
	total := map[string]int{}
	var cursors map[string]string
	for {
		res, err := r.sweepStep(ctx, cursors, false, nil)
		if err != nil {
			return total, err
		}
		for k, n := range res.queued {
			total[k] += n
		}
		if len(res.next) == 0 {
			return total, nil
		}
		cursors = res.next
	}
}

type sweepResult struct {
	queued map[string]int
	next   map[string]string
}

// sweepStep examines one page of each kind of work named in cursors (all of
// them when cursors is nil) and queues, in one transaction, the jobs of
// what waits, a continuation job when continueInJob and there is more to
// see, and whatever also does.
func (r *Runner) sweepStep(ctx context.Context, cursors map[string]string, continueInJob bool, also func(tx *store.Tx) error) (sweepResult, error) {
	res := sweepResult{queued: map[string]int{}, next: map[string]string{}}
	var params []river.InsertManyParams
	for _, k := range sweepKinds {
		after, ok := cursors[k.name]
		if (cursors != nil && !ok) || !k.on(r) {
			continue
		}
		page, err := k.scan(r.d.Store, ctx, after, r.o.SweepBatch)
		if err != nil {
			return res, fmt.Errorf("jobs: sweep %s: %w", k.name, err)
		}
		for _, p := range page.Items {
			params = append(params, k.job(r, p))
		}
		if page.Next != "" {
			res.next[k.name] = page.Next
		}
	}
	err := r.d.Store.WithTx(ctx, func(tx *store.Tx) error {
		clear(res.queued)
		if len(params) > 0 {
			inserted, err := r.client.InsertManyTx(ctx, tx.SQL(), params)
			if err != nil {
				return fmt.Errorf("jobs: sweep: %w", err)
			}
			for _, in := range inserted {
				if !in.UniqueSkippedAsDuplicate {
					res.queued[in.Job.Kind]++
				}
			}
		}
		if continueInJob && len(res.next) > 0 {
			if _, err := r.client.InsertTx(ctx, tx.SQL(), SweepArgs{Cursors: res.next}, nil); err != nil {
				return fmt.Errorf("jobs: sweep: continue: %w", err)
			}
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if len(res.queued) > 0 {
		attrs := make([]any, 0, 2*len(res.queued))
		for k, n := range res.queued {
			attrs = append(attrs, k, n)
		}
		r.d.Log.Info("sweep queued work that was left waiting", attrs...)
	}
	return res, nil
}
