package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/webhooks"
)

// Gallery.

type galleryData struct {
	Images    []store.Image
	Filter    listFilter
	Pager     pager
	ChatNames map[string]string
	Errors    formErrors
}

func (h *Handler) galleryPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	var d galleryData
	var err error
	if d.Filter, err = h.readFilter(r, v, "/gallery"); err != nil {
		h.fail(w, r, v, err)
		return
	}
	status := http.StatusOK
	p, err := h.o.Service.Images(ctx, v.User.ID, d.Filter.Service(), pageOf(r, imagesPerPage))
	if errs, ok := fieldErrors(err); ok {
		d.Errors, status = errs, http.StatusBadRequest
	} else if err != nil {
		h.fail(w, r, v, err)
		return
	} else {
		d.Images, d.Pager = p.Items, newPager(r, p.NextCursor)
	}
	d.ChatNames = make(map[string]string, len(d.Filter.Chats))
	for _, c := range d.Filter.Chats {
		d.ChatNames[c.ID] = chatLabel(c)
	}
	pg := &page{Title: "Gallery", Nav: "gallery", Data: d}
	if d.Pager.First && !d.Filter.Active() {
		pg.Live = liveKinds{domain.KindImage}
	}
	h.render(w, r, v, status, "gallery", pg)
}

// imageData is the image viewer.
type imageData struct {
	Image              service.ImageView
	ChatName           string
	Back               string
	NewerURL, OlderURL string
}

// imagePage shows one image large, with its caption, where it came from,
// the images next to it (within one chat when the gallery was showing one)
// and a download.
func (h *Handler) imagePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	chat := r.URL.Query().Get("chat")
	im, err := h.o.Service.ImageWithNeighbours(r.Context(), v.User.ID, r.PathValue("id"), chat)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	link := func(id string) string {
		if id == "" {
			return ""
		}
		if chat != "" {
			return "/gallery/" + url.PathEscape(id) + "?chat=" + url.QueryEscape(chat)
		}
		return "/gallery/" + url.PathEscape(id)
	}
	d := imageData{Image: im, NewerURL: link(im.Newer), OlderURL: link(im.Older), Back: "/gallery#i-" + im.ID,
		ChatName: h.chatNames(r.Context(), v.User.ID, []string{im.ChatID})[im.ChatID]}
	if chat != "" {
		d.Back = "/gallery?chat=" + url.QueryEscape(chat) + "#i-" + im.ID
	}
	title := im.Caption
	if title == "" {
		title = "Image"
	}
	h.render(w, r, v, http.StatusOK, "image", &page{Title: title, Nav: "gallery", Data: d})
}

// Voice memos.

type voiceData struct {
	Filter      listFilter
	Memos       []store.VoiceMemo
	Pager       pager
	ChatNames   map[string]string
	Transcriber bool
}

func (h *Handler) voiceMemosPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	lf, err := h.readFilter(r, v, "/voice-memos")
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	p, err := h.o.Service.VoiceMemos(r.Context(), v.User.ID, lf.Service(), pageOf(r, 30))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	ids := make([]string, len(p.Items))
	for i, m := range p.Items {
		ids[i] = m.ChatID
	}
	d := voiceData{Filter: lf, Memos: p.Items, Pager: newPager(r, p.NextCursor), ChatNames: h.chatNames(r.Context(), v.User.ID, ids), Transcriber: h.o.Service.HasTranscriber()}
	h.render(w, r, v, http.StatusOK, "voice", &page{Title: "Voice memos", Nav: "voice", Live: liveKinds{domain.KindVoiceMemo}, Data: d})
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
	d := summariesData{Chat: q.Get("chat"), Day: q.Get("day"), CanGenerate: h.o.Service.CanQueue(), Error: errMsg,
		Yesterday: h.o.Service.Yesterday(v.User.Timezone)}
	opts := pageOf(r, 20)
	if r.Method != http.MethodGet {
		d.Chat, d.Day, opts.Cursor = "", "", ""
	}
	f := service.SummaryQuery{ChatID: d.Chat, Day: d.Day}
	p, err := h.o.Service.Summaries(ctx, v.User.ID, f, opts)
	if _, invalid := fieldErrors(err); invalid {
		// A day that is not one shows every day.
		f.Day = ""
		p, err = h.o.Service.Summaries(ctx, v.User.ID, f, opts)
	}
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
	groups, err := h.o.Service.Chats(ctx, v.User.ID, "group", service.Page{Limit: store.MaxPageSize})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Groups = groups.Items
	pg := &page{Title: "Daily summaries", Nav: "summaries", Data: d}
	if d.Pager.First {
		pg.Live = liveKinds{domain.KindSummary}
	}
	h.render(w, r, v, status, "summaries", pg)
}

// generateSummaries queues (again) the summaries of one day, of one group
// or of every group active that day.
func (h *Handler) generateSummaries(w http.ResponseWriter, r *http.Request, v *viewer) {
	day := formText(r, "day")
	if day == "" {
		h.renderSummaries(w, r, v, http.StatusBadRequest, "Choose a day.")
		return
	}
	g, err := h.o.Service.GenerateSummaries(r.Context(), v.User.ID, formText(r, "chat"), day)
	switch {
	case errors.Is(err, service.ErrUnavailable):
		h.renderSummaries(w, r, v, http.StatusServiceUnavailable, "Summaries cannot be made on this server.")
	case err != nil:
		if _, invalid := fieldErrors(err); invalid {
			h.renderSummaries(w, r, v, http.StatusBadRequest, "Choose a day.")
			return
		}
		h.fail(w, r, v, err)
	case g.Queued == 0:
		redirect(w, r, "/summaries?ok=nothing")
	default:
		redirect(w, r, "/summaries?ok=queued")
	}
}

// Search.

type searchHit struct {
	store.SearchHit
	Label string
	URL   string
	Where string
	// Thumb shows an image hit.
	Thumb string
}

type searchData struct {
	Q        string
	Terms    []string
	Hits     []searchHit
	Searched bool
	Error    string
	Errors   formErrors
	// The filters as asked: one kind, one chat, a day range, the order,
	// a tag, a person.
	Kind, Chat, From, To, Sort string
	Tag, Person                string
	Kinds                      []searchKind
	Chats                      []store.Chat
	Tags                       []store.TagCount
	People                     []store.Person
	Pager                      pager
}

// searchKind is one choice of the kind filter.
type searchKind struct{ Value, Label string }

func (h *Handler) searchPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	q := r.URL.Query()
	d := searchData{Q: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), Chat: q.Get("chat"), From: q.Get("from"), To: q.Get("to"), Sort: q.Get("sort"),
		Tag: q.Get("tag"), Person: q.Get("person")}
	for _, k := range domain.Kinds {
		d.Kinds = append(d.Kinds, searchKind{Value: string(k), Label: k.Label()})
	}
	status := http.StatusOK
	if d.Q != "" {
		sq := service.SearchQuery{Q: d.Q, ChatID: d.Chat, From: d.From, To: d.To, Tag: d.Tag, Person: d.Person, Newest: d.Sort == "newest",
			Limit: service.DefaultSearchLimit, Cursor: q.Get("cursor")}
		if d.Kind != "" {
			sq.Kinds = []string{d.Kind}
		}
		hits, err := h.o.Service.Search(ctx, v.User.ID, sq)
		if fe, invalid := fieldErrors(err); invalid {
			d.Errors, status = fe, http.StatusBadRequest
			if m, ok := fe["q"]; ok {
				d.Error = "That search " + m + "."
			}
		} else if errors.Is(err, store.ErrBadCursor) {
			d.Error, status = "That page of results no longer exists; search again.", http.StatusBadRequest
		} else if err != nil {
			h.fail(w, r, v, err)
			return
		} else {
			d.Searched, d.Terms, d.Pager = true, searchTerms(d.Q), newPager(r, hits.NextCursor)
			ids := make([]string, 0, len(hits.Items))
			for _, x := range hits.Items {
				ids = append(ids, x.ChatID)
			}
			names := h.chatNames(ctx, v.User.ID, ids)
			for _, x := range hits.Items {
				hit := searchHit{SearchHit: x, Label: x.Kind.Label(), URL: hitURL(x), Where: names[x.ChatID]}
				if x.Kind == domain.KindImage {
					hit.Thumb = "/media/images/" + url.PathEscape(x.ID) + "/thumbnail"
				}
				d.Hits = append(d.Hits, hit)
			}
		}
	}
	chats, err := h.o.Service.Chats(ctx, v.User.ID, "", service.Page{Limit: store.MaxPageSize})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Chats = chats.Items
	if d.Tags, err = h.o.Service.Tags(ctx, v.User.ID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if d.People, err = h.o.Service.People(ctx, v.User.ID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, v, status, "search", &page{Title: "Search", Nav: "search", Query: d.Q, Data: d})
}

// hitURL is where a search result is shown.
func hitURL(x store.SearchHit) string {
	id := url.PathEscape(x.ID)
	switch domain.Kind(x.Kind) {
	case domain.KindMessage:
		return "/chats/" + url.PathEscape(x.ChatID) + "#m-" + id
	case domain.KindBookmark:
		return "/bookmarks/" + id + "/edit"
	case domain.KindTask:
		return "/tasks/" + id + "/edit"
	case domain.KindNote:
		return "/notes/" + id + "/edit"
	case domain.KindIdea:
		return "/ideas/" + id + "/edit"
	case domain.KindLocation:
		return "/locations/" + id + "/edit"
	case domain.KindEvent:
		return "/events/" + id + "/edit"
	case domain.KindVoiceMemo:
		return "/voice-memos#v-" + id
	case domain.KindSummary:
		return "/summaries#s-" + id
	case domain.KindImage:
		return "/gallery/" + id
	}
	return "/"
}

// Settings.

type settingsData struct {
	Name, Timezone string
	SharePresence  bool
	Sessions       int
	Errors         formErrors
	// Tokens are the person's personal access tokens; NewToken is the one
	// just made, whose secret this page shows once.
	Tokens    []service.AccessToken
	NewToken  *service.CreatedAccessToken
	TokenForm tokenForm
	// Calendar is the state of the person's calendar feed; NewCalendar
	// the one just made or rotated, whose URL this page shows once.
	Calendar    service.CalendarFeed
	NewCalendar *service.CreatedCalendarFeed
	// Webhooks are the person's endpoints with their recent deliveries;
	// NewWebhook is the one just made or whose secret was just rotated,
	// whose secret this page shows once.
	Webhooks    []webhookView
	NewWebhook  *service.WebhookEndpointWithSecret
	WebhookForm webhookForm
	// WebhookEvents are the event names an endpoint may receive.
	WebhookEvents []string
	// PushKey is the VAPID public key browsers subscribe with ("" when
	// this server sends no Web Push); PushSubs the subscribed browsers.
	PushKey  string
	PushSubs []service.PushSubscription
	// Reminders is the reminder settings form.
	Reminders reminderForm
}

// tokenForm is the form that makes a personal access token.
type tokenForm struct {
	Name string
	// Scopes are the boxes ticked (read alone when the form is new).
	Scopes map[string]bool
	// Days is the lifetime chosen ("" for none).
	Days string
}

// tokenLifetimes are the lifetimes the form offers, in days.
var tokenLifetimes = []string{"7", "30", "90", "365"}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderSettings(w, r, v, http.StatusOK, settingsData{Name: v.User.Name, Timezone: v.User.Timezone, SharePresence: v.User.SharePresence})
}

func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, v *viewer, status int, d settingsData) {
	list, err := h.o.Sessions.ListWebSessions(r.Context(), v.User.ID, h.o.Now())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Sessions = len(list)
	if d.Tokens, err = h.o.Service.AccessTokens(r.Context(), v.User.ID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if d.Calendar, err = h.o.Service.CalendarFeed(r.Context(), v.User.ID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if d.Reminders.Channels == nil {
		if d.Reminders, err = h.reminderForm(r, v.User.ID); err != nil {
			h.fail(w, r, v, err)
			return
		}
	}
	if d.TokenForm.Scopes == nil {
		d.TokenForm = tokenForm{Scopes: map[string]bool{"read": true}, Days: "90"}
	}
	if d.Webhooks, err = h.webhookViews(r, v); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if d.WebhookForm.Events == nil {
		d.WebhookForm.Events = map[string]bool{}
	}
	d.WebhookEvents = webhooks.Events
	d.PushKey, _ = h.o.Service.VAPIDPublicKey()
	if d.PushSubs, err = h.o.Service.PushSubscriptions(r.Context(), v.User.ID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, v, status, "settings", &page{Title: "Settings", Nav: "settings", Data: d})
}

func (h *Handler) updateSettings(w http.ResponseWriter, r *http.Request, v *viewer) {
	d := settingsData{Name: formText(r, "name"), Timezone: formText(r, "timezone"), SharePresence: r.PostForm.Get("sharePresence") == "1"}
	_, err := h.o.Service.UpdateProfile(r.Context(), v.User.ID, service.Profile{Name: &d.Name, Timezone: &d.Timezone, SharePresence: &d.SharePresence})
	if errs, ok := fieldErrors(err); ok {
		d.Errors = errs
		h.renderSettings(w, r, v, http.StatusBadRequest, d)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=saved")
}

// createToken makes a personal access token and shows the settings page
// with its secret: the one time it is shown (the page is not cached, and
// a reload does not make another: it asks to post the form again).
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := tokenForm{Name: formText(r, "token_name"), Scopes: map[string]bool{}, Days: formText(r, "token_days")}
	for _, sc := range r.PostForm["token_scope"] {
		f.Scopes[sc] = true
	}
	in := service.NewAccessToken{Name: f.Name, Scopes: r.PostForm["token_scope"]}
	if f.Days != "" {
		if !slices.Contains(tokenLifetimes, f.Days) {
			h.fail(w, r, v, store.ErrNotFound)
			return
		}
		days, _ := strconv.Atoi(f.Days)
		in.Expires = h.o.Now().AddDate(0, 0, days).UTC().Format(time.RFC3339)
	}
	d := settingsData{Name: v.User.Name, Timezone: v.User.Timezone, TokenForm: f}
	created, err := h.o.Service.CreateAccessToken(r.Context(), v.User.ID, in)
	if errs, ok := fieldErrors(err); ok {
		d.Errors = errs
		h.renderSettings(w, r, v, http.StatusBadRequest, d)
		return
	}
	if errors.Is(err, service.ErrTooManyTokens) {
		d.Errors = formErrors{"tokens": fmt.Sprintf("You have %d tokens, the most allowed: revoke one first.", service.MaxAccessTokens)}
		h.renderSettings(w, r, v, http.StatusConflict, d)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.NewToken, d.TokenForm = &created, tokenForm{}
	h.renderSettings(w, r, v, http.StatusOK, d)
}

// revokeToken revokes one of the person's tokens at once.
func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Service.RevokeAccessToken(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=revoked#tokens")
}

// createCalendarFeed makes or rotates the person's calendar feed and shows
// the settings page with its URL, the one time it is shown.
func (h *Handler) createCalendarFeed(w http.ResponseWriter, r *http.Request, v *viewer) {
	origin := "http://" + r.Host
	if h.secure(r) {
		origin = "https://" + r.Host
	}
	created, err := h.o.Service.CreateCalendarFeed(r.Context(), v.User.ID, origin)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.renderSettings(w, r, v, http.StatusOK, settingsData{Name: v.User.Name, Timezone: v.User.Timezone, NewCalendar: &created})
}

// revokeCalendarFeed revokes the person's calendar feed at once.
func (h *Handler) revokeCalendarFeed(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Service.RevokeCalendarFeed(r.Context(), v.User.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=calendaroff#calendar")
}

// Administration.

// adminData is the administration page: accounts and sessions.
type adminData struct {
	Accounts []service.AdminAccount
	Sessions []service.AdminSession
}

func (h *Handler) adminPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	sessions, err := h.o.Service.AdminSessions(r.Context(), v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	accounts, err := h.o.Service.AdminAccounts(r.Context(), v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, v, http.StatusOK, "admin", &page{Title: "Administration", Nav: "admin", Data: adminData{Accounts: accounts, Sessions: sessions}})
}

// adminUserOps are the administrator's account actions, each explained
// before it is done.
var adminUserOps = map[string]confirmData{
	"disable": {Heading: "Disable this account?", Button: "Disable", Danger: true,
		Body: []string{"The person is signed out everywhere at once (browsers, programs, live pages) and cannot sign in. Their WhatsApp session stops. Nothing they stored is deleted; you can enable the account again."}},
	"enable": {Heading: "Enable this account?", Button: "Enable",
		Body: []string{"The person can sign in again. Their WhatsApp session starts when they connect it."}},
	"make-admin": {Heading: "Make this person an administrator?", Button: "Make administrator",
		Body: []string{"They will see every account and session here, and can disable accounts and change roles."}},
	"remove-admin": {Heading: "Remove this person's administrator role?", Button: "Remove role", Danger: true,
		Body: []string{"They lose access to this page with their next click."}},
	"delete": {Heading: "Delete this account?", Button: "Delete account", Danger: true,
		Body: []string{"Their WhatsApp device is unlinked, and their account and everything Synapse keeps for them (messages, media files, items, summaries, sessions and tokens) are deleted at once. This cannot be undone."}},
}

func (h *Handler) adminUserConfirm(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.adminConfirmPage(w, r, v, adminUserOps, "/admin/users/")
}

// adminConfirmPage explains the administrator's action op (from ops) on
// the account in the path before it is posted to prefix+user/op.
func (h *Handler) adminConfirmPage(w http.ResponseWriter, r *http.Request, v *viewer, ops map[string]confirmData, prefix string) {
	d, ok := ops[r.PathValue("op")]
	if !ok {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	u, err := h.o.Service.AdminUser(r.Context(), v.User.ID, r.PathValue("user"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Body = append([]string{"Account: " + u.Email + "."}, d.Body...)
	d.Action = prefix + url.PathEscape(u.ID) + "/" + r.PathValue("op")
	d.Cancel = "/admin"
	h.render(w, r, v, http.StatusOK, "confirm", &page{Title: d.Heading, Nav: "admin", Data: d})
}

func (h *Handler) adminUserOp(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx, id := r.Context(), r.PathValue("user")
	var err error
	switch r.PathValue("op") {
	case "disable", "enable":
		_, err = h.o.Service.AdminSetDisabled(ctx, v.User.ID, id, r.PathValue("op") == "disable")
	case "make-admin", "remove-admin":
		_, err = h.o.Service.AdminSetAdmin(ctx, v.User.ID, id, r.PathValue("op") == "make-admin")
	case "delete":
		if err = h.o.Service.AdminDeleteUser(ctx, v.User.ID, id); err == nil {
			redirect(w, r, "/admin?ok=userdeleted")
			return
		}
	default:
		err = store.ErrNotFound
	}
	if errors.Is(err, service.ErrSelf) {
		h.errorPage(w, r, v, http.StatusConflict, "You cannot do that to your own account here; use Settings, or ask another administrator.")
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/admin?ok=sessionop")
}

var adminOps = map[string]confirmData{
	"restart": {Heading: "Restart this person's session?", Button: "Restart",
		Body: []string{"Their WhatsApp session disconnects and connects again; their linked device is kept."}},
	"stop": {Heading: "Stop this person's session?", Button: "Stop", Danger: true,
		Body: []string{"Their session stops receiving messages until they (or you) start it again. Their linked device is kept."}},
}

func (h *Handler) adminConfirm(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.adminConfirmPage(w, r, v, adminOps, "/admin/sessions/")
}

func (h *Handler) adminSessionOp(w http.ResponseWriter, r *http.Request, v *viewer) {
	if _, ok := adminOps[r.PathValue("op")]; !ok {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	if _, err := h.o.Service.AdminSessionOp(r.Context(), v.User.ID, r.PathValue("user"), service.SessionOp(r.PathValue("op"))); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/admin?ok=sessionop")
}
