package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/jobs"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

// Limits on calendar events.
const (
	// MaxEventPeople bounds the people of one event.
	MaxEventPeople = 50
	// MaxEventsBetween bounds one EventsBetween answer.
	MaxEventsBetween = store.MaxPageSize * 10
)

// EventQuery filters calendar events by start. From and To are RFC 3339
// times or days (YYYY-MM-DD in the person's time zone); a day in To
// includes that whole day. Past lists the latest first (default: the
// soonest first).
type EventQuery struct {
	From, To string
	Past     bool
	// Tag, ChatID and Person narrow the list as in Filter.
	Tag, ChatID, Person string
}

// Events lists one page of the caller's calendar events by start.
func (s *Service) Events(ctx context.Context, userID string, q EventQuery, p Page) (List[store.Event], error) {
	opts, err := listOptions(p)
	if err != nil {
		return List[store.Event]{}, err
	}
	f := store.EventFilter{Desc: q.Past}
	var errs validate.Errors
	nf := s.itemFilter(ctx, userID, Filter{Tag: q.Tag, ChatID: q.ChatID, Person: q.Person}, &errs)
	f.Tag, f.ChatID, f.Person = nf.Tag, nf.ChatID, nf.Person
	if q.From != "" || q.To != "" {
		loc := s.userLocation(ctx, userID)
		if q.From != "" {
			t, ok := parseMoment(strings.TrimSpace(q.From), loc, false)
			if !ok {
				errs.Add("from", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
			}
			f.From = &t
		}
		if q.To != "" {
			t, ok := parseMoment(strings.TrimSpace(q.To), loc, true)
			if !ok {
				errs.Add("to", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
			}
			f.To = &t
		}
		if f.From != nil && f.To != nil && errs.Err() == nil && f.To.Before(*f.From) {
			errs.Add("to", "must not be before from")
		}
	}
	if err := errs.Err(); err != nil {
		return List[store.Event]{}, err
	}
	return listOf(s.o.Store.ListEvents(ctx, userID, f, opts))
}

// UpcomingEvents returns up to limit (1…MaxEventsBetween) of the caller's
// events that have not ended (or, without an end, started) more than an
// hour ago, soonest first.
func (s *Service) UpcomingEvents(ctx context.Context, userID string, limit int) ([]store.Event, error) {
	from := s.o.Now().Add(-time.Hour)
	return s.o.Store.EventsBetween(ctx, userID, from, from.AddDate(100, 0, 0), min(max(limit, 1), MaxEventsBetween))
}

// EventsBetween returns the caller's events that start in [from, to),
// soonest first, at most limit (1…MaxEventsBetween) of them. It is the call
// for a calendar feed: no cursor, and instants, not days.
func (s *Service) EventsBetween(ctx context.Context, userID string, from, to time.Time, limit int) ([]store.Event, error) {
	return s.o.Store.EventsBetween(ctx, userID, from, to, min(max(limit, 1), MaxEventsBetween))
}

// Event is one of the caller's calendar events.
func (s *Service) Event(ctx context.Context, userID, id string) (store.Event, error) {
	if err := checkIDs(id); err != nil {
		return store.Event{}, err
	}
	e, err := s.o.Store.GetEvent(ctx, userID, id)
	if err == nil {
		e.Sources, err = s.ItemSources(ctx, userID, domain.KindEvent, id)
	}
	return e, err
}

// EventInput is a calendar event as typed; nil fields are not given (on an
// update, they stay as they are).
type EventInput struct {
	Title, Body, Place *string
	// Start is an RFC 3339 time, or a local wall time "YYYY-MM-DDTHH:MM"
	// (or with a space) in the person's time zone. Required when adding.
	Start *string
	// End is like Start; "" removes it. It may not be before the start.
	End    *string
	People *[]string
	// RemindOffset is how many minutes before its start this event
	// reminds (0: at its start); nil keeps the current choice (default:
	// the person's event lead time). RemindDefault forgets the choice.
	RemindOffset  *int
	RemindDefault bool
}

// parseWallTime reads an RFC 3339 time, or a local "YYYY-MM-DDTHH:MM[:SS]"
// (a space may replace the T) in loc.
func parseWallTime(v string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil && t.Year() >= 1900 && t.Year() <= 9999 {
		return t, true
	}
	v = strings.Replace(v, " ", "T", 1)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil && t.Year() >= 1900 && t.Year() <= 9999 {
			return t, true
		}
	}
	return time.Time{}, false
}

// eventPatch checks an event and turns it into a store patch. cur is the
// event being changed (nil when adding), so that an end is checked against
// the start it will have.
func (s *Service) eventPatch(ctx context.Context, userID string, in EventInput, cur *store.Event) (store.EventPatch, error) {
	var errs validate.Errors
	create := cur == nil
	if create || in.Title != nil {
		checkText(&errs, "title", in.Title, true, MaxTitle)
	}
	checkText(&errs, "body", in.Body, false, MaxBody)
	checkText(&errs, "place", in.Place, false, MaxTitle)
	p := store.EventPatch{Title: in.Title, Body: in.Body, Place: in.Place}
	loc := s.userLocation(ctx, userID)
	zone := loc.String()
	var start time.Time
	switch {
	case in.Start == nil && create:
		errs.Add("start", "is required")
	case in.Start == nil:
		start = cur.Start
	default:
		t, ok := parseWallTime(*in.Start, loc)
		if !ok {
			errs.Add("start", "must be an RFC 3339 time or a local time YYYY-MM-DDTHH:MM")
		}
		start, p.Start, p.TimeZone = t, &t, &zone
	}
	end := (*time.Time)(nil)
	if !create {
		end = cur.End
	}
	if in.End != nil {
		if strings.TrimSpace(*in.End) == "" {
			p.ClearEnd, end = true, nil
		} else if t, ok := parseWallTime(*in.End, loc); !ok {
			errs.Add("end", "must be an RFC 3339 time or a local time YYYY-MM-DDTHH:MM")
		} else {
			p.End, end = &t, &t
		}
	}
	if end != nil && !start.IsZero() && end.Before(start) {
		errs.Add("end", "must not be before the start")
	}
	if in.RemindOffset != nil && (*in.RemindOffset < 0 || *in.RemindOffset > MaxRemindOffset) {
		errs.Add("remindOffset", fmt.Sprintf("must be between 0 and %d minutes", MaxRemindOffset))
	}
	if in.People != nil {
		if len(*in.People) > MaxEventPeople {
			errs.Add("people", fmt.Sprintf("must name at most %d people", MaxEventPeople))
		}
		people := make([]string, 0, len(*in.People))
		for _, name := range *in.People {
			n := name
			checkText(&errs, "people", &n, false, MaxPersonName)
			if n != "" {
				people = append(people, n)
			}
		}
		p.People = &people
	}
	return p, errs.Err()
}

// CreateEvent adds a calendar event by hand and announces it.
func (s *Service) CreateEvent(ctx context.Context, userID string, in EventInput) (store.Event, error) {
	p, err := s.eventPatch(ctx, userID, in, nil)
	if err != nil {
		return store.Event{}, err
	}
	e := store.Event{Title: *p.Title, Body: deref(p.Body), Place: deref(p.Place), Start: *p.Start, End: p.End, TimeZone: deref(p.TimeZone)}
	if p.People != nil {
		e.People = *p.People
	}
	e, err = s.o.Store.CreateEvent(ctx, userID, e)
	if err != nil {
		return e, err
	}
	s.publish(userID, string(domain.KindEvent), e)
	var choice *jobs.ReminderChoice
	if in.RemindOffset != nil {
		choice = &jobs.ReminderChoice{OffsetMinutes: in.RemindOffset}
	}
	return e, s.syncEventReminder(ctx, userID, e, choice)
}

// eventChoice is the reminder choice an event update makes: a new start
// forgets a snooze (and brings back a dismissed reminder), keeping the
// event's own offset unless another is given.
func (s *Service) eventChoice(ctx context.Context, userID string, cur, e store.Event, in EventInput) *jobs.ReminderChoice {
	var c *jobs.ReminderChoice
	if !cur.Start.Equal(e.Start) || in.RemindDefault {
		c = &jobs.ReminderChoice{Reset: true}
		if old, err := s.o.Store.ReminderFor(ctx, userID, string(domain.KindEvent), e.ID); err == nil && !in.RemindDefault {
			c.OffsetMinutes = old.OffsetMinutes
		}
	}
	if in.RemindOffset != nil {
		if c == nil {
			c = &jobs.ReminderChoice{}
		}
		c.OffsetMinutes = in.RemindOffset
	}
	return c
}

// UpdateEvent changes a calendar event and announces it. The event counts
// as edited by hand from then on: analysing its source again never changes
// or removes it.
func (s *Service) UpdateEvent(ctx context.Context, userID, id string, in EventInput) (store.Event, error) {
	if err := checkIDs(id); err != nil {
		return store.Event{}, err
	}
	cur, err := s.o.Store.GetEvent(ctx, userID, id)
	if err != nil {
		return store.Event{}, err
	}
	p, err := s.eventPatch(ctx, userID, in, &cur)
	if err != nil {
		return store.Event{}, err
	}
	e, err := s.o.Store.UpdateEvent(ctx, userID, id, p)
	if err != nil {
		return e, err
	}
	s.publish(userID, string(domain.KindEvent), e)
	return e, s.syncEventReminder(ctx, userID, e, s.eventChoice(ctx, userID, cur, e, in))
}

// DeleteEvent deletes a calendar event and announces it as
// domain.EventEventDeleted {"id"}.
func (s *Service) DeleteEvent(ctx context.Context, userID, id string) error {
	if err := checkIDs(id); err != nil {
		return err
	}
	if err := s.o.Store.DeleteEvent(ctx, userID, id); err != nil {
		return err
	}
	s.publish(userID, domain.EventEventDeleted, map[string]string{"id": id})
	if s.o.Jobs == nil {
		return nil
	}
	return s.o.Store.WithTx(ctx, func(tx *store.Tx) error { return s.o.Jobs.DropEventReminderTx(ctx, tx, userID, id) })
}

// publish announces a change to the person's clients, when a publisher is
// set.
func (s *Service) publish(userID, typ string, data any) {
	if s.o.Publisher != nil {
		s.o.Publisher.Publish(userID, typ, data)
	}
}
