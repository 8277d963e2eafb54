package web

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// openTasksStep is how many open tasks the task page shows at first, and
// how many more each "show more" adds.
const openTasksStep = 50

// formText is a form value as typed (the service trims and checks it).
func formText(r *http.Request, name string) string { return r.PostForm.Get(name) }

// Tasks.

type taskForm struct {
	ID, Title, Body, DueDate, DueTime string
	// RemindAt is the time the person chose for the reminder
	// (YYYY-MM-DDTHH:MM in their zone; "" for the default).
	RemindAt string
	Done     bool
}

type tasksData struct {
	Open     []store.Task
	MoreOpen string
	Done     []store.Task
	// DoneView lists only done tasks, paged.
	DoneView bool
	// Filter narrows the list; when it is active, Done holds the tasks
	// that pass it (open and done, or only done in DoneView), paged.
	Filter listFilter
	Pager  pager
	Form   taskForm
	Errors formErrors
}

func (h *Handler) tasksPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderTasks(w, r, v, http.StatusOK, taskForm{}, nil)
}

func (h *Handler) renderTasks(w http.ResponseWriter, r *http.Request, v *viewer, status int, f taskForm, errs formErrors) {
	ctx := r.Context()
	d := tasksData{Form: f, Errors: errs, DoneView: r.URL.Query().Get("view") == "done"}
	var err error
	if d.Filter, err = h.readFilter(r, v, "/tasks"); err != nil {
		h.fail(w, r, v, err)
		return
	}
	done := true
	if d.DoneView || d.Filter.Active() {
		q := service.TaskQuery{Filter: d.Filter.Service()}
		if d.DoneView {
			q.Done, d.Filter.View = &done, "done"
		}
		p, err := h.o.Service.Tasks(ctx, v.User.ID, q, pageOf(r, itemsPerPage))
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		d.Done, d.Pager = p.Items, newPager(r, p.NextCursor)
		title := "Done tasks"
		if !d.DoneView {
			title = "Tasks"
		}
		h.render(w, r, v, status, "tasks", &page{Title: title, Nav: "tasks", Live: liveKinds{domain.KindTask}, Data: d})
		return
	}
	steps, _ := strconv.Atoi(r.URL.Query().Get("show"))
	steps = min(max(steps, 1), 20)
	open, err := h.o.Service.OpenTasks(ctx, v.User.ID, steps*openTasksStep+1)
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
	recent, err := h.o.Service.Tasks(ctx, v.User.ID, service.TaskQuery{Done: &done}, service.Page{Limit: 10})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Done = recent.Items
	h.render(w, r, v, status, "tasks", &page{Title: "Tasks", Nav: "tasks", Live: liveKinds{domain.KindTask}, Data: d})
}

// readTask reads a task form: the form as typed, and the service's input.
func readTask(r *http.Request) (taskForm, service.TaskInput) {
	f := taskForm{Title: formText(r, "title"), Body: formText(r, "body"), DueDate: formText(r, "due"), DueTime: formText(r, "due_time"),
		Done: r.PostForm.Get("done") == "1"}
	in := service.TaskInput{Title: &f.Title, Body: &f.Body, Due: &f.DueDate, DueTime: &f.DueTime, Done: &f.Done}
	if r.PostForm.Has("remind_at") {
		f.RemindAt = formText(r, "remind_at")
		in.RemindAt = &f.RemindAt
	}
	return f, in
}

func (h *Handler) createTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	f, in := readTask(r)
	t, err := h.o.Service.CreateTask(r.Context(), v.User.ID, in)
	if errs, ok := fieldErrors(err); ok {
		h.renderTasks(w, r, v, http.StatusBadRequest, f, errs)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/tasks?ok=added#task-"+t.ID)
}

// toggleTask checks a task off (done=1) or opens it again (done=0).
func (h *Handler) toggleTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	done := r.PostForm.Get("done") == "1"
	t, err := h.o.Service.UpdateTask(r.Context(), v.User.ID, r.PathValue("id"), service.TaskInput{Done: &done})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, safeNext(r.PostForm.Get("next"), "/tasks")+"#task-"+t.ID)
}

func (h *Handler) editTaskPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	t, err := h.o.Service.Task(r.Context(), v.User.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f := taskForm{ID: t.ID, Title: t.Title, Body: t.Body, Done: t.Done}
	if rem, err := h.o.Service.TaskReminder(r.Context(), v.User.ID, t.ID); err == nil && rem.RemindAt != nil {
		f.RemindAt = rem.RemindAt.In(v.Loc).Format("2006-01-02T15:04")
	}
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
	cur, err := h.o.Service.Task(r.Context(), v.User.ID, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f, in := readTask(r)
	f.ID = id
	_, err = h.o.Service.UpdateTask(r.Context(), v.User.ID, id, in)
	if errs, ok := fieldErrors(err); ok {
		h.render(w, r, v, http.StatusBadRequest, "task_edit", &page{Title: "Edit task", Nav: "tasks", Data: editData[taskForm]{Form: f, Item: cur, Errors: errs}})
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/tasks?ok=saved#task-"+id)
}

func (h *Handler) deleteTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Service.DeleteTask(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/tasks?ok=deleted")
}

// Notes and ideas.

// noteKind is notes or ideas: the same pages over two kinds.
type noteKind struct {
	Kind                  domain.Kind
	Path, Title, Singular string
}

var (
	notesKind = noteKind{Kind: domain.KindNote, Path: "notes", Title: "Notes", Singular: "note"}
	ideasKind = noteKind{Kind: domain.KindIdea, Path: "ideas", Title: "Ideas", Singular: "idea"}
)

type noteForm struct{ ID, Title, Body string }

type notesData struct {
	Kind   noteKind
	Filter listFilter
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
	lf, err := h.readFilter(r, v, "/"+k.Path)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p, err := h.o.Service.Notes(r.Context(), v.User.ID, k.Kind, lf.Service(), pageOf(r, itemsPerPage))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, v, status, "notes", &page{Title: k.Title, Nav: k.Path, Live: liveKinds{k.Kind},
		Data: notesData{Kind: k, Filter: lf, Items: p.Items, Pager: newPager(r, p.NextCursor), Form: f, Errors: errs}})
}

func readNote(r *http.Request) (noteForm, service.NoteInput) {
	f := noteForm{Title: formText(r, "title"), Body: formText(r, "body")}
	return f, service.NoteInput{Title: &f.Title, Body: &f.Body}
}

func (h *Handler) createNote(k noteKind) func(http.ResponseWriter, *http.Request, *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		f, in := readNote(r)
		n, err := h.o.Service.CreateNote(r.Context(), v.User.ID, k.Kind, in)
		if errs, ok := fieldErrors(err); ok {
			h.renderNotes(w, r, v, k, http.StatusBadRequest, f, errs)
			return
		}
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
		n, err := h.o.Service.Note(r.Context(), v.User.ID, k.Kind, r.PathValue("id"))
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
		cur, err := h.o.Service.Note(r.Context(), v.User.ID, k.Kind, id)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		f, in := readNote(r)
		f.ID = id
		_, err = h.o.Service.UpdateNote(r.Context(), v.User.ID, k.Kind, id, in)
		if errs, ok := fieldErrors(err); ok {
			h.render(w, r, v, http.StatusBadRequest, "note_edit", &page{Title: "Edit " + k.Singular, Nav: k.Path,
				Data: noteEdit{Kind: k, Item: cur, Form: f, Errors: errs}})
			return
		}
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		redirect(w, r, "/"+k.Path+"?ok=saved#item-"+id)
	}
}

func (h *Handler) deleteNote(k noteKind) func(http.ResponseWriter, *http.Request, *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		if err := h.o.Service.DeleteNote(r.Context(), v.User.ID, k.Kind, r.PathValue("id")); err != nil {
			h.fail(w, r, v, err)
			return
		}
		redirect(w, r, "/"+k.Path+"?ok=deleted")
	}
}

// Locations.

type locationForm struct{ ID, Name, Address, Latitude, Longitude, URL string }

type locationsData struct {
	Filter listFilter
	Items  []store.Location
	Pager  pager
	Form   locationForm
	Errors formErrors
}

func (h *Handler) locationsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderLocations(w, r, v, http.StatusOK, locationForm{}, nil)
}

func (h *Handler) renderLocations(w http.ResponseWriter, r *http.Request, v *viewer, status int, f locationForm, errs formErrors) {
	lf, err := h.readFilter(r, v, "/locations")
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p, err := h.o.Service.Locations(r.Context(), v.User.ID, lf.Service(), pageOf(r, itemsPerPage))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, v, status, "locations", &page{Title: "Places", Nav: "locations", Live: liveKinds{domain.KindLocation},
		Data: locationsData{Filter: lf, Items: p.Items, Pager: newPager(r, p.NextCursor), Form: f, Errors: errs}})
}

// readLocation reads a place form: the form as typed, and the service's
// input. Coordinates that are not numbers are passed on as NaN, which the
// service refuses by name.
func readLocation(r *http.Request) (locationForm, service.LocationInput) {
	f := locationForm{Name: formText(r, "name"), Address: formText(r, "address"), Latitude: strings.TrimSpace(formText(r, "latitude")),
		Longitude: strings.TrimSpace(formText(r, "longitude")), URL: formText(r, "url")}
	in := service.LocationInput{Name: &f.Name, Address: &f.Address, URL: &f.URL}
	if f.Latitude != "" || f.Longitude != "" {
		in.Latitude, in.Longitude = formFloat(f.Latitude), formFloat(f.Longitude)
	}
	return f, in
}

// formFloat reads a number typed in a form; NaN when it is not one.
func formFloat(s string) *float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		f = math.NaN()
	}
	return &f
}

func (h *Handler) createLocation(w http.ResponseWriter, r *http.Request, v *viewer) {
	f, in := readLocation(r)
	saved, err := h.o.Service.CreatePlace(r.Context(), v.User.ID, in)
	if errs, ok := fieldErrors(err); ok {
		h.renderLocations(w, r, v, http.StatusBadRequest, f, errs)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/locations?ok=added#item-"+saved.ID)
}

func (h *Handler) editLocationPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	l, err := h.o.Service.Place(r.Context(), v.User.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f := locationForm{ID: l.ID, Name: l.Name, Address: l.Address, Latitude: formatCoord(l.Latitude), Longitude: formatCoord(l.Longitude), URL: l.URL}
	h.render(w, r, v, http.StatusOK, "location_edit", &page{Title: "Edit place", Nav: "locations", Data: editData[locationForm]{Form: f, Item: l}})
}

func (h *Handler) updateLocation(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	cur, err := h.o.Service.Place(r.Context(), v.User.ID, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f, in := readLocation(r)
	f.ID = id
	_, err = h.o.Service.UpdatePlace(r.Context(), v.User.ID, id, in)
	if errs, ok := fieldErrors(err); ok {
		h.render(w, r, v, http.StatusBadRequest, "location_edit", &page{Title: "Edit place", Nav: "locations",
			Data: editData[locationForm]{Form: f, Item: cur, Errors: errs}})
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/locations?ok=saved#item-"+id)
}

func (h *Handler) deleteLocation(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Service.DeletePlace(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/locations?ok=deleted")
}

// Bookmarks.

type bookmarkForm struct{ ID, URL, Title, Description string }

type bookmarksData struct {
	Filter listFilter
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
	lf, err := h.readFilter(r, v, "/bookmarks")
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p, err := h.o.Service.Bookmarks(ctx, v.User.ID, lf.Service(), pageOf(r, 30))
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
	d := bookmarksData{Filter: lf, Items: p.Items, Pager: newPager(r, p.NextCursor), Form: f, Errors: errs, CanAdd: h.o.Service.CanQueue(),
		ChatNames: h.chatNames(ctx, v.User.ID, ids)}
	h.render(w, r, v, status, "bookmarks", &page{Title: "Bookmarks", Nav: "bookmarks", Live: liveKinds{domain.KindBookmark}, Data: d})
}

func (h *Handler) createBookmark(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := bookmarkForm{URL: formText(r, "url"), Title: formText(r, "title"), Description: formText(r, "description")}
	b, err := h.o.Service.AddBookmark(r.Context(), v.User.ID, service.BookmarkInput{URL: f.URL, Title: &f.Title, Description: &f.Description})
	if errs, ok := fieldErrors(err); ok {
		h.renderBookmarks(w, r, v, http.StatusBadRequest, f, errs)
		return
	}
	if errors.Is(err, service.ErrBookmarkExists) {
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
	b, err := h.o.Service.Bookmark(r.Context(), v.User.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f := bookmarkForm{ID: b.ID, URL: b.URL, Title: b.Title, Description: b.Description}
	h.render(w, r, v, http.StatusOK, "bookmark_edit", &page{Title: "Edit bookmark", Nav: "bookmarks", Data: editData[bookmarkForm]{Form: f, Item: b}})
}

func (h *Handler) updateBookmark(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	cur, err := h.o.Service.Bookmark(r.Context(), v.User.ID, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	f := bookmarkForm{ID: id, URL: cur.URL, Title: formText(r, "title"), Description: formText(r, "description")}
	_, err = h.o.Service.UpdateBookmark(r.Context(), v.User.ID, id, service.BookmarkInput{Title: &f.Title, Description: &f.Description})
	if errs, ok := fieldErrors(err); ok {
		h.render(w, r, v, http.StatusBadRequest, "bookmark_edit", &page{Title: "Edit bookmark", Nav: "bookmarks",
			Data: editData[bookmarkForm]{Form: f, Item: cur, Errors: errs}})
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/bookmarks?ok=saved#item-"+id)
}

func (h *Handler) deleteBookmark(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Service.DeleteBookmark(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/bookmarks?ok=deleted")
}

// confirmDelete asks before deleting one of the person's items (and shows
// another user's item as not found).
func (h *Handler) confirmDelete(kind domain.Kind) func(http.ResponseWriter, *http.Request, *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		ctx, id := r.Context(), r.PathValue("id")
		var name, path string
		var err error
		switch kind {
		case domain.KindTask:
			var t store.Task
			t, err = h.o.Service.Task(ctx, v.User.ID, id)
			name, path = t.Title, "tasks"
		case domain.KindNote, domain.KindIdea:
			var n store.Note
			n, err = h.o.Service.Note(ctx, v.User.ID, kind, id)
			name, path = n.Title, string(kind)+"s"
		case domain.KindLocation:
			var l store.Location
			l, err = h.o.Service.Place(ctx, v.User.ID, id)
			name, path = l.Name, "locations"
		case domain.KindEvent:
			var e store.Event
			e, err = h.o.Service.Event(ctx, v.User.ID, id)
			name, path = e.Title, "events"
		case domain.KindBookmark:
			var b store.Bookmark
			b, err = h.o.Service.Bookmark(ctx, v.User.ID, id)
			name, path = b.Title, "bookmarks"
			if name == "" {
				name = b.URL
			}
		}
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		what := strings.ToLower(kind.Label())
		d := confirmData{Heading: "Delete this " + what + "?", Body: []string{"“" + name + "” will be deleted for good."},
			Action: "/" + path + "/" + url.PathEscape(id) + "/delete", Button: "Delete", Cancel: "/" + path, Danger: true}
		h.render(w, r, v, http.StatusOK, "confirm", &page{Title: d.Heading, Nav: path, Data: d})
	}
}
