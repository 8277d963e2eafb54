package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/store"
)

// TranscribeArgs transcribes one voice memo.
type TranscribeArgs struct {
	UserID string `json:"user_id"`
	MemoID string `json:"memo_id"`
}

func (TranscribeArgs) Kind() string { return "transcribe" }

func (TranscribeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueAI, MaxAttempts: 8}
}

type transcribeWorker struct {
	river.WorkerDefaults[TranscribeArgs]
	r *Runner
}

func (w *transcribeWorker) Timeout(*river.Job[TranscribeArgs]) time.Duration { return 3 * time.Minute }

func (w *transcribeWorker) Work(ctx context.Context, job *river.Job[TranscribeArgs]) error {
	d := w.r.d
	a := job.Args
	if d.Transcriber == nil {
		return nil // the memo keeps waiting; a later start with a transcriber queues it
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
	audio, _, err := d.Blobs.Open(ctx, memo.SHA256)
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
	changed, err := d.Store.SetTranscript(ctx, a.UserID, a.MemoID, tr.Text, tr.Language)
	if err != nil {
		return err
	}
	if !changed {
		return nil
	}
	if updated, err := d.Store.GetVoiceMemo(ctx, a.UserID, a.MemoID); err == nil {
		w.r.publish(a.UserID, EventVoiceMemo, updated)
	}
	opts := w.r.analyseOpts()
	opts.UniqueOpts = river.UniqueOpts{ByArgs: true}
	_, err = w.r.client.Insert(ctx, AnalyseArgs{UserID: a.UserID, MemoID: a.MemoID}, opts)
	return err
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
