package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func TestImagesAndVoiceMemos(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		for i := range 3 {
			im := &store.Image{ChatID: fmt.Sprintf("c%d@g.us", i%2), MessageID: fmt.Sprint("m", i), Caption: "beach sunset", SHA256: fmt.Sprint("h", i), MimeType: "image/png", Size: 10, SentAt: t0.Add(time.Duration(i) * time.Hour)}
			if ok, err := s.AddImage(ctx, a.ID, im); err != nil || !ok {
				t.Fatalf("add image: %v %v", ok, err)
			}
		}
		again := &store.Image{ChatID: "c0@g.us", MessageID: "m0", SHA256: "h", MimeType: "image/png", SentAt: t0}
		if ok, err := s.AddImage(ctx, a.ID, again); err != nil || ok {
			t.Fatalf("second add of one message's image: %v %v", ok, err)
		}
		all, _ := s.ListImages(ctx, a.ID, store.ImageFilter{}, store.ListOptions{})
		byChat, _ := s.ListImages(ctx, a.ID, store.ImageFilter{ChatID: "c0@g.us"}, store.ListOptions{})
		byDay, _ := s.ListImages(ctx, a.ID, store.ImageFilter{From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}, store.ListOptions{})
		if len(all.Items) != 3 || all.Items[0].MessageID != "m2" || len(byChat.Items) != 2 || len(byDay.Items) != 1 || byDay.Items[0].MessageID != "m1" {
			t.Fatalf("lists: %d %d %d", len(all.Items), len(byChat.Items), len(byDay.Items))
		}
		if _, err := s.GetImage(ctx, b.ID, all.Items[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b reads a's image: %v", err)
		}
		if im, err := s.ImageForMessage(ctx, a.ID, "c1@g.us", "m1"); err != nil || im.MessageID != "m1" {
			t.Fatalf("image for message: %+v %v", im, err)
		}
		if _, err := s.ImageForMessage(ctx, b.ID, "c1@g.us", "m1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b finds a's image by message: %v", err)
		}
		v := &store.VoiceMemo{ChatID: "c@s.whatsapp.net", MessageID: "v1", SHA256: "h", MimeType: "audio/ogg", Size: 5, Seconds: 4, SentAt: t0}
		if ok, err := s.AddVoiceMemo(ctx, a.ID, v); err != nil || !ok || v.Status != store.MemoAwaiting {
			t.Fatalf("add memo: %v %v %+v", ok, err, v)
		}
		dup := &store.VoiceMemo{ChatID: "c@s.whatsapp.net", MessageID: "v1", SHA256: "h", MimeType: "audio/ogg", SentAt: t0}
		if ok, err := s.AddVoiceMemo(ctx, a.ID, dup); err != nil || ok || dup.ID != v.ID {
			t.Fatalf("second add: %v %v %s/%s", ok, err, dup.ID, v.ID)
		}
		waiting, _ := s.MemosAwaitingTranscription(ctx, "", 10)
		if len(waiting.Items) != 1 || waiting.Items[0].ID != v.ID || waiting.Items[0].UserID != a.ID || waiting.Next != "" {
			t.Fatalf("awaiting %+v", waiting)
		}
		if _, err := s.SetTranscript(ctx, b.ID, v.ID, "x", "en"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b transcribes a's memo: %v", err)
		}
		if ok, err := s.SetTranscript(ctx, a.ID, v.ID, "Comprar pão amanhã", "pt"); err != nil || !ok {
			t.Fatalf("transcript: %v %v", ok, err)
		}
		if ok, err := s.SetTranscript(ctx, a.ID, v.ID, "again", "pt"); err != nil || ok {
			t.Fatalf("second transcript should change nothing: %v %v", ok, err)
		}
		got, _ := s.GetVoiceMemo(ctx, a.ID, v.ID)
		if got.Status != store.MemoTranscribed || got.Transcript != "Comprar pão amanhã" || got.TranscribedAt == nil {
			t.Fatalf("memo %+v", got)
		}
		if hits, _ := s.Search(ctx, a.ID, "pao", store.SearchOptions{}); len(hits) != 1 || hits[0].Kind != "voice_memo" {
			t.Fatalf("transcript search: %+v", hits)
		}
		if hits, _ := s.Search(ctx, b.ID, "pao", store.SearchOptions{}); len(hits) != 0 {
			t.Fatalf("b finds a's transcript: %+v", hits)
		}
	})
}

func TestBookmarks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		sh := func(msg string) store.BookmarkShare {
			return store.BookmarkShare{ChatID: "c@g.us", MessageID: msg, SenderName: "Dora", SharedAt: time.Now()}
		}
		bm, created, err := s.ShareBookmark(ctx, a.ID, "https://Example.org/a?utm_source=x", "https://example.org/a", sh("m1"))
		if err != nil || !created || bm.Status != store.BookmarkPending {
			t.Fatalf("share: %+v %v %v", bm, created, err)
		}
		bm2, created, err := s.ShareBookmark(ctx, a.ID, "https://example.org/a", "https://example.org/a", sh("m2"))
		if err != nil || created || bm2.ID != bm.ID {
			t.Fatalf("second share: %v %v", created, err)
		}
		if _, _, err := s.ShareBookmark(ctx, a.ID, "https://example.org/a", "https://example.org/a", sh("m2")); err != nil {
			t.Fatal(err)
		}
		bb, created, _ := s.ShareBookmark(ctx, b.ID, "https://example.org/a", "https://example.org/a", sh("m9"))
		if !created || bb.ID == bm.ID {
			t.Fatal("b's bookmark must be its own")
		}
		got, err := s.GetBookmark(ctx, a.ID, bm.ID)
		if err != nil || len(got.Shares) != 2 {
			t.Fatalf("shares: %+v %v", got.Shares, err)
		}
		if _, err := s.SetBookmarkPreview(ctx, a.ID, bm.ID, store.BookmarkPreview{Title: "Título Ótimo", Description: "Uma descrição", SiteName: "Example", ImageSHA256: "abc"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetBookmarkPreview(ctx, b.ID, bm.ID, store.BookmarkPreview{Title: "evil"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b sets a's preview: %v", err)
		}
		title := "My own title"
		upd, err := s.UpdateBookmark(ctx, a.ID, bm.ID, &title, nil)
		if err != nil || upd.Title != title || upd.Description != "Uma descrição" || !upd.HasPreview || len(upd.Shares) != 2 {
			t.Fatalf("update: %+v %v", upd, err)
		}
		// A later fetch keeps the hand-edited title.
		again, _ := s.SetBookmarkPreview(ctx, a.ID, bm.ID, store.BookmarkPreview{Title: "Fetched", SiteName: "Example"})
		if again.Title != title {
			t.Fatalf("fetch overwrote edited title: %q", again.Title)
		}
		if _, err := s.CreateBookmark(ctx, a.ID, "https://example.org/a", "https://example.org/a", "", ""); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate manual bookmark: %v", err)
		}
		if hits, _ := s.Search(ctx, a.ID, "own titl", store.SearchOptions{}); len(hits) != 1 || hits[0].Kind != "bookmark" {
			t.Fatalf("search edited title: %+v", hits)
		}
		if err := s.DeleteBookmark(ctx, b.ID, bm.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b deletes a's bookmark: %v", err)
		}
		if err := s.DeleteBookmark(ctx, a.ID, bm.ID); err != nil {
			t.Fatal(err)
		}
		if hits, _ := s.Search(ctx, a.ID, "titulo", store.SearchOptions{}); len(hits) != 0 {
			t.Fatalf("deleted bookmark still found: %+v", hits)
		}
		list, _ := s.ListBookmarks(ctx, b.ID, store.ItemFilter{}, store.ListOptions{})
		if len(list.Items) != 1 || len(list.Items[0].Shares) != 1 {
			t.Fatalf("b's list %+v", list)
		}
	})
}

func TestItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		due := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
		lat, lng := -23.56, -46.65
		src := store.Source{Kind: store.SourceVoiceMemo, VoiceMemoID: "memo1"}
		items := []store.Extracted{
			{Kind: "task", Title: "Buy milk", Due: &due, DueHasTime: true},
			{Kind: "idea", Title: "Bookshelf from crates"},
			{Kind: "note", Title: "Wi-Fi password is on the fridge"},
			{Kind: "location", Title: "Avenida Paulista", Address: "Av. Paulista, São Paulo", Latitude: &lat, Longitude: &lng},
		}
		got, err := s.AddExtracted(ctx, a.ID, src, items)
		if err != nil || len(got) != 4 {
			t.Fatalf("extracted: %d %v", len(got), err)
		}
		if again, err := s.AddExtracted(ctx, a.ID, src, items); err != nil || len(again) != 0 {
			t.Fatalf("re-analysis stored %d items (%v)", len(again), err)
		}
		task := got[0].(store.Task)
		if !task.Due.Equal(due) || !task.DueHasTime || task.Source.VoiceMemoID != "memo1" {
			t.Fatalf("task %+v", task)
		}
		if _, err := s.UpdateTask(ctx, b.ID, task.ID, store.TaskPatch{Done: ptr(true)}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b completes a's task: %v", err)
		}
		done, err := s.UpdateTask(ctx, a.ID, task.ID, store.TaskPatch{Done: ptr(true)})
		if err != nil || !done.Done || done.DoneAt == nil {
			t.Fatalf("done: %+v %v", done, err)
		}
		undone, _ := s.UpdateTask(ctx, a.ID, task.ID, store.TaskPatch{Done: ptr(false), ClearDue: true, Title: ptr("Buy oat milk")})
		if undone.Done || undone.DoneAt != nil || undone.Due != nil || undone.Title != "Buy oat milk" {
			t.Fatalf("undone %+v", undone)
		}
		manual, err := s.CreateTask(ctx, a.ID, "Call the bank", "", &due, false)
		if err != nil || manual.Source.Kind != store.SourceManual {
			t.Fatal(err)
		}
		open, _ := s.OpenTasks(ctx, a.ID, 10)
		if len(open) != 2 || open[0].ID != manual.ID {
			t.Fatalf("open tasks, dated first: %+v", open)
		}
		f := false
		if p, _ := s.ListTasks(ctx, a.ID, store.TaskFilter{Done: &f}, store.ListOptions{}); len(p.Items) != 2 {
			t.Fatalf("undone filter: %d", len(p.Items))
		}
		idea, err := s.CreateNote(ctx, a.ID, "idea", "Solar kettle", "")
		if err != nil {
			t.Fatal(err)
		}
		ideas, _ := s.ListNotes(ctx, a.ID, "idea", store.ItemFilter{}, store.ListOptions{})
		notes, _ := s.ListNotes(ctx, a.ID, "note", store.ItemFilter{}, store.ListOptions{})
		if len(ideas.Items) != 2 || len(notes.Items) != 1 {
			t.Fatalf("ideas %d notes %d", len(ideas.Items), len(notes.Items))
		}
		if _, err := s.GetNote(ctx, a.ID, "note", idea.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an idea read as a note: %v", err)
		}
		if _, err := s.UpdateNote(ctx, b.ID, "idea", idea.ID, ptr("x"), nil); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b edits a's idea: %v", err)
		}
		loc := got[3].(store.Location)
		moved, err := s.UpdateLocation(ctx, a.ID, loc.ID, store.LocationPatch{Name: ptr("MASP")})
		if err != nil || moved.Name != "MASP" || *moved.Latitude != lat {
			t.Fatalf("location %+v %v", moved, err)
		}
		for _, q := range []string{"sao paulo", "MASP", "crates", "oat"} {
			if hits, _ := s.Search(ctx, a.ID, q, store.SearchOptions{}); len(hits) == 0 {
				t.Errorf("search %q found nothing", q)
			}
		}
		if err := s.DeleteNote(ctx, a.ID, "idea", idea.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteTask(ctx, b.ID, manual.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b deletes a's task: %v", err)
		}
		if err := s.DeleteLocation(ctx, a.ID, loc.ID); err != nil {
			t.Fatal(err)
		}
		if hits, _ := s.Search(ctx, a.ID, "masp", store.SearchOptions{}); len(hits) != 0 {
			t.Fatalf("deleted location found: %+v", hits)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestSearchLanguagesAndIsolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		t0 := time.Now().Add(-time.Hour)
		texts := []string{
			"Reunião amanhã às 15h sobre a ação judicial",
			"¿Dónde está la estación de tren? Mañana llegamos",
			"שָׁלוֹם, נִפְגָּשִׁים בַּקָּפֶה מָחָר",
			"Let's meet at the café on Friday",
		}
		var batch []*store.IncomingMessage
		for i, txt := range texts {
			batch = append(batch, msg(a.ID, "c@s.whatsapp.net", fmt.Sprint("m", i), t0.Add(time.Duration(i)*time.Minute), txt))
		}
		batch = append(batch, msg(b.ID, "c@s.whatsapp.net", "x", t0, "reuniao secreta do b"))
		if err := s.IngestMessages(ctx, batch, nil); err != nil {
			t.Fatal(err)
		}
		cases := map[string]string{
			"reuniao":       "Reunião",
			"ACAO":          "ação",
			"estacion":      "estación",
			"manana":        "Mañana",
			"שלום":          "שָׁלוֹם",
			"בקפה":          "בַּקָּפֶה",
			"cafe":          "café",
			"reuniao amanh": "Reunião", // every word, the last as a prefix
		}
		for q, want := range cases {
			hits, err := s.Search(ctx, a.ID, q, store.SearchOptions{})
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			if len(hits) != 1 || !strings.Contains(hits[0].Snippet, want) || hits[0].Kind != "message" || hits[0].ChatID != "c@s.whatsapp.net" {
				t.Errorf("search %q: %+v", q, hits)
			}
		}
		for _, q := range []string{`"`, `*`, `NEAR(a b)`, `a OR b`, `-x`, ``, `   `} {
			if _, err := s.Search(ctx, a.ID, q, store.SearchOptions{}); err != nil {
				t.Errorf("query %q: %v", q, err)
			}
		}
		if hits, _ := s.Search(ctx, a.ID, "secreta", store.SearchOptions{}); len(hits) != 0 {
			t.Fatalf("a finds b's message: %+v", hits)
		}
		if hits, _ := s.Search(ctx, a.ID, "reuniao", store.SearchOptions{Kinds: []domain.Kind{"task"}}); len(hits) != 0 {
			t.Fatalf("kind filter ignored: %+v", hits)
		}
	})
}

func TestRetentionKeepsKnowledge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		now := time.Now()
		var batch []*store.IncomingMessage
		for i := range 25 {
			batch = append(batch, msg(a.ID, "c@s.whatsapp.net", fmt.Sprint("old", i), now.Add(-5*24*time.Hour), "ancient words"))
		}
		batch = append(batch, msg(a.ID, "c@s.whatsapp.net", "new", now, "fresh words"))
		if err := s.IngestMessages(ctx, batch, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddExtracted(ctx, a.ID, store.Source{Kind: store.SourceMessage, ChatID: "c@s.whatsapp.net", MessageID: "old1"},
			[]store.Extracted{{Kind: "task", Title: "Ancient task"}}); err != nil {
			t.Fatal(err)
		}
		n, err := s.DeleteMessagesBefore(ctx, now.Add(-3*24*time.Hour), 10)
		if err != nil || n != 25 {
			t.Fatalf("deleted %d: %v", n, err)
		}
		if hits, _ := s.Search(ctx, a.ID, "ancient", store.SearchOptions{}); len(hits) != 1 || hits[0].Kind != "task" {
			t.Fatalf("after retention: %+v", hits)
		}
		if hits, _ := s.Search(ctx, a.ID, "fresh", store.SearchOptions{}); len(hits) != 1 {
			t.Fatalf("new message lost: %+v", hits)
		}
		u, err := s.StorageUsage(ctx, a.ID)
		if err != nil || u.Messages != 1 || u.Tasks != 1 || u.MessageBytes != int64(len("fresh words")) {
			t.Fatalf("usage %+v %v", u, err)
		}
	})
}

func TestSummaries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
		var batch []*store.IncomingMessage
		for i := range 5 {
			m := msg(a.ID, "g@g.us", fmt.Sprint("g", i), day.Add(time.Duration(i)*time.Hour), "hi")
			m.IsGroup, m.ChatName = true, "Family"
			batch = append(batch, m)
		}
		batch = append(batch, msg(a.ID, "p@s.whatsapp.net", "p", day.Add(time.Hour), "direct"))
		if err := s.IngestMessages(ctx, batch, nil); err != nil {
			t.Fatal(err)
		}
		act, err := s.GroupActivity(ctx, a.ID, day, day.Add(24*time.Hour))
		if err != nil || len(act) != 1 || act[0].Messages != 5 || act[0].Name != "Family" {
			t.Fatalf("activity %+v %v", act, err)
		}
		msgs, _ := s.MessagesBetween(ctx, a.ID, "g@g.us", day, day.Add(3*time.Hour), 100)
		if len(msgs) != 3 || msgs[0].ID != "g0" {
			t.Fatalf("between %+v", msgs)
		}
		x, err := s.PutSummary(ctx, a.ID, store.Summary{ChatID: "g@g.us", ChatName: "Family", Day: "2026-05-04", Text: "Five greetings", Generator: "builtin"})
		if err != nil {
			t.Fatal(err)
		}
		y, _ := s.PutSummary(ctx, a.ID, store.Summary{ChatID: "g@g.us", ChatName: "Family", Day: "2026-05-04", Text: "Regenerated", Generator: "builtin"})
		if y.ID != x.ID || y.Text != "Regenerated" {
			t.Fatalf("regeneration made a second summary: %s %s", x.ID, y.ID)
		}
		list, _ := s.ListSummaries(ctx, a.ID, store.SummaryFilter{Day: "2026-05-04"}, store.ListOptions{})
		if len(list.Items) != 1 {
			t.Fatalf("list %+v", list)
		}
		if _, err := s.GetSummary(ctx, b.ID, x.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b reads a's summary: %v", err)
		}
		if ok, _ := s.SummaryExists(ctx, a.ID, "g@g.us", "2026-05-04"); !ok {
			t.Fatal("exists")
		}
	})
}
