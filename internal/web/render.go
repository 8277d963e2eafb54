package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageTemplate is one page: the layout, the shared partials and the page's
// own "title" and "content".
type pageTemplate struct{ t *template.Template }

// parsePages parses every page under templates/ with the layout.
func parsePages(funcs template.FuncMap) (map[string]pageTemplate, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := make(map[string]pageTemplate, len(names))
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || base == "parts.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", name)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", base, err)
		}
		out[strings.TrimSuffix(base, ".html")] = pageTemplate{t}
	}
	return out, nil
}

// page is what every template gets: the layout's needs and the page's own
// Data.
type page struct {
	Title string
	// Nav names the menu entry to mark as current.
	Nav string
	V   *viewer
	// State is the viewer's WhatsApp session, shown in the header.
	State whatsapp.State
	// Live lists the event types (space-separated) that make the script
	// refresh the page's #live region; LiveChat limits "message" events to
	// one chat.
	Live     liveKinds
	LiveChat string
	// Query is the search box's text.
	Query string
	// Path is the page's own path, for forms that come back to it; Here
	// is the path with its query (a list's filter and page).
	Path    string
	Here    string
	Flash   string
	Sim     bool
	Version string
	// Suggested counts the viewer's open suggestions (the menu's badge).
	Suggested int
	Data      any
	now       time.Time
}

func (p *page) loc() *time.Location {
	if p.V != nil {
		return p.V.Loc
	}
	return time.UTC
}

// When formats a moment for people: the time alone today, the day and time
// this year, the full date otherwise.
func (p *page) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t, now := t.In(p.loc()), p.now.In(p.loc())
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return t.Format("15:04")
	case t.Year() == now.Year():
		return t.Format("Mon 2 Jan, 15:04")
	}
	return t.Format("2 Jan 2006, 15:04")
}

// ChatName is how a chat is called on a page: the chat with one's own
// number is the notes to self.
func (p *page) ChatName(c store.Chat) string {
	if p.State.Me != nil && c.ID == p.State.Me.JID {
		return "Notes to self"
	}
	return chatLabel(c)
}

// liveKinds are the kinds whose events refresh a page's live region.
type liveKinds []domain.Kind

// String is the list as the page's script reads it: space-separated.
func (l liveKinds) String() string {
	s := make([]string, len(l))
	for i, k := range l {
		s[i] = string(k)
	}
	return strings.Join(s, " ")
}

// Day shows a calendar day (YYYY-MM-DD) as every page does: "Sat 5 Dec",
// with the year when it is not this one.
func (p *page) Day(day string) string {
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	if d.Year() == p.now.In(p.loc()).Year() {
		return d.Format("Mon 2 Jan")
	}
	return d.Format("Mon 2 Jan 2006")
}

// Clock is a moment's time of day, for messages under a day heading.
func (p *page) Clock(t time.Time) string { return t.In(p.loc()).Format("15:04") }

// dayLabel names t's day as people say it: Today, Yesterday, the weekday
// within a week, else the date ("Sat 5 Dec", with the year when it is not
// this one).
func dayLabel(t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	switch diff := dayNumber(now) - dayNumber(t); {
	case diff == 0:
		return "Today"
	case diff == 1:
		return "Yesterday"
	case diff > 1 && diff < 7:
		return t.Format("Monday")
	case t.Year() == now.Year():
		return t.Format("Mon 2 Jan")
	}
	return t.Format("Mon 2 Jan 2006")
}

// RetryAt is when the viewer's session next tries to connect (RFC 3339),
// or "".
func (p *page) RetryAt() string {
	if p.State.RetryAt == nil {
		return ""
	}
	return p.ISO(*p.State.RetryAt)
}

// ISO is a moment for <time datetime>.
func (p *page) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Due describes a task's due date; DueHasTime adds the time.
func (p *page) Due(t store.Task) string {
	if t.Due == nil {
		return ""
	}
	d := t.Due.In(p.loc())
	if t.DueHasTime {
		return p.When(d)
	}
	now := p.now.In(p.loc())
	switch days := dayNumber(d) - dayNumber(now); days {
	case 0:
		return "today"
	case 1:
		return "tomorrow"
	case -1:
		return "yesterday"
	}
	if d.Year() == now.Year() {
		return d.Format("Mon 2 Jan")
	}
	return d.Format("2 Jan 2006")
}

// Overdue reports whether an open task's due moment (or, for a date, its
// day) has passed.
func (p *page) Overdue(t store.Task) bool {
	if t.Done || t.Due == nil {
		return false
	}
	if t.DueHasTime {
		return t.Due.Before(p.now)
	}
	return dayNumber(t.Due.In(p.loc())) < dayNumber(p.now.In(p.loc()))
}

// dayNumber counts days since the epoch of t's calendar date.
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// flashes are the messages a redirect may ask a page to show (?ok=key):
// fixed texts, so that a link can never make a page say something else.
var flashes = map[string]string{
	"signedout":      "You are signed out.",
	"split":          "Split off: that message is an item of its own now.",
	"saved":          "Saved.",
	"deleted":        "Deleted.",
	"added":          "Added.",
	"restarted":      "The session is restarting.",
	"stopped":        "Disconnected. Your linked device is kept: connect again without a QR code.",
	"loggedout":      "Logged out: the device is unlinked from your phone.",
	"scanned":        "The simulated phone scanned the code.",
	"sent":           "Sent.",
	"snoozed":        "Snoozed.",
	"accepted":       "Accepted: it is in your tasks now.",
	"dismissed":      "Dismissed: it will not be suggested again.",
	"done":           "Done.",
	"older":          "Your phone was asked for older messages; they appear here as they arrive.",
	"queued":         "Summaries are being made; they appear below as they are ready.",
	"nothing":        "No group had messages that day, so there is nothing to summarise.",
	"everywhere":     "Every other browser and program is signed out.",
	"password":       "Your password is changed. Every other browser and program is signed out (personal access tokens stay until you revoke them).",
	"revoked":        "The token is revoked: programs using it are refused from now on.",
	"calendaroff":    "The calendar feed is revoked: calendars subscribed to it stop updating, and its address finds nothing.",
	"replayed":       "Queued to be sent again.",
	"connected":      "Connected.",
	"bookmarked":     "Saved. Its preview is being fetched.",
	"already":        "You already have that link.",
	"sessionop":      "Done.",
	"notpairing":     "The session is not showing a code to scan any more. Start again.",
	"notrunning":     "The session is not running.",
	"wrongcode":      "That code is not the one currently shown.",
	"unsupported":    "This engine cannot link with a phone number; scan the QR code instead.",
	"accountdeleted": "Your account and everything Synapse kept for you are deleted.",
	"userdeleted":    "The account and everything it kept are deleted.",
	"pushsent":       "A test notification is on its way to your subscribed browsers.",
	"pushfailed":     "The test notification could not be delivered; browsers their push service no longer knows are forgotten.",
	"nopush":         "No browser is subscribed yet: press Enable in a browser first.",
	"pushremoved":    "That browser gets no more notifications.",
	"pushon":         "This browser shows your notifications now. Send a test to see one.",
	"pushoff":        "This browser shows no more notifications.",
}

// render executes a page into a buffer (so that a template error is a clean
// 500) and sends it.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, v *viewer, status int, name string, p *page) {
	t, ok := h.pages[name]
	if !ok {
		h.fail(w, r, v, fmt.Errorf("web: no page %q", name))
		return
	}
	p.V, p.Version, p.now, p.Path, p.Here = v, h.o.Version, h.o.Now(), r.URL.Path, r.URL.RequestURI()
	p.Sim = h.o.Service.Simulated()
	if p.Flash == "" {
		p.Flash = flashes[r.URL.Query().Get("ok")]
	}
	if v != nil {
		if n, err := h.o.Service.OpenSuggestions(r.Context(), v.User.ID); err == nil {
			p.Suggested = n
		}
	}
	if v != nil && p.State.Status == "" {
		if st, err := h.o.Service.Status(r.Context(), v.User.ID); err == nil {
			p.State = st
		}
	}
	buf := h.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer h.bufs.Put(buf)
	if err := t.t.ExecuteTemplate(buf, "layout", p); err != nil {
		h.fail(w, r, v, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	if hdr.Get("Cache-Control") == "" {
		hdr.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// errorPage answers with a page saying what went wrong, in words for
// people.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, v *viewer, status int, msg string) {
	if isFetch(r) {
		http.Error(w, msg, status)
		return
	}
	title := http.StatusText(status)
	if status == http.StatusNotFound {
		title = "Not found"
	}
	h.render(w, r, v, status, "error", &page{Title: title, Data: struct {
		Status  int
		Message string
	}{status, msg}})
}

// fail answers a failed request: things that do not exist (or are someone
// else's) are 404, malformed page links 400, anything else a logged 500.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	var verr validate.Errors
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, service.ErrForbidden):
		h.errorPage(w, r, v, http.StatusNotFound, "There is nothing here, or it is not yours.")
	case errors.Is(err, service.ErrNoSimulator):
		h.errorPage(w, r, v, http.StatusNotFound, "There is no simulated phone: this server talks to the real WhatsApp.")
	case errors.Is(err, service.ErrUnavailable):
		h.errorPage(w, r, v, http.StatusServiceUnavailable, "This server is not set up to do that.")
	case errors.Is(err, whatsapp.ErrSimNotLinked), errors.Is(err, whatsapp.ErrSimNoClient):
		h.errorPage(w, r, v, http.StatusConflict, "The simulated phone is not linked yet. Open Connect, start the session and scan its code first.")
	case errors.Is(err, store.ErrBadCursor):
		h.errorPage(w, r, v, http.StatusBadRequest, "That page link is not valid. Start from the first page.")
	case errors.As(err, &verr):
		h.errorPage(w, r, v, http.StatusBadRequest, verr.Error())
	case errors.Is(err, context.Canceled):
		// The browser went away.
	default:
		attrs := []any{"method", r.Method, "path", r.URL.Path, "err", err}
		if v != nil {
			attrs = append(attrs, "user_id", v.User.ID)
		}
		id := service.ErrorID()
		h.o.Log.Error("web: request failed", append(attrs, "error_id", id)...)
		h.errorPage(w, r, v, http.StatusInternalServerError, "Something went wrong on our side. Try again in a moment; if it keeps happening, tell the administrator error "+id+".")
	}
}

// formErrors maps field names to what is wrong with them, for forms.
type formErrors map[string]string

func fieldErrors(err error) (formErrors, bool) {
	var verr validate.Errors
	if !errors.As(err, &verr) {
		return nil, false
	}
	fe := formErrors{}
	for _, f := range verr {
		if _, dup := fe[f.Field]; !dup {
			fe[f.Field] = f.Message
		}
	}
	return fe, true
}

func queryEscape(s string) string { return url.QueryEscape(s) }

// pageLink is the URL of the list page base with its query plus a cursor.
func pageLink(r *http.Request, cursor string) string {
	q := r.URL.Query()
	q.Del("ok")
	if cursor == "" {
		q.Del("cursor")
	} else {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return r.URL.Path
	}
	return r.URL.Path + "?" + q.Encode()
}

// pageOf reads ?cursor= for a list page of size n.
func pageOf(r *http.Request, n int) service.Page {
	return service.Page{Limit: n, Cursor: r.URL.Query().Get("cursor")}
}

// pager is a list page's navigation.
type pager struct {
	First  bool   // this is the first page
	Older  string // link to the next (older) page, if any
	Newest string // link to the first page
}

func newPager(r *http.Request, next string) pager {
	p := pager{First: r.URL.Query().Get("cursor") == "", Newest: pageLink(r, "")}
	if next != "" {
		p.Older = pageLink(r, next)
	}
	return p
}
