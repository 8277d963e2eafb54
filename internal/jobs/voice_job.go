package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
)

// TranscribeArgs transcribes one voice memo.
type TranscribeArgs struct {
	UserID string `json:"user_id"`
	MemoID string `json:"memo_id"`
}

func (TranscribeArgs) Kind() string { return "transcribe" }

func (TranscribeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueAI, MaxAttempts: 8, UniqueOpts: whilePending}
}

type transcribeWorker struct {
	river.WorkerDefaults[TranscribeArgs]
	r *Runner
}

func (w *transcribeWorker) Timeout(*river.Job[TranscribeArgs]) time.Duration {
	return w.r.timeout(3 * time.Minute)
}

func (w *transcribeWorker) Work(ctx context.Context, job *river.Job[TranscribeArgs]) error {
	d := w.r.d
	a := job.Args
	if d.Transcriber == nil {
		return nil // the memo keeps waiting; the sweep queues it once a transcriber is configured
	}
	memo, err := d.Store.GetVoiceMemo(ctx, a.UserID, a.MemoID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if memo.Status == store.MemoTranscribed {
		return nil
	}
	audio, _, err := d.Blobs.Open(ctx, a.UserID, memo.SHA256)
	if err != nil {
		return err
	}
	defer audio.Close()
	tr, err := d.Transcriber.Transcribe(ctx, audio, "voice-note.ogg", memo.MimeType)
	if err != nil {
		return w.r.providerFailure(ctx, job.Attempt, job.MaxAttempts, err, func(reason string) error {
			return d.Store.SetMemoStatus(ctx, a.UserID, a.MemoID, store.MemoFailed, reason)
		})
	}
	// The transcript and its analysis commit together: a transcribed memo
	// always has its analysis queued.
	var changed bool
	err = d.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if changed, err = tx.SetTranscript(ctx, a.UserID, a.MemoID, tr.Text, tr.Language); err != nil || !changed {
			return err
		}
		return w.r.AnalyseMemoTx(ctx, tx, a.UserID, a.MemoID)
	})
	if err != nil || !changed {
		return err
	}
	if updated, err := d.Store.GetVoiceMemo(ctx, a.UserID, a.MemoID); err == nil {
		w.r.publish(a.UserID, domain.KindVoiceMemo, updated)
	}
	return nil
}

// providerFailure turns a provider's error into the job's outcome: a
// permanent error, or the last attempt, records a clear terminal state
// through fail and cancels the job; a retryable one is retried, after the
// provider's Retry-After when it gave one.
func (r *Runner) providerFailure(ctx context.Context, attempt, maxAttempts int, err error, fail func(reason string) error) error {
	if !ai.IsRetryable(err) || attempt >= maxAttempts {
		reason := err.Error()
		if ai.IsRetryable(err) {
			reason = fmt.Sprintf("gave up after %d attempts: %v", attempt, err)
		}
		if ferr := fail(reason); ferr != nil {
			return ferr
		}
		r.d.Log.Warn("provider failed for good", "err", err)
		return permanent(err)
	}
	if after, ok := ai.RetryAfter(err); ok && after > 0 && after < time.Hour {
		return river.JobSnooze(after)
	}
	return err
}
