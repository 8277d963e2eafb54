package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// Another person cannot push someone's own results out of their search:
// an attacker's own copies of messages (and notes) that carry the victim's
// owner token and the words the victim searches for, newer than the
// victim's hits and more numerous than the windows search ranks, must not
// count as the victim's.
func TestSearchCannotBePoisonedByAnotherUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		victim, attacker := mustUser(t, s, "victim@x.io"), mustUser(t, s, "attacker@x.io")
		t0 := time.Now().Add(-time.Hour)
		var batch []*store.IncomingMessage
		for i := range 3 {
			batch = append(batch, msg(victim.ID, "c@s.whatsapp.net", fmt.Sprint("v", i), t0.Add(time.Duration(i)*time.Second), "orcamento da obra"))
		}
		token := "u" + strings.ToLower(victim.ID)
		for i := range 400 {
			batch = append(batch, msg(attacker.ID, "v@s.whatsapp.net", fmt.Sprint("a", i), t0.Add(time.Minute+time.Duration(i)*time.Second),
				token+" orcamento "+token))
		}
		if err := s.IngestMessages(ctx, batch, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddExtracted(ctx, victim.ID, store.Source{Kind: store.SourceMessage, ChatID: "c@s.whatsapp.net", MessageID: "v0"},
			[]store.Extracted{{Kind: "note", Title: "Orcamento", Body: "revisar o orcamento"}}); err != nil {
			t.Fatal(err)
		}
		flood := make([]store.Extracted, 2100)
		for i := range flood {
			flood[i] = store.Extracted{Kind: "note", Title: token, Body: "orcamento " + token}
		}
		if _, err := s.AddExtracted(ctx, attacker.ID, store.Source{Kind: store.SourceMessage, ChatID: "v@s.whatsapp.net", MessageID: "a0"}, flood); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"orcamento", "orcam"} {
			hits, err := s.Search(ctx, victim.ID, q, store.SearchOptions{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[domain.Kind]int{}
			for _, h := range hits {
				kinds[h.Kind]++
			}
			if kinds["message"] != 3 || kinds["note"] != 1 || len(hits) != 4 {
				t.Fatalf("%q: the victim's own hits are missing: %v", q, kinds)
			}
		}
		// The owner token is not a way in either.
		if hits, _ := s.Search(ctx, attacker.ID, token, store.SearchOptions{Limit: 50}); len(hits) == 0 {
			t.Fatal("the attacker's own text is not searchable")
		} else {
			for _, h := range hits {
				if h.ChatID == "c@s.whatsapp.net" {
					t.Fatalf("the attacker found the victim's thing: %+v", h)
				}
			}
		}
	})
}

// Text relayed from WhatsApp or a fetched page may hold NUL characters and
// invalid UTF-8: both databases store it, alike, with U+FFFD in their
// place, instead of PostgreSQL refusing the whole batch.
func TestUnstorableTextIsCleaned(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		u := mustUser(t, s, "ana@x.io")
		m := msg(u.ID, "c\x00@s.whatsapp.net", "id\xff", time.Now(), "hello\x00world \xc3\x28")
		m.FromName = "Bea\x00"
		m.ChatName = "Chat\xff"
		ok := msg(u.ID, "c@s.whatsapp.net", "fine", time.Now(), "an ordinary message")
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{m, ok}, nil); err != nil {
			t.Fatal(err)
		}
		page, err := s.ListMessages(ctx, u.ID, "c\uFFFD@s.whatsapp.net", store.ListOptions{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("%+v %v", page, err)
		}
		got := page.Items[0]
		if got.Text != "hello\uFFFDworld \uFFFD(" || got.FromName != "Bea\uFFFD" || got.ID != "id\uFFFD" {
			t.Fatalf("stored %+v", got)
		}
		// A redelivery is recognised as the same message.
		again := msg(u.ID, "c\x00@s.whatsapp.net", "id\xff", time.Now(), "hello\x00world \xc3\x28")
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{again}, nil); err != nil || again.Inserted {
			t.Fatalf("redelivery inserted=%v %v", again.Inserted, err)
		}
		if hits, _ := s.Search(ctx, u.ID, "world", store.SearchOptions{}); len(hits) != 1 {
			t.Fatalf("search: %+v", hits)
		}
		bm, _, err := s.ShareBookmark(ctx, u.ID, "https://example.org/", "https://example.org/",
			store.BookmarkShare{ChatID: "c@s.whatsapp.net", MessageID: "fine", SharedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		bm, err = s.SetBookmarkPreview(ctx, u.ID, bm.ID, store.BookmarkPreview{Title: "Page\x00title", Description: "d\xff"})
		if err != nil || bm.Title != "Page\uFFFDtitle" || bm.Description != "d\uFFFD" {
			t.Fatalf("preview: %+v %v", bm, err)
		}
	})
}
