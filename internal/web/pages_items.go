package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/store"
)

// Text limits for things people type (as the API's).
const (
	maxTitle = 500
	maxBody  = 20000
	maxURL   = 2048
	// openTasksStep is how many open tasks the task page shows at first, and
	// how many more each "show more" adds.
	openTasksStep = 50
)

// formText is a trimmed form value.
func formText(r *http.Request, name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }

// checkText records a problem with a typed text: missing when required,
// too long, or not text.
func checkText(errs formErrors, field, v string, required bool, max int) {
	switch n := utf8.RuneCountInString(v); {
	case required && n == 0:
		errs[field] = "is required"
	case n > max:
		errs[field] = "must have at most " + strconv.Itoa(max) + " characters"
	case !utf8.ValidString(v):
		errs[field] = "is not valid text"
	}
}

// parseDue reads a task's due date (YYYY-MM-DD) and optional time (HH:MM)
// in loc. No date means no due date; a time without a date is an error.
func parseDue(date, clock string, loc *time.Location) (due *time.Time, hasTime bool, msg string) {
	date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
	if date == "" {
		if clock != "" {
			return nil, false, "give a date for the time"
		}
		return nil, false, ""
	}
	d, err := time.ParseInLocation("2006-01-02", date, loc)
	if err != nil || d.Year() < 1900 || d.Year() > 9999 {
		return nil, false, "must be a date (YYYY-MM-DD)"
	}
	if clock == "" {
		return &d, false, ""
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return nil, false, "must be a time (HH:MM)"
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, loc)
	return &t, true, ""
}

// Tasks.

type taskForm struct {
	ID, Title, Body, DueDate, DueTime string
	Done                              bool
}

type tasksData struct {
	Open     []store.Task
	MoreOpen string
	Done     []store.Task
	// DoneView lists only done tasks, paged.
	DoneView bool
	Pager    pager
	Form     taskForm
	Errors   formErrors
}

func (h *Handler) tasksPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderTasks(w, r, v, http.StatusOK, taskForm{}, nil)
}

func (h *Handler) renderTasks(w http.ResponseWriter, r *http.Request, v *viewer, status int, f taskForm, errs formErrors) {
	ctx := r.Context()
	d := tasksData{Form: f, Errors: errs, DoneView: r.URL.Query().Get("view") == "done"}
	done := true
	if d.DoneView {
		p, err := h.o.Store.ListTasks(ctx, v.User.ID, store.TaskFilter{Done: &done}, listOptions(r, itemsPerPage))
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		d.Done, d.Pager = p.Items, newPager(r, p.NextCursor)
		h.render(w, r, v, status, "tasks", &page{Title: "Done tasks", Nav: "tasks", Live: "task", Data: d})
		return
	}
	steps, _ := strconv.Atoi(r.URL.Query().Get("show"))
	steps = min(max(steps, 1), 20)
	open, err := h.o.Store.OpenTasks(ctx, v.User.ID, steps*openTasksStep+1)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if len(open) > steps*openTasksStep {
		open = open[:steps*openTasksStep]
		if steps < 20 {
			d.MoreOpen = "/tasks?show=" + strconv.Itoa(steps+1)
		}
	}
	d.Open = open
	recent, err := h.o.Store.ListTasks(ctx, v.User.ID, store.TaskFilter{Done: &done}, store.ListOptions{Limit: 10})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Done = recent.Items
	h.render(w, r, v, status, "tasks", &page{Title: "Tasks", Nav: "tasks", Live: "task", Data: d})
}

// readTask reads and checks a task form.
func readTask(r *http.Request, loc *time.Location) (taskForm, store.TaskPatch, formErrors) {
	f := taskForm{Title: formText(r, "title"), Body: formText(r, "body"), DueDate: formText(r, "due"), DueTime: formText(r, "due_time"),
		Done: r.PostForm.Get("done") == "1"}
	errs := formErrors{}
	checkText(errs, "title", f.Title, true, maxTitle)
	checkText(errs, "body", f.Body, false, maxBody)
	due, hasTime, msg := parseDue(f.DueDate, f.DueTime, loc)
	if msg != "" {
		errs["due"] = msg
	}
	p := store.TaskPatch{Title: &f.Title, Body: &f.Body, Done: &f.Done}
	if due != nil {
		p.Due, p.DueHasTime = due, &hasTime
	} else {
		p.ClearDue = true
	}
	return f, p, errs
}

func (h *Handler) createTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	f, p, errs := readTask(r, v.Loc)
	if len(errs) > 0 {
		h.renderTasks(w, r, v, http.StatusBadRequest, f, errs)
		return
	}
	hasTime := p.DueHasTime != nil && *p.DueHasTime
	t, err := h.o.Store.CreateTask(r.Context(), v.User.ID, f.Title, f.Body, p.Due, hasTime)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/tasks?ok=added#task-"+t.ID)
}

// toggleTask checks a task off (done=1) or opens it again (done=0).
func (h *Handler) toggleTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	done := r.PostForm.Get("done") == "1"
	t, err := h.o.Store.UpdateTask(r.Context(), v.User.ID, r.PathValue("id"), store.TaskPatch{Done: &done})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, safeNext(r.PostForm.Get("next"), "/tasks")+"#task-"+t.ID)
}

func (h *Handler) editTaskPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	t, err := h.o.Store.GetTask(r.Context(), v.User.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f := taskForm{ID: t.ID, Title: t.Title, Body: t.Body, Done: t.Done}
	if t.Due != nil {
		f.DueDate = t.Due.In(v.Loc).Format("2006-01-02")
		if t.DueHasTime {
			f.DueTime = t.Due.In(v.Loc).Format("15:04")
		}
	}
	h.render(w, r, v, http.StatusOK, "task_edit", &page{Title: "Edit task", Nav: "tasks", Data: editData[taskForm]{Form: f, Item: t}})
}

// editData is an edit page: the form (as typed, or as stored) and the item.
type editData[F any] struct {
	Form   F
	Item   any
	Errors formErrors
}

func (h *Handler) updateTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	cur, err := h.o.Store.GetTask(r.Context(), v.User.ID, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f, p, errs := readTask(r, v.Loc)
	f.ID = id
	if len(errs) > 0 {
		h.render(w, r, v, http.StatusBadRequest, "task_edit", &page{Title: "Edit task", Nav: "tasks", Data: editData[taskForm]{Form: f, Item: cur, Errors: errs}})
		return
	}
	if _, err := h.o.Store.UpdateTask(r.Context(), v.User.ID, id, p); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/tasks?ok=saved#task-"+id)
}

func (h *Handler) deleteTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Store.DeleteTask(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/tasks?ok=deleted")
}

// Notes and ideas.

// noteKind is notes or ideas: the same pages over two tables.
type noteKind struct {
	Kind, Path, Title, Singular string
}

var (
	notesKind = noteKind{Kind: store.SearchNote, Path: "notes", Title: "Notes", Singular: "note"}
	ideasKind = noteKind{Kind: store.SearchIdea, Path: "ideas", Title: "Ideas", Singular: "idea"}
)

type noteForm struct{ ID, Title, Body string }

type notesData struct {
	Kind   noteKind
	Items  []store.Note
	Pager  pager
	Form   noteForm
	Errors formErrors
}

func (h *Handler) notesPage(k noteKind) func(http.ResponseWriter, *http.Request, *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		h.renderNotes(w, r, v, k, http.StatusOK, noteForm{}, nil)
	}
}

func (h *Handler) renderNotes(w http.ResponseWriter, r *http.Request, v *viewer, k noteKind, status int, f noteForm, errs formErrors) {
	p, err := h.o.Store.ListNotes(r.Context(), v.User.ID, k.Kind, listOptions(r, itemsPerPage))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, v, status, "notes", &page{Title: k.Title, Nav: k.Path, Live: k.Kind,
		Data: notesData{Kind: k, Items: p.Items, Pager: newPager(r, p.NextCursor), Form: f, Errors: errs}})
}

func readNote(r *http.Request) (noteForm, formErrors) {
	f := noteForm{Title: formText(r, "title"), Body: formText(r, "body")}
	errs := formErrors{}
	checkText(errs, "title", f.Title, true, maxTitle)
	checkText(errs, "body", f.Body, false, maxBody)
	return f, errs
}

func (h *Handler) createNote(k noteKind) func(http.ResponseWriter, *http.Request, *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		f, errs := readNote(r)
		if len(errs) > 0 {
			h.renderNotes(w, r, v, k, http.StatusBadRequest, f, errs)
			return
		}
		n, err := h.o.Store.CreateNote(r.Context(), v.User.ID, k.Kind, f.Title, f.Body)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		redirect(w, r, "/"+k.Path+"?ok=added#item-"+n.ID)
	}
}

type noteEdit struct {
	Kind noteKind
	Form noteForm
	Item store.Note
	// Errors are the form's problems.
	Errors formErrors
}

func (h *Handler) editNotePage(k noteKind) func(http.ResponseWriter, *http.Request, *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		n, err := h.o.Store.GetNote(r.Context(), v.User.ID, k.Kind, r.PathValue("id"))
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		h.render(w, r, v, http.StatusOK, "note_edit", &page{Title: "Edit " + k.Singular, Nav: k.Path,
			Data: noteEdit{Kind: k, Item: n, Form: noteForm{ID: n.ID, Title: n.Title, Body: n.Body}}})
	}
}

func (h *Handler) updateNote(k noteKind) func(http.ResponseWriter, *http.Request, *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		id := r.PathValue("id")
		cur, err := h.o.Store.GetNote(r.Context(), v.User.ID, k.Kind, id)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		f, errs := readNote(r)
		f.ID = id
		if len(errs) > 0 {
			h.render(w, r, v, http.StatusBadRequest, "note_edit", &page{Title: "Edit " + k.Singular, Nav: k.Path,
				Data: noteEdit{Kind: k, Item: cur, Form: f, Errors: errs}})
			return
		}
		if _, err := h.o.Store.UpdateNote(r.Context(), v.User.ID, k.Kind, id, &f.Title, &f.Body); err != nil {
			h.fail(w, r, v, err)
			return
		}
		redirect(w, r, "/"+k.Path+"?ok=saved#item-"+id)
	}
}

func (h *Handler) deleteNote(k noteKind) func(http.ResponseWriter, *http.Request, *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		if err := h.o.Store.DeleteNote(r.Context(), v.User.ID, k.Kind, r.PathValue("id")); err != nil {
			h.fail(w, r, v, err)
			return
		}
		redirect(w, r, "/"+k.Path+"?ok=deleted")
	}
}

// Locations.

type locationForm struct{ ID, Name, Address, Latitude, Longitude, URL string }

type locationsData struct {
	Items  []store.Location
	Pager  pager
	Form   locationForm
	Errors formErrors
}

func (h *Handler) locationsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderLocations(w, r, v, http.StatusOK, locationForm{}, nil)
}

func (h *Handler) renderLocations(w http.ResponseWriter, r *http.Request, v *viewer, status int, f locationForm, errs formErrors) {
	p, err := h.o.Store.ListLocations(r.Context(), v.User.ID, listOptions(r, itemsPerPage))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, v, status, "locations", &page{Title: "Places", Nav: "locations", Live: "location",
		Data: locationsData{Items: p.Items, Pager: newPager(r, p.NextCursor), Form: f, Errors: errs}})
}

// readLocation reads and checks a place form.
func readLocation(r *http.Request) (locationForm, store.Location, formErrors) {
	f := locationForm{Name: formText(r, "name"), Address: formText(r, "address"), Latitude: formText(r, "latitude"),
		Longitude: formText(r, "longitude"), URL: formText(r, "url")}
	errs := formErrors{}
	checkText(errs, "name", f.Name, true, maxTitle)
	checkText(errs, "address", f.Address, false, maxTitle)
	checkText(errs, "url", f.URL, false, maxURL)
	if f.URL != "" && !strings.HasPrefix(f.URL, "http://") && !strings.HasPrefix(f.URL, "https://") {
		errs["url"] = "must be an http or https link"
	}
	l := store.Location{Name: f.Name, Address: f.Address, URL: f.URL}
	if f.Latitude != "" || f.Longitude != "" {
		lat, err1 := strconv.ParseFloat(f.Latitude, 64)
		lon, err2 := strconv.ParseFloat(f.Longitude, 64)
		switch {
		case err1 != nil || lat < -90 || lat > 90:
			errs["latitude"] = "must be a number between -90 and 90 (with the longitude)"
		case err2 != nil || lon < -180 || lon > 180:
			errs["longitude"] = "must be a number between -180 and 180 (with the latitude)"
		default:
			l.Latitude, l.Longitude = &lat, &lon
		}
	}
	return f, l, errs
}

func (h *Handler) createLocation(w http.ResponseWriter, r *http.Request, v *viewer) {
	f, l, errs := readLocation(r)
	if len(errs) > 0 {
		h.renderLocations(w, r, v, http.StatusBadRequest, f, errs)
		return
	}
	saved, err := h.o.Store.CreateLocation(r.Context(), v.User.ID, l)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/locations?ok=added#item-"+saved.ID)
}

func (h *Handler) editLocationPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	l, err := h.o.Store.GetLocation(r.Context(), v.User.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f := locationForm{ID: l.ID, Name: l.Name, Address: l.Address, Latitude: formatCoord(l.Latitude), Longitude: formatCoord(l.Longitude), URL: l.URL}
	h.render(w, r, v, http.StatusOK, "location_edit", &page{Title: "Edit place", Nav: "locations", Data: editData[locationForm]{Form: f, Item: l}})
}

func (h *Handler) updateLocation(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	cur, err := h.o.Store.GetLocation(r.Context(), v.User.ID, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f, l, errs := readLocation(r)
	f.ID = id
	if len(errs) > 0 {
		h.render(w, r, v, http.StatusBadRequest, "location_edit", &page{Title: "Edit place", Nav: "locations",
			Data: editData[locationForm]{Form: f, Item: cur, Errors: errs}})
		return
	}
	p := store.LocationPatch{Name: &l.Name, Address: &l.Address, URL: &l.URL, Latitude: l.Latitude, Longitude: l.Longitude}
	if _, err := h.o.Store.UpdateLocation(r.Context(), v.User.ID, id, p); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/locations?ok=saved#item-"+id)
}

func (h *Handler) deleteLocation(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Store.DeleteLocation(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/locations?ok=deleted")
}

// Bookmarks.

type bookmarkForm struct{ ID, URL, Title, Description string }

type bookmarksData struct {
	Items  []store.Bookmark
	Pager  pager
	Form   bookmarkForm
	Errors formErrors
	CanAdd bool
	// ChatNames names the chats the bookmarks were shared in.
	ChatNames map[string]string
}

func (h *Handler) bookmarksPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderBookmarks(w, r, v, http.StatusOK, bookmarkForm{}, nil)
}

func (h *Handler) renderBookmarks(w http.ResponseWriter, r *http.Request, v *viewer, status int, f bookmarkForm, errs formErrors) {
	ctx := r.Context()
	p, err := h.o.Store.ListBookmarks(ctx, v.User.ID, listOptions(r, 30))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	var ids []string
	for _, b := range p.Items {
		for _, s := range b.Shares {
			ids = append(ids, s.ChatID)
		}
	}
	d := bookmarksData{Items: p.Items, Pager: newPager(r, p.NextCursor), Form: f, Errors: errs, CanAdd: h.o.Jobs != nil,
		ChatNames: h.chatNames(ctx, v.User.ID, ids)}
	h.render(w, r, v, status, "bookmarks", &page{Title: "Bookmarks", Nav: "bookmarks", Live: "bookmark", Data: d})
}

func (h *Handler) createBookmark(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := bookmarkForm{URL: formText(r, "url"), Title: formText(r, "title"), Description: formText(r, "description")}
	if f.URL != "" && !strings.Contains(f.URL, "://") && !strings.Contains(f.URL, ":") {
		f.URL = "https://" + f.URL // "example.com/page", as people type links
	}
	errs := formErrors{}
	key, err := knowledge.NormalizeURL(f.URL)
	if err != nil || len(f.URL) > maxURL {
		errs["url"] = "must be an http or https link"
	}
	checkText(errs, "title", f.Title, false, maxTitle)
	checkText(errs, "description", f.Description, false, maxBody)
	if h.o.Jobs == nil {
		errs["url"] = "bookmarks cannot be added on this server"
	}
	if len(errs) > 0 {
		h.renderBookmarks(w, r, v, http.StatusBadRequest, f, errs)
		return
	}
	b, err := h.o.Jobs.AddBookmark(r.Context(), v.User.ID, f.URL, key, f.Title, f.Description)
	if errors.Is(err, store.ErrConflict) {
		redirect(w, r, "/bookmarks?ok=already")
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/bookmarks?ok=bookmarked#item-"+b.ID)
}

func (h *Handler) editBookmarkPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	b, err := h.o.Store.GetBookmark(r.Context(), v.User.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f := bookmarkForm{ID: b.ID, URL: b.URL, Title: b.Title, Description: b.Description}
	h.render(w, r, v, http.StatusOK, "bookmark_edit", &page{Title: "Edit bookmark", Nav: "bookmarks", Data: editData[bookmarkForm]{Form: f, Item: b}})
}

func (h *Handler) updateBookmark(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	cur, err := h.o.Store.GetBookmark(r.Context(), v.User.ID, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f := bookmarkForm{ID: id, URL: cur.URL, Title: formText(r, "title"), Description: formText(r, "description")}
	errs := formErrors{}
	checkText(errs, "title", f.Title, false, maxTitle)
	checkText(errs, "description", f.Description, false, maxBody)
	if len(errs) > 0 {
		h.render(w, r, v, http.StatusBadRequest, "bookmark_edit", &page{Title: "Edit bookmark", Nav: "bookmarks",
			Data: editData[bookmarkForm]{Form: f, Item: cur, Errors: errs}})
		return
	}
	if _, err := h.o.Store.UpdateBookmark(r.Context(), v.User.ID, id, &f.Title, &f.Description); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/bookmarks?ok=saved#item-"+id)
}

func (h *Handler) deleteBookmark(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Store.DeleteBookmark(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/bookmarks?ok=deleted")
}

// confirmDelete asks before deleting one of the person's items (and shows
// another user's item as not found).
func (h *Handler) confirmDelete(kind string) func(http.ResponseWriter, *http.Request, *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		ctx, id := r.Context(), r.PathValue("id")
		var name, path string
		var err error
		switch kind {
		case store.SearchTask:
			var t store.Task
			t, err = h.o.Store.GetTask(ctx, v.User.ID, id)
			name, path = t.Title, "tasks"
		case store.SearchNote, store.SearchIdea:
			var n store.Note
			n, err = h.o.Store.GetNote(ctx, v.User.ID, kind, id)
			name, path = n.Title, noteTable(kind)
		case store.SearchLocation:
			var l store.Location
			l, err = h.o.Store.GetLocation(ctx, v.User.ID, id)
			name, path = l.Name, "locations"
		case store.SearchBookmark:
			var b store.Bookmark
			b, err = h.o.Store.GetBookmark(ctx, v.User.ID, id)
			name, path = b.Title, "bookmarks"
			if name == "" {
				name = b.URL
			}
		}
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		what := kind
		if kind == store.SearchLocation {
			what = "place"
		}
		d := confirmData{Heading: "Delete this " + what + "?", Body: []string{"“" + name + "” will be deleted for good."},
			Action: "/" + path + "/" + url.PathEscape(id) + "/delete", Button: "Delete", Cancel: "/" + path, Danger: true}
		h.render(w, r, v, http.StatusOK, "confirm", &page{Title: d.Heading, Nav: path, Data: d})
	}
}

func noteTable(kind string) string {
	if kind == store.SearchIdea {
		return "ideas"
	}
	return "notes"
}
