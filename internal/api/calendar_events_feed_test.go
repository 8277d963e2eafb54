package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestCalendarFeedEvents: calendar events are in the feed as VEVENTs with
// the person's zone, place and people, read by an independent parser;
// an edit moves them, a deletion removes them; another person's stay out.
func TestCalendarFeedEvents(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			srv := apptest.Start(t, apptest.Options{Dialect: d})
			ana, bruno := srv.Register("ana.events.feed@example.com"), srv.Register("bruno.events.feed@example.com")
			if r := srv.Do("PATCH", "/api/v1/auth/me", ana.Token, map[string]any{"timezone": "Europe/Lisbon"}); r.Status != http.StatusOK {
				t.Fatalf("time zone: %d %s", r.Status, r.Body)
			}
			day := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
			create := func(u apptest.User, body map[string]any) string {
				t.Helper()
				r := srv.Do("POST", "/api/v1/calendar-events", u.Token, body)
				if r.Status != http.StatusCreated {
					t.Fatalf("event: %d %s", r.Status, r.Body)
				}
				var e struct{ ID string }
				r.JSON(t, &e)
				return e.ID
			}
			id := create(ana, map[string]any{"title": "Lunch with Carla", "start": day + "T13:00", "place": "Café Central", "people": []string{"Carla"}})
			create(bruno, map[string]any{"title": "Bruno's dinner", "start": day + "T20:00"})
			url := makeFeed(t, srv, ana)
			f := fetchFeed(t, url)
			ev := f.byUID["event-"+id+"@synapse"]
			if f.status != http.StatusOK || ev == nil || strings.Contains(f.body, "Bruno") {
				t.Fatalf("feed: %d %v\n%s", f.status, f.byUID, f.body)
			}
			compact := strings.ReplaceAll(day, "-", "")
			start := prop(t, ev, "DTSTART")
			if start.Params.Get("TZID") != "Europe/Lisbon" || start.Value != compact+"T130000" {
				t.Fatalf("DTSTART %v %q", start.Params, start.Value)
			}
			if end := prop(t, ev, "DTEND"); end.Value != compact+"T140000" {
				t.Fatalf("DTEND %q (an event without an end lasts an hour)", end.Value)
			}
			if text(t, ev, "SUMMARY") != "Lunch with Carla" || text(t, ev, "LOCATION") != "Café Central" || !strings.Contains(text(t, ev, "DESCRIPTION"), "Carla") {
				t.Fatalf("event: %s", f.body)
			}
			if r := srv.Do("PATCH", "/api/v1/calendar-events/"+id, ana.Token, map[string]any{"start": day + "T14:30", "end": day + "T16:00"}); r.Status != http.StatusOK {
				t.Fatalf("edit: %d %s", r.Status, r.Body)
			}
			g := fetchFeed(t, url)
			if ev := g.byUID["event-"+id+"@synapse"]; ev == nil || prop(t, ev, "DTSTART").Value != compact+"T143000" || prop(t, ev, "DTEND").Value != compact+"T160000" {
				t.Fatalf("after the edit:\n%s", g.body)
			}
			if r := srv.Do("DELETE", "/api/v1/calendar-events/"+id, ana.Token, nil); r.Status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", r.Status, r.Body)
			}
			if g := fetchFeed(t, url); g.byUID["event-"+id+"@synapse"] != nil {
				t.Fatalf("a deleted event stays in the feed:\n%s", g.body)
			}
		})
	}
}
