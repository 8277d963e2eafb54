package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestCalendarEvents: /api/v1/calendar-events adds, lists (by range and
// both ways), reads, changes and deletes the caller's events, reads local
// wall times in the caller's zone across a daylight-saving change, names
// the bad field of a bad request, announces changes in realtime, and
// answers 404 for another user's ids.
func TestCalendarEvents(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testCalendarEvents(t, d) })
	}
}

func testCalendarEvents(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	v := newDocValidator(t, srv)
	a, b := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	if r := srv.Do("PATCH", "/api/v1/auth/me", a.Token, map[string]string{"timezone": "America/New_York"}); r.Status != 200 {
		t.Fatalf("timezone: %d", r.Status)
	}
	ws := srv.OpenWS(a)

	create := func(body map[string]any) store.Event {
		t.Helper()
		r := srv.Do("POST", "/api/v1/calendar-events", a.Token, body)
		if r.Status != 201 {
			t.Fatalf("create %v: %d %s", body, r.Status, r.Body)
		}
		var e store.Event
		r.JSON(t, &e)
		return e
	}
	// New York leaves daylight saving on Sunday 1 November 2026: 15:00 is
	// 19:00 UTC before and 20:00 UTC after.
	before := create(map[string]any{"title": "Dentist", "start": "2026-10-30T15:00", "end": "2026-10-30T16:00", "place": "Main St", "people": []string{"Dr. Who"}})
	after := create(map[string]any{"title": "Meeting with Carla", "start": "2026-11-02 15:00", "people": []string{"Carla"}})
	utc := create(map[string]any{"title": "Call", "start": "2026-11-20T09:00:00Z"})
	if !before.Start.Equal(time.Date(2026, 10, 30, 19, 0, 0, 0, time.UTC)) || !before.End.Equal(time.Date(2026, 10, 30, 20, 0, 0, 0, time.UTC)) ||
		!after.Start.Equal(time.Date(2026, 11, 2, 20, 0, 0, 0, time.UTC)) || after.TimeZone != "America/New_York" || before.Source.Kind != "manual" {
		t.Fatalf("wall times across the change: %v %v %v (%s)", before.Start, before.End, after.Start, after.TimeZone)
	}
	if _, ok := ws.WaitFor(20*time.Second, func(e apptest.Event) bool {
		return e.Type == "event" && strings.Contains(string(e.Data), after.ID)
	}); !ok {
		t.Error("no realtime event for a created calendar event")
	}

	mine := []string{before.ID, after.ID, "Dentist", "Carla"}
	runScenarios(t, srv, v, []scenario{
		{"list soonest first", "GET", "/api/v1/calendar-events", a.Token, nil, 200, []string{`"title":"Dentist"`, "Carla", `"timeZone":"America/New_York"`}, nil},
		{"list a day range", "GET", "/api/v1/calendar-events?from=2026-11-01&to=2026-11-02", a.Token, nil, 200, []string{after.ID}, []string{before.ID, utc.ID}},
		{"list an instant range", "GET", "/api/v1/calendar-events?from=2026-11-03T00:00:00Z", a.Token, nil, 200, []string{utc.ID}, []string{before.ID, after.ID}},
		{"list bad from", "GET", "/api/v1/calendar-events?from=soon", a.Token, nil, 400, []string{"from"}, nil},
		{"list to before from", "GET", "/api/v1/calendar-events?from=2026-12-01&to=2026-11-01", a.Token, nil, 400, []string{`"to"`}, nil},
		{"list bad past", "GET", "/api/v1/calendar-events?past=perhaps", a.Token, nil, 400, []string{"past"}, nil},
		{"list bad cursor", "GET", "/api/v1/calendar-events?cursor=zzz", a.Token, nil, 400, []string{"invalid-cursor"}, nil},
		{"get", "GET", "/api/v1/calendar-events/" + before.ID, a.Token, nil, 200, []string{"Main St", "Dr. Who"}, nil},
		{"create without start", "POST", "/api/v1/calendar-events", a.Token, map[string]any{"title": "x"}, 400, []string{"start"}, nil},
		{"create without title", "POST", "/api/v1/calendar-events", a.Token, map[string]any{"start": "2026-11-02T10:00"}, 400, []string{"title"}, nil},
		{"create bad start", "POST", "/api/v1/calendar-events", a.Token, map[string]any{"title": "x", "start": "next friday"}, 400, []string{"start"}, nil},
		{"create end before start", "POST", "/api/v1/calendar-events", a.Token, map[string]any{"title": "x", "start": "2026-11-02T10:00", "end": "2026-11-02T09:00"}, 400, []string{`"end"`}, nil},
		{"create too many people", "POST", "/api/v1/calendar-events", a.Token, map[string]any{"title": "x", "start": "2026-11-02T10:00", "people": make([]string, 51)}, 400, []string{"people"}, nil},
		{"create long title", "POST", "/api/v1/calendar-events", a.Token, map[string]any{"title": strings.Repeat("x", 501), "start": "2026-11-02T10:00"}, 400, []string{"title"}, nil},
		{"update", "PATCH", "/api/v1/calendar-events/" + after.ID, a.Token, map[string]any{"title": "Meeting with Carla and Bea", "end": "2026-11-02T16:30"}, 200, []string{"and Bea", `"editedAt"`, "2026-11-02T21:30:00Z"}, nil},
		{"update end before start", "PATCH", "/api/v1/calendar-events/" + after.ID, a.Token, map[string]any{"end": "2026-11-01T10:00"}, 400, []string{`"end"`}, nil},
		{"update clears the end", "PATCH", "/api/v1/calendar-events/" + before.ID, a.Token, map[string]any{"end": ""}, 200, nil, []string{`"end"`}},
		{"other user's list", "GET", "/api/v1/calendar-events", b.Token, nil, 200, []string{`"items":[]`}, mine},
		{"other user's get", "GET", "/api/v1/calendar-events/" + before.ID, b.Token, nil, 404, []string{"not-found"}, mine[2:]},
		{"other user's update", "PATCH", "/api/v1/calendar-events/" + before.ID, b.Token, map[string]any{"title": "mine now"}, 404, nil, mine[2:]},
		{"other user's delete", "DELETE", "/api/v1/calendar-events/" + before.ID, b.Token, nil, 404, nil, nil},
		{"unknown id", "GET", "/api/v1/calendar-events/nope", a.Token, nil, 404, nil, nil},
		{"no token", "GET", "/api/v1/calendar-events", "", nil, 401, nil, mine},
		{"past, latest first", "GET", "/api/v1/calendar-events?past=true&limit=1", a.Token, nil, 200, []string{utc.ID, "nextCursor"}, nil},
	})

	// Paging through with the cursor, soonest first.
	var ids []string
	cursor := ""
	for {
		r := srv.Do("GET", "/api/v1/calendar-events?limit=2&cursor="+cursor, a.Token, nil)
		var l struct {
			Items      []store.Event `json:"items"`
			NextCursor string        `json:"nextCursor"`
		}
		if r.Status != 200 || json.Unmarshal(r.Body, &l) != nil {
			t.Fatalf("page: %d %s", r.Status, r.Body)
		}
		for _, e := range l.Items {
			ids = append(ids, e.ID)
		}
		if cursor = l.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(ids, ",") != strings.Join([]string{before.ID, after.ID, utc.ID}, ",") {
		t.Errorf("paged order %v", ids)
	}

	// Delete: gone for the owner, announced.
	if r := srv.Do("DELETE", "/api/v1/calendar-events/"+utc.ID, a.Token, nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("GET", "/api/v1/calendar-events/"+utc.ID, a.Token, nil); r.Status != 404 {
		t.Fatalf("deleted event: %d", r.Status)
	}
	if _, ok := ws.WaitFor(20*time.Second, func(e apptest.Event) bool {
		return e.Type == "event.deleted" && strings.Contains(string(e.Data), utc.ID)
	}); !ok {
		t.Error("no realtime event.deleted")
	}
	// Search finds events by kind.
	if r := srv.Do("GET", "/api/v1/search?q=carla&kinds=event", a.Token, nil); r.Status != 200 || !strings.Contains(string(r.Body), after.ID) {
		t.Errorf("search: %d %s", r.Status, r.Body)
	}
}
