package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestEventsPage: the Events page adds, lists (upcoming and past), edits
// and deletes calendar events in the person's zone (across a
// daylight-saving change), names the bad field, shows the next events on
// the dashboard, and treats another person's events as not found. GET
// /events asked for as an event stream is still the realtime stream.
func TestEventsPage(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testEventsPage(t, apptest.Start(t, apptest.Options{Dialect: d})) })
	}
}

func testEventsPage(t *testing.T, srv *apptest.Server) {
	a, b := newBrowser(t, srv), newBrowser(t, srv)
	ua := a.signUp("ana.events.page@example.com")
	b.signUp("bob.events.page@example.com")
	if r := a.post("/settings", url.Values{"name": {"Ana"}, "timezone": {"Europe/Madrid"}}); r.status != http.StatusSeeOther {
		t.Fatalf("settings: %d", r.status)
	}

	// Validation names the fields.
	r := a.post("/events", url.Values{"title": {""}, "date": {"2030-03-31"}, "start": {"10:00"}, "end": {"09:00"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "What is required") || !strings.Contains(r.body, "End must not be before the start") {
		t.Fatalf("invalid event: %d\n%s", r.status, r.body)
	}
	if r := a.post("/events", url.Values{"title": {"x"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Day and time is required") {
		t.Fatalf("event without a day: %d\n%s", r.status, r.body)
	}

	// Madrid moves to summer time at 02:00 on Sunday 31 March 2030: 10:00
	// that day is 08:00 UTC.
	r = a.post("/events", url.Values{"title": {"Lunch with Ana"}, "date": {"2030-03-31"}, "start": {"10:00"}, "end": {"11:30"},
		"place": {"Café Central"}, "people": {"Ana, Bea ,"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/events?ok=added#event-") {
		t.Fatalf("add event: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
	}
	l, _ := srv.App.Store.ListEvents(ctx, ua.ID, store.EventFilter{}, store.ListOptions{})
	if len(l.Items) != 1 {
		t.Fatalf("events: %+v", l.Items)
	}
	e := l.Items[0]
	if !e.Start.Equal(time.Date(2030, 3, 31, 8, 0, 0, 0, time.UTC)) || e.End == nil || !e.End.Equal(time.Date(2030, 3, 31, 9, 30, 0, 0, time.UTC)) ||
		strings.Join(e.People, "|") != "Ana|Bea" || e.Place != "Café Central" {
		t.Fatalf("stored event %+v", e)
	}
	for _, path := range []string{"/events", "/"} {
		page := html.UnescapeString(a.get(path).body)
		for _, want := range []string{"Lunch with Ana", "31 Mar 2030, 10:00–11:30", "Café Central", "with Ana, Bea", "/events/" + e.ID + "/edit"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
	if page := b.get("/events").body; strings.Contains(page, "Lunch with Ana") || strings.Contains(page, e.ID) {
		t.Error("bob's events page shows ana's event")
	}

	// Past events, latest first, only under "Past".
	if _, err := srv.App.Store.CreateEvent(ctx, ua.ID, store.Event{Title: "Old dinner", Start: time.Now().Add(-48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if page := a.get("/events").body; strings.Contains(page, "Old dinner") {
		t.Error("a past event is listed as upcoming")
	}
	if page := a.get("/events?view=past").body; !strings.Contains(page, "Old dinner") || strings.Contains(page, "Lunch with Ana") {
		t.Errorf("past view:\n%s", page)
	}

	// Edit: the form shows local times; saving marks the event edited.
	edit := a.get("/events/" + e.ID + "/edit")
	if edit.status != http.StatusOK || !strings.Contains(edit.body, `value="2030-03-31"`) || !strings.Contains(edit.body, `value="10:00"`) ||
		!strings.Contains(edit.body, `value="11:30"`) || !strings.Contains(edit.body, `value="Ana, Bea"`) {
		t.Fatalf("edit page: %d\n%s", edit.status, edit.body)
	}
	if r := a.post("/events/"+e.ID, url.Values{"title": {"Lunch with Ana and Bea"}, "date": {"2030-03-31"}, "start": {"13:00"}, "end": {"12:00"}}); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, "End must not be before the start") {
		t.Fatalf("bad edit: %d", r.status)
	}
	if r := a.post("/events/"+e.ID, url.Values{"title": {"Lunch with Ana and Bea"}, "date": {"2030-03-30"}, "start": {"13:00"}, "end": {""},
		"place": {"Casa"}, "people": {"Ana, Bea"}}); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.status, r.body)
	}
	got, _ := srv.App.Store.GetEvent(ctx, ua.ID, e.ID)
	if got.Title != "Lunch with Ana and Bea" || !got.Start.Equal(time.Date(2030, 3, 30, 12, 0, 0, 0, time.UTC)) || got.End != nil || got.EditedAt == nil {
		t.Fatalf("edited event %+v", got)
	}

	// Another person: not found, and nothing changes.
	for _, p := range []string{"/events/" + e.ID + "/edit", "/events/" + e.ID + "/delete"} {
		if r := b.get(p); r.status != http.StatusNotFound || strings.Contains(r.body, "Lunch with Ana") {
			t.Errorf("bob GET %s: %d", p, r.status)
		}
	}
	for _, p := range []string{"/events/" + e.ID, "/events/" + e.ID + "/delete"} {
		if r := b.post(p, url.Values{"title": {"Bob's now"}, "date": {"2030-01-01"}, "start": {"10:00"}}); r.status != http.StatusNotFound {
			t.Errorf("bob POST %s: %d", p, r.status)
		}
	}
	if got, err := srv.App.Store.GetEvent(ctx, ua.ID, e.ID); err != nil || got.Title != "Lunch with Ana and Bea" {
		t.Fatalf("after bob: %+v %v", got, err)
	}

	// Delete asks first.
	if r := a.get("/events/" + e.ID + "/delete"); r.status != http.StatusOK || !strings.Contains(r.body, "Delete this event?") {
		t.Fatalf("confirm delete: %d", r.status)
	}
	if r := a.post("/events/"+e.ID+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if _, err := srv.App.Store.GetEvent(ctx, ua.ID, e.ID); err == nil {
		t.Fatal("deleted event is still there")
	}

	// An EventSource on /events still gets the stream.
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(cctx, "GET", srv.URL+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	for _, c := range a.c.Jar.Cookies(mustURL(t, srv.URL)) {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream at /events: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
