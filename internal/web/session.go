package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/synapse-kb/synapse/internal/service"
	"net/http"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/store"
)

// Browser sessions.
const (
	// sessionTTL is how long a session lasts without being used; each use
	// (at most every touchAfter) extends it.
	sessionTTL = 30 * 24 * time.Hour
	touchAfter = 10 * time.Minute
	// sessionCookie holds the session token; csrfCookie holds the token
	// that protects the sign-in and sign-up forms, before there is a
	// session. Both get the __Host- prefix when Secure.
	sessionCookie = "synapse_session"
	csrfCookie    = "synapse_csrf"
	// csrfField and csrfHeader carry the synchronizer token in a form and
	// in a script's request.
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	// maxFormBytes bounds a form body.
	maxFormBytes = 64 << 10
)

var errSignedOut = errors.New("web: not signed in")

// viewer is the signed-in person a request is for.
type viewer struct {
	User    store.User
	Session store.WebSession
	// Loc is the user's time zone: every time on a page is shown in it.
	Loc *time.Location
	// CSRF is the session's synchronizer token, for forms and scripts.
	CSRF string
}

// secure reports whether cookies must be Secure: the request came over
// HTTPS, or the public URL is https (TLS ends at a proxy).
func (h *Handler) secure(r *http.Request) bool { return h.httpsPublic || r.TLS != nil }

// cookieName gives Secure cookies the __Host- prefix, which browsers accept
// only when Secure, for this host alone and for path "/": no subdomain or
// plain-HTTP page can plant or overwrite it.
func (h *Handler) cookieName(r *http.Request, base string) string {
	if h.secure(r) {
		return "__Host-" + base
	}
	return base
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, base, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: h.cookieName(r, base), Value: value, Path: "/", HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	} else {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// newSecret returns n random bytes.
func newSecret(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

func encodeToken(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// hashToken is what the database keeps of a session token.
func hashToken(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// tokenOK reports whether a presented token equals the expected one, in
// time that does not depend on where they differ.
func tokenOK(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// startSession signs userID in on this browser: a new session (never one
// the browser brought along, so a planted cookie cannot be promoted) and
// its cookie. The user's expired sessions are swept on the way.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, userID string) error {
	ctx := r.Context()
	now := h.o.Now()
	tok := encodeToken(newSecret(32))
	if _, err := h.o.Sessions.CreateWebSession(ctx, userID, hashToken(tok), newSecret(32), now.Add(sessionTTL)); err != nil {
		return err
	}
	if _, err := h.o.Sessions.DeleteExpiredWebSessions(ctx, userID, now); err != nil {
		h.o.Log.Warn("web: sweep expired sessions", "user_id", userID, "err", err)
	}
	h.setCookie(w, r, sessionCookie, tok, sessionTTL)
	h.setCookie(w, r, csrfCookie, "", 0)
	return nil
}

// viewer returns who is signed in, or errSignedOut. A session in use has
// its expiry extended (and its cookie renewed) at most every touchAfter.
func (h *Handler) viewer(w http.ResponseWriter, r *http.Request) (*viewer, error) {
	c, err := r.Cookie(h.cookieName(r, sessionCookie))
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return nil, errSignedOut
	}
	now := h.o.Now()
	ws, u, err := h.resolve(r.Context(), c.Value, now)
	if err != nil {
		return nil, err
	}
	if now.Sub(ws.LastSeenAt) > touchAfter {
		err := h.o.Sessions.TouchWebSession(r.Context(), u.ID, ws.ID, now, now.Add(sessionTTL))
		if err == nil {
			h.setCookie(w, r, sessionCookie, c.Value, sessionTTL)
		} else if !errors.Is(err, store.ErrNotFound) {
			h.o.Log.Warn("web: touch session", "user_id", u.ID, "err", err)
		}
	}
	return &viewer{User: u, Session: ws, Loc: h.o.Service.Location(u.Timezone), CSRF: encodeToken(ws.CSRFSecret)}, nil
}

// resolve finds the live session of a cookie's token: errSignedOut when it
// ended or expired, or its account is disabled or gone.
func (h *Handler) resolve(ctx context.Context, token string, now time.Time) (store.WebSession, store.User, error) {
	ws, u, err := h.o.Sessions.ResolveWebSession(ctx, hashToken(token), now)
	if errors.Is(err, store.ErrNotFound) {
		return ws, u, errSignedOut
	}
	return ws, u, err
}

// viewerSession checks again that the request's session is live (for
// streams that outlast the request's first check).
func (h *Handler) viewerSession(ctx context.Context, r *http.Request) (store.WebSession, error) {
	c, err := r.Cookie(h.cookieName(r, sessionCookie))
	if err != nil {
		return store.WebSession{}, errSignedOut
	}
	ws, _, err := h.resolve(ctx, c.Value, h.o.Now())
	return ws, err
}

// page wraps a handler that needs a signed-in person. Without a session, a
// page redirects to sign-in (and back afterwards); other requests get 401.
func (h *Handler) page(fn func(w http.ResponseWriter, r *http.Request, v *viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		v, err := h.viewer(w, r)
		if errors.Is(err, errSignedOut) {
			if isFetch(r) {
				http.Error(w, "sign in first", http.StatusUnauthorized)
				return
			}
			redirect(w, r, "/signin?next="+queryEscape(r.URL.RequestURI()))
			return
		}
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		fn(w, r, v)
	}
}

// action wraps a state-changing request: it needs a signed-in person, a
// form body of bounded size, and the session's CSRF token in the form field
// "csrf" or the X-CSRF-Token header. (ServeHTTP has already refused
// requests that a browser marks as coming from another site.)
func (h *Handler) action(fn func(w http.ResponseWriter, r *http.Request, v *viewer)) http.HandlerFunc {
	return h.actionWith(maxFormBytes, fn)
}

// upload is action for a form that carries a file (multipart), with a body
// of at most limit bytes.
func (h *Handler) upload(limit int64, fn func(w http.ResponseWriter, r *http.Request, v *viewer)) http.HandlerFunc {
	return h.actionWith(limit, fn)
}

func (h *Handler) actionWith(limit int64, fn func(w http.ResponseWriter, r *http.Request, v *viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		v, err := h.viewer(w, r)
		if errors.Is(err, errSignedOut) {
			if isFetch(r) {
				http.Error(w, "sign in first", http.StatusUnauthorized)
				return
			}
			redirect(w, r, "/signin")
			return
		}
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		if !h.parseFormLimit(w, r, v, limit) {
			return
		}
		got := r.Header.Get(csrfHeader)
		if got == "" {
			got = r.PostForm.Get(csrfField)
		}
		if !tokenOK(got, v.CSRF) {
			h.o.Log.Warn("web: request without a valid CSRF token refused", "user_id", v.User.ID, "path", r.URL.Path)
			h.errorPage(w, r, v, http.StatusForbidden, "This form has expired or did not come from this site. Reload the page and try again.")
			return
		}
		fn(w, r, v)
	}
}

// parseForm reads a urlencoded form body of at most maxFormBytes; on
// failure it has answered.
func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request, v *viewer) bool {
	return h.parseFormLimit(w, r, v, maxFormBytes)
}

// parseFormLimit reads a form body of at most limit bytes: urlencoded, or
// multipart where limit allows files (kept in memory up to 1 MiB each,
// then in temporary files removed when the request ends).
func (h *Handler) parseFormLimit(w http.ResponseWriter, r *http.Request, v *viewer, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if ct := r.Header.Get("Content-Type"); limit > maxFormBytes && strings.HasPrefix(ct, "multipart/form-data") {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			msg := "That form is too large."
			if limit > maxFormBytes {
				msg = fmt.Sprintf("That file is too large: photos and files can be at most %d MiB.", service.MaxAttachmentBytes>>20)
			}
			h.errorPage(w, r, v, http.StatusRequestEntityTooLarge, msg)
			return false
		}
		h.errorPage(w, r, v, http.StatusBadRequest, "That form could not be read.")
		return false
	}
	return true
}

// anonCSRF returns the token that protects the sign-in and sign-up forms
// (a double-submit cookie: the form must echo the cookie's value), setting
// the cookie when the browser has none.
func (h *Handler) anonCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(h.cookieName(r, csrfCookie)); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	tok := encodeToken(newSecret(32))
	h.setCookie(w, r, csrfCookie, tok, 24*time.Hour)
	return tok
}

// checkAnonCSRF verifies a sign-in or sign-up form's token against its
// cookie.
func (h *Handler) checkAnonCSRF(r *http.Request) bool {
	c, err := r.Cookie(h.cookieName(r, csrfCookie))
	if err != nil {
		return false
	}
	return tokenOK(r.PostForm.Get(csrfField), c.Value)
}

// isFetch reports whether the request comes from the page's script, which
// wants a status rather than a page.
func isFetch(r *http.Request) bool { return r.Header.Get("X-Requested-With") == "fetch" }

// clientAddr is the caller's IP address for rate limits.
func (h *Handler) clientAddr(r *http.Request) string {
	return auth.ClientAddr(r, h.o.TrustedProxies)
}

// signedIn returns the viewer of the request's session, or nil, for pages
// that also serve signed-out visitors.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) *viewer {
	v, err := h.viewer(w, r)
	if err != nil {
		return nil
	}
	return v
}

// detach returns a context that outlives the request, for work that must
// finish even if the browser goes away (signing out).
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}
