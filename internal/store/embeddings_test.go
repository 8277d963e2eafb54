package store_test

import (
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestEmbeddingsFollowTheirSources: what has no vector is pending, per
// user; a stored vector is normalised and read back only by its owner; an
// edit, a deletion for everyone, retention and the deletion of an item
// remove the vector (so that a stale one never stands for a message), and
// the thing is pending again when it still has text.
func TestEmbeddingsFollowTheirSources(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		const chat = "1555@s.whatsapp.net"
		now := time.Now().UTC().Truncate(time.Millisecond)
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{
			msg(a.ID, chat, "keep", now.Add(-time.Hour), "The dentist is on Tuesday"),
			msg(a.ID, chat, "edit", now.Add(-time.Hour), "Dinner at eight"),
			msg(a.ID, chat, "revoke", now.Add(-time.Hour), "Oops, wrong chat"),
			msg(a.ID, chat, "old", now.Add(-96*time.Hour), "An old message"),
			msg(b.ID, chat, "theirs", now, "Bruno's secret"),
		}, nil); err != nil {
			t.Fatal(err)
		}
		note, err := s.CreateNote(ctx, a.ID, domain.KindNote, "Packing list", "passport, charger")
		if err != nil {
			t.Fatal(err)
		}
		pending, err := s.PendingEmbeddings(ctx, a.ID, nil, 100)
		if err != nil || len(pending) != 5 {
			t.Fatalf("pending: %+v %v", pending, err)
		}
		texts := map[string]bool{}
		vecs := make([][]float32, len(pending))
		for i, p := range pending {
			texts[p.Text] = true
			vecs[i] = []float32{3, 4, 0}
			if p.Kind == domain.KindMessage && p.ChatID != chat {
				t.Errorf("message %s has chat %q", p.Ref, p.ChatID)
			}
		}
		if !texts["Bea: The dentist is on Tuesday"] || !texts["Packing list\npassport, charger"] || texts["Bea: Bruno's secret"] {
			t.Fatalf("pending texts: %v", texts)
		}
		if err := s.PutEmbeddings(ctx, a.ID, "m", pending, vecs); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.PendingEmbeddings(ctx, a.ID, nil, 100); len(p) != 0 {
			t.Fatalf("still pending: %+v", p)
		}
		if p, _ := s.PendingEmbeddings(ctx, b.ID, nil, 100); len(p) != 1 {
			t.Fatalf("b's pending: %+v", p)
		}
		// A cursor pages through, each thing once.
		var cur store.EmbedCursor
		seen := 0
		for range 10 {
			p, err := s.PendingEmbeddings(ctx, b.ID, &cur, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(p) == 0 {
				break
			}
			seen += len(p)
		}
		if seen != 1 {
			t.Fatalf("the cursor saw %d of b's 1", seen)
		}
		var got []store.Embedding
		if err := s.EachEmbedding(ctx, a.ID, "m", 0, func(e store.Embedding) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 || got[0].Vec[0] != 0.6 || got[0].Vec[1] != 0.8 {
			t.Fatalf("embeddings: %+v", got)
		}
		var none int
		_ = s.EachEmbedding(ctx, b.ID, "m", 0, func(store.Embedding) error { none++; return nil })
		_ = s.EachEmbedding(ctx, a.ID, "other-model", 0, func(store.Embedding) error { none++; return nil })
		if none != 0 {
			t.Fatalf("%d embeddings seen by another user or model", none)
		}

		if _, err := s.ApplyMessageChange(ctx, store.MessageChange{UserID: a.ID, ChatID: chat, TargetID: "edit", Kind: store.ChangeEdit,
			By: chat, Text: "Dinner at nine", At: now}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyMessageChange(ctx, store.MessageChange{UserID: a.ID, ChatID: chat, TargetID: "revoke", Kind: store.ChangeRevoke,
			By: chat, At: now}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteMessagesBefore(ctx, now.Add(-72*time.Hour), 100); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteNote(ctx, a.ID, domain.KindNote, note.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountEmbeddings(ctx, a.ID); err != nil || n != 1 {
			t.Fatalf("after edit, revoke, retention and deletion: %d embeddings, %v", n, err)
		}
		pending, _ = s.PendingEmbeddings(ctx, a.ID, nil, 100)
		if len(pending) != 1 || pending[0].Text != "Bea: Dinner at nine" {
			t.Fatalf("pending after the edit: %+v", pending)
		}
		bp, _ := s.PendingEmbeddings(ctx, b.ID, nil, 1)
		if _, err := s.AskPassage(ctx, a.ID, domain.KindMessage, bp[0].Ref); err == nil {
			t.Fatal("a loaded b's message as a passage")
		}
		users, err := s.UsersWithPendingEmbeddings(ctx, "", 10)
		if err != nil || len(users) != 2 {
			t.Fatalf("users with pending: %v %v", users, err)
		}
	})
}

// TestAskSearchMatchesAnyWordAndIsScoped: full-text retrieval for a
// question matches any of its words (not the question words), and keeps
// to the user, the chat, the sender and the dates asked for.
func TestAskSearchMatchesAnyWordAndIsScoped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		now := time.Now().UTC().Truncate(time.Millisecond)
		one, two := "1555@s.whatsapp.net", "1666@s.whatsapp.net"
		m2 := msg(a.ID, two, "m2", now.Add(-48*time.Hour), "Dentist moved to Friday")
		m2.From = "1777@s.whatsapp.net"
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{
			msg(a.ID, one, "m1", now.Add(-time.Hour), "The dentist appointment is on Tuesday"),
			m2,
			msg(b.ID, one, "m3", now, "Bruno's dentist appointment"),
		}, nil); err != nil {
			t.Fatal(err)
		}
		refs := func(scope store.AskScope) []string {
			t.Helper()
			hits, err := s.AskSearch(ctx, a.ID, "When is my dentist appointment?", scope, 10)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, h := range hits {
				p, err := s.AskPassage(ctx, a.ID, h.Kind, h.Ref)
				if err != nil {
					t.Fatalf("passage %v: %v", h, err)
				}
				ids = append(ids, p.MessageID)
			}
			return ids
		}
		if got := refs(store.AskScope{}); len(got) != 2 || got[0] != "m1" {
			t.Fatalf("unscoped: %v", got)
		}
		if got := refs(store.AskScope{ChatID: two}); len(got) != 1 || got[0] != "m2" {
			t.Fatalf("chat: %v", got)
		}
		if got := refs(store.AskScope{Sender: "1777@s.whatsapp.net"}); len(got) != 1 || got[0] != "m2" {
			t.Fatalf("sender: %v", got)
		}
		if got := refs(store.AskScope{From: now.Add(-24 * time.Hour)}); len(got) != 1 || got[0] != "m1" {
			t.Fatalf("from: %v", got)
		}
		if got := refs(store.AskScope{To: now.Add(-24 * time.Hour)}); len(got) != 1 || got[0] != "m2" {
			t.Fatalf("to: %v", got)
		}
		if hits, _ := s.AskSearch(ctx, a.ID, "what is it?", store.AskScope{}, 10); len(hits) != 0 {
			t.Fatalf("question words alone found %v", hits)
		}
	})
}
