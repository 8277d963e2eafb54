package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

var calendarURL = regexp.MustCompile(`id="calendar-url" type="text" readonly value="([^"]+)"`)

// testCalendar: Settings makes, rotates and revokes the calendar feed; the
// address is on the page that made it and nowhere after; it works without
// a log-in, stops at once when rotated or revoked, and bob's actions never
// touch ana's feed.
func testCalendar(t *testing.T, srv *apptest.Server) {
	a, b := newBrowser(t, srv), newBrowser(t, srv)
	a.signUp("ana.calendar@example.com")
	b.signUp("bob.calendar@example.com")
	if r := a.get("/settings"); !strings.Contains(r.body, `id="calendar"`) || !strings.Contains(r.body, "Make a calendar address") {
		t.Fatalf("settings:\n%s", r.body)
	}
	create := func(br *browser) string {
		t.Helper()
		r := br.post("/settings/calendar", nil)
		m := calendarURL.FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil || r.header.Get("Cache-Control") != "no-store" || !strings.Contains(r.body, "Google Calendar") ||
			!strings.Contains(r.body, "Thunderbird") || !strings.Contains(r.body, `data-copy="calendar-url"`) {
			t.Fatalf("make feed: %d %v\n%s", r.status, r.header, r.body)
		}
		return html.UnescapeString(m[1])
	}
	feed := create(a)
	path := strings.TrimPrefix(feed, srv.URL)
	if !strings.HasPrefix(path, "/calendar/syn_cal_") {
		t.Fatalf("address %s", feed)
	}
	if r := srv.Do("GET", path, "", nil); r.Status != http.StatusOK || !strings.HasPrefix(string(r.Body), "BEGIN:VCALENDAR\r\n") {
		t.Fatalf("feed: %d %s", r.Status, r.Body)
	}
	if r := a.get("/settings"); strings.Contains(r.body, path) || !strings.Contains(r.body, "Make a new address") || !strings.Contains(r.body, "last fetched") {
		t.Fatalf("settings after making a feed (address shown again, or state missing):\n%s", r.body)
	}
	// Bob's revocation and rotation are his own.
	if r := b.post("/settings/calendar/revoke", nil); r.status != http.StatusSeeOther {
		t.Fatalf("bob revokes: %d", r.status)
	}
	create(b)
	if r := srv.Do("GET", path, "", nil); r.Status != http.StatusOK {
		t.Fatalf("ana's feed after bob's actions: %d", r.Status)
	}
	rotated := strings.TrimPrefix(create(a), srv.URL)
	if rotated == path {
		t.Fatal("rotation kept the address")
	}
	if r := srv.Do("GET", path, "", nil); r.Status != http.StatusNotFound {
		t.Fatalf("old address after rotation: %d", r.Status)
	}
	if r := a.post("/settings/calendar/revoke", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/settings?ok=calendaroff#calendar" {
		t.Fatalf("revoke: %d %s", r.status, r.header.Get("Location"))
	}
	if r := srv.Do("GET", rotated, "", nil); r.Status != http.StatusNotFound {
		t.Fatalf("revoked address: %d", r.Status)
	}
	if r := a.get("/settings"); !strings.Contains(r.body, "Make a calendar address") {
		t.Fatalf("settings after revoking:\n%s", r.body)
	}
}
