package jobs_test

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// nextWeekday is the date the analyser gives a weekday name said now in
// loc: its next occurrence after today.
func nextWeekday(now time.Time, loc *time.Location, wd time.Weekday) time.Time {
	now = now.In(loc)
	n := (int(wd) - int(now.Weekday()) + 7) % 7
	if n == 0 {
		n = 7
	}
	return time.Date(now.Year(), now.Month(), now.Day()+n, 0, 0, 0, 0, loc)
}

// TestEventsFromMessages: messages that plan a meeting reach the calendar
// end to end, through ingestion and the analyse job, in the person's time
// zone: a contact's message in English, a group message in Spanish and a
// note to self in Portuguese; chit-chat without a time gives none, and the
// other user sees nothing.
func TestEventsFromMessages(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testEventsFromMessages(t, d) })
	}
}

func testEventsFromMessages(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	a, b := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	expectStatus(t, srv.Do("PATCH", "/api/v1/auth/me", a.Token, map[string]string{"timezone": "Europe/Madrid"}), 200)
	madrid, _ := time.LoadLocation("Europe/Madrid")
	srv.Connect(a, "5511900000001")
	srv.Connect(b, "5511900000002")
	ws := srv.OpenWS(a)

	before := time.Now()
	srv.Deliver(a, map[string]any{"id": "ev-en", "chat": "351910000001", "chatName": "Lucía", "type": "text", "text": "Meet Lucía on Saturday at 11 at Café Central"})
	srv.Deliver(a, map[string]any{"id": "ev-es", "chat": "120363777", "group": true, "chatName": "Amigos", "from": "34600000001", "fromName": "Pablo",
		"type": "text", "text": "Quedamos con Pablo el viernes de 20h a 22h en mi casa"})
	srv.Deliver(a, map[string]any{"id": "ev-pt", "chat": "me", "fromMe": true, "type": "text", "text": "Reunião com a Ana amanhã às 15h"})
	srv.Deliver(a, map[string]any{"id": "no-ev", "chat": "351910000001", "type": "text", "text": "The meeting was great, thanks!"})
	after := time.Now()

	events := waitJSON(t, srv.Client, "/api/v1/calendar-events", a.Token, func(l list[store.Event]) bool { return len(l.Items) == 3 })
	byTitle := map[string]store.Event{}
	for _, e := range events.Items {
		byTitle[e.Title] = e
	}
	// The message's day is that of the job; the test straddles midnight
	// only if it runs across it, so both candidate days are accepted.
	wantAt := func(title string, day func(time.Time) time.Time, h int) {
		t.Helper()
		e, ok := byTitle[title]
		if !ok {
			t.Fatalf("no event %q in %+v", title, events.Items)
		}
		var ok2 bool
		for _, now := range []time.Time{before, after} {
			dd := day(now)
			want := time.Date(dd.Year(), dd.Month(), dd.Day(), h, 0, 0, 0, madrid)
			ok2 = ok2 || e.Start.Equal(want)
		}
		if !ok2 || e.TimeZone != "Europe/Madrid" {
			t.Errorf("%q starts %v (%s), want %d:00 in Madrid", title, e.Start.In(madrid), e.TimeZone, h)
		}
	}
	wantAt("Meet Lucía at Café Central", func(n time.Time) time.Time { return nextWeekday(n, madrid, time.Saturday) }, 11)
	wantAt("Quedamos con Pablo en mi casa", func(n time.Time) time.Time { return nextWeekday(n, madrid, time.Friday) }, 20)
	wantAt("Reunião com a Ana", func(n time.Time) time.Time {
		n = n.In(madrid)
		return time.Date(n.Year(), n.Month(), n.Day()+1, 0, 0, 0, 0, madrid)
	}, 15)
	en := byTitle["Meet Lucía at Café Central"]
	if en.Place != "Café Central" || !slices.Equal(en.People, []string{"Lucía"}) || en.Source.Kind != "message" || en.Source.MessageID != "ev-en" {
		t.Errorf("english event %+v", en)
	}
	es := byTitle["Quedamos con Pablo en mi casa"]
	if es.End == nil || es.End.Sub(es.Start) != 2*time.Hour || es.Place != "Mi casa" {
		t.Errorf("spanish event %+v", es)
	}
	// A contact's message is read for events only: no task or note of it.
	for _, p := range []string{"/api/v1/tasks", "/api/v1/notes"} {
		r := srv.Do("GET", p, a.Token, nil)
		if strings.Contains(string(r.Body), "Lucía") || strings.Contains(string(r.Body), "Pablo") {
			t.Errorf("%s has a contact's message: %s", p, r.Body)
		}
	}
	if _, ok := ws.WaitFor(30*time.Second, func(e apptest.Event) bool { return e.Type == "event" }); !ok {
		t.Error("no realtime event announced a calendar event")
	}
	var other list[store.Event]
	r := srv.Do("GET", "/api/v1/calendar-events", b.Token, nil)
	if err := json.Unmarshal(r.Body, &other); err != nil || len(other.Items) != 0 {
		t.Errorf("bruno sees %s", r.Body)
	}
	expectStatus(t, srv.Do("GET", "/api/v1/calendar-events/"+en.ID, b.Token, nil), 404)
}

// TestEventsFromTheLanguageModel: with LLM_* set, the model's events are
// stored like the built-in analyser's.
func TestEventsFromTheLanguageModel(t *testing.T) {
	fake := httptest.NewServer(&fakeLLM{})
	defer fake.Close()
	srv := apptest.Start(t, apptest.Options{Env: map[string]string{
		"LLM_BASE_URL": fake.URL + "/v1", "LLM_API_KEY": "llm-key", "LLM_MODEL": "test-model",
	}})
	a := srv.Register("ana@example.com")
	srv.Connect(a, "5511900000001")
	srv.Deliver(a, map[string]any{"id": "llm-ev", "chat": "351910000001", "type": "text", "text": "Lunch with Marta on 12/15 at 1pm?"})
	events := waitJSON(t, srv.Client, "/api/v1/calendar-events?from=2026-01-01", a.Token, func(l list[store.Event]) bool { return len(l.Items) == 1 })
	e := events.Items[0]
	if e.Title != "Lunch with Marta" || !e.Start.Equal(time.Date(2026, 12, 15, 13, 0, 0, 0, time.UTC)) || e.End == nil ||
		e.Place != "Casa Lucio" || !slices.Equal(e.People, []string{"Marta"}) {
		t.Errorf("event %+v", e)
	}
	// The task the model also found in a contact's message is not kept.
	if r := srv.Do("GET", "/api/v1/tasks", a.Token, nil); strings.Contains(string(r.Body), "invoice") {
		t.Errorf("tasks: %s", r.Body)
	}
}
