// Package web is Synapse's server-rendered web UI: html/template pages
// embedded in the binary, a little plain JavaScript for live updates, and a
// browser session cookie on the same accounts as the API.
//
// Every page is rendered on the server; JavaScript only makes it live (QR
// codes, session status, new messages and items arrive over a
// cookie-authenticated Server-Sent Events stream) and never builds markup
// from WhatsApp text. Security measures, in one place each:
//
//   - sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure
//     and __Host- prefixed when served over HTTPS); the database keeps only
//     its SHA-256 (session.go);
//   - CSRF: every state-changing request carries the session's synchronizer
//     token, compared in constant time, and passes an Origin /
//     Sec-Fetch-Site check (session.go, ServeHTTP);
//   - a Content-Security-Policy without inline script on every response
//     (ServeHTTP), media served sandboxed (media.go);
//   - everything a user owns is looked up with their id: another user's ids
//     are 404, exactly like ids that do not exist.
package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// WebSessions keeps browser sessions (the store implements it).
type WebSessions interface {
	CreateWebSession(ctx context.Context, userID string, tokenHash, csrfSecret []byte, expires time.Time) (store.WebSession, error)
	ResolveWebSession(ctx context.Context, tokenHash []byte, now time.Time) (store.WebSession, store.User, error)
	TouchWebSession(ctx context.Context, userID, id string, seen, expires time.Time) error
	ListWebSessions(ctx context.Context, userID string, now time.Time) ([]store.WebSession, error)
	DeleteWebSession(ctx context.Context, userID, id string) error
	DeleteExpiredWebSessions(ctx context.Context, userID string, cutoff time.Time) (int64, error)
}

// Options are the UI's dependencies; all but Log and Now are required.
type Options struct {
	// Service is every use case: pages only read the request, call it and
	// render.
	Service *service.Service
	// Sessions keeps browser sessions.
	Sessions WebSessions
	Hub      *realtime.Hub
	Log      *slog.Logger
	// PublicURL, when https, makes cookies Secure regardless of the request;
	// its origin is also accepted as the Origin of form posts.
	PublicURL string
	Version   string
	// TrustedProxies are the networks whose X-Forwarded-For is believed when
	// finding a client's address for the sign-in rate limits.
	TrustedProxies []netip.Prefix
	// RegistrationClosed hides the sign-up page (accounts come from
	// `synapse user add`).
	RegistrationClosed bool
	// Now replaces the clock (tests).
	Now func() time.Time
}

// Handler serves the UI. It is safe for concurrent use.
type Handler struct {
	o      Options
	mux    *http.ServeMux
	pages  map[string]pageTemplate
	assets *assets
	// httpsPublic is set when PublicURL is https: cookies are then always
	// Secure and __Host- prefixed.
	httpsPublic bool
	cop         *http.CrossOriginProtection
	root        http.Handler // mux behind the cross-origin check
	bufs        sync.Pool
}

// contentSecurityPolicy applies to every page: scripts and styles only from
// this origin (no inline script, no eval), images from here or data: URLs
// (QR codes), nothing framed, forms posted only here.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// New builds the UI handler.
func New(o Options) (*Handler, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Handler{o: o, mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	h.bufs.New = func() any { return new(bytes.Buffer) }
	if o.PublicURL != "" {
		u, err := url.Parse(o.PublicURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, errors.New("web: public URL must be an absolute http or https URL")
		}
		h.httpsPublic = u.Scheme == "https"
		if err := h.cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("web: public URL: %w", err)
		}
	}
	h.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.errorPage(w, r, nil, http.StatusForbidden, "This request came from another site and was refused.")
	}))
	var err error
	if h.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if h.pages, err = parsePages(h.funcs()); err != nil {
		return nil, err
	}
	h.routes()
	h.root = h.cop.Handler(h.mux)
	return h, nil
}

// routes registers every page. GET routes only read; everything that
// changes state is a POST checked for its CSRF token (h.action).
func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /assets/{file}", h.serveAsset)
	m.HandleFunc("GET /favicon.ico", h.favicon)
	m.HandleFunc("GET /sw.js", h.serviceWorker)

	m.HandleFunc("GET /signin", h.signInPage)
	m.HandleFunc("POST /signin", h.signIn)
	m.HandleFunc("GET /signup", h.signUpPage)
	m.HandleFunc("POST /signup", h.signUp)
	m.HandleFunc("POST /signout", h.action(h.signOut))

	m.HandleFunc("GET /{$}", h.page(h.dashboard))
	m.HandleFunc("GET /connect", h.page(h.connectPage))
	m.HandleFunc("GET /connect/qr", h.page(h.connectQR))
	m.HandleFunc("POST /connect/start", h.action(h.connectStart))
	m.HandleFunc("POST /connect/pair-code", h.action(h.connectPairCode))
	m.HandleFunc("POST /connect/sim-scan", h.action(h.simScan))
	m.HandleFunc("POST /connect/sim-pair-code", h.action(h.simPairCode))
	m.HandleFunc("GET /session/{op}", h.page(h.sessionConfirm))
	m.HandleFunc("POST /session/{op}", h.action(h.sessionOp))

	m.HandleFunc("GET /chats", h.page(h.chatsPage))
	m.HandleFunc("GET /chats/{chat}", h.page(h.chatPage))
	m.HandleFunc("POST /chats/{chat}/send", h.upload(service.MaxAttachmentBytes+maxFormBytes, h.sendMessage))
	m.HandleFunc("POST /chats/{chat}/older", h.action(h.requestOlder))
	m.HandleFunc("POST /chats/{chat}/keep", h.action(h.keepChat))
	m.HandleFunc("POST /chats/{chat}/messages/{id}/download", h.action(h.downloadMedia))
	m.HandleFunc("POST /chats/{chat}/messages/{id}/pin", h.action(h.pinMessage))
	m.HandleFunc("POST /chats/{chat}/simulate", h.action(h.simulateMessage))
	m.HandleFunc("POST /chats/simulate", h.action(h.simulateMessage))
	m.HandleFunc("POST /tags/{kind}/{id}", h.action(h.addTag))
	m.HandleFunc("POST /tags/{kind}/{id}/remove", h.action(h.removeTag))
	m.HandleFunc("GET /gallery", h.page(h.galleryPage))
	m.HandleFunc("GET /gallery/{id}", h.page(h.imagePage))
	m.HandleFunc("GET /sources/{coll}/{id}", h.page(h.sourcesPage))
	m.HandleFunc("POST /sources/{coll}/{id}/split", h.action(h.splitSource))
	m.HandleFunc("GET /voice-memos", h.page(h.voiceMemosPage))
	m.HandleFunc("GET /summaries", h.page(h.summariesPage))
	m.HandleFunc("POST /summaries/generate", h.action(h.generateSummaries))
	m.HandleFunc("GET /search", h.page(h.searchPage))
	m.HandleFunc("GET /ask", h.page(h.askPage))
	m.HandleFunc("POST /ask", h.action(h.ask))

	m.HandleFunc("GET /bookmarks", h.page(h.bookmarksPage))
	m.HandleFunc("POST /bookmarks", h.action(h.createBookmark))
	m.HandleFunc("GET /bookmarks/{id}/edit", h.page(h.editBookmarkPage))
	m.HandleFunc("POST /bookmarks/{id}", h.action(h.updateBookmark))
	m.HandleFunc("GET /bookmarks/{id}/delete", h.page(h.confirmDelete(domain.KindBookmark)))
	m.HandleFunc("POST /bookmarks/{id}/delete", h.action(h.deleteBookmark))

	m.HandleFunc("GET /tasks", h.page(h.tasksPage))
	m.HandleFunc("POST /tasks", h.action(h.createTask))
	m.HandleFunc("POST /tasks/{id}/toggle", h.action(h.toggleTask))
	m.HandleFunc("GET /tasks/{id}/edit", h.page(h.editTaskPage))
	m.HandleFunc("POST /tasks/{id}", h.action(h.updateTask))
	m.HandleFunc("GET /tasks/{id}/delete", h.page(h.confirmDelete(domain.KindTask)))
	m.HandleFunc("POST /tasks/{id}/delete", h.action(h.deleteTask))

	for _, k := range []noteKind{notesKind, ideasKind} {
		m.HandleFunc("GET /"+k.Path, h.page(h.notesPage(k)))
		m.HandleFunc("POST /"+k.Path, h.action(h.createNote(k)))
		m.HandleFunc("GET /"+k.Path+"/{id}/edit", h.page(h.editNotePage(k)))
		m.HandleFunc("POST /"+k.Path+"/{id}", h.action(h.updateNote(k)))
		m.HandleFunc("GET /"+k.Path+"/{id}/delete", h.page(h.confirmDelete(k.Kind)))
		m.HandleFunc("POST /"+k.Path+"/{id}/delete", h.action(h.deleteNote(k)))
	}

	m.HandleFunc("GET /locations", h.page(h.locationsPage))
	m.HandleFunc("POST /locations", h.action(h.createLocation))
	m.HandleFunc("GET /locations/{id}/edit", h.page(h.editLocationPage))
	m.HandleFunc("POST /locations/{id}", h.action(h.updateLocation))
	m.HandleFunc("GET /locations/{id}/delete", h.page(h.confirmDelete(domain.KindLocation)))
	m.HandleFunc("POST /locations/{id}/delete", h.action(h.deleteLocation))

	m.HandleFunc("GET /events", h.eventsRoot(h.page(h.eventsPage)))
	m.HandleFunc("POST /events", h.action(h.createEvent))
	m.HandleFunc("GET /events/{id}/edit", h.page(h.editEventPage))
	m.HandleFunc("POST /events/{id}", h.action(h.updateEvent))
	m.HandleFunc("GET /events/{id}/delete", h.page(h.confirmDelete(domain.KindEvent)))
	m.HandleFunc("POST /events/{id}/delete", h.action(h.deleteEvent))

	m.HandleFunc("GET /suggestions", h.page(h.suggestionsPage))
	m.HandleFunc("POST /suggestions/{id}/accept", h.action(h.acceptSuggestion))
	m.HandleFunc("POST /suggestions/{id}/dismiss", h.action(h.dismissSuggestion))
	m.HandleFunc("POST /chats/{chat}/suggestions", h.action(h.chatSuggestions))
	m.HandleFunc("GET /reminders", h.page(h.remindersPage))
	m.HandleFunc("POST /reminders/{id}/snooze", h.action(h.snoozeReminder))
	m.HandleFunc("POST /reminders/{id}/done", h.action(h.doneReminder))
	m.HandleFunc("POST /settings/reminders", h.action(h.updateReminderSettings))
	m.HandleFunc("GET /settings", h.page(h.settingsPage))
	m.HandleFunc("POST /settings", h.action(h.updateSettings))
	m.HandleFunc("POST /settings/signout-everywhere", h.action(h.signOutEverywhere))
	m.HandleFunc("POST /settings/password", h.action(h.changePassword))
	m.HandleFunc("POST /settings/tokens", h.action(h.createToken))
	m.HandleFunc("POST /settings/tokens/{id}/revoke", h.action(h.revokeToken))
	m.HandleFunc("POST /settings/calendar", h.action(h.createCalendarFeed))
	m.HandleFunc("POST /settings/calendar/revoke", h.action(h.revokeCalendarFeed))
	m.HandleFunc("POST /settings/webhooks", h.action(h.createWebhook))
	m.HandleFunc("POST /settings/webhooks/{id}/enable", h.action(h.enableWebhook))
	m.HandleFunc("POST /settings/webhooks/{id}/rotate", h.action(h.rotateWebhook))
	m.HandleFunc("POST /settings/webhooks/{id}/delete", h.action(h.deleteWebhook))
	m.HandleFunc("POST /settings/webhooks/{id}/replay-failed", h.action(h.replayFailed))
	m.HandleFunc("POST /settings/webhooks/{id}/deliveries/{delivery}/replay", h.action(h.replayDelivery))
	m.HandleFunc("GET /settings/export", h.page(h.exportDownload))
	m.HandleFunc("POST /settings/delete", h.action(h.deleteAccount))
	m.HandleFunc("POST /settings/push/subscribe", h.action(h.subscribePush))
	m.HandleFunc("POST /settings/push/unsubscribe", h.action(h.unsubscribePush))
	m.HandleFunc("POST /settings/push/test", h.action(h.testPush))
	m.HandleFunc("POST /settings/push/{id}/remove", h.action(h.removePush))

	m.HandleFunc("GET /admin", h.page(h.adminPage))
	m.HandleFunc("GET /admin/sessions/{user}/{op}", h.page(h.adminConfirm))
	m.HandleFunc("POST /admin/sessions/{user}/{op}", h.action(h.adminSessionOp))
	m.HandleFunc("GET /admin/users/{user}/{op}", h.page(h.adminUserConfirm))
	m.HandleFunc("POST /admin/users/{user}/{op}", h.action(h.adminUserOp))

	// The realtime stream; GET /events is the events page (see eventsRoot).
	m.HandleFunc("GET /realtime", h.events)

	m.HandleFunc("GET /media/images/{id}/thumbnail", h.media(h.imageThumbnail))
	m.HandleFunc("GET /media/images/{id}/original", h.media(h.imageOriginal))
	m.HandleFunc("GET /media/voice-memos/{id}", h.media(h.voiceMemoAudio))
	m.HandleFunc("GET /media/bookmarks/{id}/image", h.media(h.bookmarkImage))
	m.HandleFunc("GET /media/messages/{chat}/{id}", h.media(h.messageMedia))

	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.errorPage(w, r, h.signedIn(w, r), http.StatusNotFound, "There is no page here.")
	})
}

// ServeHTTP implements http.Handler. It sets the security headers every
// response carries and refuses cross-site state-changing requests before
// any handler runs.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if h.httpsPublic || r.TLS != nil {
		hdr.Set("Strict-Transport-Security", "max-age=31536000")
	}
	h.root.ServeHTTP(w, r)
}

// redirect answers a form post with 303 See Other to a page of this site.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// safeNext returns next when it is a path on this site ("/…", not
// "//host" or "/\host", which browsers treat as other sites), else def. It
// guards redirects after sign-in against sending people elsewhere.
func safeNext(next, def string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' {
		return def
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return def
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return def
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return def
	}
	return next
}
