package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
)

// allPages reads every page of a list, limit items at a time.
func allPages[T any](t *testing.T, limit int, list func(o store.ListOptions) (store.Page[T], error), id func(T) string) []string {
	t.Helper()
	var out []string
	o := store.ListOptions{Limit: limit}
	for range 100 {
		p, err := list(o)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range p.Items {
			out = append(out, id(v))
		}
		if p.NextCursor == "" {
			return out
		}
		o.Cursor = p.NextCursor
	}
	t.Fatal("no last page")
	return nil
}

// A list narrowed by a tag (read on PostgreSQL from the tags' own index of
// the items' times) holds the same items, in the same order and pages, as
// the whole list with the other items left out, as tags and times change.
func TestTaggedListsFollowTagsAndTimes(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	eachClocked(t, t0, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		for i := range 12 {
			text := fmt.Sprint("mensagem ", i)
			if i%3 != 0 {
				text += " #casa"
			}
			at := t0.Add(time.Duration(i) * time.Hour)
			start := t0.Add(time.Duration((i*7)%12) * 24 * time.Hour)
			if _, err := s.AddExtracted(ctx, a.ID, msgSource("c@g.us", fmt.Sprint("m", i), "p1@s.whatsapp.net", text, at),
				[]store.Extracted{{Kind: domain.KindTask, Title: text}, {Kind: domain.KindEvent, Title: text, Start: &start}}); err != nil {
				t.Fatal(err)
			}
		}
		// Another user's tagged items stay out.
		if _, err := s.AddExtracted(ctx, b.ID, msgSource("c@g.us", "m1", "p1@s.whatsapp.net", "x #casa", t0),
			[]store.Extracted{{Kind: domain.KindTask, Title: "x"}, {Kind: domain.KindEvent, Title: "x", Start: &t0}}); err != nil {
			t.Fatal(err)
		}
		taskID := func(x store.Task) string { return x.ID }
		eventID := func(x store.Event) string { return x.ID }
		check := func(step string) {
			t.Helper()
			all := allPages(t, 100, func(o store.ListOptions) (store.Page[store.Task], error) {
				return s.ListTasks(ctx, a.ID, store.TaskFilter{}, o)
			}, func(x store.Task) string {
				if slices.Contains(x.Tags, "casa") {
					return x.ID
				}
				return ""
			})
			want := slices.DeleteFunc(all, func(id string) bool { return id == "" })
			got := allPages(t, 3, func(o store.ListOptions) (store.Page[store.Task], error) {
				return s.ListTasks(ctx, a.ID, store.TaskFilter{ItemFilter: store.ItemFilter{Tag: "casa"}}, o)
			}, taskID)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: tasks tagged %v, want %v", step, got, want)
			}
			for _, desc := range []bool{false, true} {
				all := allPages(t, 100, func(o store.ListOptions) (store.Page[store.Event], error) {
					return s.ListEvents(ctx, a.ID, store.EventFilter{Desc: desc}, o)
				}, func(x store.Event) string {
					if slices.Contains(x.Tags, "casa") {
						return x.ID
					}
					return ""
				})
				want := slices.DeleteFunc(all, func(id string) bool { return id == "" })
				got := allPages(t, 2, func(o store.ListOptions) (store.Page[store.Event], error) {
					return s.ListEvents(ctx, a.ID, store.EventFilter{Desc: desc, Tag: "casa"}, o)
				}, eventID)
				if !slices.Equal(got, want) || len(want) < 8 {
					t.Fatalf("%s: events tagged (desc %v) %v, want %v", step, desc, got, want)
				}
			}
		}
		check("made")
		// A tag added by hand to the oldest task, and an event moved.
		tasks, err := s.ListTasks(ctx, a.ID, store.TaskFilter{}, store.ListOptions{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		oldest := tasks.Items[len(tasks.Items)-1]
		if _, err := s.ChangeTags(ctx, a.ID, domain.KindTask, oldest.ID, nil, []string{"casa"}, nil); err != nil {
			t.Fatal(err)
		}
		events, err := s.ListEvents(ctx, a.ID, store.EventFilter{Tag: "casa"}, store.ListOptions{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		moved := events.Items[len(events.Items)-1]
		early := t0.Add(-48 * time.Hour)
		if _, err := s.UpdateEvent(ctx, a.ID, moved.ID, store.EventPatch{Start: &early}); err != nil {
			t.Fatal(err)
		}
		check("changed")
		first, err := s.ListEvents(ctx, a.ID, store.EventFilter{Tag: "casa", From: &early}, store.ListOptions{Limit: 1})
		if err != nil || len(first.Items) != 1 || first.Items[0].ID != moved.ID {
			t.Fatalf("the moved event is not first: %+v %v", first.Items, err)
		}
	})
}
