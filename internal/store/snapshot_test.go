package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestItemsOutliveMessages: retention removes old messages but not a
// pinned one, and the items and bookmark shares made from a removed one
// still show who said what, and when.
func TestItemsOutliveMessages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		const chat = "c@s.whatsapp.net"
		old := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
		in := []*store.IncomingMessage{
			msg(a.ID, chat, "gone", old, "Buy bread at https://example.org/bakery"),
			msg(a.ID, chat, "pinned", old, "The wifi password is hunter2"),
		}
		in[0].FromName = "Zoe"
		if err := s.IngestMessages(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
		m, err := s.GetMessage(ctx, a.ID, chat, "gone")
		if err != nil {
			t.Fatal(err)
		}
		src := store.Source{Kind: store.SourceMessage, ChatID: chat, MessageID: m.ID,
			Snapshot: store.Snapshot{From: m.From, FromName: m.FromName, Text: m.Text, Time: m.Timestamp}}
		made, err := s.AddExtracted(ctx, a.ID, src, []store.Extracted{{Kind: domain.KindTask, Title: "Buy bread"}})
		if err != nil || len(made) != 1 {
			t.Fatalf("add: %v %v", made, err)
		}
		task := made[0].(store.Task)
		if _, _, err := s.ShareBookmark(ctx, a.ID, "https://example.org/bakery", "https://example.org/bakery",
			store.BookmarkShare{ChatID: chat, MessageID: m.ID, SenderName: "Zoe", SharedAt: old, Text: m.Text}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PinMessage(ctx, b.ID, chat, "pinned", true, old); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b pins a's message: %v", err)
		}
		p, err := s.PinMessage(ctx, a.ID, chat, "pinned", true, old.Add(time.Hour))
		if err != nil || p.PinnedAt == nil {
			t.Fatalf("pin: %+v %v", p, err)
		}
		if n, err := s.DeleteMessagesBefore(ctx, old.Add(24*time.Hour), 100); err != nil || n != 1 {
			t.Fatalf("retention deleted %d (%v), want only the unpinned one", n, err)
		}
		if _, err := s.GetMessage(ctx, a.ID, chat, "gone"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired message still there: %v", err)
		}
		if _, err := s.GetMessage(ctx, a.ID, chat, "pinned"); err != nil {
			t.Fatalf("pinned message expired: %v", err)
		}
		got, err := s.GetTask(ctx, a.ID, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sn := got.Source.Snapshot; sn.Text != m.Text || sn.FromName != "Zoe" || !sn.Time.Equal(old) || sn.From != m.From {
			t.Fatalf("task's snapshot: %+v", sn)
		}
		bms, err := s.ListBookmarks(ctx, a.ID, store.ItemFilter{}, store.ListOptions{})
		if err != nil || len(bms.Items) != 1 || len(bms.Items[0].Shares) != 1 || bms.Items[0].Shares[0].Text != m.Text {
			t.Fatalf("bookmark share text: %+v %v", bms.Items, err)
		}
		if p, err := s.PinMessage(ctx, a.ID, chat, "pinned", false, old); err != nil || p.PinnedAt != nil {
			t.Fatalf("unpin: %+v %v", p, err)
		}
		if n, err := s.DeleteMessagesBefore(ctx, old.Add(24*time.Hour), 100); err != nil || n != 1 {
			t.Fatalf("unpinned message not expired: %d %v", n, err)
		}
	})
}
