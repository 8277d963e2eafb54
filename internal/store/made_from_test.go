package store_test

import (
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestMadeFrom: each message of a chat lists what was made from it, also
// through its voice memo; other chats' and other people's things never.
func TestMadeFrom(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		const chat = "c@s.whatsapp.net"
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		src := func(msg string) store.Source {
			return store.Source{Kind: store.SourceMessage, ChatID: chat, MessageID: msg}
		}
		if _, err := s.AddExtracted(ctx, a.ID, src("m1"), []store.Extracted{
			{Kind: domain.KindTask, Title: "Buy bread"}, {Kind: domain.KindIdea, Title: "Bake at home"},
		}); err != nil {
			t.Fatal(err)
		}
		// The same message id in another chat, and b's own copy.
		if _, err := s.AddExtracted(ctx, a.ID, store.Source{Kind: store.SourceMessage, ChatID: "other@g.us", MessageID: "m1"},
			[]store.Extracted{{Kind: domain.KindNote, Title: "Elsewhere"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddExtracted(ctx, b.ID, src("m1"), []store.Extracted{{Kind: domain.KindTask, Title: "Bruno's"}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ShareBookmark(ctx, a.ID, "https://example.org/a", "https://example.org/a",
			store.BookmarkShare{ChatID: chat, MessageID: "m2", SharedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddImage(ctx, a.ID, &store.Image{ChatID: chat, MessageID: "m3", Caption: "beach", SHA256: "h", MimeType: "image/png", SentAt: t0}); err != nil {
			t.Fatal(err)
		}
		memo := &store.VoiceMemo{ChatID: chat, MessageID: "m4", SHA256: "h", MimeType: "audio/ogg", SentAt: t0}
		if _, err := s.AddVoiceMemo(ctx, a.ID, memo); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddExtracted(ctx, a.ID, store.Source{Kind: store.SourceVoiceMemo, VoiceMemoID: memo.ID},
			[]store.Extracted{{Kind: domain.KindLocation, Title: "Café Central"}}); err != nil {
			t.Fatal(err)
		}

		got, err := s.MadeFrom(ctx, a.ID, chat, []string{"m1", "m2", "m3", "m4", "m5"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{
			"m1": {"idea:Bake at home", "task:Buy bread"},
			"m2": {"bookmark:https://example.org/a"},
			"m3": {"image:beach"},
			"m4": {"location:Café Central", "voice_memo:"},
		}
		if len(got) != len(want) {
			t.Fatalf("made from: %+v", got)
		}
		for msg, w := range want {
			var have []string
			for _, m := range got[msg] {
				if m.MessageID != msg || m.ID == "" {
					t.Fatalf("%s: %+v", msg, m)
				}
				have = append(have, string(m.Kind)+":"+m.Title)
			}
			if len(have) != len(w) {
				t.Fatalf("%s: %v, want %v", msg, have, w)
			}
			for i := range w {
				if have[i] != w[i] {
					t.Fatalf("%s: %v, want %v", msg, have, w)
				}
			}
		}
		if other, err := s.MadeFrom(ctx, b.ID, chat, []string{"m2", "m3", "m4"}); err != nil || len(other) != 0 {
			t.Fatalf("b sees a's things: %+v %v", other, err)
		}
	})
}
