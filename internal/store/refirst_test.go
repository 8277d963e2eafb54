package store_test

import (
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestMergedItemOutlivesItsFirstMessage: a task two messages gave stays
// when the first is deleted for everyone, and then shows (and is filtered
// by) the message that remains, not the deleted one's words.
func TestMergedItemOutlivesItsFirstMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		chat := "1555@s.whatsapp.net"
		t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{msg(a.ID, chat, "m1", t0, "buy milk"), msg(a.ID, chat, "m2", t0.Add(time.Minute), "Buy milk!")}, nil); err != nil {
			t.Fatal(err)
		}
		src := func(id, text string, at time.Time) store.Source {
			return store.Source{Kind: store.SourceMessage, ChatID: chat, MessageID: id, Snapshot: store.Snapshot{From: chat, Text: text, Time: at}}
		}
		out, err := s.AddExtracted(ctx, a.ID, src("m1", "buy milk", t0), []store.Extracted{{Kind: domain.KindTask, Title: "Buy milk"}})
		if err != nil || len(out) != 1 {
			t.Fatal(out, err)
		}
		id := out[0].(store.Task).ID
		if _, err := s.AddExtracted(ctx, a.ID, src("m2", "Buy milk!", t0.Add(time.Minute)), []store.Extracted{{Kind: domain.KindTask, Title: "Buy milk"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyMessageChange(ctx, store.MessageChange{UserID: a.ID, ChatID: chat, TargetID: "m1", Kind: store.ChangeRevoke, By: chat, At: t0.Add(2 * time.Minute)}, nil); err != nil {
			t.Fatal(err)
		}
		task, err := s.GetTask(ctx, a.ID, id)
		if err != nil {
			t.Fatalf("the merged task went with its first message: %v", err)
		}
		if task.Source.MessageID != "m2" || task.Source.Snapshot.Text != "Buy milk!" || task.Mentions != 1 {
			t.Fatalf("after the first message was deleted: %+v", task)
		}
	})
}
