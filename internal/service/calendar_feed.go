package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/ical"
	"github.com/synapse-kb/synapse/internal/store"
)

// A person's private calendar feed: an ICS document of their dated items
// at a secret URL, which calendar apps (Google Calendar, Apple Calendar,
// Thunderbird) subscribe to and fetch again every few hours. Calendar apps
// cannot send credentials, so the secret in the URL is the credential: it
// is shown once, only its hash is kept, rotating makes a new one (the old
// URL stops working at once) and revoking deletes it.
//
// What a subscription shows is whatever the document holds at each fetch:
// an item deleted from Synapse disappears from the calendar at the next
// fetch, and a changed item keeps its UID and gets a higher SEQUENCE.
//
// Tasks are written twice, as a VTODO and as a VEVENT (different UIDs):
// Google Calendar and Apple Calendar ignore VTODOs in subscriptions, so
// only the VEVENT makes a task visible there (on its day, or as a
// 30-minute event at its due time, with "✓ " before the title once done);
// Thunderbird shows the VTODO in its task list with its status, and the
// VEVENT in the calendar.

// CalendarFeedPrefix starts every calendar feed secret.
const CalendarFeedPrefix = "syn_cal_"

// CalendarFeedPath is where feeds are served: CalendarFeedPath + secret +
// ".ics", without a log-in.
const CalendarFeedPath = "/calendar/"

// MaxCalendarTasks bounds the tasks one feed holds (the latest due first).
const MaxCalendarTasks = 5000

// calendarFetchEvery is how often, at most, a feed's last fetch is
// written.
const calendarFetchEvery = time.Minute

// Unknown feed secrets are limited per client address: calendarMissBurst
// misses, then one more every calendarMissEvery.
const (
	calendarMissBurst = 20
	calendarMissEvery = 6 * time.Second
)

// eventMinutes is how long a timed task lasts as a VEVENT.
const eventMinutes = 30

// CalendarFeed is the state of a person's calendar feed (never its URL,
// which is shown only when made).
type CalendarFeed struct {
	Exists bool `json:"exists"`
	// CreatedAt is when the current URL was made.
	CreatedAt *time.Time `json:"createdAt,omitempty"`
	// LastFetchedAt is when a calendar app last fetched it (recorded at
	// most once a minute); absent when never.
	LastFetchedAt *time.Time `json:"lastFetchedAt,omitempty"`
}

// CreatedCalendarFeed is a feed just made, with its URL: the only time the
// URL is shown.
type CreatedCalendarFeed struct {
	CalendarFeed
	URL string `json:"url"`
}

// CalendarDocument is a feed as served.
type CalendarDocument struct {
	Body []byte
	// ETag is a strong entity tag of Body (quoted).
	ETag string
	// Modified is when the document last changed (Last-Modified).
	Modified time.Time
}

// CalendarFeed returns the state of the person's feed.
func (s *Service) CalendarFeed(ctx context.Context, userID string) (CalendarFeed, error) {
	f, err := s.o.Store.CalendarFeed(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return CalendarFeed{}, nil
	}
	if err != nil {
		return CalendarFeed{}, err
	}
	return viewCalendarFeed(f), nil
}

func viewCalendarFeed(f store.CalendarFeed) CalendarFeed {
	v := CalendarFeed{Exists: true}
	c := f.CreatedAt
	v.CreatedAt = &c
	if !f.LastFetchedAt.IsZero() {
		l := f.LastFetchedAt
		v.LastFetchedAt = &l
	}
	return v
}

// CreateCalendarFeed makes the person's feed, or rotates it: a new secret
// URL replaces the old one, which from this moment is not found. origin
// (scheme and host of the request, such as https://synapse.example) makes
// the URL absolute unless the server's public URL is configured.
func (s *Service) CreateCalendarFeed(ctx context.Context, userID, origin string) (CreatedCalendarFeed, error) {
	if _, err := s.Me(ctx, userID); err != nil {
		return CreatedCalendarFeed{}, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return CreatedCalendarFeed{}, err
	}
	secret := CalendarFeedPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	f, err := s.o.Store.PutCalendarFeed(ctx, userID, hashCalendarSecret(secret))
	if err != nil {
		return CreatedCalendarFeed{}, err
	}
	s.o.Log.Info("calendar feed made", "user_id", userID)
	base := strings.TrimRight(s.o.PublicURL, "/")
	if base == "" {
		base = strings.TrimRight(origin, "/")
	}
	return CreatedCalendarFeed{CalendarFeed: viewCalendarFeed(f), URL: base + CalendarFeedPath + secret + ".ics"}, nil
}

// RevokeCalendarFeed deletes the person's feed: its URL is not found from
// this moment. ErrNotFound when they have none.
func (s *Service) RevokeCalendarFeed(ctx context.Context, userID string) error {
	if err := s.o.Store.DeleteCalendarFeed(ctx, userID); err != nil {
		return err
	}
	s.o.Log.Info("calendar feed revoked", "user_id", userID)
	return nil
}

func hashCalendarSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CalendarDocument renders the feed whose secret is secret, for a fetch
// from clientAddr. An unknown, rotated or revoked secret, or the feed of a
// disabled account, is store.ErrNotFound, or an *auth.RateLimitedError
// once clientAddr has asked for too many of those. Known secrets are never
// limited: one calendar service fetches many people's feeds from the same
// addresses.
//
// The secret is looked up by its SHA-256 (an index lookup that reveals
// nothing about the secret) and compared in constant time.
func (s *Service) CalendarDocument(ctx context.Context, secret, clientAddr string) (CalendarDocument, error) {
	now := s.o.Now()
	miss := func() (CalendarDocument, error) {
		if wait, ok := s.calMisses.miss(clientAddr, now); !ok {
			return CalendarDocument{}, &auth.RateLimitedError{RetryAfter: wait, Scope: auth.ScopeAddress}
		}
		return CalendarDocument{}, store.ErrNotFound
	}
	if !strings.HasPrefix(secret, CalendarFeedPrefix) || len(secret) > 200 {
		return miss()
	}
	hash := hashCalendarSecret(secret)
	f, st, err := s.o.Store.ResolveCalendarFeed(ctx, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return miss()
	case err != nil:
		return CalendarDocument{}, err
	case subtle.ConstantTimeCompare(f.TokenHash, hash) != 1, !st.DisabledAt.IsZero():
		return miss()
	}
	u, err := s.o.Store.UserByID(ctx, f.UserID)
	if err != nil {
		return CalendarDocument{}, err
	}
	b := &FeedBuilder{Loc: s.Location(u.Timezone), Host: s.uidHost()}
	for _, src := range s.calendarSources() {
		if err := src(ctx, f.UserID, b); err != nil {
			return CalendarDocument{}, err
		}
	}
	name := "Synapse"
	if u.Name != "" {
		name += " · " + u.Name
	}
	body := []byte(ical.EncodeString(b.calendar(name)))
	sum := sha256.Sum256(body)
	modified, err := s.o.Store.MarkCalendarFeedServed(ctx, f.UserID, hash, sum[:], now, calendarFetchEvery)
	if err != nil {
		return CalendarDocument{}, err
	}
	if modified.IsZero() {
		modified = now
	}
	return CalendarDocument{Body: body, ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`, Modified: modified}, nil
}

// uidHost ends every UID: the public URL's host, or "synapse" when none is
// configured. UIDs change when SYNAPSE_PUBLIC_URL is first set (calendar
// apps then replace every item once).
func (s *Service) uidHost() string {
	if u, err := url.Parse(s.o.PublicURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "synapse"
}

// A CalendarSource adds one kind of a person's dated items to their feed,
// through b (its UID, Stamp and Moment helpers keep items alike). Sources
// run in the order of calendarSources, and each writes its items in a
// stable order, so that an unchanged account serves the same bytes.
type CalendarSource func(ctx context.Context, userID string, b *FeedBuilder) error

// calendarSources are the sources of every feed. A new kind of dated item
// (calendar events) is one more function here.
func (s *Service) calendarSources() []CalendarSource {
	return []CalendarSource{s.taskCalendar, s.eventCalendar}
}

// MaxCalendarEvents bounds the calendar events in a feed: those starting
// from a year ago on, soonest first.
const MaxCalendarEvents = 2000

// eventCalendar adds the person's calendar events (meetings and plans) as
// VEVENTs: an event without an end lasts an hour.
func (s *Service) eventCalendar(ctx context.Context, userID string, b *FeedBuilder) error {
	now := s.o.Now()
	events, err := s.o.Store.EventsBetween(ctx, userID, now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0), MaxCalendarEvents)
	if err != nil {
		return err
	}
	for _, e := range events {
		ev := ical.Component{Name: "VEVENT"}
		ev.AddText("UID", b.UID("event", e.ID))
		b.Stamp(&ev, e.CreatedAt, e.UpdatedAt)
		ev.AddText("SUMMARY", e.Title)
		desc := e.Body
		if len(e.People) > 0 {
			if desc != "" {
				desc += "\n"
			}
			desc += "With " + strings.Join(e.People, ", ")
		}
		if desc != "" {
			ev.AddText("DESCRIPTION", desc)
		}
		if e.Place != "" {
			ev.AddText("LOCATION", e.Place)
		}
		start := e.Start.In(b.Loc)
		end := start.Add(time.Hour)
		if e.End != nil && e.End.After(e.Start) {
			end = e.End.In(b.Loc)
		}
		b.Moment(&ev, "DTSTART", start, true)
		b.Moment(&ev, "DTEND", end, true)
		ev.Add("STATUS", "CONFIRMED")
		b.Add(ev)
	}
	return nil
}

// FeedBuilder collects the components of one feed.
type FeedBuilder struct {
	// Loc is the person's time zone: timed moments are written in it.
	Loc *time.Location
	// Host ends every UID.
	Host string
	// first and last bound the moments written, for the VTIMEZONE.
	first, last time.Time
	items       []ical.Component
}

// UID is the stable UID of an item: kind-id@host.
func (b *FeedBuilder) UID(kind, id string) string {
	return kind + "-" + id + "@" + b.Host
}

// Add adds a component to the feed.
func (b *FeedBuilder) Add(c ical.Component) { b.items = append(b.items, c) }

// Stamp adds DTSTAMP, CREATED, LAST-MODIFIED and SEQUENCE to c for an item
// created at created and last changed at updated. DTSTAMP is the last
// change rather than the time of the fetch, so that an unchanged feed is
// the same document (ETag). SEQUENCE is the number of seconds between
// creation and the last change: it grows with every edit.
func (b *FeedBuilder) Stamp(c *ical.Component, created, updated time.Time) {
	if updated.Before(created) {
		updated = created
	}
	c.AddUTC("DTSTAMP", updated)
	c.AddUTC("CREATED", created)
	c.AddUTC("LAST-MODIFIED", updated)
	c.Add("SEQUENCE", strconv.FormatInt(int64(updated.Sub(created)/time.Second), 10))
}

// Moment adds a date property (DTSTART, DTEND, DUE) to c: the day of t in
// the person's zone as a DATE when !hasTime, else t's wall clock in the
// person's zone with its TZID.
func (b *FeedBuilder) Moment(c *ical.Component, name string, t time.Time, hasTime bool) {
	t = t.In(b.Loc)
	if b.first.IsZero() || t.Before(b.first) {
		b.first = t
	}
	if t.After(b.last) {
		b.last = t
	}
	if !hasTime {
		c.Add(name, ical.Date(t), ical.Param{Name: "VALUE", Value: "DATE"})
		return
	}
	c.Add(name, ical.Local(t), ical.Param{Name: "TZID", Value: b.Loc.String()})
}

// calendar is the VCALENDAR of everything added, with the VTIMEZONE of the
// person's zone for the years the items fall in.
func (b *FeedBuilder) calendar(name string) ical.Component {
	c := ical.Calendar("-//Synapse//Synapse calendar feed//EN", name, b.Loc.String())
	c.Add("REFRESH-INTERVAL", "PT1H", ical.Param{Name: "VALUE", Value: "DURATION"})
	c.Add("X-PUBLISHED-TTL", "PT1H")
	first, last := b.first, b.last
	if first.IsZero() {
		first, last = time.Date(2000, 1, 1, 0, 0, 0, 0, b.Loc), time.Date(2000, 1, 1, 0, 0, 0, 0, b.Loc)
	}
	// Whole years, a day's margin either side, so that the window (and
	// with it the document) moves only when the items' years do.
	from := time.Date(first.Year(), 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	to := time.Date(last.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	c.Children = append(c.Children, ical.Timezone(b.Loc, from, to))
	c.Children = append(c.Children, b.items...)
	return c
}

// taskCalendar is the tasks source: every dated task as a VTODO and a
// VEVENT.
func (s *Service) taskCalendar(ctx context.Context, userID string, b *FeedBuilder) error {
	tasks, err := s.o.Store.DatedTasks(ctx, userID, MaxCalendarTasks)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		due := t.Due.In(b.Loc)
		todo := ical.Component{Name: "VTODO"}
		todo.AddText("UID", b.UID("task", t.ID))
		b.Stamp(&todo, t.CreatedAt, t.UpdatedAt)
		todo.AddText("SUMMARY", t.Title)
		if t.Body != "" {
			todo.AddText("DESCRIPTION", t.Body)
		}
		b.Moment(&todo, "DUE", due, t.DueHasTime)
		if t.Done {
			todo.Add("STATUS", "COMPLETED")
			todo.Add("PERCENT-COMPLETE", "100")
			if t.DoneAt != nil {
				todo.AddUTC("COMPLETED", *t.DoneAt)
			}
		} else {
			todo.Add("STATUS", "NEEDS-ACTION")
		}
		b.Add(todo)

		ev := ical.Component{Name: "VEVENT"}
		ev.AddText("UID", b.UID("task", t.ID+"-due"))
		b.Stamp(&ev, t.CreatedAt, t.UpdatedAt)
		title := t.Title
		if t.Done {
			title = "✓ " + title
		}
		ev.AddText("SUMMARY", title)
		if t.Body != "" {
			ev.AddText("DESCRIPTION", t.Body)
		}
		if t.DueHasTime {
			b.Moment(&ev, "DTSTART", due, true)
			b.Moment(&ev, "DTEND", due.Add(eventMinutes*time.Minute), true)
		} else {
			day := time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, b.Loc)
			b.Moment(&ev, "DTSTART", day, false)
			b.Moment(&ev, "DTEND", day.AddDate(0, 0, 1), false)
		}
		ev.Add("TRANSP", "TRANSPARENT")
		ev.AddText("CATEGORIES", "Task")
		b.Add(ev)
	}
	return nil
}

// calendarMisses limits unknown feed secrets per client address.
type calendarMisses struct {
	mu sync.Mutex
	by map[string]*rate.Limiter
}

func (l *calendarMisses) limiter(addr string) *rate.Limiter {
	if l.by == nil {
		l.by = map[string]*rate.Limiter{}
	}
	lim := l.by[addr]
	if lim == nil {
		if len(l.by) > 100_000 {
			clear(l.by) // at worst an address gets its burst again
		}
		lim = rate.NewLimiter(rate.Every(calendarMissEvery), calendarMissBurst)
		l.by[addr] = lim
	}
	return lim
}

// miss counts an unknown secret from addr, and reports whether addr is
// still within its limit, or else how long until it is.
func (l *calendarMisses) miss(addr string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.limiter(addr).ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return max(d, time.Second), false
	}
	return 0, true
}
