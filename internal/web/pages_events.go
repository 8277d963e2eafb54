package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// Calendar events: /events lists upcoming (or, with ?view=past, past)
// events, with a form to add one, and each has an edit page and a delete
// confirmation. GET /events asked for as an event stream (Accept:
// text/event-stream) is still the realtime stream, now at /realtime, for
// pages loaded before the move.

// eventLive are the realtime types that refresh an events list.
var eventLive = liveKinds{domain.KindEvent, domain.Kind(domain.EventEventDeleted)}

// eventForm is an event as typed: a day, a start and an optional end time
// of that day (in the person's zone), and people separated by commas.
type eventForm struct {
	ID, Title, Body, Date, Start, End, Place, People string
}

type eventsData struct {
	Filter   listFilter
	Items    []store.Event
	PastView bool
	Pager    pager
	Form     eventForm
	Errors   formErrors
}

// eventsRoot serves GET /events: the page, or the realtime stream to a
// client that asks for one.
func (h *Handler) eventsRoot(page http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			h.events(w, r)
			return
		}
		page(w, r)
	}
}

func (h *Handler) eventsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderEvents(w, r, v, http.StatusOK, eventForm{}, nil)
}

func (h *Handler) renderEvents(w http.ResponseWriter, r *http.Request, v *viewer, status int, f eventForm, errs formErrors) {
	d := eventsData{Form: f, Errors: errs, PastView: r.URL.Query().Get("view") == "past"}
	var err error
	if d.Filter, err = h.readFilter(r, v, "/events"); err != nil {
		h.fail(w, r, v, err)
		return
	}
	now := h.o.Service.Now().Format(time.RFC3339)
	q := service.EventQuery{From: now}
	title := "Events"
	if d.PastView {
		q, title = service.EventQuery{To: now, Past: true}, "Past events"
		d.Filter.View = "past"
	}
	// Dates in the filter take the place of the view's bound on the start.
	if d.Filter.From != "" {
		q.From = d.Filter.From
	}
	if d.Filter.To != "" {
		q.To = d.Filter.To
	}
	q.Tag, q.ChatID, q.Person = d.Filter.Tag, d.Filter.Chat, d.Filter.Person
	p, err := h.o.Service.Events(r.Context(), v.User.ID, q, pageOf(r, itemsPerPage))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Items, d.Pager = p.Items, newPager(r, p.NextCursor)
	h.render(w, r, v, status, "events", &page{Title: title, Nav: "events", Live: eventLive, Data: d})
}

// readEvent reads an event form: the form as typed, and the service's
// input. A day and a start time make the start; the end time is on the same
// day, and none removes the end.
func readEvent(r *http.Request) (eventForm, service.EventInput) {
	f := eventForm{Title: formText(r, "title"), Body: formText(r, "body"), Date: strings.TrimSpace(formText(r, "date")),
		Start: strings.TrimSpace(formText(r, "start")), End: strings.TrimSpace(formText(r, "end")),
		Place: formText(r, "place"), People: formText(r, "people")}
	in := service.EventInput{Title: &f.Title, Body: &f.Body, Place: &f.Place}
	if f.Date != "" || f.Start != "" {
		start := f.Date + "T" + f.Start
		in.Start = &start
	}
	end := ""
	if f.End != "" {
		end = f.Date + "T" + f.End
	}
	in.End = &end
	people := []string{}
	for p := range strings.SplitSeq(f.People, ",") {
		if p = strings.TrimSpace(p); p != "" {
			people = append(people, p)
		}
	}
	in.People = &people
	return f, in
}

func (h *Handler) createEvent(w http.ResponseWriter, r *http.Request, v *viewer) {
	f, in := readEvent(r)
	e, err := h.o.Service.CreateEvent(r.Context(), v.User.ID, in)
	if errs, ok := fieldErrors(err); ok {
		h.renderEvents(w, r, v, http.StatusBadRequest, f, errs)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/events?ok=added#event-"+e.ID)
}

func (h *Handler) editEventPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	e, err := h.o.Service.Event(r.Context(), v.User.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	start := e.Start.In(v.Loc)
	f := eventForm{ID: e.ID, Title: e.Title, Body: e.Body, Date: start.Format("2006-01-02"), Start: start.Format("15:04"),
		Place: e.Place, People: strings.Join(e.People, ", ")}
	if e.End != nil {
		f.End = e.End.In(v.Loc).Format("15:04")
	}
	h.render(w, r, v, http.StatusOK, "event_edit", &page{Title: "Edit event", Nav: "events", Data: editData[eventForm]{Form: f, Item: e}})
}

func (h *Handler) updateEvent(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	cur, err := h.o.Service.Event(r.Context(), v.User.ID, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f, in := readEvent(r)
	f.ID = id
	if in.Start == nil {
		empty := ""
		in.Start = &empty // a cleared day and time is an error, not "unchanged"
	}
	_, err = h.o.Service.UpdateEvent(r.Context(), v.User.ID, id, in)
	if errs, ok := fieldErrors(err); ok {
		h.render(w, r, v, http.StatusBadRequest, "event_edit", &page{Title: "Edit event", Nav: "events",
			Data: editData[eventForm]{Form: f, Item: cur, Errors: errs}})
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/events?ok=saved#event-"+id)
}

func (h *Handler) deleteEvent(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Service.DeleteEvent(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/events?ok=deleted")
}

// EventTime shows when an event is, the way every page shows moments (see
// When), with its end: the time alone when it ends the same day.
func (p *page) EventTime(e store.Event) string {
	s := p.When(e.Start)
	if e.End == nil {
		return s
	}
	start, end := e.Start.In(p.loc()), e.End.In(p.loc())
	if start.Year() == end.Year() && start.YearDay() == end.YearDay() {
		return s + "–" + end.Format("15:04")
	}
	return s + " – " + p.When(*e.End)
}
