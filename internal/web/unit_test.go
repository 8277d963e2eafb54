package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/web"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// realEngine stands for an engine that talks to the real WhatsApp: no
// simulator, no pair codes. It never gets to connect in these tests.
type realEngine struct{}

func (realEngine) Name() string           { return "whatsmeow" }
func (realEngine) SupportsPairCode() bool { return false }
func (realEngine) NewClient(context.Context, whatsapp.SessionRef, whatsapp.Handler) (whatsapp.Client, error) {
	return nil, errors.New("not in tests")
}

// unit is the UI alone, over a real database, without the rest of the app.
type unit struct {
	srv   *httptest.Server
	store *store.Store
}

func newUnit(t *testing.T, o web.Options) *unit { return newUnitWith(t, o, realEngine{}) }

func newUnitWith(t *testing.T, o web.Options, engine whatsapp.Engine) *unit {
	t.Helper()
	st := dbtest.Open(t, store.SQLite)
	tokens, err := auth.NewTokens(bytes.Repeat([]byte("k"), 32), time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	o.Sessions, o.Log = st, log
	authn := auth.NewService(auth.Options{Store: st, Tokens: tokens, RefreshTTL: time.Hour, Log: log,
		Password: auth.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	o.Hub = realtime.NewHub(16, log)
	sessions := sessions.New(sessions.Options{Engine: engine, Store: st, Log: log})
	t.Cleanup(sessions.Close)
	o.Service = service.New(service.Options{Store: st, Auth: authn, Sessions: sessions, Log: log})
	h, err := web.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &unit{srv: srv, store: st}
}

func (u *unit) do(t *testing.T, method, path string, form url.Values, cookies ...*http.Cookie) resp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(raw)}
}

// TestSecureCookies: with an https public URL (TLS ends at a proxy), the
// cookies are Secure and __Host- prefixed even on a plain-HTTP request.
func TestSecureCookies(t *testing.T) {
	u := newUnit(t, web.Options{PublicURL: "https://synapse.example"})
	page := u.do(t, "GET", "/signup", nil)
	csrf := setCookie(t, page, "__Host-synapse_csrf")
	if !csrf.Secure || !csrf.HttpOnly || csrf.Path != "/" || csrf.Domain != "" {
		t.Fatalf("csrf cookie: %+v", csrf)
	}
	r := u.do(t, "POST", "/signup", url.Values{"csrf": {csrf.Value}, "email": {"ana@example.com"}, "password": {password}}, csrf)
	c := setCookie(t, r, "__Host-synapse_session")
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Fatalf("session cookie: %+v", c)
	}
	if r.header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS with an https public URL")
	}
	// The plain-named cookie means nothing here.
	plain := &http.Cookie{Name: "synapse_session", Value: c.Value}
	if r := u.do(t, "GET", "/", nil, plain); r.status != http.StatusSeeOther {
		t.Fatalf("unprefixed cookie accepted: %d", r.status)
	}
	if r := u.do(t, "GET", "/", nil, c); r.status != http.StatusOK {
		t.Fatalf("prefixed cookie refused: %d", r.status)
	}
	// The public origin is accepted as the Origin of a post.
	r = u.do(t, "GET", "/tasks", nil, c)
	token := metaCSRF.FindStringSubmatch(r.body)[1]
	req, _ := http.NewRequest("POST", u.srv.URL+"/tasks", strings.NewReader(url.Values{"csrf": {token}, "title": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://synapse.example")
	req.AddCookie(c)
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("post from the public origin: %d", res.StatusCode)
	}
}

// TestNoSimulator: with a real engine there is no simulated phone to press
// and no pair-code form where the engine cannot do it.
func TestNoSimulator(t *testing.T) {
	u := newUnit(t, web.Options{})
	page := u.do(t, "GET", "/signup", nil)
	csrf := setCookie(t, page, "synapse_csrf")
	r := u.do(t, "POST", "/signup", url.Values{"csrf": {csrf.Value}, "email": {"ana@example.com"}, "password": {password}}, csrf)
	c := setCookie(t, r, "synapse_session")
	r = u.do(t, "GET", "/connect", nil, c)
	if r.status != http.StatusOK || strings.Contains(r.body, "simulated phone") || strings.Contains(r.body, "sim-scan") ||
		strings.Contains(r.body, "Link with phone number instead") || strings.Contains(r.body, "simulated WhatsApp") {
		t.Fatalf("connect page with a real engine:\n%s", r.body)
	}
	token := metaCSRF.FindStringSubmatch(r.body)[1]
	if r := u.do(t, "POST", "/connect/sim-scan", url.Values{"csrf": {token}}, c); r.status != http.StatusNotFound {
		t.Fatalf("sim scan with a real engine: %d", r.status)
	}
	// Without the pipeline, the forms that need it are not offered.
	if r := u.do(t, "GET", "/bookmarks", nil, c); strings.Contains(r.body, "Add a bookmark") {
		t.Fatal("bookmark form without a job runner")
	}
}

// TestRegistrationClosed: sign-up is refused and not offered.
func TestRegistrationClosed(t *testing.T) {
	u := newUnit(t, web.Options{RegistrationClosed: true})
	if r := u.do(t, "GET", "/signin", nil); strings.Contains(r.body, `href="/signup"`) {
		t.Fatal("sign-in page offers sign-up")
	}
	page := u.do(t, "GET", "/signup", nil)
	if page.status != http.StatusForbidden {
		t.Fatalf("sign-up page: %d", page.status)
	}
	csrf := setCookie(t, page, "synapse_csrf")
	r := u.do(t, "POST", "/signup", url.Values{"csrf": {csrf.Value}, "email": {"ana@example.com"}, "password": {password}}, csrf)
	if r.status != http.StatusForbidden {
		t.Fatalf("sign-up: %d", r.status)
	}
	if n, _ := u.store.CountUsers(context.Background()); n != 0 {
		t.Fatalf("%d users", n)
	}
}

func TestRestAfterTitle(t *testing.T) {
	for _, c := range [][3]string{
		{"Buy bread", "Buy bread", ""},
		{"Buy bread and…", "buy bread and milk at the market", "milk at the market"},
		{"Call Ana", "Call Ana: about the trip", "about the trip"},
		{"Trip", "Lisbon in May", "Lisbon in May"},
		{"", "body", "body"},
	} {
		if got := web.RestAfterTitle(c[0], c[1]); got != c[2] {
			t.Errorf("rest(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

func TestPrettyURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.example.com/":                     "example.com",
		"https://pt.wikipedia.org/wiki/S%C3%A3o_Paulo": "pt.wikipedia.org/wiki/São_Paulo",
		"not a url": "not a url",
		"https://x.io/" + strings.Repeat("a", 100): "x.io/" + strings.Repeat("a", 84) + "…",
	} {
		if got := web.PrettyURL(in); got != want {
			t.Errorf("prettyURL(%q) = %q, want %q", in, got, want)
		}
	}
}
