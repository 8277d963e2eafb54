package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// ThumbnailSize is the longest side of an image thumbnail, in pixels.
const ThumbnailSize = 480

// MediaArgs downloads a message's image or voice note into the media store.
type MediaArgs struct {
	MessageRef
}

func (MediaArgs) Kind() string { return "media" }

func (MediaArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueMedia, UniqueOpts: whilePending}
}

type mediaWorker struct {
	river.WorkerDefaults[MediaArgs]
	r *Runner
}

func (w *mediaWorker) Timeout(*river.Job[MediaArgs]) time.Duration {
	return w.r.timeout(3 * time.Minute)
}

func (w *mediaWorker) Work(ctx context.Context, job *river.Job[MediaArgs]) error {
	d := w.r.d
	a := job.Args
	m, err := d.Store.GetMessage(ctx, a.UserID, a.ChatID, a.MessageID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted by retention (or with its user) before its turn
	}
	if err != nil {
		return err
	}
	if m.Media == nil || (m.Type != "image" && m.Type != "voice" && m.Type != "document") {
		return w.failed(ctx, a, errNoMedia)
	}
	data, err := d.Downloader.Download(ctx, a.UserID, &whatsapp.Media{
		Ref: m.Media.Ref, MimeType: m.Media.MimeType, FileName: m.Media.FileName, Size: m.Media.Size, SHA256: m.Media.SHA256,
	}, d.MaxMediaBytes)
	switch {
	case errors.Is(err, whatsapp.ErrMediaGone), errors.Is(err, whatsapp.ErrMediaTooLarge):
		d.Log.Warn("media not downloaded", "user_id", a.UserID, "message_id", a.MessageID, "err", err)
		return w.failed(ctx, a, err)
	case err != nil:
		// Not connected, or a network error: retried with back-off.
		return fmt.Errorf("download: %w", err)
	}
	hash, err := d.Blobs.Put(ctx, a.UserID, data)
	if err != nil {
		return err
	}
	switch m.Type {
	case "image":
		return w.image(ctx, a.UserID, m, data, hash)
	case "document":
		_, err := d.Store.AddFile(ctx, a.UserID, &store.File{ChatID: m.ChatID, MessageID: m.ID, SHA256: hash,
			MimeType: m.Media.MimeType, Size: int64(len(data)), FileName: m.Media.FileName})
		if err == nil {
			w.r.publish(a.UserID, domain.KindMessage, &m)
		}
		return err
	}
	return w.voice(ctx, a.UserID, m, data, hash)
}

var errNoMedia = errors.New("jobs: the message has no image, voice note or document to download")

// DownloadMedia queues the download of a message's attachment (a document
// the person asked for). It is not queued twice while one waits or runs.
func (r *Runner) DownloadMedia(ctx context.Context, userID, chatID, messageID string) error {
	_, err := r.client.Insert(ctx, MediaArgs{MessageRef: MessageRef{UserID: userID, ChatID: chatID, MessageID: messageID}}, nil)
	return err
}

// failed records that a message's media can never be downloaded, so that
// the sweep leaves it alone, and cancels the job.
func (w *mediaWorker) failed(ctx context.Context, a MediaArgs, err error) error {
	reason := store.MediaFailedOther
	switch {
	case errors.Is(err, whatsapp.ErrMediaGone):
		reason = store.MediaFailedGone
	case errors.Is(err, whatsapp.ErrMediaTooLarge):
		reason = store.MediaFailedTooLarge
	}
	if ferr := w.r.d.Store.SetMediaFailed(ctx, a.UserID, a.ChatID, a.MessageID, reason); ferr != nil {
		return ferr
	}
	return permanent(err)
}

func (w *mediaWorker) image(ctx context.Context, userID string, m store.Message, data []byte, hash string) error {
	d := w.r.d
	im := &store.Image{ChatID: m.ChatID, MessageID: m.ID, Sender: m.From, SenderName: m.FromName, Caption: m.Text,
		SHA256: hash, MimeType: m.Media.MimeType, Size: int64(len(data)), Width: m.Media.Width, Height: m.Media.Height, SentAt: m.Timestamp}
	thumb, info, err := media.Thumbnail(data, ThumbnailSize)
	if err != nil {
		// Stored anyway; the original is served where a thumbnail is missing.
		d.Log.Warn("no thumbnail", "user_id", userID, "message_id", m.ID, "err", err)
	} else {
		if im.ThumbSHA256, err = d.Blobs.Put(ctx, userID, thumb); err != nil {
			return err
		}
		im.Width, im.Height, im.MimeType, im.PHash = info.Width, info.Height, info.MimeType, info.PHash
	}
	created, err := d.Store.AddImage(ctx, userID, im)
	if err != nil {
		return err
	}
	if created && im.DupOf == "" { // a repeat is a source of the image it repeats
		w.r.publish(userID, domain.KindImage, im)
	}
	return nil
}

func (w *mediaWorker) voice(ctx context.Context, userID string, m store.Message, data []byte, hash string) error {
	d := w.r.d
	v := &store.VoiceMemo{ChatID: m.ChatID, MessageID: m.ID, Sender: m.From, SenderName: m.FromName,
		SHA256: hash, MimeType: m.Media.MimeType, Size: int64(len(data)), Seconds: m.Media.Seconds, SentAt: m.Timestamp}
	// The memo and its transcription commit together. Without a
	// transcriber the memo waits; the sweep queues it once one is
	// configured.
	var created bool
	err := d.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if created, err = tx.AddVoiceMemo(ctx, userID, v); err != nil {
			return err
		}
		if v.Status == store.MemoAwaiting && d.Transcriber != nil {
			return w.r.insertTx(ctx, tx, TranscribeArgs{UserID: userID, MemoID: v.ID}, nil)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if created {
		w.r.publish(userID, domain.KindVoiceMemo, v)
	}
	return nil
}
