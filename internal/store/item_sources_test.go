package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func msgSrc(chat, id, from, text string, at time.Time) store.Source {
	return store.Source{Kind: store.SourceMessage, ChatID: chat, MessageID: id,
		Snapshot: store.Snapshot{From: from, FromName: "Ana", Text: text, Time: at}}
}

func TestNormText(t *testing.T) {
	for in, want := range map[string]string{
		"Buy  MILK!! 🥛":            "buy milk",
		"TODO: buy milk":           "buy milk",
		"Fwd: Comprar pão":         "comprar pao",
		"todo":                     "todo",
		"  Call   the dentist. ":   "call the dentist",
		"Forwarded: call dentist!": "call dentist",
	} {
		if got := store.NormText(in); got != want {
			t.Errorf("NormText(%q) = %q, want %q", in, got, want)
		}
	}
}

// Repeated and forwarded messages give one item with several sources, for
// every kind; a far repeat, another sender or a hand-edited item do not
// merge.
func TestRepeatedMessagesMergeIntoOneItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		me := "111@s.whatsapp.net"
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		start := time.Date(2026, 3, 7, 11, 0, 0, 0, time.UTC)
		lat, lng := 38.7223, -9.1393
		lat2 := lat + 0.0002 // about 22 m north
		kinds := []struct {
			kind  domain.Kind
			first store.Extracted
			again store.Extracted
		}{
			{domain.KindTask, store.Extracted{Kind: domain.KindTask, Title: "Buy milk"}, store.Extracted{Kind: domain.KindTask, Title: "buy   MILK!"}},
			{domain.KindNote, store.Extracted{Kind: domain.KindNote, Title: "Door code 4411"}, store.Extracted{Kind: domain.KindNote, Title: "Fwd: door code 4411"}},
			{domain.KindIdea, store.Extracted{Kind: domain.KindIdea, Title: "A café bookshop"}, store.Extracted{Kind: domain.KindIdea, Title: "a cafe bookshop 💡"}},
			{domain.KindEvent, store.Extracted{Kind: domain.KindEvent, Title: "Dinner with Rui", Start: &start}, store.Extracted{Kind: domain.KindEvent, Title: "dinner with Rui", Start: &start}},
			{domain.KindLocation, store.Extracted{Kind: domain.KindLocation, Title: "Café Luso", Latitude: &lat, Longitude: &lng},
				store.Extracted{Kind: domain.KindLocation, Title: "Shared location", Latitude: &lat2, Longitude: &lng}},
		}
		for i, k := range kinds {
			chat := "c" + string(rune('a'+i)) + "@g.us"
			first, err := s.AddExtracted(ctx, a.ID, msgSrc(chat, "m1", me, "first", t0), []store.Extracted{k.first})
			if err != nil || len(first) != 1 {
				t.Fatalf("%s: first: %v %v", k.kind, first, err)
			}
			// A repeat a day later, and a forward into another chat.
			for j, src := range []store.Source{msgSrc(chat, "m2", me, "again", t0.Add(24*time.Hour)), msgSrc("other@g.us", chat+"fwd", me, "fwd", t0.Add(48*time.Hour))} {
				out, err := s.AddExtracted(ctx, a.ID, src, []store.Extracted{k.again})
				if err != nil || len(out) != 0 {
					t.Fatalf("%s: repeat %d made a new item: %v %v", k.kind, j, out, err)
				}
			}
			// Analysing the repeat again changes nothing.
			if out, err := s.AddExtracted(ctx, a.ID, msgSrc(chat, "m2", me, "again", t0.Add(24*time.Hour)), []store.Extracted{k.again}); err != nil || len(out) != 0 {
				t.Fatalf("%s: second analysis: %v %v", k.kind, out, err)
			}
			id := itemID(first[0])
			srcs, err := s.ItemSources(ctx, a.ID, k.kind, id)
			if err != nil || len(srcs) != 3 || !srcs[0].First || srcs[1].MessageID != "m2" || srcs[1].Text != "again" {
				t.Fatalf("%s: sources %+v %v", k.kind, srcs, err)
			}
			if n := mentions(t, s, a.ID, k.kind, id); n != 3 {
				t.Fatalf("%s: mentions %d", k.kind, n)
			}
			if _, err := s.ItemSources(ctx, b.ID, k.kind, id); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s: b reads a's sources: %v", k.kind, err)
			}
			if _, err := s.SplitSource(ctx, b.ID, k.kind, id, chat, "m2"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s: b splits a's item: %v", k.kind, err)
			}
			// Split the repeat off; analysing it again keeps the split.
			newID, err := s.SplitSource(ctx, a.ID, k.kind, id, chat, "m2")
			if err != nil || newID == "" {
				t.Fatalf("%s: split: %v", k.kind, err)
			}
			if _, err := s.SplitSource(ctx, a.ID, k.kind, id, chat, "m1"); !errors.Is(err, store.ErrOnlySource) {
				t.Fatalf("%s: split of the first source: %v", k.kind, err)
			}
			if out, err := s.AddExtracted(ctx, a.ID, msgSrc(chat, "m2", me, "again", t0.Add(24*time.Hour)), []store.Extracted{k.again}); err != nil || len(out) != 0 {
				t.Fatalf("%s: analysis after split: %v %v", k.kind, out, err)
			}
			if n, m := mentions(t, s, a.ID, k.kind, id), mentions(t, s, a.ID, k.kind, newID); n != 2 || m != 1 {
				t.Fatalf("%s: mentions after split %d %d", k.kind, n, m)
			}
			// A repeat beyond the window is a new item (places merge at any time).
			far, err := s.AddExtracted(ctx, a.ID, msgSrc(chat, "m9", me, "late", t0.Add(store.MergeWindow+72*time.Hour)), []store.Extracted{k.again})
			if wantNew := k.kind != domain.KindLocation; err != nil || (len(far) == 1) != wantNew {
				t.Fatalf("%s: far repeat: %v %v", k.kind, far, err)
			}
		}
		// Another sender's same words are not the person's task.
		if out, _ := s.AddExtracted(ctx, a.ID, msgSrc("x@g.us", "o1", "222@s.whatsapp.net", "", t0), []store.Extracted{{Kind: domain.KindTask, Title: "Buy milk"}}); len(out) != 1 {
			t.Fatalf("another sender's task merged: %v", out)
		}
		// Another place 150 m away with another name stays apart.
		farLat := lat + 0.00135
		if out, _ := s.AddExtracted(ctx, a.ID, msgSrc("x@g.us", "p1", me, "", t0), []store.Extracted{{Kind: domain.KindLocation, Title: "Padaria", Latitude: &farLat, Longitude: &lng}}); len(out) != 1 {
			t.Fatalf("a distinct place merged: %v", out)
		}
		// b's identical task is b's own.
		if out, _ := s.AddExtracted(ctx, b.ID, msgSrc("ca@g.us", "m1", me, "", t0), []store.Extracted{{Kind: domain.KindTask, Title: "Buy milk"}}); len(out) != 1 {
			t.Fatalf("b's task merged into a's: %v", out)
		}
	})
}

func TestEditedItemNeverMerged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		me := "111@s.whatsapp.net"
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		first, _ := s.AddExtracted(ctx, a.ID, msgSrc("c@g.us", "m1", me, "", t0), []store.Extracted{{Kind: domain.KindTask, Title: "Buy milk"}})
		task := first[0].(store.Task)
		title := "Buy oat milk"
		if _, err := s.UpdateTask(ctx, a.ID, task.ID, store.TaskPatch{Title: &title}); err != nil {
			t.Fatal(err)
		}
		out, err := s.AddExtracted(ctx, a.ID, msgSrc("c@g.us", "m2", me, "", t0.Add(time.Hour)), []store.Extracted{{Kind: domain.KindTask, Title: "Buy milk"}})
		if err != nil || len(out) != 1 {
			t.Fatalf("repeat of an edited task: %v %v", out, err)
		}
		got, _ := s.GetTask(ctx, a.ID, task.ID)
		if got.Title != title || got.Mentions != 1 {
			t.Fatalf("edited task touched: %+v", got)
		}
		// A completed task mentioned again is a new task.
		done := true
		second := out[0].(store.Task)
		if _, err := s.UpdateTask(ctx, a.ID, second.ID, store.TaskPatch{Done: &done}); err != nil {
			t.Fatal(err)
		}
		if out, _ := s.AddExtracted(ctx, a.ID, msgSrc("c@g.us", "m3", me, "", t0.Add(2*time.Hour)), []store.Extracted{{Kind: domain.KindTask, Title: "Buy milk"}}); len(out) != 1 {
			t.Fatalf("repeat of a completed task: %v", out)
		}
	})
}

func TestDeletedItemNotRecreated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		me := "111@s.whatsapp.net"
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		items := []store.Extracted{{Kind: domain.KindTask, Title: "Buy milk"}, {Kind: domain.KindIdea, Title: "Garden bench"}}
		out, _ := s.AddExtracted(ctx, a.ID, msgSrc("c@g.us", "m1", me, "", t0), items)
		if len(out) != 2 {
			t.Fatalf("items %v", out)
		}
		if err := s.DeleteTask(ctx, a.ID, out[0].(store.Task).ID); err != nil {
			t.Fatal(err)
		}
		// Re-analysis (a new model) finds the same things, in another order.
		again, err := s.AddExtracted(ctx, a.ID, msgSrc("c@g.us", "m1", me, "", t0), []store.Extracted{items[1], {Kind: domain.KindTask, Title: "buy milk"}, {Kind: domain.KindNote, Title: "New insight"}})
		if err != nil || len(again) != 1 || again[0].(store.Note).Title != "New insight" {
			t.Fatalf("re-analysis: %v %v", again, err)
		}
		tasks, _ := s.ListTasks(ctx, a.ID, store.TaskFilter{}, store.ListOptions{})
		if len(tasks.Items) != 0 {
			t.Fatalf("deleted task back: %+v", tasks.Items)
		}
	})
}

func TestRepeatedImagesShownOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		add := func(chat, id, sha string, ph uint64, at time.Time) *store.Image {
			im := &store.Image{ChatID: chat, MessageID: id, SHA256: sha, PHash: ph, MimeType: "image/jpeg", Width: 400, Height: 300, Size: 1, SentAt: at, Caption: "look " + id}
			if ok, err := s.AddImage(ctx, a.ID, im); err != nil || !ok {
				t.Fatalf("add %s: %v %v", id, ok, err)
			}
			return im
		}
		first := add("c1@g.us", "i1", "h1", 0xF0F0F0F0F0F0F0F0, t0)
		same := add("c2@g.us", "i2", "h1", 0, t0.Add(time.Hour))                            // the same bytes
		recompressed := add("c3@g.us", "i3", "h3", 0xF0F0F0F0F0F0F0F3, t0.Add(2*time.Hour)) // 2 bits away
		other := add("c1@g.us", "i4", "h4", 0x0F0F0F0F0F0F0F0F, t0.Add(3*time.Hour))
		if same.DupOf != first.ID || recompressed.DupOf != first.ID || other.DupOf != "" {
			t.Fatalf("dups: %q %q %q", same.DupOf, recompressed.DupOf, other.DupOf)
		}
		list, _ := s.ListImages(ctx, a.ID, store.ImageFilter{}, store.ListOptions{})
		if len(list.Items) != 2 || list.Items[1].ID != first.ID || list.Items[1].Mentions != 3 {
			t.Fatalf("gallery %+v", list.Items)
		}
		srcs, _ := s.ItemSources(ctx, a.ID, domain.KindImage, first.ID)
		if len(srcs) != 3 {
			t.Fatalf("image sources %+v", srcs)
		}
		if id, err := s.SplitSource(ctx, a.ID, domain.KindImage, first.ID, "c3@g.us", "i3"); err != nil || id != recompressed.ID {
			t.Fatalf("split image: %s %v", id, err)
		}
		list, _ = s.ListImages(ctx, a.ID, store.ImageFilter{}, store.ListOptions{})
		if len(list.Items) != 3 {
			t.Fatalf("gallery after split: %d", len(list.Items))
		}
	})
}

func itemID(v any) string {
	switch x := v.(type) {
	case store.Task:
		return x.ID
	case store.Note:
		return x.ID
	case store.Idea:
		return x.ID
	case store.Location:
		return x.ID
	case store.Event:
		return x.ID
	}
	return ""
}

func mentions(t *testing.T, s *store.Store, userID string, kind domain.Kind, id string) int {
	t.Helper()
	var n int
	var err error
	switch kind {
	case domain.KindTask:
		var x store.Task
		x, err = s.GetTask(ctx, userID, id)
		n = x.Mentions
	case domain.KindNote, domain.KindIdea:
		var x store.Note
		x, err = s.GetNote(ctx, userID, kind, id)
		n = x.Mentions
	case domain.KindLocation:
		var x store.Location
		x, err = s.GetLocation(ctx, userID, id)
		n = x.Mentions
	case domain.KindEvent:
		var x store.Event
		x, err = s.GetEvent(ctx, userID, id)
		n = x.Mentions
	}
	if err != nil {
		t.Fatalf("get %s: %v", kind, err)
	}
	return n
}
