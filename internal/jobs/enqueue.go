package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"github.com/synapse-kb/synapse/internal/store"
)

// whilePending makes a job unique while an identical one (same kind and
// arguments) waits or runs, and only then: a job that follows from data
// (a bookmark's fetch, a memo's transcription) can be queued by its write,
// by the sweep and by a person asking again, and runs once at a time; once
// it has finished, asking again queues it again.
var whilePending = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}}

// insertTx queues a follow-up job in the transaction of the write that
// causes it, so that the two commit together or not at all.
func (r *Runner) insertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if r.beforeEnqueue != nil {
		if err := r.beforeEnqueue(args.Kind()); err != nil {
			return err
		}
	}
	if _, err := r.client.InsertTx(ctx, tx.SQL(), args, opts); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// insertManyTx is insertTx for several jobs.
func (r *Runner) insertManyTx(ctx context.Context, tx *store.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	if r.beforeEnqueue != nil {
		if err := r.beforeEnqueue(params[0].Args.Kind()); err != nil {
			return err
		}
	}
	if _, err := r.client.InsertManyTx(ctx, tx.SQL(), params); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", params[0].Args.Kind(), err)
	}
	return nil
}

// completeTx marks the running job completed in tx, so that the job's
// effects and its completion commit together. (River's JobCompleteTx takes
// the client from ctx; its driver type only names the transaction type,
// *sql.Tx, which both databases' drivers share.)
func completeTx[T river.JobArgs](ctx context.Context, tx *store.Tx, job *river.Job[T]) error {
	if _, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx.SQL(), job); err != nil {
		return fmt.Errorf("jobs: complete %s: %w", job.Kind, err)
	}
	return nil
}

// AddBookmark saves a link by hand (key is its knowledge.NormalizeURL form)
// and queues the fetch of its preview in the same transaction. A link the
// person has already saved or shared is store.ErrConflict, and then nothing
// changes.
func (r *Runner) AddBookmark(ctx context.Context, userID, rawURL, key, title, description string) (store.Bookmark, error) {
	if key == "" {
		return store.Bookmark{}, errors.New("jobs: add bookmark: no normalized URL")
	}
	var b store.Bookmark
	err := r.d.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if b, err = tx.CreateBookmark(ctx, userID, rawURL, key, title, description); err != nil {
			return err
		}
		return r.FetchBookmarkTx(ctx, tx, userID, b.ID)
	})
	if err != nil {
		return store.Bookmark{}, err
	}
	return b, nil
}

// FetchBookmarkTx queues, in tx, the fetch of a bookmark's preview. It is
// not queued twice while one waits or runs.
func (r *Runner) FetchBookmarkTx(ctx context.Context, tx *store.Tx, userID, bookmarkID string) error {
	return r.insertTx(ctx, tx, BookmarkFetchArgs{UserID: userID, BookmarkID: bookmarkID}, nil)
}

// FetchBookmark queues the fetch of an existing bookmark's preview again. A
// bookmark saved by hand is saved with AddBookmark, which queues its fetch
// in the same transaction.
func (r *Runner) FetchBookmark(ctx context.Context, userID, bookmarkID string) error {
	_, err := r.client.Insert(ctx, BookmarkFetchArgs{UserID: userID, BookmarkID: bookmarkID}, nil)
	return err
}
