package service

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/jobs"
	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

// Tasks.

// TaskQuery filters tasks: Done nil lists both open and done ones.
type TaskQuery struct {
	Done *bool
	Filter
}

// Tasks lists the caller's tasks, newest first.
func (s *Service) Tasks(ctx context.Context, userID string, q TaskQuery, p Page) (List[store.Task], error) {
	f, opts, err := s.filterAndPage(ctx, userID, q.Filter, p)
	if err != nil {
		return List[store.Task]{}, err
	}
	return listOf(s.o.Store.ListTasks(ctx, userID, store.TaskFilter{Done: q.Done, ItemFilter: f}, opts))
}

// MaxOpenTasks bounds one request for open tasks.
const MaxOpenTasks = 1000

// OpenTasks lists up to limit open tasks, soonest due first.
func (s *Service) OpenTasks(ctx context.Context, userID string, limit int) ([]store.Task, error) {
	return s.o.Store.OpenTasks(ctx, userID, min(max(limit, 1), MaxOpenTasks))
}

// Task is one of the caller's tasks.
func (s *Service) Task(ctx context.Context, userID, id string) (store.Task, error) {
	if err := checkIDs(id); err != nil {
		return store.Task{}, err
	}
	t, err := s.o.Store.GetTask(ctx, userID, id)
	if err == nil {
		t.Sources, err = s.ItemSources(ctx, userID, domain.KindTask, id)
	}
	return t, err
}

// TaskInput is a task as typed; nil fields are not given (on an update,
// they stay as they are).
type TaskInput struct {
	Title, Body *string
	// Due is a day (YYYY-MM-DD, in the person's time zone) or an RFC 3339
	// time; "" removes the due date.
	Due *string
	// DueTime is a time of day (HH:MM) on the Due day.
	DueTime *string
	Done    *bool
	// RemindAt is when the task reminds: an RFC 3339 time or
	// YYYY-MM-DDTHH:MM in the person's zone; "" goes back to the default
	// (the due time less the offset).
	RemindAt *string
	// RemindOffset is how many minutes before the due time it reminds.
	RemindOffset *int
}

// taskPatch checks a task and turns it into a store patch.
func (s *Service) taskPatch(ctx context.Context, userID string, in TaskInput, create bool) (store.TaskPatch, error) {
	var errs validate.Errors
	if create || in.Title != nil {
		checkText(&errs, "title", in.Title, true, MaxTitle)
	}
	checkText(&errs, "body", in.Body, false, MaxBody)
	p := store.TaskPatch{Title: in.Title, Body: in.Body, Done: in.Done}
	if in.Due != nil || in.DueTime != nil {
		var due, clock string
		if in.Due != nil {
			due = *in.Due
		}
		if in.DueTime != nil {
			clock = *in.DueTime
		}
		t, hasTime, clear, msg := parseDue(due, clock, func() *time.Location { return s.userLocation(ctx, userID) })
		switch {
		case msg != "":
			errs.Add("due", msg)
		case clear && in.Due != nil:
			p.ClearDue = true
		case t != nil:
			p.Due, p.DueHasTime = t, &hasTime
		}
	}
	return p, errs.Err()
}

// parseDue reads a due date: a day (YYYY-MM-DD, in the zone loc returns)
// with an optional time of day (HH:MM), or an RFC 3339 time. No day means
// no due date (clear); a time without a day, or anything else, is an error
// msg for the "due" field.
func parseDue(due, clock string, loc func() *time.Location) (t *time.Time, hasTime, clear bool, msg string) {
	due, clock = strings.TrimSpace(due), strings.TrimSpace(clock)
	if due == "" {
		if clock != "" {
			return nil, false, false, "give a date for the time"
		}
		return nil, false, true, ""
	}
	if clock == "" {
		if at, err := time.Parse(time.RFC3339, due); err == nil && at.Year() >= 1900 && at.Year() <= 9999 {
			return &at, true, false, ""
		}
	}
	d, ok := parseDay(due)
	if !ok {
		return nil, false, false, "must be a date (YYYY-MM-DD) or an RFC 3339 time"
	}
	l := loc()
	at := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, l)
	if clock == "" {
		return &at, false, false, ""
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return nil, false, false, "must have its time of day as HH:MM"
	}
	at = time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, l)
	return &at, true, false, ""
}

// userLocation is the user's time zone (UTC when it cannot be read).
func (s *Service) userLocation(ctx context.Context, userID string) *time.Location {
	u, err := s.o.Store.UserByID(ctx, userID)
	if err != nil {
		return time.UTC
	}
	return s.Location(u.Timezone)
}

// CreateTask adds a task by hand.
func (s *Service) CreateTask(ctx context.Context, userID string, in TaskInput) (store.Task, error) {
	p, err := s.taskPatch(ctx, userID, in, true)
	if err != nil {
		return store.Task{}, err
	}
	choice, err := s.reminderChoice(ctx, userID, in)
	if err != nil {
		return store.Task{}, err
	}
	hasTime := p.DueHasTime != nil && *p.DueHasTime
	t, err := s.o.Store.CreateTask(ctx, userID, *p.Title, deref(p.Body), p.Due, hasTime)
	if err == nil && p.Done != nil && *p.Done {
		t, err = s.o.Store.UpdateTask(ctx, userID, t.ID, store.TaskPatch{Done: p.Done})
	}
	if err != nil {
		return t, err
	}
	return t, s.syncReminder(ctx, userID, t, choice)
}

// UpdateTask changes a task (check it off with Done).
func (s *Service) UpdateTask(ctx context.Context, userID, id string, in TaskInput) (store.Task, error) {
	if err := checkIDs(id); err != nil {
		return store.Task{}, err
	}
	p, err := s.taskPatch(ctx, userID, in, false)
	if err != nil {
		return store.Task{}, err
	}
	choice, err := s.reminderChoice(ctx, userID, in)
	if err != nil {
		return store.Task{}, err
	}
	if choice == nil && (p.Due != nil || p.ClearDue) {
		// A new due time: a time chosen for the old one (or a snooze) goes.
		choice = &jobs.ReminderChoice{Reset: true}
		if old, err := s.o.Store.ReminderFor(ctx, userID, string(domain.KindTask), id); err == nil {
			choice.OffsetMinutes = old.OffsetMinutes
		}
	}
	t, err := s.o.Store.UpdateTask(ctx, userID, id, p)
	if err != nil {
		return t, err
	}
	return t, s.syncReminder(ctx, userID, t, choice)
}

// DeleteTask deletes a task.
func (s *Service) DeleteTask(ctx context.Context, userID, id string) error {
	if err := checkIDs(id); err != nil {
		return err
	}
	if err := s.o.Store.DeleteTask(ctx, userID, id); err != nil {
		return err
	}
	if s.o.Jobs == nil {
		return nil
	}
	return s.o.Store.WithTx(ctx, func(tx *store.Tx) error { return s.o.Jobs.DropTaskReminderTx(ctx, tx, userID, id) })
}

// Notes and ideas.

// noteKind checks that kind is one of the two kinds kept as notes.
func noteKind(kind domain.Kind) error {
	if kind != domain.KindNote && kind != domain.KindIdea {
		return store.ErrNotFound
	}
	return nil
}

// Notes lists the caller's notes or ideas (kind), newest first.
func (s *Service) Notes(ctx context.Context, userID string, kind domain.Kind, q Filter, p Page) (List[store.Note], error) {
	if err := noteKind(kind); err != nil {
		return List[store.Note]{}, err
	}
	f, opts, err := s.filterAndPage(ctx, userID, q, p)
	if err != nil {
		return List[store.Note]{}, err
	}
	return listOf(s.o.Store.ListNotes(ctx, userID, kind, f, opts))
}

// Note is one of the caller's notes or ideas.
func (s *Service) Note(ctx context.Context, userID string, kind domain.Kind, id string) (store.Note, error) {
	if err := errors.Join(noteKind(kind), checkIDs(id)); err != nil {
		return store.Note{}, store.ErrNotFound
	}
	n, err := s.o.Store.GetNote(ctx, userID, kind, id)
	if err == nil {
		n.Sources, err = s.ItemSources(ctx, userID, kind, id)
	}
	return n, err
}

// NoteInput is a note or idea as typed; nil fields are not given.
type NoteInput struct {
	Title, Body *string
}

func checkNote(in *NoteInput, create bool) error {
	var errs validate.Errors
	if create || in.Title != nil {
		checkText(&errs, "title", in.Title, true, MaxTitle)
	}
	checkText(&errs, "body", in.Body, false, MaxBody)
	return errs.Err()
}

// CreateNote adds a note or idea by hand.
func (s *Service) CreateNote(ctx context.Context, userID string, kind domain.Kind, in NoteInput) (store.Note, error) {
	if err := noteKind(kind); err != nil {
		return store.Note{}, err
	}
	if err := checkNote(&in, true); err != nil {
		return store.Note{}, err
	}
	return s.o.Store.CreateNote(ctx, userID, kind, *in.Title, deref(in.Body))
}

// UpdateNote changes a note's or idea's title or body.
func (s *Service) UpdateNote(ctx context.Context, userID string, kind domain.Kind, id string, in NoteInput) (store.Note, error) {
	if err := errors.Join(noteKind(kind), checkIDs(id)); err != nil {
		return store.Note{}, store.ErrNotFound
	}
	if err := checkNote(&in, false); err != nil {
		return store.Note{}, err
	}
	return s.o.Store.UpdateNote(ctx, userID, kind, id, in.Title, in.Body)
}

// DeleteNote deletes a note or idea.
func (s *Service) DeleteNote(ctx context.Context, userID string, kind domain.Kind, id string) error {
	if err := errors.Join(noteKind(kind), checkIDs(id)); err != nil {
		return store.ErrNotFound
	}
	return s.o.Store.DeleteNote(ctx, userID, kind, id)
}

// Places.

// Locations lists the caller's places, newest first.
func (s *Service) Locations(ctx context.Context, userID string, q Filter, p Page) (List[store.Location], error) {
	f, opts, err := s.filterAndPage(ctx, userID, q, p)
	if err != nil {
		return List[store.Location]{}, err
	}
	return listOf(s.o.Store.ListLocations(ctx, userID, f, opts))
}

// Location is one of the caller's places.
func (s *Service) Place(ctx context.Context, userID, id string) (store.Location, error) {
	if err := checkIDs(id); err != nil {
		return store.Location{}, err
	}
	l, err := s.o.Store.GetLocation(ctx, userID, id)
	if err == nil {
		l.Sources, err = s.ItemSources(ctx, userID, domain.KindLocation, id)
	}
	return l, err
}

// LocationInput is a place as typed; nil fields are not given. Latitude
// and longitude go together.
type LocationInput struct {
	Name, Address, URL  *string
	Latitude, Longitude *float64
}

func checkLocation(in *LocationInput, create bool) error {
	var errs validate.Errors
	if create || in.Name != nil {
		checkText(&errs, "name", in.Name, true, MaxTitle)
	}
	checkText(&errs, "address", in.Address, false, MaxTitle)
	checkText(&errs, "url", in.URL, false, MaxURL)
	if in.URL != nil && *in.URL != "" && !strings.HasPrefix(*in.URL, "http://") && !strings.HasPrefix(*in.URL, "https://") {
		errs.Add("url", "must be an http or https link")
	}
	switch {
	case (in.Latitude == nil) != (in.Longitude == nil):
		errs.Add("latitude", "latitude and longitude go together")
	case in.Latitude == nil:
	default:
		if lat := *in.Latitude; math.IsNaN(lat) || lat < -90 || lat > 90 {
			errs.Add("latitude", "must be a number between -90 and 90")
		}
		if lon := *in.Longitude; math.IsNaN(lon) || lon < -180 || lon > 180 {
			errs.Add("longitude", "must be a number between -180 and 180")
		}
	}
	return errs.Err()
}

// CreatePlace adds a place by hand.
func (s *Service) CreatePlace(ctx context.Context, userID string, in LocationInput) (store.Location, error) {
	if err := checkLocation(&in, true); err != nil {
		return store.Location{}, err
	}
	return s.o.Store.CreateLocation(ctx, userID, store.Location{Name: *in.Name, Address: deref(in.Address),
		Latitude: in.Latitude, Longitude: in.Longitude, URL: deref(in.URL)})
}

// UpdatePlace changes a place.
func (s *Service) UpdatePlace(ctx context.Context, userID, id string, in LocationInput) (store.Location, error) {
	if err := checkIDs(id); err != nil {
		return store.Location{}, err
	}
	if err := checkLocation(&in, false); err != nil {
		return store.Location{}, err
	}
	return s.o.Store.UpdateLocation(ctx, userID, id, store.LocationPatch{Name: in.Name, Address: in.Address,
		URL: in.URL, Latitude: in.Latitude, Longitude: in.Longitude})
}

// DeletePlace deletes a place.
func (s *Service) DeletePlace(ctx context.Context, userID, id string) error {
	if err := checkIDs(id); err != nil {
		return err
	}
	return s.o.Store.DeleteLocation(ctx, userID, id)
}

// Bookmarks.

// Bookmarks lists the caller's bookmarks with the messages that shared
// them, newest first (chat and person: of any of the shares).
func (s *Service) Bookmarks(ctx context.Context, userID string, q Filter, p Page) (List[store.Bookmark], error) {
	f, opts, err := s.filterAndPage(ctx, userID, q, p)
	if err != nil {
		return List[store.Bookmark]{}, err
	}
	return listOf(s.o.Store.ListBookmarks(ctx, userID, f, opts))
}

// Bookmark is one of the caller's bookmarks.
func (s *Service) Bookmark(ctx context.Context, userID, id string) (store.Bookmark, error) {
	if err := checkIDs(id); err != nil {
		return store.Bookmark{}, err
	}
	return s.o.Store.GetBookmark(ctx, userID, id)
}

// BookmarkInput is a bookmark as typed; nil fields are not given. URL is
// read only when adding.
type BookmarkInput struct {
	URL                string
	Title, Description *string
}

// bookmarkURL reads a link as people type it: "example.com/page" is
// https://example.com/page. It returns the link and its normalised form.
func bookmarkURL(raw string) (string, string, bool) {
	raw = strings.TrimSpace(raw)
	if raw != "" && !strings.Contains(raw, ":") {
		raw = "https://" + raw
	}
	if len(raw) > MaxURL || !cleanText(raw) {
		return "", "", false
	}
	key, err := knowledge.NormalizeURL(raw)
	if err != nil {
		return "", "", false
	}
	return raw, key, true
}

// AddBookmark saves a link by hand; its preview is fetched in the
// background. A link the person has already saved is ErrBookmarkExists.
func (s *Service) AddBookmark(ctx context.Context, userID string, in BookmarkInput) (store.Bookmark, error) {
	var errs validate.Errors
	link, key, ok := bookmarkURL(in.URL)
	if !ok {
		errs.Add("url", "must be an http or https link")
	}
	checkText(&errs, "title", in.Title, false, MaxTitle)
	checkText(&errs, "description", in.Description, false, MaxBody)
	if err := errs.Err(); err != nil {
		return store.Bookmark{}, err
	}
	if s.o.Jobs == nil {
		return store.Bookmark{}, ErrUnavailable
	}
	// The bookmark and its preview fetch commit together.
	b, err := s.o.Jobs.AddBookmark(ctx, userID, link, key, deref(in.Title), deref(in.Description))
	if errors.Is(err, store.ErrConflict) {
		return store.Bookmark{}, ErrBookmarkExists
	}
	return b, err
}

// UpdateBookmark changes a bookmark's title or description.
func (s *Service) UpdateBookmark(ctx context.Context, userID, id string, in BookmarkInput) (store.Bookmark, error) {
	if err := checkIDs(id); err != nil {
		return store.Bookmark{}, err
	}
	var errs validate.Errors
	checkText(&errs, "title", in.Title, false, MaxTitle)
	checkText(&errs, "description", in.Description, false, MaxBody)
	if err := errs.Err(); err != nil {
		return store.Bookmark{}, err
	}
	return s.o.Store.UpdateBookmark(ctx, userID, id, in.Title, in.Description)
}

// DeleteBookmark deletes a bookmark.
func (s *Service) DeleteBookmark(ctx context.Context, userID, id string) error {
	if err := checkIDs(id); err != nil {
		return err
	}
	return s.o.Store.DeleteBookmark(ctx, userID, id)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
