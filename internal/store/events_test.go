package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestEvents: calendar events are stored from analysis and by hand, listed
// by start in both directions with ranges and cursors, found by search, and
// another user's ids are not found for any method.
func TestEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		t0 := time.Date(2026, 3, 29, 9, 0, 0, 0, time.UTC)
		end := t0.Add(time.Hour)
		src := store.Source{Kind: store.SourceMessage, ChatID: "c@s.whatsapp.net", MessageID: "m1"}
		items := []store.Extracted{
			{Kind: domain.KindTask, Title: "Buy milk"},
			{Kind: domain.KindEvent, Title: "Meet Lucía", Start: &t0, End: &end, Place: "Café Central", People: []string{"Lucía", " ", "Tom"}, TimeZone: "Europe/Madrid"},
		}
		out, err := s.AddExtracted(ctx, a.ID, src, items)
		if err != nil || len(out) != 2 {
			t.Fatalf("add: %v %v", out, err)
		}
		ev, ok := out[1].(store.Event)
		if !ok || ev.Title != "Meet Lucía" || !ev.Start.Equal(t0) || ev.End == nil || !ev.End.Equal(end) || ev.Place != "Café Central" ||
			!slices.Equal(ev.People, []string{"Lucía", "Tom"}) || ev.TimeZone != "Europe/Madrid" || ev.Source != src || ev.EditedAt != nil {
			t.Fatalf("event %+v", out[1])
		}
		if again, err := s.AddExtracted(ctx, a.ID, src, items); err != nil || len(again) != 0 {
			t.Fatalf("analysing the source again: %v %v", again, err)
		}
		var manual []store.Event
		for i := range 3 {
			e, err := s.CreateEvent(ctx, a.ID, store.Event{Title: "Standup", Start: t0.Add(time.Duration(i+1) * 24 * time.Hour)})
			if err != nil || e.Source.Kind != store.SourceManual || len(e.People) != 0 || e.People == nil {
				t.Fatalf("create: %+v %v", e, err)
			}
			manual = append(manual, e)
		}
		if _, err := s.CreateEvent(ctx, b.ID, store.Event{Title: "B's", Start: t0}); err != nil {
			t.Fatal(err)
		}

		// Soonest first, paged by cursor.
		p1, err := s.ListEvents(ctx, a.ID, store.EventFilter{}, store.ListOptions{Limit: 3})
		if err != nil || len(p1.Items) != 3 || p1.Items[0].ID != ev.ID || p1.NextCursor == "" {
			t.Fatalf("page 1: %+v %v", p1, err)
		}
		p2, err := s.ListEvents(ctx, a.ID, store.EventFilter{}, store.ListOptions{Limit: 3, Cursor: p1.NextCursor})
		if err != nil || len(p2.Items) != 1 || p2.Items[0].ID != manual[2].ID || p2.NextCursor != "" {
			t.Fatalf("page 2: %+v %v", p2, err)
		}
		// Latest first, in a range.
		from, to := t0.Add(time.Hour), t0.Add(3*24*time.Hour)
		r, err := s.ListEvents(ctx, a.ID, store.EventFilter{From: &from, To: &to, Desc: true}, store.ListOptions{})
		if err != nil || len(r.Items) != 2 || r.Items[0].ID != manual[1].ID || r.Items[1].ID != manual[0].ID {
			t.Fatalf("range: %+v %v", r, err)
		}
		between, err := s.EventsBetween(ctx, a.ID, t0, t0.Add(48*time.Hour), 10)
		if err != nil || len(between) != 2 || between[0].ID != ev.ID {
			t.Fatalf("between: %+v %v", between, err)
		}
		if hits, err := s.Search(ctx, a.ID, "lucia", store.SearchOptions{Kinds: []domain.Kind{domain.KindEvent}}); err != nil || len(hits) != 1 || hits[0].ID != ev.ID {
			t.Fatalf("search: %+v %v", hits, err)
		}

		// Another user's ids are not found.
		if _, err := s.GetEvent(ctx, b.ID, ev.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b reads a's event: %v", err)
		}
		title := "hijacked"
		if _, err := s.UpdateEvent(ctx, b.ID, ev.ID, store.EventPatch{Title: &title}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b changes a's event: %v", err)
		}
		if err := s.DeleteEvent(ctx, b.ID, ev.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b deletes a's event: %v", err)
		}
		if l, _ := s.ListEvents(ctx, b.ID, store.EventFilter{}, store.ListOptions{}); len(l.Items) != 1 || l.Items[0].Title != "B's" {
			t.Fatalf("b's list: %+v", l)
		}

		// Update: fields change, the end can go, and it counts as edited.
		place, people := "Casa", []string{"Ana"}
		u, err := s.UpdateEvent(ctx, a.ID, manual[0].ID, store.EventPatch{Place: &place, People: &people, End: &to})
		if err != nil || u.Place != "Casa" || !slices.Equal(u.People, people) || u.End == nil || u.EditedAt == nil || u.Title != "Standup" {
			t.Fatalf("update: %+v %v", u, err)
		}
		u, err = s.UpdateEvent(ctx, a.ID, manual[0].ID, store.EventPatch{ClearEnd: true})
		if err != nil || u.End != nil {
			t.Fatalf("clear end: %+v %v", u, err)
		}
		if err := s.DeleteEvent(ctx, a.ID, manual[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetEvent(ctx, a.ID, manual[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted event: %v", err)
		}
	})
}

// TestEditedEventSurvivesReanalysis: an event the person changed by hand is
// neither removed when its message is edited nor overwritten when the
// message is analysed again; an untouched one is replaced.
func TestEditedEventSurvivesReanalysis(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		chat := "1555@s.whatsapp.net"
		t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		m1, m2 := msg(a.ID, chat, "m1", t0, "Lunch with Ana tomorrow at 1pm"), msg(a.ID, chat, "m2", t0, "Dinner with Tom tomorrow at 8pm")
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{m1, m2}, nil); err != nil {
			t.Fatal(err)
		}
		start := t0.Add(24 * time.Hour)
		add := func(id, title string) store.Event {
			t.Helper()
			out, err := s.AddExtracted(ctx, a.ID, store.Source{Kind: store.SourceMessage, ChatID: chat, MessageID: id},
				[]store.Extracted{{Kind: domain.KindEvent, Title: title, Start: &start}})
			if err != nil {
				t.Fatal(err)
			}
			if len(out) == 0 {
				return store.Event{}
			}
			return out[0].(store.Event)
		}
		edited, untouched := add("m1", "Lunch with Ana"), add("m2", "Dinner with Tom")
		title := "Lunch with Ana and Bea"
		if _, err := s.UpdateEvent(ctx, a.ID, edited.ID, store.EventPatch{Title: &title}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"m1", "m2"} {
			res, err := s.ApplyMessageChange(ctx, store.MessageChange{UserID: a.ID, ChatID: chat, TargetID: id, Kind: store.ChangeEdit, By: chat,
				Text: "changed plans", At: t0.Add(time.Minute)}, nil)
			if err != nil || !res.Applied {
				t.Fatalf("edit %s: %+v %v", id, res, err)
			}
		}
		if got, err := s.GetEvent(ctx, a.ID, edited.ID); err != nil || got.Title != title {
			t.Fatalf("the edited event after its message changed: %+v %v", got, err)
		}
		if _, err := s.GetEvent(ctx, a.ID, untouched.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the untouched event stays after its message changed: %v", err)
		}
		// Re-analysis of both messages: the edited event is kept as the
		// person left it; the other is made anew.
		if again := add("m1", "Something else"); again.ID != "" {
			t.Fatalf("re-analysis added %+v next to the edited event", again)
		}
		if got, _ := s.GetEvent(ctx, a.ID, edited.ID); got.Title != title {
			t.Fatalf("re-analysis overwrote the edited event: %+v", got)
		}
		if fresh := add("m2", "Dinner with Tom at 9"); fresh.ID == "" || fresh.Title != "Dinner with Tom at 9" {
			t.Fatalf("re-analysis of the untouched event's message: %+v", fresh)
		}
	})
}
