package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/linkpreview"
	"github.com/synapse-kb/synapse/internal/store"
)

// MaxPreviewImageBytes caps a bookmark's preview image.
const MaxPreviewImageBytes = 5 << 20

// BookmarksArgs records the links of one message as bookmarks.
type BookmarksArgs struct {
	MessageRef
}

func (BookmarksArgs) Kind() string { return "bookmarks" }

type bookmarksWorker struct {
	river.WorkerDefaults[BookmarksArgs]
	r *Runner
}

func (w *bookmarksWorker) Work(ctx context.Context, job *river.Job[BookmarksArgs]) error {
	d := w.r.d
	a := job.Args
	m, err := d.Store.GetMessage(ctx, a.UserID, a.ChatID, a.MessageID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// The message's bookmarks and the fetches of the new ones commit
	// together: if queueing a fetch fails, no bookmark is left pending
	// without one, and the retry finds the bookmarks new again.
	var created []store.Bookmark
	err = d.Store.WithTx(ctx, func(tx *store.Tx) error {
		created = created[:0]
		links := knowledge.ExtractLinks(m.Text)
		if len(links) > 0 {
			// Deleted or edited since it was read: the change decides.
			if same, err := tx.MessageUnchanged(ctx, a.UserID, m.ChatID, m.ID, m.EditedAt); err != nil || !same {
				return err
			}
		}
		for _, link := range links {
			key, err := knowledge.NormalizeURL(link)
			if err != nil {
				continue
			}
			b, isNew, err := tx.ShareBookmark(ctx, a.UserID, link, key, store.BookmarkShare{
				ChatID: m.ChatID, MessageID: m.ID, Sender: m.From, SenderName: m.FromName, SharedAt: m.Timestamp, Text: m.Text})
			if err != nil {
				return err
			}
			if isNew {
				if err := w.r.FetchBookmarkTx(ctx, tx, a.UserID, b.ID); err != nil {
					return err
				}
				created = append(created, b)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, b := range created {
		w.r.publish(a.UserID, domain.KindBookmark, b)
	}
	return nil
}

// BookmarkFetchArgs fetches a bookmark's page preview.
type BookmarkFetchArgs struct {
	UserID     string `json:"user_id"`
	BookmarkID string `json:"bookmark_id"`
}

func (BookmarkFetchArgs) Kind() string { return "bookmark_fetch" }

func (BookmarkFetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueLinks, MaxAttempts: 5, UniqueOpts: whilePending}
}

type bookmarkFetchWorker struct {
	river.WorkerDefaults[BookmarkFetchArgs]
	r *Runner
}

func (w *bookmarkFetchWorker) Timeout(*river.Job[BookmarkFetchArgs]) time.Duration {
	return w.r.timeout(time.Minute)
}

func (w *bookmarkFetchWorker) Work(ctx context.Context, job *river.Job[BookmarkFetchArgs]) error {
	d := w.r.d
	a := job.Args
	b, err := d.Store.GetBookmark(ctx, a.UserID, a.BookmarkID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if b.Status == store.BookmarkFetched || d.Previews == nil {
		return nil
	}
	release, wait, ok := w.r.takeLinkSlots(a.UserID, b.URL)
	if !ok {
		return river.JobSnooze(w.r.linkSnooze(wait, snoozes(job.Metadata)))
	}
	defer release()
	p, err := d.Previews.Fetch(ctx, b.URL)
	if err != nil {
		if linkpreview.IsRetryable(err) && job.Attempt < job.MaxAttempts {
			return err
		}
		d.Log.Info("bookmark preview not fetched", "user_id", a.UserID, "bookmark_id", a.BookmarkID, "err", err)
		if ferr := d.Store.SetBookmarkFailed(ctx, a.UserID, a.BookmarkID, linkpreview.Describe(err)); ferr != nil {
			return ferr
		}
		if failed, gerr := d.Store.GetBookmark(ctx, a.UserID, a.BookmarkID); gerr == nil {
			w.r.publish(a.UserID, domain.KindBookmark, failed)
		}
		return permanent(err)
	}
	preview := store.BookmarkPreview{Title: p.Title, Description: p.Description, SiteName: p.SiteName, ImageURL: p.ImageURL}
	if p.ImageURL != "" {
		img, _, err := d.Previews.FetchImage(ctx, p.ImageURL, MaxPreviewImageBytes)
		if err == nil {
			preview.ImageSHA256, err = d.Blobs.Put(ctx, a.UserID, img)
		}
		if err != nil {
			d.Log.Info("bookmark preview image not fetched", "user_id", a.UserID, "bookmark_id", a.BookmarkID, "err", err)
		}
	}
	updated, err := d.Store.SetBookmarkPreview(ctx, a.UserID, a.BookmarkID, preview)
	if err != nil {
		return err
	}
	w.r.publish(a.UserID, domain.KindBookmark, updated)
	return nil
}
