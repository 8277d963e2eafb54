package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

var ctx = context.Background()

const password = "correct horse battery"

// browser is an HTTP client with a cookie jar that does not follow
// redirects, like a person's browser seen one request at a time.
type browser struct {
	t    *testing.T
	srv  *apptest.Server
	c    *http.Client
	csrf string // the session's token, read from the last page
}

type resp struct {
	status int
	header http.Header
	body   string
}

func newBrowser(t *testing.T, srv *apptest.Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, srv: srv, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var (
	metaCSRF = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)
	formCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

func (b *browser) do(method, path string, form url.Values, hdr map[string]string) resp {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	r := resp{status: res.StatusCode, header: res.Header, body: string(raw)}
	if m := metaCSRF.FindStringSubmatch(r.body); m != nil {
		b.csrf = m[1]
	}
	return r
}

func (b *browser) get(path string) resp {
	b.t.Helper()
	return b.do("GET", path, nil, nil)
}

// post sends a form with the session's CSRF token.
func (b *browser) post(path string, form url.Values) resp {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		form.Set("csrf", b.csrf)
	}
	return b.do("POST", path, form, nil)
}

// signUp creates an account through the sign-up form and keeps its
// session.
func (b *browser) signUp(email string) store.User {
	b.t.Helper()
	page := b.get("/signup")
	m := formCSRF.FindStringSubmatch(page.body)
	if m == nil {
		b.t.Fatalf("sign-up form has no CSRF token:\n%s", page.body)
	}
	r := b.do("POST", "/signup", url.Values{"csrf": {m[1]}, "email": {email}, "password": {password}, "name": {strings.Split(email, "@")[0]}}, nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/connect" {
		b.t.Fatalf("sign up %s: %d %s\n%s", email, r.status, r.header.Get("Location"), r.body)
	}
	b.get("/") // read the session's CSRF token
	u, err := b.srv.App.Store.UserByEmail(ctx, email)
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// connect pairs the user's simulated phone and returns the session id.
func connect(t *testing.T, srv *apptest.Server, u store.User, phone string) string {
	t.Helper()
	a := srv.App
	q, err := a.Sessions.QR(ctx, u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := a.Sessions.SessionID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sim.Scan(sid, sim.ScanOptions{Code: q.Raw, Phone: phone, PushName: u.Name}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "session WORKING", func() bool {
		st, err := a.Sessions.Status(ctx, u.ID)
		return err == nil && st.Status == "WORKING"
	})
	return sid
}

// deliver makes the simulated phone receive messages and waits until they
// are stored.
func deliver(t *testing.T, srv *apptest.Server, u store.User, sid string, in ...sim.Incoming) []string {
	t.Helper()
	msgs, err := srv.App.Sim.Deliver(sid, in)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
		waitFor(t, "message stored", func() bool {
			_, err := srv.App.Store.GetMessage(ctx, u.ID, m.ChatID, m.ID)
			return err == nil
		})
	}
	return ids
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
