package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

type imageList struct {
	Items      []store.Image `json:"items"`
	NextCursor string        `json:"nextCursor,omitempty"`
}
type bookmarkList struct {
	Items      []store.Bookmark `json:"items"`
	NextCursor string           `json:"nextCursor,omitempty"`
}
type taskList struct {
	Items      []store.Task `json:"items"`
	NextCursor string       `json:"nextCursor,omitempty"`
}
type noteList struct {
	Items      []store.Note `json:"items"`
	NextCursor string       `json:"nextCursor,omitempty"`
}
type ideaList struct {
	Items      []store.Idea `json:"items"`
	NextCursor string       `json:"nextCursor,omitempty"`
}
type locationList struct {
	Items      []store.Location `json:"items"`
	NextCursor string           `json:"nextCursor,omitempty"`
}
type voiceMemoList struct {
	Items      []store.VoiceMemo `json:"items"`
	NextCursor string            `json:"nextCursor,omitempty"`
}
type summaryList struct {
	Items      []store.Summary `json:"items"`
	NextCursor string          `json:"nextCursor,omitempty"`
}
type searchResults struct {
	Items []store.SearchHit `json:"items"`
}

type bookmarkInput struct {
	URL         string  `json:"url"`
	Title       *string `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
}

type taskInput struct {
	Title *string `json:"title,omitempty"`
	Body  *string `json:"body,omitempty"`
	// Due is an RFC 3339 time, or a date (YYYY-MM-DD) for a task due some
	// day (in the caller's time zone); "" removes it.
	Due  *string `json:"due,omitempty"`
	Done *bool   `json:"done,omitempty"`
	// clearDue is set when due is "".
	clearDue bool
}

type noteInput struct {
	Title *string `json:"title,omitempty"`
	Body  *string `json:"body,omitempty"`
}

type locationInput struct {
	Name      *string  `json:"name,omitempty"`
	Address   *string  `json:"address,omitempty"`
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
	URL       *string  `json:"url,omitempty"`
}

type generateRequest struct {
	// ChatID limits generation to one group (default: every active group).
	ChatID string `json:"chatId,omitempty"`
	// Day is YYYY-MM-DD in the user's time zone (default: yesterday).
	Day string `json:"day,omitempty"`
}

type generateResponse struct {
	Queued int    `json:"queued"`
	Day    string `json:"day"`
}

// Text limits for things people type.
const (
	maxTitle = 500
	maxBody  = 20000
)

func checkText(errs *validate.Errors, field string, v *string, required bool, max int) {
	if v == nil {
		if required {
			errs.Add(field, "is required")
		}
		return
	}
	*v = strings.TrimSpace(*v)
	lo := 0
	if required {
		lo = 1
	}
	errs.Length(field, *v, lo, max)
}

func page[T any](p store.Page[T]) ([]T, string) { return nonNil(p.Items), p.NextCursor }

func (s *Server) registerKnowledge() {
	id := func(c *call) string { return c.r.PathValue("id") }
	knowledgeRoute := func(rt route, ep endpoint) {
		rt.access = user
		if rt.tag == "" {
			rt.tag = "knowledge"
		}
		s.add(rt, ep)
	}

	// Images.
	knowledgeRoute(route{method: "GET", path: "/api/v1/images", tag: "images", summary: "The caller's images, newest first",
		query: append([]param{{"chatId", "Only this chat's images.", "string"}, {"from", "Sent at or after (RFC 3339 or YYYY-MM-DD).", "string"},
			{"to", "Sent before (RFC 3339 or YYYY-MM-DD).", "string"}}, pageQuery...)},
		typed(func(c *call, _ *noBody) (imageList, error) {
			opts, err := listOptions(c.r)
			if err != nil {
				return imageList{}, err
			}
			q := c.r.URL.Query()
			var errs validate.Errors
			f := store.ImageFilter{ChatID: q.Get("chatId"), From: timeQuery(&errs, q.Get("from"), "from"), To: timeQuery(&errs, q.Get("to"), "to")}
			if err := errs.Err(); err != nil {
				return imageList{}, err
			}
			p, err := s.o.Store.ListImages(c.ctx(), c.userID, f, opts)
			items, next := page(p)
			return imageList{items, next}, err
		}))
	knowledgeRoute(route{method: "GET", path: "/api/v1/images/{id}", tag: "images", summary: "One image's details"},
		typed(func(c *call, _ *noBody) (store.Image, error) { return s.o.Store.GetImage(c.ctx(), c.userID, id(c)) }))
	knowledgeRoute(route{method: "GET", path: "/api/v1/images/{id}/original", tag: "images", respRaw: "image/*", queryToken: true,
		summary: "The image file"},
		rawEndpoint(func(w http.ResponseWriter, r *http.Request, c *call) {
			im, err := s.o.Store.GetImage(c.ctx(), c.userID, id(c))
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			s.serveBlob(w, r, c.userID, im.SHA256, im.MimeType)
		}))
	knowledgeRoute(route{method: "GET", path: "/api/v1/images/{id}/thumbnail", tag: "images", respRaw: "image/jpeg", queryToken: true,
		summary: "The image's thumbnail (JPEG, at most 480 px; the original when none could be made)"},
		rawEndpoint(func(w http.ResponseWriter, r *http.Request, c *call) {
			im, err := s.o.Store.GetImage(c.ctx(), c.userID, id(c))
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if im.ThumbSHA256 == "" {
				s.serveBlob(w, r, c.userID, im.SHA256, im.MimeType)
				return
			}
			s.serveBlob(w, r, c.userID, im.ThumbSHA256, "image/jpeg")
		}))

	// Voice memos.
	knowledgeRoute(route{method: "GET", path: "/api/v1/voice-memos", tag: "voice memos", summary: "The caller's voice memos, newest first", query: pageQuery},
		typed(func(c *call, _ *noBody) (voiceMemoList, error) {
			opts, err := listOptions(c.r)
			if err != nil {
				return voiceMemoList{}, err
			}
			p, err := s.o.Store.ListVoiceMemos(c.ctx(), c.userID, opts)
			items, next := page(p)
			return voiceMemoList{items, next}, err
		}))
	knowledgeRoute(route{method: "GET", path: "/api/v1/voice-memos/{id}", tag: "voice memos", summary: "One voice memo with its transcript"},
		typed(func(c *call, _ *noBody) (store.VoiceMemo, error) {
			return s.o.Store.GetVoiceMemo(c.ctx(), c.userID, id(c))
		}))
	knowledgeRoute(route{method: "GET", path: "/api/v1/voice-memos/{id}/audio", tag: "voice memos", respRaw: "audio/ogg", queryToken: true,
		summary: "The voice memo's audio (supports Range requests)"},
		rawEndpoint(func(w http.ResponseWriter, r *http.Request, c *call) {
			v, err := s.o.Store.GetVoiceMemo(c.ctx(), c.userID, id(c))
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			s.serveBlob(w, r, c.userID, v.SHA256, v.MimeType)
		}))

	// Bookmarks.
	knowledgeRoute(route{method: "GET", path: "/api/v1/bookmarks", tag: "bookmarks", summary: "The caller's bookmarks with the messages that shared them", query: pageQuery},
		typed(func(c *call, _ *noBody) (bookmarkList, error) {
			opts, err := listOptions(c.r)
			if err != nil {
				return bookmarkList{}, err
			}
			p, err := s.o.Store.ListBookmarks(c.ctx(), c.userID, opts)
			items, next := page(p)
			return bookmarkList{items, next}, err
		}))
	knowledgeRoute(route{method: "POST", path: "/api/v1/bookmarks", tag: "bookmarks", status: http.StatusCreated,
		summary: "Save a link; its preview is fetched in the background (409 if already saved)"},
		typed(func(c *call, in *bookmarkInput) (store.Bookmark, error) {
			var errs validate.Errors
			key, err := knowledge.NormalizeURL(strings.TrimSpace(in.URL))
			if err != nil {
				errs.Add("url", "must be an http or https URL")
			}
			checkText(&errs, "title", in.Title, false, maxTitle)
			checkText(&errs, "description", in.Description, false, maxBody)
			if err := errs.Err(); err != nil {
				return store.Bookmark{}, err
			}
			b, err := s.o.Jobs.AddBookmark(c.ctx(), c.userID, strings.TrimSpace(in.URL), key, deref(in.Title), deref(in.Description))
			if errors.Is(err, store.ErrConflict) {
				return store.Bookmark{}, problem(http.StatusConflict, "bookmark-exists", "Already saved", "you already have a bookmark for this link")
			}
			return b, err
		}))
	knowledgeRoute(route{method: "GET", path: "/api/v1/bookmarks/{id}", tag: "bookmarks", summary: "One bookmark"},
		typed(func(c *call, _ *noBody) (store.Bookmark, error) {
			return s.o.Store.GetBookmark(c.ctx(), c.userID, id(c))
		}))
	knowledgeRoute(route{method: "PATCH", path: "/api/v1/bookmarks/{id}", tag: "bookmarks", summary: "Edit a bookmark's title or description"},
		typed(func(c *call, in *bookmarkInput) (store.Bookmark, error) {
			var errs validate.Errors
			checkText(&errs, "title", in.Title, false, maxTitle)
			checkText(&errs, "description", in.Description, false, maxBody)
			if err := errs.Err(); err != nil {
				return store.Bookmark{}, err
			}
			return s.o.Store.UpdateBookmark(c.ctx(), c.userID, id(c), in.Title, in.Description)
		}))
	knowledgeRoute(route{method: "DELETE", path: "/api/v1/bookmarks/{id}", tag: "bookmarks", status: http.StatusNoContent, summary: "Delete a bookmark"},
		typed(func(c *call, _ *noBody) (noBody, error) {
			return noBody{}, s.o.Store.DeleteBookmark(c.ctx(), c.userID, id(c))
		}))
	knowledgeRoute(route{method: "GET", path: "/api/v1/bookmarks/{id}/image", tag: "bookmarks", respRaw: "image/*", queryToken: true,
		summary: "The bookmark's preview image, as fetched"},
		rawEndpoint(func(w http.ResponseWriter, r *http.Request, c *call) {
			b, err := s.o.Store.GetBookmark(c.ctx(), c.userID, id(c))
			if err == nil && b.ImageSHA256 == "" {
				err = store.ErrNotFound
			}
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			s.serveBlob(w, r, c.userID, b.ImageSHA256, "")
		}))

	// Tasks.
	knowledgeRoute(route{method: "GET", path: "/api/v1/tasks", tag: "tasks", summary: "The caller's tasks, newest first",
		query: append([]param{{"done", "Only done (true) or open (false) tasks.", "boolean"}}, pageQuery...)},
		typed(func(c *call, _ *noBody) (taskList, error) {
			opts, err := listOptions(c.r)
			if err != nil {
				return taskList{}, err
			}
			var f store.TaskFilter
			if v := c.r.URL.Query().Get("done"); v != "" {
				b, err := boolQuery(c.r, "done")
				if err != nil {
					return taskList{}, err
				}
				f.Done = &b
			}
			p, err := s.o.Store.ListTasks(c.ctx(), c.userID, f, opts)
			items, next := page(p)
			return taskList{items, next}, err
		}))
	knowledgeRoute(route{method: "POST", path: "/api/v1/tasks", tag: "tasks", status: http.StatusCreated, summary: "Add a task"},
		typed(func(c *call, in *taskInput) (store.Task, error) {
			due, hasTime, err := s.checkTask(c, in, true)
			if err != nil {
				return store.Task{}, err
			}
			return s.o.Store.CreateTask(c.ctx(), c.userID, *in.Title, deref(in.Body), due, hasTime)
		}))
	knowledgeRoute(route{method: "GET", path: "/api/v1/tasks/{id}", tag: "tasks", summary: "One task"},
		typed(func(c *call, _ *noBody) (store.Task, error) { return s.o.Store.GetTask(c.ctx(), c.userID, id(c)) }))
	knowledgeRoute(route{method: "PATCH", path: "/api/v1/tasks/{id}", tag: "tasks", summary: "Change a task (check it off with {\"done\": true})"},
		typed(func(c *call, in *taskInput) (store.Task, error) {
			due, hasTime, err := s.checkTask(c, in, false)
			if err != nil {
				return store.Task{}, err
			}
			p := store.TaskPatch{Title: in.Title, Body: in.Body, Done: in.Done, ClearDue: in.clearDue}
			if due != nil {
				p.Due, p.DueHasTime = due, &hasTime
			}
			return s.o.Store.UpdateTask(c.ctx(), c.userID, id(c), p)
		}))
	knowledgeRoute(route{method: "DELETE", path: "/api/v1/tasks/{id}", tag: "tasks", status: http.StatusNoContent, summary: "Delete a task"},
		typed(func(c *call, _ *noBody) (noBody, error) {
			return noBody{}, s.o.Store.DeleteTask(c.ctx(), c.userID, id(c))
		}))

	// Notes and ideas.
	s.registerNotes("notes", store.SearchNote)
	s.registerNotes("ideas", store.SearchIdea)

	// Locations.
	knowledgeRoute(route{method: "GET", path: "/api/v1/locations", tag: "locations", summary: "The caller's places, newest first", query: pageQuery},
		typed(func(c *call, _ *noBody) (locationList, error) {
			opts, err := listOptions(c.r)
			if err != nil {
				return locationList{}, err
			}
			p, err := s.o.Store.ListLocations(c.ctx(), c.userID, opts)
			items, next := page(p)
			return locationList{items, next}, err
		}))
	knowledgeRoute(route{method: "POST", path: "/api/v1/locations", tag: "locations", status: http.StatusCreated, summary: "Add a place"},
		typed(func(c *call, in *locationInput) (store.Location, error) {
			if err := checkLocation(in, true); err != nil {
				return store.Location{}, err
			}
			return s.o.Store.CreateLocation(c.ctx(), c.userID, store.Location{Name: *in.Name, Address: deref(in.Address),
				Latitude: in.Latitude, Longitude: in.Longitude, URL: deref(in.URL)})
		}))
	knowledgeRoute(route{method: "GET", path: "/api/v1/locations/{id}", tag: "locations", summary: "One place"},
		typed(func(c *call, _ *noBody) (store.Location, error) {
			return s.o.Store.GetLocation(c.ctx(), c.userID, id(c))
		}))
	knowledgeRoute(route{method: "PATCH", path: "/api/v1/locations/{id}", tag: "locations", summary: "Change a place"},
		typed(func(c *call, in *locationInput) (store.Location, error) {
			if err := checkLocation(in, false); err != nil {
				return store.Location{}, err
			}
			return s.o.Store.UpdateLocation(c.ctx(), c.userID, id(c), store.LocationPatch{Name: in.Name, Address: in.Address,
				URL: in.URL, Latitude: in.Latitude, Longitude: in.Longitude})
		}))
	knowledgeRoute(route{method: "DELETE", path: "/api/v1/locations/{id}", tag: "locations", status: http.StatusNoContent, summary: "Delete a place"},
		typed(func(c *call, _ *noBody) (noBody, error) {
			return noBody{}, s.o.Store.DeleteLocation(c.ctx(), c.userID, id(c))
		}))

	// Summaries.
	knowledgeRoute(route{method: "GET", path: "/api/v1/summaries", tag: "summaries", summary: "Daily group summaries, most recent first",
		query: append([]param{{"chatId", "Only this group's.", "string"}, {"day", "Only this day (YYYY-MM-DD).", "string"}}, pageQuery...)},
		typed(func(c *call, _ *noBody) (summaryList, error) {
			opts, err := listOptions(c.r)
			if err != nil {
				return summaryList{}, err
			}
			q := c.r.URL.Query()
			f := store.SummaryFilter{ChatID: q.Get("chatId"), Day: q.Get("day")}
			if f.Day != "" {
				if _, err := time.Parse("2006-01-02", f.Day); err != nil {
					return summaryList{}, validate.Errors{{Field: "day", Message: "must be YYYY-MM-DD"}}
				}
			}
			p, err := s.o.Store.ListSummaries(c.ctx(), c.userID, f, opts)
			items, next := page(p)
			return summaryList{items, next}, err
		}))
	knowledgeRoute(route{method: "GET", path: "/api/v1/summaries/{id}", tag: "summaries", summary: "One summary"},
		typed(func(c *call, _ *noBody) (store.Summary, error) { return s.o.Store.GetSummary(c.ctx(), c.userID, id(c)) }))
	knowledgeRoute(route{method: "POST", path: "/api/v1/summaries/generate", tag: "summaries", status: http.StatusAccepted, optionalBody: true,
		summary:     "Make (or remake) the summaries of a day",
		description: "Queues a summary of each group active that day (default: yesterday in the caller's time zone); summary events follow as each is made."},
		typed(func(c *call, in *generateRequest) (generateResponse, error) {
			u, err := s.o.Store.UserByID(c.ctx(), c.userID)
			if err != nil {
				return generateResponse{}, notFoundIsUnauthorized(err)
			}
			day := in.Day
			if day == "" {
				loc, err := time.LoadLocation(u.Timezone)
				if err != nil {
					loc = time.UTC
				}
				now := time.Now().In(loc)
				day = time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, loc).Format("2006-01-02")
			} else if _, err := time.Parse("2006-01-02", day); err != nil {
				return generateResponse{}, validate.Errors{{Field: "day", Message: "must be YYYY-MM-DD"}}
			}
			if in.ChatID != "" {
				if _, err := s.o.Store.GetChat(c.ctx(), c.userID, in.ChatID); err != nil {
					return generateResponse{}, err
				}
			}
			n, err := s.o.Jobs.QueueSummaries(c.ctx(), c.userID, in.ChatID, day, true)
			return generateResponse{Queued: n, Day: day}, err
		}))

	// Search and storage.
	knowledgeRoute(route{method: "GET", path: "/api/v1/search", tag: "search", summary: "Search messages, bookmarks, items, transcripts and summaries",
		description: "Every word must match, accents and case aside; when whole words find too little, the last word may also be the start of a word. Results are ranked (among the newest matches), with a snippet.",
		query: []param{{"q", "The words to find.", "string"}, {"kinds", "Comma-separated kinds to search (message, bookmark, task, note, idea, location, voice_memo, summary, image).", "string"},
			{"limit", "At most this many results, 1–200 (default 50).", "integer"}}},
		typed(func(c *call, _ *noBody) (searchResults, error) {
			q := c.r.URL.Query()
			var errs validate.Errors
			query := strings.TrimSpace(q.Get("q"))
			if query == "" {
				errs.Add("q", "is required")
			} else if len(query) > 500 {
				errs.Add("q", "must have at most 500 characters")
			}
			opts, err := listOptions(c.r)
			if err != nil {
				return searchResults{}, err
			}
			var kinds []string
			for _, k := range strings.Split(q.Get("kinds"), ",") {
				if k = strings.TrimSpace(k); k == "" {
					continue
				}
				switch k {
				case store.SearchMessage, store.SearchBookmark, store.SearchTask, store.SearchNote, store.SearchIdea,
					store.SearchLocation, store.SearchVoiceMemo, store.SearchSummary, store.SearchImage:
					kinds = append(kinds, k)
				default:
					errs.Add("kinds", "unknown kind "+k)
				}
			}
			if err := errs.Err(); err != nil {
				return searchResults{}, err
			}
			hits, err := s.o.Store.Search(c.ctx(), c.userID, query, store.SearchOptions{Kinds: kinds, Limit: opts.Limit})
			return searchResults{Items: nonNil(hits)}, err
		}))
	knowledgeRoute(route{method: "GET", path: "/api/v1/storage", tag: "knowledge", summary: "What the caller stores, counted and sized"},
		typed(func(c *call, _ *noBody) (store.Usage, error) { return s.o.Store.StorageUsage(c.ctx(), c.userID) }))
}

func (s *Server) registerNotes(path, kind string) {
	id := func(c *call) string { return c.r.PathValue("id") }
	tag := path
	add := func(rt route, ep endpoint) {
		rt.access, rt.tag = user, tag
		rt.path = "/api/v1/" + path + rt.path
		s.add(rt, ep)
	}
	if kind == store.SearchIdea {
		add(route{method: "GET", path: "", summary: "The caller's ideas, newest first", query: pageQuery},
			typed(func(c *call, _ *noBody) (ideaList, error) {
				opts, err := listOptions(c.r)
				if err != nil {
					return ideaList{}, err
				}
				p, err := s.o.Store.ListNotes(c.ctx(), c.userID, kind, opts)
				out := ideaList{Items: make([]store.Idea, len(p.Items)), NextCursor: p.NextCursor}
				for i, n := range p.Items {
					out.Items[i] = store.Idea(n)
				}
				return out, err
			}))
	} else {
		add(route{method: "GET", path: "", summary: "The caller's notes, newest first", query: pageQuery},
			typed(func(c *call, _ *noBody) (noteList, error) {
				opts, err := listOptions(c.r)
				if err != nil {
					return noteList{}, err
				}
				p, err := s.o.Store.ListNotes(c.ctx(), c.userID, kind, opts)
				items, next := page(p)
				return noteList{items, next}, err
			}))
	}
	add(route{method: "POST", path: "", status: http.StatusCreated, summary: "Add one"},
		typed(func(c *call, in *noteInput) (store.Note, error) {
			var errs validate.Errors
			checkText(&errs, "title", in.Title, true, maxTitle)
			checkText(&errs, "body", in.Body, false, maxBody)
			if err := errs.Err(); err != nil {
				return store.Note{}, err
			}
			return s.o.Store.CreateNote(c.ctx(), c.userID, kind, *in.Title, deref(in.Body))
		}))
	add(route{method: "GET", path: "/{id}", summary: "One"},
		typed(func(c *call, _ *noBody) (store.Note, error) { return s.o.Store.GetNote(c.ctx(), c.userID, kind, id(c)) }))
	add(route{method: "PATCH", path: "/{id}", summary: "Change the title or body"},
		typed(func(c *call, in *noteInput) (store.Note, error) {
			var errs validate.Errors
			if in.Title != nil {
				checkText(&errs, "title", in.Title, true, maxTitle)
			}
			checkText(&errs, "body", in.Body, false, maxBody)
			if err := errs.Err(); err != nil {
				return store.Note{}, err
			}
			return s.o.Store.UpdateNote(c.ctx(), c.userID, kind, id(c), in.Title, in.Body)
		}))
	add(route{method: "DELETE", path: "/{id}", status: http.StatusNoContent, summary: "Delete one"},
		typed(func(c *call, _ *noBody) (noBody, error) {
			return noBody{}, s.o.Store.DeleteNote(c.ctx(), c.userID, kind, id(c))
		}))
}

// checkTask validates a task body and parses its due date in the caller's
// time zone.
func (s *Server) checkTask(c *call, in *taskInput, create bool) (*time.Time, bool, error) {
	var errs validate.Errors
	if create || in.Title != nil {
		checkText(&errs, "title", in.Title, true, maxTitle)
	}
	checkText(&errs, "body", in.Body, false, maxBody)
	var due *time.Time
	hasTime := false
	if in.Due != nil && *in.Due != "" {
		if t, err := time.Parse(time.RFC3339, *in.Due); err == nil {
			due, hasTime = &t, true
		} else if d, err := time.Parse("2006-01-02", *in.Due); err == nil {
			loc := time.UTC
			if u, err := s.o.Store.UserByID(c.ctx(), c.userID); err == nil {
				if l, err := time.LoadLocation(u.Timezone); err == nil {
					loc = l
				}
			}
			t := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
			due = &t
		} else {
			errs.Add("due", "must be an RFC 3339 time or a date (YYYY-MM-DD)")
		}
	} else if in.Due != nil {
		in.clearDue = true
	}
	return due, hasTime, errs.Err()
}

func checkLocation(in *locationInput, create bool) error {
	var errs validate.Errors
	if create || in.Name != nil {
		checkText(&errs, "name", in.Name, true, maxTitle)
	}
	checkText(&errs, "address", in.Address, false, maxTitle)
	checkText(&errs, "url", in.URL, false, 2048)
	if in.URL != nil && *in.URL != "" && !strings.HasPrefix(*in.URL, "http://") && !strings.HasPrefix(*in.URL, "https://") {
		errs.Add("url", "must be an http or https URL")
	}
	if (in.Latitude == nil) != (in.Longitude == nil) {
		errs.Add("latitude", "latitude and longitude go together")
	}
	if in.Latitude != nil && (*in.Latitude < -90 || *in.Latitude > 90) {
		errs.Add("latitude", "must be between -90 and 90")
	}
	if in.Longitude != nil && (*in.Longitude < -180 || *in.Longitude > 180) {
		errs.Add("longitude", "must be between -180 and 180")
	}
	return errs.Err()
}

// timeQuery parses an RFC 3339 time or a date.
func timeQuery(errs *validate.Errors, v, field string) time.Time {
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t
	}
	errs.Add(field, "must be an RFC 3339 time or a date (YYYY-MM-DD)")
	return time.Time{}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// serveBlob sends one of the user's media files (hash from the user's own
// record): cacheable for a long time under its content hash, and sandboxed
// so that a file can never run as a page of this site.
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request, userID, hash, contentType string) {
	f, _, err := s.o.Blobs.Open(r.Context(), userID, hash)
	if errors.Is(err, media.ErrNotFound) {
		s.writeError(w, r, store.ErrNotFound)
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	h.Set("ETag", `"`+hash+`"`)
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", "inline")
	http.ServeContent(w, r, "", time.Time{}, f)
}
