package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// A message's media is its record's (made by the download), never the hash
// the message carries; the records' hashes are listed per user.
func TestMessageMediaAndHashes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		now := time.Now()
		msgs := []*store.IncomingMessage{
			{UserID: a.ID, Message: store.Message{ChatID: "c", ID: "img", Type: "image", Media: &store.Media{Ref: "r", SHA256: "claimed"}, Timestamp: now}},
			{UserID: a.ID, Message: store.Message{ChatID: "c", ID: "doc", Type: "document", Media: &store.Media{Ref: "r", SHA256: "claimed"}, Timestamp: now}},
		}
		if err := s.IngestMessages(ctx, msgs, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MessageMedia(ctx, a.ID, "c", "img"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("media before its download: %v", err)
		}
		im := &store.Image{ChatID: "c", MessageID: "img", SHA256: "h-img", ThumbSHA256: "h-thumb", MimeType: "image/png", SentAt: now}
		if _, err := s.AddImage(ctx, a.ID, im); err != nil {
			t.Fatal(err)
		}
		v := &store.VoiceMemo{ChatID: "c", MessageID: "voice", SHA256: "h-voice", MimeType: "audio/ogg", SentAt: now}
		if _, err := s.AddVoiceMemo(ctx, a.ID, v); err != nil {
			t.Fatal(err)
		}
		bm, _, _ := s.ShareBookmark(ctx, a.ID, "https://x.io", "https://x.io", store.BookmarkShare{})
		if _, err := s.SetBookmarkPreview(ctx, a.ID, bm.ID, store.BookmarkPreview{ImageSHA256: "h-preview"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddImage(ctx, b.ID, &store.Image{ChatID: "c", MessageID: "img", SHA256: "h-b", MimeType: "image/png", SentAt: now}); err != nil {
			t.Fatal(err)
		}
		got, err := s.MessageMedia(ctx, a.ID, "c", "img")
		if err != nil || got.SHA256 != "h-img" || got.ThumbSHA256 != "h-thumb" || got.ImageID != im.ID || got.MimeType != "image/png" {
			t.Fatalf("image message media: %+v %v", got, err)
		}
		if got, err := s.MessageMedia(ctx, a.ID, "c", "voice"); err != nil || got.SHA256 != "h-voice" || got.ImageID != "" {
			t.Fatalf("voice message media: %+v %v", got, err)
		}
		if _, err := s.MessageMedia(ctx, a.ID, "c", "doc"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a document, never downloaded: %v", err)
		}
		if got, _ := s.MessageMedia(ctx, b.ID, "c", "img"); got.SHA256 != "h-b" {
			t.Fatalf("b's message media: %+v", got)
		}
		users, err := s.MediaUsers(ctx)
		if err != nil || len(users) != 2 {
			t.Fatalf("users %v %v", users, err)
		}
		if hs, err := s.MediaHashes(ctx, a.ID); err != nil || fmt.Sprint(hs) != "[h-img h-preview h-thumb h-voice]" {
			t.Fatalf("a's hashes %v %v", hs, err)
		}
		if hs, _ := s.MediaHashes(ctx, b.ID); fmt.Sprint(hs) != "[h-b]" {
			t.Fatalf("b's hashes %v", hs)
		}
	})
}
