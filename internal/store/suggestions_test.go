package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestSuggestionsFollowTheirMessages: a message gives one suggestion of a
// kind, whatever became of it; an edit or a deletion for everyone removes
// the open suggestion of its message and leaves decided ones; purging a
// chat removes all but the accepted; mentions survive storage; another
// user reaches nothing.
func TestSuggestionsFollowTheirMessages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		chat := "1555@s.whatsapp.net"
		t0 := time.Now().UTC().Truncate(time.Second)
		msgs := []*store.IncomingMessage{msg(a.ID, chat, "m1", t0, "can you call me?"), msg(a.ID, chat, "m2", t0, "could you send it?"),
			msg(a.ID, chat, "m3", t0, "please sign it"), msg(a.ID, chat, "m4", t0, "can you pay?")}
		msgs[0].Mentions = []string{"1777@s.whatsapp.net"}
		if err := s.IngestMessages(ctx, msgs, nil); err != nil {
			t.Fatal(err)
		}
		if m, err := s.GetMessage(ctx, a.ID, chat, "m1"); err != nil || len(m.Mentions) != 1 || m.Mentions[0] != "1777@s.whatsapp.net" {
			t.Fatalf("mentions: %+v %v", m, err)
		}
		add := func(id string) store.Suggestion {
			t.Helper()
			g, ok, err := s.AddSuggestion(ctx, a.ID, store.NewSuggestion{Kind: "request", Title: "Do " + id, ChatID: chat, MessageID: id,
				Snapshot: store.Snapshot{From: chat, Text: "text " + id, Time: t0}})
			if err != nil || !ok || g.Status != store.SuggestionOpen {
				t.Fatalf("add %s: %+v %v %v", id, g, ok, err)
			}
			return g
		}
		g1, g2, g3, g4 := add("m1"), add("m2"), add("m3"), add("m4")
		if _, err := s.DismissSuggestion(ctx, b.ID, g2.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another user's dismiss: %v", err)
		}
		if g, _ := s.GetSuggestion(ctx, a.ID, g2.ID); g.Status != store.SuggestionOpen {
			t.Fatalf("another user dismissed it: %+v", g)
		}
		if _, _, _, err := s.AcceptSuggestion(ctx, b.ID, g1.ID, "", nil, false, true); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another user's accept: %v", err)
		}
		if g, err := s.DismissSuggestion(ctx, a.ID, g2.ID); err != nil || g.Status != store.SuggestionDismissed || g.DecidedAt == nil {
			t.Fatalf("dismiss: %+v %v", g, err)
		}
		// Found again: nothing new.
		if _, ok, err := s.AddSuggestion(ctx, a.ID, store.NewSuggestion{Kind: "request", Title: "again", ChatID: chat, MessageID: "m2", Snapshot: store.Snapshot{Time: t0}}); ok || err != nil {
			t.Fatalf("re-suggested a dismissed message: %v %v", ok, err)
		}
		g, task, fresh, err := s.AcceptSuggestion(ctx, a.ID, g3.ID, "", nil, false, true)
		if err != nil || !fresh || g.Status != store.SuggestionAccepted || task.Title != "Do m3" || task.Source.MessageID != "m3" || task.Body != "text m3" {
			t.Fatalf("accept: %+v %+v %v %v", g, task, fresh, err)
		}
		// The same words asked again and accepted: the person chose it, so
		// it is a task of its own, not merged into the first (nor refused).
		g5, ok, err := s.AddSuggestion(ctx, a.ID, store.NewSuggestion{Kind: "request", Title: "Do m3", ChatID: chat, MessageID: "m5",
			Snapshot: store.Snapshot{From: chat, Text: "text m3", Time: t0.Add(time.Second)}})
		if err != nil || !ok {
			t.Fatalf("add m5: %v %v", ok, err)
		}
		if _, again, fresh, err := s.AcceptSuggestion(ctx, a.ID, g5.ID, "", nil, false, true); err != nil || !fresh || again.ID == task.ID || again.Source.MessageID != "m5" {
			t.Fatalf("accept the same words again: %+v %v %v", again, fresh, err)
		}
		// Edits: the open one goes, the dismissed one stays.
		for _, id := range []string{"m1", "m2"} {
			if _, err := s.ApplyMessageChange(ctx, store.MessageChange{UserID: a.ID, ChatID: chat, TargetID: id, Kind: store.ChangeEdit, By: chat,
				Text: "never mind", At: t0.Add(time.Minute)}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.GetSuggestion(ctx, a.ID, g1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the open suggestion of an edited message: %v", err)
		}
		if g, err := s.GetSuggestion(ctx, a.ID, g2.ID); err != nil || g.Status != store.SuggestionDismissed {
			t.Fatalf("the dismissed suggestion of an edited message: %+v %v", g, err)
		}
		// Answered: a message of the person's in the direct chat.
		if got, err := s.AnswerRequests(ctx, a.ID, chat, false, "", t0.Add(time.Minute)); err != nil || len(got) != 1 || got[0].ID != g4.ID {
			t.Fatalf("answered: %+v %v", got, err)
		}
		// Purge: all but the accepted go.
		if _, err := s.PurgeChat(ctx, a.ID, chat); err != nil {
			t.Fatal(err)
		}
		left, err := s.ListSuggestions(ctx, a.ID, "", store.ListOptions{})
		if err != nil || len(left.Items) != 2 || left.Items[0].ID != g5.ID || left.Items[1].ID != g3.ID {
			t.Fatalf("after the purge: %+v %v", left.Items, err)
		}
	})
}
