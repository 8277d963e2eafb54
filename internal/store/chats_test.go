package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func TestChatListPreviewsUnreadAndSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		bea, fam := "447700900001@s.whatsapp.net", "120363000001@g.us"
		in := []*store.IncomingMessage{
			msg(a.ID, bea, "m1", t0, "first"),
			msg(a.ID, bea, "m2", t0.Add(time.Minute), "second"),
			msg(a.ID, bea, "m3", t0.Add(2*time.Minute), strings.Repeat("long é ", 60)),
			msg(a.ID, fam, "g1", t0.Add(3*time.Minute), "in the group"),
			msg(b.ID, bea, "m1", t0, "other user's"),
		}
		in[3].IsGroup, in[3].ChatName = true, "Família 100%_Pereira"
		mine := msg(a.ID, fam, "g2", t0.Add(4*time.Minute), "my reply")
		mine.FromMe = true
		in = append(in, mine)
		if err := s.IngestMessages(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
		p, err := s.ListChats(ctx, a.ID, store.AllChats, store.ListOptions{})
		if err != nil || len(p.Items) != 2 {
			t.Fatalf("chats: %+v %v", p.Items, err)
		}
		group, direct := p.Items[0], p.Items[1]
		if group.ID != fam || group.LastMessage == nil || group.LastMessage.Text != "my reply" || !group.LastMessage.FromMe || group.Unread != 1 {
			t.Fatalf("group: %+v %+v", group, group.LastMessage)
		}
		if direct.Unread != 3 || direct.LastMessage == nil || direct.LastMessage.ID != "m3" || !strings.HasSuffix(direct.LastMessage.Text, "…") || len(direct.LastMessage.Text) > 170 {
			t.Fatalf("direct: %+v %+v", direct, direct.LastMessage)
		}
		if err := s.MarkChatRead(ctx, a.ID, bea, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkChatRead(ctx, a.ID, bea, t0); err != nil { // never moves back
			t.Fatal(err)
		}
		p, _ = s.ListChats(ctx, a.ID, store.DirectOnly, store.ListOptions{})
		if len(p.Items) != 1 || p.Items[0].Unread != 1 {
			t.Fatalf("after reading up to m2: %+v", p.Items)
		}
		// Another user's chat of the same id is theirs: unchanged, and not
		// markable by a.
		pb, _ := s.ListChats(ctx, b.ID, store.AllChats, store.ListOptions{})
		if len(pb.Items) != 1 || pb.Items[0].Unread != 1 || pb.Items[0].LastMessage.Text != "other user's" {
			t.Fatalf("b's chats: %+v", pb.Items)
		}
		if err := s.MarkChatRead(ctx, b.ID, fam, t0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b marking a's group read: %v", err)
		}
		// Search by name (case and accents as typed) and by number; LIKE's
		// wildcards are plain characters.
		for q, want := range map[string]int{"família": 1, "FAMÍLIA": 1, "pereira": 1, "7700900001": 1, "%": 1, "_": 1, "zzz": 0, "": 2} {
			got, err := s.FindChats(ctx, a.ID, store.ChatQuery{Q: q}, store.ListOptions{})
			if err != nil || len(got.Items) != want {
				t.Errorf("search %q: %d chats, want %d (%v)", q, len(got.Items), want, err)
			}
		}
	})
}
