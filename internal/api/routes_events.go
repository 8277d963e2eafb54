package api

import (
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// Calendar events live under /api/v1/calendar-events: /api/v1/events is
// the realtime stream (SSE).

type calendarEventList service.List[store.Event]

type calendarEventInput struct {
	Title *string `json:"title,omitempty"`
	Body  *string `json:"body,omitempty"`
	// Start is an RFC 3339 time, or a local wall time YYYY-MM-DDTHH:MM in
	// the caller's time zone. Required when adding.
	Start *string `json:"start,omitempty"`
	// End is like start; "" removes it. Not before the start.
	End    *string   `json:"end,omitempty"`
	Place  *string   `json:"place,omitempty"`
	People *[]string `json:"people,omitempty"`
	// RemindOffset is how many minutes before its start this event
	// reminds the caller (0: at its start); absent: as chosen before, by
	// default the eventLeadMinutes of the reminder settings.
	RemindOffset *int `json:"remindOffset,omitempty"`
}

func (in *calendarEventInput) service() service.EventInput {
	return service.EventInput{Title: in.Title, Body: in.Body, Start: in.Start, End: in.End, Place: in.Place, People: in.People,
		RemindOffset: in.RemindOffset}
}

// registerEvents is the calendar events' route table.
func (s *Server) registerEvents() {
	add := func(rt route, ep endpoint) {
		rt.access, rt.tag = user, "calendar events"
		rt.scope = auth.ScopeRead
		if rt.method != "GET" {
			rt.scope = auth.ScopeWrite
		}
		s.add(rt, ep)
	}
	add(route{method: "GET", path: "/api/v1/calendar-events", summary: "The caller's calendar events by start, soonest first",
		description: "Events found in messages and transcripts (a meeting or plan with a day and a time), and those added by hand. " +
			"from and to bound the start; past=true lists the latest first.",
		query: append([]param{
			{"from", "Starting at or after (RFC 3339, or YYYY-MM-DD in the caller's time zone).", "string"},
			{"to", "Starting before (RFC 3339), or on or before that day (YYYY-MM-DD).", "string"},
			{"past", "List the latest start first (for past events).", "boolean"},
			filterQuery[0], filterQuery[1], filterQuery[2],
		}, pageQuery...)}, typed(s.listCalendarEvents))
	add(route{method: "POST", path: "/api/v1/calendar-events", status: http.StatusCreated, summary: "Add a calendar event"}, typed(s.createCalendarEvent))
	add(route{method: "GET", path: "/api/v1/calendar-events/{id}", summary: "One calendar event"}, typed(s.getCalendarEvent))
	add(route{method: "PATCH", path: "/api/v1/calendar-events/{id}", summary: "Change a calendar event",
		description: "A changed event counts as edited by hand: analysing its message again never changes or removes it."}, typed(s.updateCalendarEvent))
	add(route{method: "DELETE", path: "/api/v1/calendar-events/{id}", status: http.StatusNoContent, summary: "Delete a calendar event"},
		typed(s.deleteCalendarEvent))
}

func (s *Server) listCalendarEvents(c *call, _ *noBody) (calendarEventList, error) {
	q := c.r.URL.Query()
	past, err := boolQuery(c.r, "past")
	if err != nil {
		return calendarEventList{}, err
	}
	l, err := s.o.Service.Events(c.ctx(), c.userID, service.EventQuery{From: q.Get("from"), To: q.Get("to"), Past: past,
		Tag: q.Get("tag"), ChatID: q.Get("chatId"), Person: q.Get("person")}, pageOf(c.r))
	return calendarEventList(l), err
}

func (s *Server) createCalendarEvent(c *call, in *calendarEventInput) (store.Event, error) {
	return s.o.Service.CreateEvent(c.ctx(), c.userID, in.service())
}

func (s *Server) getCalendarEvent(c *call, _ *noBody) (store.Event, error) {
	return s.o.Service.Event(c.ctx(), c.userID, id(c))
}

func (s *Server) updateCalendarEvent(c *call, in *calendarEventInput) (store.Event, error) {
	return s.o.Service.UpdateEvent(c.ctx(), c.userID, id(c), in.service())
}

func (s *Server) deleteCalendarEvent(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.DeleteEvent(c.ctx(), c.userID, id(c))
}
