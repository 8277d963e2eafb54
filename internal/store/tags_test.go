package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// eachClocked is dbtest.Each over stores whose clock starts at t0 and
// moves a minute on each reading, so that every item has its own time.
func eachClocked(t *testing.T, t0 time.Time, fn func(t *testing.T, s *store.Store)) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			var n atomic.Int64
			s := dbtest.OpenUnmigrated(t, d, store.Options{Now: func() time.Time { return t0.Add(time.Duration(n.Add(1)) * time.Minute) }})
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			fn(t, s)
		})
	}
}

func msgSource(chat, id, from, text string, at time.Time) store.Source {
	return store.Source{Kind: store.SourceMessage, ChatID: chat, MessageID: id,
		Snapshot: store.Snapshot{From: from, FromName: "Name " + from, Text: text, Time: at}}
}

func TestTagsFromHashtagsAndByHand(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	eachClocked(t, t0, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		out, err := s.AddExtracted(ctx, a.ID, msgSource("c@g.us", "m1", "p1@s.whatsapp.net", "buy milk #groceries #Compras https://x.io/#frag", t0),
			[]store.Extracted{{Kind: domain.KindTask, Title: "buy milk"}, {Kind: domain.KindNote, Title: "milk"}})
		if err != nil || len(out) != 2 {
			t.Fatalf("add: %v %v", out, err)
		}
		task := out[0].(store.Task)
		got, err := s.GetTask(ctx, a.ID, task.ID)
		if err != nil || !reflect.DeepEqual(got.Tags, []string{"groceries", "compras"}) {
			t.Fatalf("task tags %q %v", got.Tags, err)
		}
		// Analysing the source again changes nothing.
		if again, err := s.AddExtracted(ctx, a.ID, msgSource("c@g.us", "m1", "p1@s.whatsapp.net", "buy milk #groceries #other", t0),
			[]store.Extracted{{Kind: domain.KindTask, Title: "buy milk"}}); err != nil || len(again) != 0 {
			t.Fatalf("again: %v %v", again, err)
		}
		im := &store.Image{ChatID: "c@g.us", MessageID: "i1", Sender: "p2@s.whatsapp.net", Caption: "pôr do sol #praia #Café", SHA256: "h", MimeType: "image/png", SentAt: t0}
		if ok, err := s.AddImage(ctx, a.ID, im); err != nil || !ok {
			t.Fatal(ok, err)
		}
		bm, _, err := s.ShareBookmark(ctx, a.ID, "https://e.com", "e.com", store.BookmarkShare{ChatID: "c@g.us", MessageID: "b1", Sender: "p2@s.whatsapp.net", SharedAt: t0, Text: "read https://e.com #leer"})
		if err != nil {
			t.Fatal(err)
		}
		v := &store.VoiceMemo{ChatID: "c@g.us", MessageID: "v1", Sender: "p1@s.whatsapp.net", SHA256: "h", MimeType: "audio/ogg", SentAt: t0}
		if _, err := s.AddVoiceMemo(ctx, a.ID, v); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetTranscript(ctx, a.ID, v.ID, "e se fizermos um podcast #ideias", "pt"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			kind domain.Kind
			id   string
			want []string
		}{{domain.KindImage, im.ID, []string{"praia", "café"}}, {domain.KindBookmark, bm.ID, []string{"leer"}}, {domain.KindVoiceMemo, v.ID, []string{"ideias"}}} {
			if got, err := s.ItemTags(ctx, a.ID, c.kind, c.id); err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s tags %q %v, want %q", c.kind, got, err, c.want)
			}
		}

		// By hand: add, remove, replace; another user's item is not found.
		tags, err := s.ChangeTags(ctx, a.ID, domain.KindTask, task.ID, nil, []string{"home", "groceries"}, []string{"compras"})
		if err != nil || !reflect.DeepEqual(tags, []string{"groceries", "home"}) {
			t.Fatalf("change %q %v", tags, err)
		}
		set := []string{"home", "urgent"}
		if tags, err = s.ChangeTags(ctx, a.ID, domain.KindTask, task.ID, &set, nil, nil); err != nil || !reflect.DeepEqual(tags, []string{"home", "urgent"}) {
			t.Fatalf("set %q %v", tags, err)
		}
		if _, err := s.ChangeTags(ctx, b.ID, domain.KindTask, task.ID, nil, []string{"x"}, nil); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b tags a's task: %v", err)
		}
		if _, err := s.ItemTags(ctx, b.ID, domain.KindTask, task.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b reads a's task's tags: %v", err)
		}
		var many []string
		for i := range 19 {
			many = append(many, fmt.Sprint("t", i))
		}
		if _, err := s.ChangeTags(ctx, a.ID, domain.KindTask, task.ID, nil, many, nil); !errors.Is(err, store.ErrTooManyTags) {
			t.Fatalf("21 tags: %v", err)
		}
		if got, _ := s.ItemTags(ctx, a.ID, domain.KindTask, task.ID); len(got) != 2 {
			t.Fatalf("a refused change kept %q", got)
		}

		counts, err := s.ListTags(ctx, a.ID)
		if err != nil || len(counts) != 8 {
			t.Fatalf("tags %+v %v", counts, err)
		}
		if bc, _ := s.ListTags(ctx, b.ID); len(bc) != 0 {
			t.Fatalf("b has tags %+v", bc)
		}
		people, err := s.ListPeople(ctx, a.ID)
		if err != nil || len(people) != 2 || people[0].ID != "p1@s.whatsapp.net" || people[0].Name != "Name p1@s.whatsapp.net" {
			t.Fatalf("people %+v %v", people, err)
		}
		if bp, _ := s.ListPeople(ctx, b.ID); len(bp) != 0 {
			t.Fatalf("b's people %+v", bp)
		}

		// Deleting an item deletes its tags.
		if err := s.DeleteTask(ctx, a.ID, task.ID); err != nil {
			t.Fatal(err)
		}
		counts, _ = s.ListTags(ctx, a.ID)
		for _, c := range counts {
			if c.Tag == "home" || c.Tag == "urgent" {
				t.Fatalf("a deleted task's tag is listed: %+v", counts)
			}
		}
	})
}

func TestListFilters(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	eachClocked(t, t0, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		// 24 messages: chats c0/c1, people p0/p1/p2, every third tagged
		// #work; each makes a task, a note, an idea, a place and an event.
		for i := range 24 {
			text := fmt.Sprint("item ", i)
			if i%3 == 0 {
				text += " #work"
			}
			src := msgSource(fmt.Sprintf("c%d@g.us", i%2), fmt.Sprint("m", i), fmt.Sprintf("p%d@s.whatsapp.net", i%3), text, t0)
			start := t0.Add(time.Duration(i) * time.Hour)
			if _, err := s.AddExtracted(ctx, a.ID, src, []store.Extracted{
				{Kind: domain.KindTask, Title: text}, {Kind: domain.KindNote, Title: text}, {Kind: domain.KindIdea, Title: text},
				{Kind: domain.KindLocation, Title: text}, {Kind: domain.KindEvent, Title: text, Start: &start},
			}); err != nil {
				t.Fatal(err)
			}
			im := &store.Image{ChatID: src.ChatID, MessageID: src.MessageID, Sender: src.Snapshot.From, Caption: text, SHA256: "h" + src.MessageID, MimeType: "image/png", SentAt: t0.Add(time.Duration(i) * time.Hour)}
			if _, err := s.AddImage(ctx, a.ID, im); err != nil {
				t.Fatal(err)
			}
			v := &store.VoiceMemo{ChatID: src.ChatID, MessageID: "v" + src.MessageID, Sender: src.Snapshot.From, SHA256: "h", MimeType: "audio/ogg", SentAt: t0.Add(time.Duration(i) * time.Hour)}
			if _, err := s.AddVoiceMemo(ctx, a.ID, v); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetTranscript(ctx, a.ID, v.ID, text, "en"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.ShareBookmark(ctx, a.ID, fmt.Sprintf("https://e.com/%d", i), fmt.Sprintf("e.com/%d", i),
				store.BookmarkShare{ChatID: src.ChatID, MessageID: src.MessageID, Sender: src.Snapshot.From, SharedAt: t0, Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		// i%3 == 0 (work) and i%2 == 0 (c0) and i%3 == 0 (p0): i in {0, 6, 12, 18}.
		f := store.ItemFilter{Tag: "work", ChatID: "c0@g.us", Person: "p0@s.whatsapp.net"}
		lists := map[string]func(store.ItemFilter, store.ListOptions) ([]string, string, error){
			"tasks": func(f store.ItemFilter, o store.ListOptions) ([]string, string, error) {
				p, err := s.ListTasks(ctx, a.ID, store.TaskFilter{ItemFilter: f}, o)
				return titles(p.Items, func(t store.Task) string { return t.Title }), p.NextCursor, err
			},
			"notes": func(f store.ItemFilter, o store.ListOptions) ([]string, string, error) {
				p, err := s.ListNotes(ctx, a.ID, domain.KindNote, f, o)
				return titles(p.Items, func(n store.Note) string { return n.Title }), p.NextCursor, err
			},
			"ideas": func(f store.ItemFilter, o store.ListOptions) ([]string, string, error) {
				p, err := s.ListNotes(ctx, a.ID, domain.KindIdea, f, o)
				return titles(p.Items, func(n store.Note) string { return n.Title }), p.NextCursor, err
			},
			"locations": func(f store.ItemFilter, o store.ListOptions) ([]string, string, error) {
				p, err := s.ListLocations(ctx, a.ID, f, o)
				return titles(p.Items, func(l store.Location) string { return l.Name }), p.NextCursor, err
			},
			"images": func(f store.ItemFilter, o store.ListOptions) ([]string, string, error) {
				p, err := s.ListImages(ctx, a.ID, store.ImageFilter{Tag: f.Tag, ChatID: f.ChatID, Person: f.Person, From: f.From, To: f.To}, o)
				return titles(p.Items, func(im store.Image) string { return im.Caption }), p.NextCursor, err
			},
			"voice memos": func(f store.ItemFilter, o store.ListOptions) ([]string, string, error) {
				p, err := s.ListVoiceMemos(ctx, a.ID, f, o)
				return titles(p.Items, func(v store.VoiceMemo) string { return v.Transcript }), p.NextCursor, err
			},
			"bookmarks": func(f store.ItemFilter, o store.ListOptions) ([]string, string, error) {
				p, err := s.ListBookmarks(ctx, a.ID, f, o)
				return titles(p.Items, func(b store.Bookmark) string { return "item " + b.URL[len("https://e.com/"):] }), p.NextCursor, err
			},
		}
		for name, list := range lists {
			var all []string
			cursor := ""
			for range 10 {
				got, next, err := list(f, store.ListOptions{Limit: 3, Cursor: cursor})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				all = append(all, got...)
				if cursor = next; cursor == "" {
					break
				}
			}
			want := []string{"item 18", "item 12", "item 6", "item 0"}
			if name != "bookmarks" {
				for i := range want {
					want[i] += " #work"
				}
			}
			if !reflect.DeepEqual(all, want) {
				t.Errorf("%s filtered and paged: %q, want %q", name, all, want)
			}
		}
		// A date range: images sent from hour 6 to before hour 13 (6, 9, 12).
		ims, err := s.ListImages(ctx, a.ID, store.ImageFilter{Tag: "work", From: t0.Add(6 * time.Hour), To: t0.Add(13 * time.Hour)}, store.ListOptions{})
		if err != nil || len(ims.Items) != 3 || ims.Items[0].Caption != "item 12 #work" || ims.Items[2].Caption != "item 6 #work" {
			t.Fatalf("images by date: %+v %v", ims.Items, err)
		}
		// Events by start with a tag, chat and person, paged.
		ev1, err := s.ListEvents(ctx, a.ID, store.EventFilter{Tag: "work", ChatID: "c0@g.us", Person: "p0@s.whatsapp.net"}, store.ListOptions{Limit: 3})
		if err != nil || len(ev1.Items) != 3 || ev1.Items[0].Title != "item 0 #work" || ev1.NextCursor == "" {
			t.Fatalf("events %+v %v", ev1, err)
		}
		ev2, err := s.ListEvents(ctx, a.ID, store.EventFilter{Tag: "work", ChatID: "c0@g.us", Person: "p0@s.whatsapp.net"}, store.ListOptions{Limit: 3, Cursor: ev1.NextCursor})
		if err != nil || len(ev2.Items) != 1 || ev2.Items[0].Title != "item 18 #work" || ev2.NextCursor != "" {
			t.Fatalf("events page 2 %+v %v", ev2, err)
		}
		// Tasks made at minutes…: a time range on when items were made.
		all, _ := s.ListTasks(ctx, a.ID, store.TaskFilter{}, store.ListOptions{Limit: 200})
		mid := all.Items[10].CreatedAt
		newer, _ := s.ListTasks(ctx, a.ID, store.TaskFilter{ItemFilter: store.ItemFilter{From: mid}}, store.ListOptions{Limit: 200})
		if len(newer.Items) != 11 {
			t.Fatalf("tasks made from %v: %d", mid, len(newer.Items))
		}

		// Search: by tag (items only) and by person (messages too).
		hits, err := s.SearchPaged(ctx, a.ID, "item", store.SearchOptions{Tag: "work", Person: "p0@s.whatsapp.net", ChatID: "c0@g.us", Newest: true, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		// 4 messages × (task, note, idea, place, event, image, memo); the
		// bookmarks' pages were never fetched, so only their links are
		// indexed, without the word.
		if len(hits.Hits) != 28 {
			t.Fatalf("search by tag, person and chat: %d hits", len(hits.Hits))
		}
		for _, h := range hits.Hits {
			if h.Kind == domain.KindMessage {
				t.Fatalf("a message in a search by tag: %+v", h)
			}
		}
		hits, err = s.SearchPaged(ctx, a.ID, "item", store.SearchOptions{Person: "p1@s.whatsapp.net", Kinds: []domain.Kind{domain.KindTask}, Limit: 200})
		if err != nil || len(hits.Hits) != 8 {
			t.Fatalf("search by person: %d %v", len(hits.Hits), err)
		}
	})
}

func titles[T any](items []T, title func(T) string) []string {
	var out []string
	for _, it := range items {
		out = append(out, title(it))
	}
	return out
}
