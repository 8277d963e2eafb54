package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
)

// CalendarFeedPattern is the root router's pattern for the public calendar
// feeds (internal/app mounts the API there, outside the web UI's
// sessions).
const CalendarFeedPattern = "GET " + service.CalendarFeedPath + "{file}"

// registerCalendar adds the calendar feed: its management (a log-in only:
// the URL is a credential of its own) and the feed itself, public, at the
// secret URL.
func (s *Server) registerCalendar() {
	// /api/v1/calendar/feed is the name docs/ARCHITECTURE.md gave it
	// first; both answer alike.
	for _, path := range []string{"/api/v1/calendar-feed", "/api/v1/calendar/feed"} {
		alias := path != "/api/v1/calendar-feed"
		id := func(method string) string {
			if alias {
				return method + "CalendarFeedAlias"
			}
			return ""
		}
		s.add(route{method: "GET", path: path, tag: "calendar", access: user, scope: auth.ScopeRead, alias: alias, operationID: id("get"),
			summary: "Whether the caller has a calendar feed, when it was made and last fetched (never its URL)"}, typed(s.calendarFeed))
		s.add(route{method: "POST", path: path, tag: "calendar", access: user, scope: auth.ScopeSession, status: http.StatusCreated, alias: alias, operationID: id("post"),
			summary: "Make the caller's private calendar feed, or rotate it",
			description: "Answers the feed's secret URL, shown this once: only its hash is kept. Subscribe to it in Google Calendar, " +
				"Apple Calendar or Thunderbird. It holds every task with a due date (latest 5000), as a VTODO and as a VEVENT, in the caller's time zone. " +
				"Calling this again makes a new URL; the old one is not found from then on."}, typed(s.createCalendarFeed))
		s.add(route{method: "DELETE", path: path, tag: "calendar", access: user, scope: auth.ScopeSession, status: http.StatusNoContent, alias: alias, operationID: id("delete"),
			summary: "Revoke the caller's calendar feed", description: "Effective at once: its URL answers 404. 404 when there is none."},
			typed(s.revokeCalendarFeed))
	}
	s.add(route{method: "GET", path: service.CalendarFeedPath + "{file}", tag: "calendar", access: public, respRaw: "text/calendar",
		summary: "A private calendar feed (iCalendar, RFC 5545)",
		description: "{file} is the secret from POST /api/v1/calendar-feed followed by .ics; no other credential. " +
			"Supports If-None-Match (ETag) and If-Modified-Since (304). Unknown, rotated and revoked feeds are 404; " +
			"too many unknown ones from one address are 429."}, rawEndpoint(s.serveCalendar))
}

func (s *Server) calendarFeed(c *call, _ *noBody) (service.CalendarFeed, error) {
	return s.o.Service.CalendarFeed(c.ctx(), c.userID)
}

func (s *Server) createCalendarFeed(c *call, _ *noBody) (service.CreatedCalendarFeed, error) {
	return s.o.Service.CreateCalendarFeed(c.ctx(), c.userID, requestOrigin(c.r))
}

func (s *Server) revokeCalendarFeed(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.RevokeCalendarFeed(c.ctx(), c.userID)
}

// requestOrigin is the scheme and host the request was made to.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// serveCalendar serves a feed, or 304 when the client's copy is current.
func (s *Server) serveCalendar(w http.ResponseWriter, r *http.Request, _ *call) {
	secret, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		secret = "" // not found, and counted as a miss
	}
	doc, err := s.o.Service.CalendarDocument(r.Context(), secret, s.clientAddr(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("ETag", doc.ETag)
	h.Set("Last-Modified", doc.Modified.UTC().Format(http.TimeFormat))
	// The URL is a secret: no shared cache may keep the document.
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	if notModified(r, doc) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="synapse.ics"`)
	h.Set("Content-Length", strconv.Itoa(len(doc.Body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(doc.Body)
	}
}

// notModified applies RFC 9110's conditional GET: If-None-Match when
// present (weak comparison), else If-Modified-Since.
func notModified(r *http.Request, doc service.CalendarDocument) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == doc.ETag {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !doc.Modified.Truncate(time.Second).After(t)
	}
	return false
}
