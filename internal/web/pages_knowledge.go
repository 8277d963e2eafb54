package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Gallery.

type galleryData struct {
	Images    []store.Image
	Chats     []store.Chat
	Chat      string
	From, To  string
	Pager     pager
	ChatNames map[string]string
	Errors    formErrors
}

func (h *Handler) galleryPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	q := r.URL.Query()
	d := galleryData{Chat: q.Get("chat"), From: q.Get("from"), To: q.Get("to"), Errors: formErrors{}}
	f := store.ImageFilter{ChatID: d.Chat}
	if len(f.ChatID) > maxChatID {
		f.ChatID = ""
	}
	if d.From != "" {
		t, err := time.ParseInLocation("2006-01-02", d.From, v.Loc)
		if err != nil {
			d.Errors["from"] = "must be a date"
		}
		f.From = t
	}
	if d.To != "" {
		t, err := time.ParseInLocation("2006-01-02", d.To, v.Loc)
		if err != nil {
			d.Errors["to"] = "must be a date"
		} else {
			f.To = t.AddDate(0, 0, 1) // the whole day
		}
	}
	status := http.StatusOK
	if len(d.Errors) == 0 {
		p, err := h.o.Store.ListImages(ctx, v.User.ID, f, listOptions(r, imagesPerPage))
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		d.Images, d.Pager = p.Items, newPager(r, p.NextCursor)
	} else {
		status = http.StatusBadRequest
	}
	chats, err := h.o.Store.ListChats(ctx, v.User.ID, store.AllChats, store.ListOptions{Limit: store.MaxPageSize})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Chats = chats.Items
	d.ChatNames = make(map[string]string, len(chats.Items))
	for _, c := range chats.Items {
		d.ChatNames[c.ID] = chatLabel(c)
	}
	pg := &page{Title: "Gallery", Nav: "gallery", Data: d}
	if d.Pager.First && d.Chat == "" && d.From == "" && d.To == "" {
		pg.Live = "image"
	}
	h.render(w, r, v, status, "gallery", pg)
}

// Voice memos.

type voiceData struct {
	Memos       []store.VoiceMemo
	Pager       pager
	ChatNames   map[string]string
	Transcriber bool
}

func (h *Handler) voiceMemosPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	p, err := h.o.Store.ListVoiceMemos(r.Context(), v.User.ID, listOptions(r, 30))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	ids := make([]string, len(p.Items))
	for i, m := range p.Items {
		ids[i] = m.ChatID
	}
	d := voiceData{Memos: p.Items, Pager: newPager(r, p.NextCursor), ChatNames: h.chatNames(r.Context(), v.User.ID, ids), Transcriber: h.o.Transcriber}
	h.render(w, r, v, http.StatusOK, "voice", &page{Title: "Voice memos", Nav: "voice", Live: "voice_memo", Data: d})
}

// Summaries.

type summariesData struct {
	Items       []store.Summary
	Pager       pager
	Groups      []store.Chat
	Chat, Day   string
	Yesterday   string
	CanGenerate bool
	Error       string
}

func (h *Handler) summariesPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderSummaries(w, r, v, http.StatusOK, "")
}

func (h *Handler) renderSummaries(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg string) {
	ctx := r.Context()
	q := r.URL.Query()
	d := summariesData{Chat: q.Get("chat"), Day: q.Get("day"), CanGenerate: h.o.Jobs != nil, Error: errMsg}
	if r.Method != http.MethodGet {
		d.Chat, d.Day = "", ""
	}
	now := h.o.Now().In(v.Loc)
	d.Yesterday = time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, v.Loc).Format("2006-01-02")
	f := store.SummaryFilter{ChatID: d.Chat, Day: d.Day}
	if _, err := time.Parse("2006-01-02", f.Day); err != nil {
		f.Day = ""
	}
	opts := listOptions(r, 20)
	if r.Method != http.MethodGet {
		opts.Cursor = ""
	}
	p, err := h.o.Store.ListSummaries(ctx, v.User.ID, f, opts)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Items = p.Items
	if r.Method == http.MethodGet {
		d.Pager = newPager(r, p.NextCursor)
	} else {
		d.Pager = pager{First: true, Newest: "/summaries"}
	}
	groups, err := h.o.Store.ListChats(ctx, v.User.ID, store.GroupsOnly, store.ListOptions{Limit: store.MaxPageSize})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Groups = groups.Items
	pg := &page{Title: "Daily summaries", Nav: "summaries", Data: d}
	if d.Pager.First {
		pg.Live = "summary"
	}
	h.render(w, r, v, status, "summaries", pg)
}

// generateSummaries queues (again) the summaries of one day, of one group
// or of every group active that day.
func (h *Handler) generateSummaries(w http.ResponseWriter, r *http.Request, v *viewer) {
	if h.o.Jobs == nil {
		h.renderSummaries(w, r, v, http.StatusServiceUnavailable, "Summaries cannot be made on this server.")
		return
	}
	chat, day := formText(r, "chat"), formText(r, "day")
	if _, err := time.Parse("2006-01-02", day); err != nil {
		h.renderSummaries(w, r, v, http.StatusBadRequest, "Choose a day.")
		return
	}
	if chat != "" {
		if len(chat) > maxChatID {
			h.fail(w, r, v, store.ErrNotFound)
			return
		}
		if _, err := h.o.Store.GetChat(r.Context(), v.User.ID, chat); err != nil {
			h.fail(w, r, v, err)
			return
		}
	}
	n, err := h.o.Jobs.QueueSummaries(r.Context(), v.User.ID, chat, day, true)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if n == 0 {
		redirect(w, r, "/summaries?ok=nothing")
		return
	}
	redirect(w, r, "/summaries?ok=queued")
}

// Search.

type searchHit struct {
	store.SearchHit
	Label string
	URL   string
	Where string
}

type searchData struct {
	Q        string
	Terms    []string
	Hits     []searchHit
	Searched bool
	Error    string
}

var kindLabels = map[string]string{
	store.SearchMessage: "Message", store.SearchBookmark: "Bookmark", store.SearchTask: "Task", store.SearchNote: "Note",
	store.SearchIdea: "Idea", store.SearchLocation: "Place", store.SearchVoiceMemo: "Voice memo", store.SearchSummary: "Summary",
	store.SearchImage: "Image",
}

func (h *Handler) searchPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	d := searchData{Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	status := http.StatusOK
	switch {
	case d.Q == "":
	case len(d.Q) > 500:
		d.Error, status = "That search is too long.", http.StatusBadRequest
	default:
		d.Searched, d.Terms = true, searchTerms(d.Q)
		hits, err := h.o.Store.Search(r.Context(), v.User.ID, d.Q, store.SearchOptions{Limit: 50})
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		ids := make([]string, 0, len(hits))
		for _, x := range hits {
			ids = append(ids, x.ChatID)
		}
		names := h.chatNames(r.Context(), v.User.ID, ids)
		for _, x := range hits {
			d.Hits = append(d.Hits, searchHit{SearchHit: x, Label: kindLabels[x.Kind], URL: hitURL(x), Where: names[x.ChatID]})
		}
	}
	h.render(w, r, v, status, "search", &page{Title: "Search", Nav: "search", Query: d.Q, Data: d})
}

// hitURL is where a search result is shown.
func hitURL(x store.SearchHit) string {
	id := url.PathEscape(x.ID)
	switch x.Kind {
	case store.SearchMessage:
		return "/chats/" + url.PathEscape(x.ChatID) + "#m-" + id
	case store.SearchBookmark:
		return "/bookmarks/" + id + "/edit"
	case store.SearchTask:
		return "/tasks/" + id + "/edit"
	case store.SearchNote:
		return "/notes/" + id + "/edit"
	case store.SearchIdea:
		return "/ideas/" + id + "/edit"
	case store.SearchLocation:
		return "/locations/" + id + "/edit"
	case store.SearchVoiceMemo:
		return "/voice-memos#v-" + id
	case store.SearchSummary:
		return "/summaries#s-" + id
	case store.SearchImage:
		return "/media/images/" + id + "/original"
	}
	return "/"
}

// Settings.

type settingsData struct {
	Name, Timezone string
	Sessions       int
	Errors         formErrors
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderSettings(w, r, v, http.StatusOK, settingsData{Name: v.User.Name, Timezone: v.User.Timezone})
}

func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, v *viewer, status int, d settingsData) {
	list, err := h.o.Store.ListWebSessions(r.Context(), v.User.ID, h.o.Now())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Sessions = len(list)
	h.render(w, r, v, status, "settings", &page{Title: "Settings", Nav: "settings", Data: d})
}

func (h *Handler) updateSettings(w http.ResponseWriter, r *http.Request, v *viewer) {
	d := settingsData{Name: formText(r, "name"), Timezone: formText(r, "timezone"), Errors: formErrors{}}
	checkText(d.Errors, "name", d.Name, true, 100)
	if _, err := time.LoadLocation(d.Timezone); err != nil || d.Timezone == "" || d.Timezone == "Local" {
		d.Errors["timezone"] = "is not a time zone such as Europe/Lisbon or America/Sao_Paulo"
	}
	if len(d.Errors) > 0 {
		h.renderSettings(w, r, v, http.StatusBadRequest, d)
		return
	}
	if err := h.o.Store.UpdateProfile(r.Context(), v.User.ID, d.Name, d.Timezone); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=saved")
}

// Administration.

type adminRow struct {
	store.SessionOverview
	Live whatsapp.State
}

func (h *Handler) adminPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.User.IsAdmin {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	rows, err := h.o.Store.ListAllSessions(r.Context())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	live := h.o.Sessions.Live()
	out := make([]adminRow, len(rows))
	for i, x := range rows {
		out[i] = adminRow{SessionOverview: x, Live: whatsapp.State{Status: whatsapp.StatusStopped, Reason: x.Reason}}
		if st, ok := live[x.UserID]; ok {
			out[i].Live = st
		}
	}
	h.render(w, r, v, http.StatusOK, "admin", &page{Title: "Administration", Nav: "admin", Data: out})
}

var adminOps = map[string]confirmData{
	"restart": {Heading: "Restart this person's session?", Button: "Restart",
		Body: []string{"Their WhatsApp session disconnects and connects again; their linked device is kept."}},
	"stop": {Heading: "Stop this person's session?", Button: "Stop", Danger: true,
		Body: []string{"Their session stops receiving messages until they (or you) start it again. Their linked device is kept."}},
}

func (h *Handler) adminConfirm(w http.ResponseWriter, r *http.Request, v *viewer) {
	d, ok := adminOps[r.PathValue("op")]
	if !v.User.IsAdmin || !ok {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	u, err := h.o.Store.UserByID(r.Context(), r.PathValue("user"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Body = append([]string{"Account: " + u.Email + "."}, d.Body...)
	d.Action = "/admin/sessions/" + url.PathEscape(u.ID) + "/" + r.PathValue("op")
	d.Cancel = "/admin"
	h.render(w, r, v, http.StatusOK, "confirm", &page{Title: d.Heading, Nav: "admin", Data: d})
}

func (h *Handler) adminSessionOp(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.User.IsAdmin {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	u, err := h.o.Store.UserByID(r.Context(), r.PathValue("user"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	switch r.PathValue("op") {
	case "restart":
		_, err = h.o.Sessions.Restart(r.Context(), u.ID)
	case "stop":
		_, err = h.o.Sessions.Stop(r.Context(), u.ID)
	default:
		err = store.ErrNotFound
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.o.Log.Info("web: administrator session action", "admin_id", v.User.ID, "user_id", u.ID, "op", r.PathValue("op"))
	redirect(w, r, "/admin?ok=sessionop")
}
