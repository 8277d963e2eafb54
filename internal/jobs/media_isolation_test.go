package jobs

import (
	"errors"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// A message's media is reachable only through a record the download job
// made from bytes it hashed itself: a hash that a message claims reaches
// nothing of another user's, not even the knowledge that it exists.
func TestClaimedMediaHashReachesNothing(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := dbtest.Open(t, d)
			f := newFixture(t, s, fixtureOptions{})
			ctx, victim := f.ctx, f.user
			attacker, err := s.CreateUser(ctx, store.User{Email: "mallory@example.com", Name: "Mallory", PasswordHash: "x"})
			if err != nil {
				t.Fatal(err)
			}
			chat := "351910000001@s.whatsapp.net"
			f.ingest(store.Message{ID: "photo", Type: "image", Media: &store.Media{Ref: "victim-photo", MimeType: "image/png"}})
			var victimHash string
			f.eventually("the victim's photo is stored", func() bool {
				m, err := s.MessageMedia(ctx, victim.ID, chat, "photo")
				victimHash = m.SHA256
				return err == nil
			})

			// The attacker's messages claim the victim's hash: a document
			// (never downloaded) and an image whose bytes are the attacker's.
			msgs := []*store.IncomingMessage{
				{UserID: attacker.ID, Message: store.Message{ChatID: chat, ID: "doc", Type: "document", Timestamp: time.Now(),
					Media: &store.Media{Ref: "bogus", MimeType: "image/png", SHA256: victimHash}}},
				{UserID: attacker.ID, Message: store.Message{ChatID: chat, ID: "img", Type: "image", Timestamp: time.Now(),
					Media: &store.Media{Ref: "attackers-own", MimeType: "image/png", SHA256: victimHash}}},
			}
			if err := s.IngestMessages(ctx, msgs, f.r.IngestHook()); err != nil {
				t.Fatal(err)
			}
			var own store.MessageMedia
			f.eventually("the attacker's image is stored", func() bool {
				own, err = s.MessageMedia(ctx, attacker.ID, chat, "img")
				return err == nil
			})
			if own.SHA256 == victimHash {
				t.Fatal("the record took the hash the message claimed")
			}
			if _, err := s.MessageMedia(ctx, attacker.ID, chat, "doc"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a record for media never downloaded: %v", err)
			}
			if _, _, err := f.blobs.Open(ctx, attacker.ID, victimHash); !errors.Is(err, media.ErrNotFound) {
				t.Fatalf("the attacker opens the victim's blob: %v", err)
			}
			if _, err := f.blobs.Stat(ctx, attacker.ID, victimHash); !errors.Is(err, media.ErrNotFound) {
				t.Fatalf("the attacker learns the victim's blob exists: %v", err)
			}
			if _, err := f.blobs.Stat(ctx, victim.ID, victimHash); err != nil {
				t.Fatalf("the victim's blob: %v", err)
			}
			if _, err := f.blobs.Stat(ctx, attacker.ID, own.SHA256); err != nil {
				t.Fatalf("the attacker's own blob: %v", err)
			}
		})
	}
}
