package api_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

type calendarStatus struct {
	Exists        bool       `json:"exists"`
	CreatedAt     *time.Time `json:"createdAt"`
	LastFetchedAt *time.Time `json:"lastFetchedAt"`
	URL           string     `json:"url"`
}

// fetched is a calendar feed as a calendar app gets it.
type fetched struct {
	status int
	header http.Header
	body   string
	// byUID holds the VEVENTs and VTODOs, parsed by an independent parser.
	byUID map[string]*goical.Component
	cal   *goical.Calendar
}

// fetchFeed GETs a feed URL without credentials, as calendar apps do, with
// the extra headers, and parses a 200 with go-ical.
func fetchFeed(t *testing.T, url string, headers ...string) fetched {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	f := fetched{status: resp.StatusCode, header: resp.Header, body: string(b), byUID: map[string]*goical.Component{}}
	if resp.StatusCode != http.StatusOK {
		return f
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	for i, line := range strings.Split(strings.TrimSuffix(f.body, "\r\n"), "\r\n") {
		if len(line) > 75 || strings.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d is not a folded CRLF line: %q", i, line)
		}
	}
	f.cal, err = goical.NewDecoder(bytes.NewReader(b)).Decode()
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, b)
	}
	if err := goical.NewEncoder(io.Discard).Encode(f.cal); err != nil {
		t.Fatalf("the feed is not valid iCalendar: %v\n%s", err, b)
	}
	for _, c := range f.cal.Children {
		if c.Name == "VEVENT" || c.Name == "VTODO" {
			uid := c.Props.Get("UID").Value
			if f.byUID[uid] != nil {
				t.Fatalf("UID %s twice", uid)
			}
			f.byUID[uid] = c
		}
	}
	return f
}

func prop(t *testing.T, c *goical.Component, name string) *goical.Prop {
	t.Helper()
	p := c.Props.Get(name)
	if p == nil {
		t.Fatalf("%s has no %s: %v", c.Name, name, c.Props)
	}
	return p
}

func text(t *testing.T, c *goical.Component, name string) string {
	t.Helper()
	s, err := prop(t, c, name).Text()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func seq(t *testing.T, c *goical.Component) int {
	t.Helper()
	n, err := strconv.Atoi(prop(t, c, "SEQUENCE").Value)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func makeFeed(t *testing.T, srv *apptest.Server, u apptest.User) string {
	t.Helper()
	r := srv.Do("POST", "/api/v1/calendar-feed", u.Token, nil)
	if r.Status != http.StatusCreated {
		t.Fatalf("make feed: %d %s", r.Status, r.Body)
	}
	var st calendarStatus
	r.JSON(t, &st)
	if !st.Exists || st.CreatedAt == nil || !strings.HasPrefix(st.URL, srv.URL+"/calendar/syn_cal_") || !strings.HasSuffix(st.URL, ".ics") {
		t.Fatalf("made %+v", st)
	}
	return st.URL
}

func feedStatus(t *testing.T, srv *apptest.Server, token string) calendarStatus {
	t.Helper()
	r := srv.Do("GET", "/api/v1/calendar-feed", token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("feed status: %d %s", r.Status, r.Body)
	}
	var st calendarStatus
	r.JSON(t, &st)
	if st.URL != "" || strings.Contains(string(r.Body), "syn_cal_") {
		t.Fatalf("the status shows the secret: %s", r.Body)
	}
	return st
}

func TestCalendarFeed(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testCalendarFeed(t, d) })
	}
}

func testCalendarFeed(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	ana, bruno := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	if r := srv.Do("PATCH", "/api/v1/auth/me", ana.Token, map[string]any{"timezone": "Europe/Lisbon"}); r.Status != http.StatusOK {
		t.Fatalf("time zone: %d %s", r.Status, r.Body)
	}
	newTask := func(u apptest.User, body map[string]any) string {
		t.Helper()
		r := srv.Do("POST", "/api/v1/tasks", u.Token, body)
		if r.Status != http.StatusCreated {
			t.Fatalf("task: %d %s", r.Status, r.Body)
		}
		var tk struct{ ID string }
		r.JSON(t, &tk)
		return tk.ID
	}
	timed := newTask(ana, map[string]any{"title": "Dentist, then pharmacy; bring \\ card", "body": "line one\nline two", "due": "2030-07-01T09:30:00Z"})
	dated := newTask(ana, map[string]any{"title": "Pay rent", "due": "2030-01-02"})
	newTask(ana, map[string]any{"title": "Someday, no date"})
	newTask(bruno, map[string]any{"title": "Bruno's secret errand", "due": "2030-01-03"})

	if st := feedStatus(t, srv, ana.Token); st.Exists {
		t.Fatalf("a feed before one is made: %+v", st)
	}
	url := makeFeed(t, srv, ana)

	f := fetchFeed(t, url)
	if f.status != http.StatusOK {
		t.Fatalf("feed: %d %s", f.status, f.body)
	}
	for name, want := range map[string]string{"VERSION": "2.0", "METHOD": "PUBLISH", "CALSCALE": "GREGORIAN", "X-WR-TIMEZONE": "Europe/Lisbon"} {
		if got := f.cal.Props.Get(name); got == nil || got.Value != want {
			t.Errorf("calendar %s = %v, want %s", name, got, want)
		}
	}
	if f.cal.Props.Get("PRODID") == nil || f.cal.Props.Get("X-WR-CALNAME") == nil {
		t.Error("no PRODID or X-WR-CALNAME")
	}
	if tz := f.cal.Children[0]; tz.Name != "VTIMEZONE" || tz.Props.Get("TZID").Value != "Europe/Lisbon" || len(tz.Children) < 3 {
		t.Errorf("first component %s %v", tz.Name, tz.Props)
	}
	if len(f.byUID) != 4 || strings.Contains(f.body, "Someday") || strings.Contains(f.body, "Bruno") {
		t.Fatalf("the feed holds %d items (want ana's 2 dated tasks, each a VTODO and a VEVENT):\n%s", len(f.byUID), f.body)
	}
	todo, ev := f.byUID["task-"+timed+"@synapse"], f.byUID["task-"+timed+"-due@synapse"]
	if todo == nil || todo.Name != "VTODO" || ev == nil || ev.Name != "VEVENT" {
		t.Fatalf("no VTODO and VEVENT with the task's UIDs: %v", f.byUID)
	}
	if got := text(t, todo, "SUMMARY"); got != "Dentist, then pharmacy; bring \\ card" {
		t.Errorf("summary %q", got)
	}
	if got := text(t, ev, "DESCRIPTION"); got != "line one\nline two" {
		t.Errorf("description %q", got)
	}
	// 09:30 UTC is 10:30 in Lisbon in July (WEST).
	due := prop(t, todo, "DUE")
	if due.Params.Get("TZID") != "Europe/Lisbon" || due.Value != "20300701T103000" {
		t.Errorf("DUE %v %s", due.Params, due.Value)
	}
	if at, err := due.DateTime(nil); err != nil || !at.Equal(time.Date(2030, 7, 1, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("DUE is %v (%v)", at, err)
	}
	if start, err := prop(t, ev, "DTSTART").DateTime(nil); err != nil || !start.Equal(time.Date(2030, 7, 1, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("DTSTART is %v (%v)", start, err)
	}
	if p := prop(t, ev, "DTSTART"); p.Params.Get("TZID") != "Europe/Lisbon" {
		t.Errorf("DTSTART %v", p.Params)
	}
	if got := text(t, todo, "STATUS"); got != "NEEDS-ACTION" {
		t.Errorf("status %q", got)
	}
	dtodo, dev := f.byUID["task-"+dated+"@synapse"], f.byUID["task-"+dated+"-due@synapse"]
	if p := prop(t, dtodo, "DUE"); p.Value != "20300102" || p.Params.Get("VALUE") != "DATE" {
		t.Errorf("all-day DUE %v %s", p.Params, p.Value)
	}
	if s, e := prop(t, dev, "DTSTART"), prop(t, dev, "DTEND"); s.Value != "20300102" || e.Value != "20300103" || s.Params.Get("VALUE") != "DATE" {
		t.Errorf("all-day event %s..%s", s.Value, e.Value)
	}
	seq0, mod0 := seq(t, todo), prop(t, todo, "LAST-MODIFIED").Value
	etag, lastMod := f.header.Get("ETag"), f.header.Get("Last-Modified")
	if etag == "" || lastMod == "" {
		t.Fatalf("no validators: %v", f.header)
	}
	if st := feedStatus(t, srv, ana.Token); !st.Exists || st.LastFetchedAt == nil {
		t.Errorf("status after a fetch: %+v", st)
	}

	// Unchanged: conditional requests answer 304 with no body.
	if g := fetchFeed(t, url, "If-None-Match", etag); g.status != http.StatusNotModified || g.body != "" || g.header.Get("ETag") != etag {
		t.Errorf("If-None-Match: %d %q", g.status, g.body)
	}
	if g := fetchFeed(t, url, "If-Modified-Since", lastMod); g.status != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", g.status)
	}
	if g := fetchFeed(t, url); g.body != f.body {
		t.Error("an unchanged feed is not the same document")
	}

	// An edit: same UID, later due time, higher SEQUENCE.
	time.Sleep(1100 * time.Millisecond) // SEQUENCE counts seconds
	if r := srv.Do("PATCH", "/api/v1/tasks/"+timed, ana.Token, map[string]any{"title": "Dentist moved", "due": "2030-07-01T14:00:00Z"}); r.Status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	g := fetchFeed(t, url, "If-None-Match", etag)
	if g.status != http.StatusOK || g.header.Get("ETag") == etag {
		t.Fatalf("after an edit: %d, ETag %s", g.status, g.header.Get("ETag"))
	}
	todo, ev = g.byUID["task-"+timed+"@synapse"], g.byUID["task-"+timed+"-due@synapse"]
	if text(t, ev, "SUMMARY") != "Dentist moved" || prop(t, todo, "DUE").Value != "20300701T150000" || prop(t, ev, "DTSTART").Value != "20300701T150000" {
		t.Errorf("the edit is not in the feed:\n%s", g.body)
	}
	if seq(t, todo) <= seq0 || seq(t, ev) <= seq0 || prop(t, todo, "LAST-MODIFIED").Value == mod0 {
		t.Errorf("SEQUENCE %d after %d, LAST-MODIFIED %s", seq(t, todo), seq0, prop(t, todo, "LAST-MODIFIED").Value)
	}

	// Completion: the VTODO is COMPLETED, the VEVENT stays, ticked.
	if r := srv.Do("PATCH", "/api/v1/tasks/"+dated, ana.Token, map[string]any{"done": true}); r.Status != http.StatusOK {
		t.Fatalf("done: %d %s", r.Status, r.Body)
	}
	g = fetchFeed(t, url)
	dtodo, dev = g.byUID["task-"+dated+"@synapse"], g.byUID["task-"+dated+"-due@synapse"]
	if text(t, dtodo, "STATUS") != "COMPLETED" || prop(t, dtodo, "COMPLETED") == nil || !strings.HasPrefix(text(t, dev, "SUMMARY"), "✓ ") {
		t.Errorf("completion is not in the feed:\n%s", g.body)
	}

	// Deletion: both components are gone.
	etag = g.header.Get("ETag")
	if r := srv.Do("DELETE", "/api/v1/tasks/"+timed, ana.Token, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	g = fetchFeed(t, url, "If-None-Match", etag)
	if g.status != http.StatusOK || len(g.byUID) != 2 || g.byUID["task-"+timed+"@synapse"] != nil || g.byUID["task-"+timed+"-due@synapse"] != nil {
		t.Errorf("after a deletion: %d, %d items", g.status, len(g.byUID))
	}
	if lm, err := http.ParseTime(g.header.Get("Last-Modified")); err != nil || lm.Before(mustParseHTTPTime(t, lastMod)) {
		t.Errorf("Last-Modified %s after %s", g.header.Get("Last-Modified"), lastMod)
	}

	// Isolation: bruno's credentials see only his own feed, and his feed
	// only his items.
	if st := feedStatus(t, srv, bruno.Token); st.Exists {
		t.Errorf("bruno sees a feed: %+v", st)
	}
	isProblem(t, srv.Do("DELETE", "/api/v1/calendar-feed", bruno.Token, nil), http.StatusNotFound, "not-found")
	brunoRead := makeToken(t, srv, bruno, "reader", "read", "write")
	if st := feedStatus(t, srv, brunoRead.Token); st.Exists {
		t.Errorf("bruno's token sees a feed: %+v", st)
	}
	isProblem(t, srv.Do("POST", "/api/v1/calendar-feed", brunoRead.Token, nil), http.StatusForbidden, "insufficient-scope")
	isProblem(t, srv.Do("DELETE", "/api/v1/calendar-feed", brunoRead.Token, nil), http.StatusForbidden, "insufficient-scope")
	bURL := makeFeed(t, srv, bruno)
	if b := fetchFeed(t, bURL); b.status != http.StatusOK || len(b.byUID) != 2 || !strings.Contains(b.body, "Bruno") || strings.Contains(b.body, "Pay rent") {
		t.Errorf("bruno's feed: %d\n%s", b.status, b.body)
	}
	if g := fetchFeed(t, url); g.status != http.StatusOK || strings.Contains(g.body, "Bruno") {
		t.Errorf("ana's feed after bruno made his: %d", g.status)
	}
	anaRead := makeToken(t, srv, ana, "reader", "read")
	if st := feedStatus(t, srv, anaRead.Token); !st.Exists {
		t.Errorf("ana's read token does not see her feed: %+v", st)
	}

	// Rotation: the old URL is gone at once, the new one works.
	rotated := makeFeed(t, srv, ana)
	if rotated == url {
		t.Fatal("rotation kept the URL")
	}
	isProblem(t, srv.Do("GET", strings.TrimPrefix(url, srv.URL), "", nil), http.StatusNotFound, "not-found")
	if g := fetchFeed(t, rotated); g.status != http.StatusOK || len(g.byUID) != 2 {
		t.Errorf("rotated feed: %d", g.status)
	}

	// Revocation: at once.
	if r := srv.Do("DELETE", "/api/v1/calendar-feed", ana.Token, nil); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	isProblem(t, srv.Do("GET", strings.TrimPrefix(rotated, srv.URL), "", nil), http.StatusNotFound, "not-found")
	if st := feedStatus(t, srv, ana.Token); st.Exists {
		t.Errorf("status after revocation: %+v", st)
	}
	isProblem(t, srv.Do("DELETE", "/api/v1/calendar-feed", ana.Token, nil), http.StatusNotFound, "not-found")
	if b := fetchFeed(t, bURL); b.status != http.StatusOK {
		t.Errorf("bruno's feed after ana revoked hers: %d", b.status)
	}

	// Not feeds.
	for _, p := range []string{"/calendar/nothing.ics", "/calendar/syn_cal_nothing.ics", "/calendar/" + strings.TrimSuffix(strings.TrimPrefix(bURL, srv.URL+"/calendar/"), ".ics")} {
		if r := srv.Do("GET", p, "", nil); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, r.Status)
		}
	}
}

func mustParseHTTPTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := http.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCalendarFeedMissesAreLimited: unknown secrets from one address are
// refused with 429 after a burst, while a known feed still answers (one
// calendar service fetches many people's feeds from one address).
func TestCalendarFeedMissesAreLimited(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	u := srv.Register("ana@example.com")
	url := makeFeed(t, srv, u)
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		r := srv.Do("GET", "/calendar/syn_cal_guess"+strconv.Itoa(i)+".ics", "", nil)
		switch r.Status {
		case http.StatusNotFound:
		case http.StatusTooManyRequests:
			limited = r.Header.Get("Retry-After") != ""
		default:
			t.Fatalf("guess %d: %d %s", i, r.Status, r.Body)
		}
	}
	if !limited {
		t.Fatal("40 guesses were never limited")
	}
	if g := fetchFeed(t, url); g.status != http.StatusOK {
		t.Errorf("the real feed answers %d while the address is limited", g.status)
	}
}

// TestCalendarFeedAlias: /api/v1/calendar/feed (the architecture's first
// name) is the same resource.
func TestCalendarFeedAlias(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	u := srv.Register("ana@example.com")
	r := srv.Do("POST", "/api/v1/calendar/feed", u.Token, nil)
	var st calendarStatus
	r.JSON(t, &st)
	if r.Status != http.StatusCreated || st.URL == "" {
		t.Fatalf("POST alias: %d %s", r.Status, r.Body)
	}
	if st := feedStatus(t, srv, u.Token); !st.Exists {
		t.Fatal("the alias made no feed")
	}
	if r := srv.Do("DELETE", "/api/v1/calendar/feed", u.Token, nil); r.Status != http.StatusNoContent {
		t.Fatalf("DELETE alias: %d", r.Status)
	}
	if g := fetchFeed(t, st.URL); g.status != http.StatusNotFound {
		t.Fatalf("revoked through the alias: %d", g.status)
	}
}
