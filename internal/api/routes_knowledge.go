package api

import (
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// The list types are named, so that the OpenAPI document names their
// schemas.
type (
	imageList     service.List[store.Image]
	bookmarkList  service.List[store.Bookmark]
	taskList      service.List[store.Task]
	noteList      service.List[store.Note]
	ideaList      service.List[store.Idea]
	locationList  service.List[store.Location]
	voiceMemoList service.List[store.VoiceMemo]
	summaryList   service.List[store.Summary]
)

type searchResults = service.List[store.SearchHit]

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
	// RemindAt is when the task reminds its owner (RFC 3339, or
	// YYYY-MM-DDTHH:MM in the caller's zone); "" goes back to the due time
	// less the offset.
	RemindAt *string `json:"remindAt,omitempty"`
	// RemindOffset is how many minutes before the due time it reminds.
	RemindOffset *int `json:"remindOffset,omitempty"`
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

type generateResponse service.Generated

// registerKnowledge is the knowledge base's route table.
func (s *Server) registerKnowledge() {
	add := func(tag string, rt route, ep endpoint) {
		rt.access, rt.tag = user, tag
		if rt.method != "GET" {
			rt.scope = auth.ScopeWrite // every change here is to the person's knowledge
		}
		s.add(rt, ep)
	}
	listQuery := append(append([]param{}, filterQuery...), pageQuery...)

	add("images", route{method: "GET", path: "/api/v1/images", summary: "The caller's images, newest first",
		query: listQuery}, typed(s.listImages))
	add("images", route{method: "GET", path: "/api/v1/images/{id}", summary: "One image's details"}, typed(s.getImage))
	add("images", route{method: "GET", path: "/api/v1/images/{id}/original", respRaw: "image/*", queryToken: true,
		summary: "The image file"}, rawEndpoint(s.imageOriginal))
	add("images", route{method: "GET", path: "/api/v1/images/{id}/thumbnail", respRaw: "image/jpeg", queryToken: true,
		summary: "The image's thumbnail (JPEG, at most 480 px; the original when none could be made)"}, rawEndpoint(s.imageThumbnail))

	add("voice memos", route{method: "GET", path: "/api/v1/voice-memos", summary: "The caller's voice memos, newest first", query: listQuery},
		typed(s.listVoiceMemos))
	add("voice memos", route{method: "GET", path: "/api/v1/voice-memos/{id}", summary: "One voice memo with its transcript"}, typed(s.getVoiceMemo))
	add("voice memos", route{method: "GET", path: "/api/v1/voice-memos/{id}/audio", respRaw: "audio/ogg", queryToken: true,
		summary: "The voice memo's audio (supports Range requests)"}, rawEndpoint(s.voiceMemoAudio))

	add("bookmarks", route{method: "GET", path: "/api/v1/bookmarks", summary: "The caller's bookmarks with the messages that shared them",
		description: "chatId and person filter on any of the messages that shared a bookmark.", query: listQuery},
		typed(s.listBookmarks))
	add("bookmarks", route{method: "POST", path: "/api/v1/bookmarks", status: http.StatusCreated,
		summary: "Save a link; its preview is fetched in the background (409 if already saved)"}, typed(s.addBookmark))
	add("bookmarks", route{method: "GET", path: "/api/v1/bookmarks/{id}", summary: "One bookmark"}, typed(s.getBookmark))
	add("bookmarks", route{method: "PATCH", path: "/api/v1/bookmarks/{id}", summary: "Edit a bookmark's title or description"}, typed(s.updateBookmark))
	add("bookmarks", route{method: "DELETE", path: "/api/v1/bookmarks/{id}", status: http.StatusNoContent, summary: "Delete a bookmark"},
		typed(s.deleteBookmark))
	add("bookmarks", route{method: "GET", path: "/api/v1/bookmarks/{id}/image", respRaw: "image/*", queryToken: true,
		summary: "The bookmark's preview image, as fetched"}, rawEndpoint(s.bookmarkImage))

	add("tasks", route{method: "GET", path: "/api/v1/tasks", summary: "The caller's tasks, newest first",
		query: append([]param{{"done", "Only done (true) or open (false) tasks.", "boolean"}}, listQuery...)}, typed(s.listTasks))
	add("tasks", route{method: "POST", path: "/api/v1/tasks", status: http.StatusCreated, summary: "Add a task"}, typed(s.createTask))
	add("tasks", route{method: "GET", path: "/api/v1/tasks/{id}", summary: "One task"}, typed(s.getTask))
	add("tasks", route{method: "PATCH", path: "/api/v1/tasks/{id}", summary: "Change a task (check it off with {\"done\": true})"},
		typed(s.updateTask))
	add("tasks", route{method: "DELETE", path: "/api/v1/tasks/{id}", status: http.StatusNoContent, summary: "Delete a task"}, typed(s.deleteTask))

	add("notes", route{method: "GET", path: "/api/v1/notes", summary: "The caller's notes, newest first", query: listQuery}, typed(s.listNotes))
	add("ideas", route{method: "GET", path: "/api/v1/ideas", summary: "The caller's ideas, newest first", query: listQuery}, typed(s.listIdeas))
	for _, k := range []domain.Kind{domain.KindNote, domain.KindIdea} {
		tag := string(k) + "s"
		base := "/api/v1/" + tag
		add(tag, route{method: "POST", path: base, status: http.StatusCreated, summary: "Add one"}, s.createNote(k))
		add(tag, route{method: "GET", path: base + "/{id}", summary: "One"}, s.getNote(k))
		add(tag, route{method: "PATCH", path: base + "/{id}", summary: "Change the title or body"}, s.updateNote(k))
		add(tag, route{method: "DELETE", path: base + "/{id}", status: http.StatusNoContent, summary: "Delete one"}, s.deleteNote(k))
	}

	add("locations", route{method: "GET", path: "/api/v1/locations", summary: "The caller's places, newest first", query: listQuery},
		typed(s.listLocations))
	add("locations", route{method: "POST", path: "/api/v1/locations", status: http.StatusCreated, summary: "Add a place"}, typed(s.createLocation))
	add("locations", route{method: "GET", path: "/api/v1/locations/{id}", summary: "One place"}, typed(s.getLocation))
	add("locations", route{method: "PATCH", path: "/api/v1/locations/{id}", summary: "Change a place"}, typed(s.updateLocation))
	add("locations", route{method: "DELETE", path: "/api/v1/locations/{id}", status: http.StatusNoContent, summary: "Delete a place"},
		typed(s.deleteLocation))

	// One item per thing: a repeat merged into an item can be split off.
	for _, c := range []struct{ coll, tag string }{{"tasks", "tasks"}, {"notes", "notes"}, {"ideas", "ideas"}, {"locations", "locations"},
		{"calendar-events", "calendar events"}, {"images", "images"}} {
		kind, _ := service.MergedKind(c.coll)
		add(c.tag, route{method: "POST", path: "/api/v1/" + c.coll + "/{id}/split", status: http.StatusCreated,
			summary: "Split a wrongly merged source message off into an item of its own",
			description: "A repeated or forwarded message adds a source to the item it repeats (see sources on the item). " +
				"This makes the named source an item of its own, a copy of the item; analysing that message again keeps them apart. " +
				"The item's first source cannot be split off (422 naming messageId)."}, s.splitSource(kind))
	}

	add("summaries", route{method: "GET", path: "/api/v1/summaries", summary: "Daily group summaries, most recent first",
		query: append([]param{{"chatId", "Only this group's.", "string"}, {"day", "Only this day (YYYY-MM-DD).", "string"}}, pageQuery...)},
		typed(s.listSummaries))
	add("summaries", route{method: "GET", path: "/api/v1/summaries/{id}", summary: "One summary"}, typed(s.getSummary))
	add("summaries", route{method: "POST", path: "/api/v1/summaries/generate", status: http.StatusAccepted, optionalBody: true,
		summary:     "Make (or remake) the summaries of a day",
		description: "Queues a summary of each group active that day (default: yesterday in the caller's time zone); summary events follow as each is made."},
		typed(s.generateSummaries))

	add("search", route{method: "GET", path: "/api/v1/search", summary: "Search messages, bookmarks, items, transcripts and summaries",
		description: "Every word must match, accents and case aside; when whole words find too little, the last word may also be the start of a word. Results are ranked (among the newest matches), with a snippet, and come a page at a time: nextCursor asks for the next. Ranked order pages through the best 1,000; sort=newest pages through every match, newest first (the last word always also matching as the start of a word).",
		query: []param{{"q", "The words to find (required; a search narrowed only by tag, chat or person is a list's filter).", "string!"}, {"kinds", "Comma-separated kinds to search (message, bookmark, task, note, idea, location, voice_memo, summary, image, event).", "string"},
			{"chatId", "Only what came from this chat (its id, or a phone number with its country code): its messages and what was made from them.", "string"},
			{"from", "Only what was sent or made (a calendar event: made, not its start) at or after this RFC 3339 time or day (YYYY-MM-DD, in the caller's time zone).", "string"},
			{"to", "Only what was sent or made before this RFC 3339 time, or up to the end of this day.", "string"},
			{"tag", "Only items with this tag (no messages).", "string"},
			{"person", "Only what this person (a WhatsApp id, or a phone number with its country code) sent, and what was made from it.", "string"},
			{"sort", "relevance (default) or newest.", "string"},
			{"cursor", "The nextCursor of the previous page.", "string"},
			{"limit", "At most this many results, 1–200 (default 50).", "integer"}}}, typed(s.search))
	add("knowledge", route{method: "GET", path: "/api/v1/storage", summary: "What the caller stores, counted and sized"}, typed(s.storage))
}

func id(c *call) string { return c.r.PathValue("id") }

type splitInput struct {
	// ChatID and MessageID name the source message to split off.
	ChatID    string `json:"chatId"`
	MessageID string `json:"messageId"`
}

func (s *Server) splitSource(kind domain.Kind) endpoint {
	return typed(func(c *call, in *splitInput) (service.Split, error) {
		return s.o.Service.SplitSource(c.ctx(), c.userID, kind, id(c), service.SplitInput{ChatID: in.ChatID, MessageID: in.MessageID})
	})
}

// Images.

func (s *Server) listImages(c *call, _ *noBody) (imageList, error) {
	l, err := s.o.Service.Images(c.ctx(), c.userID, filterOf(c.r), pageOf(c.r))
	return imageList(l), err
}

func (s *Server) getImage(c *call, _ *noBody) (store.Image, error) {
	return s.o.Service.Image(c.ctx(), c.userID, id(c))
}

func (s *Server) imageOriginal(w http.ResponseWriter, r *http.Request, c *call) {
	s.serveMedia(w, r)(s.o.Service.ImageFile(c.ctx(), c.userID, id(c), false))
}

func (s *Server) imageThumbnail(w http.ResponseWriter, r *http.Request, c *call) {
	s.serveMedia(w, r)(s.o.Service.ImageFile(c.ctx(), c.userID, id(c), true))
}

// serveMedia returns a function that sends an opened file, or the error of
// opening it.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) func(*service.MediaFile, error) {
	return func(f *service.MediaFile, err error) {
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		service.ServeMedia(w, r, f)
	}
}

// Voice memos.

func (s *Server) listVoiceMemos(c *call, _ *noBody) (voiceMemoList, error) {
	l, err := s.o.Service.VoiceMemos(c.ctx(), c.userID, filterOf(c.r), pageOf(c.r))
	return voiceMemoList(l), err
}

func (s *Server) getVoiceMemo(c *call, _ *noBody) (store.VoiceMemo, error) {
	return s.o.Service.VoiceMemo(c.ctx(), c.userID, id(c))
}

func (s *Server) voiceMemoAudio(w http.ResponseWriter, r *http.Request, c *call) {
	s.serveMedia(w, r)(s.o.Service.VoiceMemoAudio(c.ctx(), c.userID, id(c)))
}

// Bookmarks.

func (s *Server) listBookmarks(c *call, _ *noBody) (bookmarkList, error) {
	l, err := s.o.Service.Bookmarks(c.ctx(), c.userID, filterOf(c.r), pageOf(c.r))
	return bookmarkList(l), err
}

func (s *Server) addBookmark(c *call, in *bookmarkInput) (store.Bookmark, error) {
	return s.o.Service.AddBookmark(c.ctx(), c.userID, service.BookmarkInput{URL: in.URL, Title: in.Title, Description: in.Description})
}

func (s *Server) getBookmark(c *call, _ *noBody) (store.Bookmark, error) {
	return s.o.Service.Bookmark(c.ctx(), c.userID, id(c))
}

func (s *Server) updateBookmark(c *call, in *bookmarkInput) (store.Bookmark, error) {
	return s.o.Service.UpdateBookmark(c.ctx(), c.userID, id(c), service.BookmarkInput{Title: in.Title, Description: in.Description})
}

func (s *Server) deleteBookmark(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.DeleteBookmark(c.ctx(), c.userID, id(c))
}

func (s *Server) bookmarkImage(w http.ResponseWriter, r *http.Request, c *call) {
	s.serveMedia(w, r)(s.o.Service.BookmarkImage(c.ctx(), c.userID, id(c)))
}

// Tasks.

func (s *Server) listTasks(c *call, _ *noBody) (taskList, error) {
	q := service.TaskQuery{Filter: filterOf(c.r)}
	if c.r.URL.Query().Get("done") != "" {
		done, err := boolQuery(c.r, "done")
		if err != nil {
			return taskList{}, err
		}
		q.Done = &done
	}
	l, err := s.o.Service.Tasks(c.ctx(), c.userID, q, pageOf(c.r))
	return taskList(l), err
}

func (s *Server) createTask(c *call, in *taskInput) (store.Task, error) {
	return s.o.Service.CreateTask(c.ctx(), c.userID, service.TaskInput{Title: in.Title, Body: in.Body, Due: in.Due, Done: in.Done,
		RemindAt: in.RemindAt, RemindOffset: in.RemindOffset})
}

func (s *Server) getTask(c *call, _ *noBody) (store.Task, error) {
	return s.o.Service.Task(c.ctx(), c.userID, id(c))
}

func (s *Server) updateTask(c *call, in *taskInput) (store.Task, error) {
	return s.o.Service.UpdateTask(c.ctx(), c.userID, id(c), service.TaskInput{Title: in.Title, Body: in.Body, Due: in.Due, Done: in.Done,
		RemindAt: in.RemindAt, RemindOffset: in.RemindOffset})
}

func (s *Server) deleteTask(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.DeleteTask(c.ctx(), c.userID, id(c))
}

// Notes and ideas.

func (s *Server) listNotes(c *call, _ *noBody) (noteList, error) {
	l, err := s.o.Service.Notes(c.ctx(), c.userID, domain.KindNote, filterOf(c.r), pageOf(c.r))
	return noteList(l), err
}

func (s *Server) listIdeas(c *call, _ *noBody) (ideaList, error) {
	l, err := s.o.Service.Notes(c.ctx(), c.userID, domain.KindIdea, filterOf(c.r), pageOf(c.r))
	out := ideaList{Items: make([]store.Idea, len(l.Items)), NextCursor: l.NextCursor}
	for i, n := range l.Items {
		out.Items[i] = store.Idea(n)
	}
	return out, err
}

func (s *Server) createNote(k domain.Kind) endpoint {
	return typed(func(c *call, in *noteInput) (store.Note, error) {
		return s.o.Service.CreateNote(c.ctx(), c.userID, k, service.NoteInput{Title: in.Title, Body: in.Body})
	})
}

func (s *Server) getNote(k domain.Kind) endpoint {
	return typed(func(c *call, _ *noBody) (store.Note, error) { return s.o.Service.Note(c.ctx(), c.userID, k, id(c)) })
}

func (s *Server) updateNote(k domain.Kind) endpoint {
	return typed(func(c *call, in *noteInput) (store.Note, error) {
		return s.o.Service.UpdateNote(c.ctx(), c.userID, k, id(c), service.NoteInput{Title: in.Title, Body: in.Body})
	})
}

func (s *Server) deleteNote(k domain.Kind) endpoint {
	return typed(func(c *call, _ *noBody) (noBody, error) {
		return noBody{}, s.o.Service.DeleteNote(c.ctx(), c.userID, k, id(c))
	})
}

// Places.

func (s *Server) listLocations(c *call, _ *noBody) (locationList, error) {
	l, err := s.o.Service.Locations(c.ctx(), c.userID, filterOf(c.r), pageOf(c.r))
	return locationList(l), err
}

func (in *locationInput) service() service.LocationInput {
	return service.LocationInput{Name: in.Name, Address: in.Address, URL: in.URL, Latitude: in.Latitude, Longitude: in.Longitude}
}

func (s *Server) createLocation(c *call, in *locationInput) (store.Location, error) {
	return s.o.Service.CreatePlace(c.ctx(), c.userID, in.service())
}

func (s *Server) getLocation(c *call, _ *noBody) (store.Location, error) {
	return s.o.Service.Place(c.ctx(), c.userID, id(c))
}

func (s *Server) updateLocation(c *call, in *locationInput) (store.Location, error) {
	return s.o.Service.UpdatePlace(c.ctx(), c.userID, id(c), in.service())
}

func (s *Server) deleteLocation(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.DeletePlace(c.ctx(), c.userID, id(c))
}

// Summaries.

func (s *Server) listSummaries(c *call, _ *noBody) (summaryList, error) {
	q := c.r.URL.Query()
	l, err := s.o.Service.Summaries(c.ctx(), c.userID, service.SummaryQuery{ChatID: q.Get("chatId"), Day: q.Get("day")}, pageOf(c.r))
	return summaryList(l), err
}

func (s *Server) getSummary(c *call, _ *noBody) (store.Summary, error) {
	return s.o.Service.Summary(c.ctx(), c.userID, id(c))
}

func (s *Server) generateSummaries(c *call, in *generateRequest) (generateResponse, error) {
	g, err := s.o.Service.GenerateSummaries(c.ctx(), c.userID, in.ChatID, in.Day)
	return generateResponse(g), err
}

// Search and storage.

func (s *Server) search(c *call, _ *noBody) (searchResults, error) {
	q := c.r.URL.Query()
	p := pageOf(c.r)
	return s.o.Service.Search(c.ctx(), c.userID, service.SearchQuery{Q: q.Get("q"), Kinds: service.ParseKinds(q.Get("kinds")),
		ChatID: q.Get("chatId"), From: q.Get("from"), To: q.Get("to"), Tag: q.Get("tag"), Person: q.Get("person"),
		Sort: q.Get("sort"), Limit: p.Limit, Cursor: p.Cursor})
}

func (s *Server) storage(c *call, _ *noBody) (store.Usage, error) {
	return s.o.Service.Storage(c.ctx(), c.userID)
}
