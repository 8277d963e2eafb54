package web_test

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// TestHandlers runs the handler tests against one running Synapse; each
// uses accounts of its own.
func TestHandlers(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	for _, c := range []struct {
		name string
		fn   func(*testing.T, *apptest.Server)
	}{
		{"PagesAndHeaders", testPagesAndHeaders}, {"Cookies", testCookies}, {"CSRF", testCSRF}, {"SignInAndOut", testSignInAndOut},
		{"Escaping", testEscaping}, {"Ownership", testOwnership}, {"Assets", testAssets}, {"Events", testEvents},
		{"ConnectPage", testConnectPage}, {"Forms", testForms}, {"Tokens", testTokens}, {"Calendar", testCalendar}, {"Webhooks", testWebhooks},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, srv) })
	}
}

// pages are every page of a signed-in person, for checks that apply to all.
var pages = []string{"/", "/connect", "/chats", "/gallery", "/bookmarks", "/tasks", "/tasks?view=done", "/events", "/events?view=past", "/notes", "/ideas",
	"/locations", "/voice-memos", "/summaries", "/search", "/search?q=lunch", "/settings", "/admin"}

var inlineScript = regexp.MustCompile(`(?i)<script(\s[^>]*)?>`)

// testPagesAndHeaders renders every page, for an administrator, and checks
// what every page must have: a title and a heading, the security headers,
// a Content-Security-Policy that forbids inline script, and no inline
// script in the markup.
func testPagesAndHeaders(t *testing.T, srv *apptest.Server) {
	b := newBrowser(t, srv)
	u := b.signUp("admin.pages@example.com")
	if err := srv.App.Store.SetAdmin(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	signedOut := newBrowser(t, srv)
	check := func(b *browser, path string, want int) {
		t.Helper()
		r := b.get(path)
		if r.status != want {
			t.Fatalf("%s: status %d, want %d\n%s", path, r.status, want, r.body)
		}
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") ||
			!strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("%s: CSP %q", path, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
			if r.header.Get(k) != v {
				t.Fatalf("%s: %s = %q", path, k, r.header.Get(k))
			}
		}
		if want != http.StatusOK {
			return
		}
		if !strings.Contains(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, "<title>") || !strings.Contains(r.body, "<h1") {
			t.Fatalf("%s: no title or heading:\n%s", path, r.body)
		}
		for _, tag := range inlineScript.FindAllString(r.body, -1) {
			if !strings.Contains(tag, "src=") {
				t.Fatalf("%s: inline script %q", path, tag)
			}
		}
		if !strings.Contains(r.body, `lang="en"`) || !strings.Contains(r.body, `name="viewport"`) {
			t.Fatalf("%s: no language or viewport", path)
		}
	}
	for _, p := range pages {
		check(b, p, http.StatusOK)
	}
	check(b, "/no-such-page", http.StatusNotFound)
	check(signedOut, "/signin", http.StatusOK)
	check(signedOut, "/signup", http.StatusOK)
	// Signed out, pages send people to sign in, and back afterwards.
	r := signedOut.get("/tasks?view=done")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/signin?next="+url.QueryEscape("/tasks?view=done") {
		t.Fatalf("signed-out page: %d %s", r.status, r.header.Get("Location"))
	}
	// A person who is not an administrator does not see the admin page.
	other := newBrowser(t, srv)
	other.signUp("bob.pages@example.com")
	if r := other.get("/admin"); r.status != http.StatusNotFound {
		t.Fatalf("admin page for a non-admin: %d", r.status)
	}
	if strings.Contains(other.get("/").body, `href="/admin"`) {
		t.Fatal("the menu offers the admin page to a non-admin")
	}
}

func setCookie(t *testing.T, r resp, name string) *http.Cookie {
	t.Helper()
	for _, line := range r.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == name && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no cookie %s in %q", name, r.header.Values("Set-Cookie"))
	return nil
}

// testCookies: the session cookie is HttpOnly and SameSite=Lax; over plain
// HTTP it cannot be Secure (TestSecureCookies covers https).
func testCookies(t *testing.T, srv *apptest.Server) {
	b := newBrowser(t, srv)
	page := b.get("/signup")
	csrf := setCookie(t, page, "synapse_csrf")
	r := b.do("POST", "/signup", url.Values{"csrf": {csrf.Value}, "email": {"ana.cookies@example.com"}, "password": {password}}, nil)
	c := setCookie(t, r, "synapse_session")
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || c.MaxAge <= 0 || c.Domain != "" {
		t.Fatalf("session cookie over http: %+v", c)
	}
	if len(c.Value) < 40 {
		t.Fatalf("session token too short: %q", c.Value)
	}
	// The database keeps only a hash: the token itself is nowhere in it.
	u, err := srv.App.Store.UserByEmail(ctx, "ana.cookies@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := srv.App.Store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM web_sessions WHERE user_id = $1 AND token_hash = $2`, u.ID, []byte(c.Value)).Scan(&n); err != nil || n != 0 {
		t.Fatalf("raw token stored: %d %v", n, err)
	}

}

// testCSRF: state-changing requests need the session's token and must not
// come from another site.
func testCSRF(t *testing.T, srv *apptest.Server) {
	a, b := newBrowser(t, srv), newBrowser(t, srv)
	ua := a.signUp("ana.csrf@example.com")
	b.signUp("bob.csrf@example.com")
	count := func() int {
		p, err := srv.App.Store.ListTasks(ctx, ua.ID, store.TaskFilter{}, store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Items)
	}
	form := func(token string) url.Values { return url.Values{"csrf": {token}, "title": {"Buy milk"}} }
	for name, r := range map[string]resp{
		"no token":           a.do("POST", "/tasks", url.Values{"title": {"Buy milk"}}, nil),
		"wrong token":        a.do("POST", "/tasks", form("x"+a.csrf[1:]), nil),
		"another's token":    a.do("POST", "/tasks", form(b.csrf), nil),
		"token only in body": a.do("POST", "/tasks", form(""), map[string]string{"X-CSRF-Token": ""}),
		"other origin":       a.do("POST", "/tasks", form(a.csrf), map[string]string{"Origin": "https://evil.example"}),
		"cross-site fetch":   a.do("POST", "/tasks", form(a.csrf), map[string]string{"Sec-Fetch-Site": "cross-site"}),
	} {
		if r.status != http.StatusForbidden {
			t.Fatalf("%s: status %d, want 403", name, r.status)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("refused requests made %d tasks", n)
	}
	// The token in a header (as the page's script sends it) works too.
	if r := a.do("POST", "/tasks", url.Values{"title": {"Buy milk"}}, map[string]string{"X-CSRF-Token": a.csrf}); r.status != http.StatusSeeOther {
		t.Fatalf("token in header: %d %s", r.status, r.body)
	}
	if r := a.do("POST", "/tasks", form(a.csrf), map[string]string{"Origin": srv.URL, "Sec-Fetch-Site": "same-origin"}); r.status != http.StatusSeeOther {
		t.Fatalf("same-origin post: %d %s", r.status, r.body)
	}
	if n := count(); n != 2 {
		t.Fatalf("tasks: %d, want 2", n)
	}
	// Signing in needs the form's own token too (no login CSRF).
	c := newBrowser(t, srv)
	if r := c.do("POST", "/signin", url.Values{"email": {"ana.csrf@example.com"}, "password": {password}}, nil); r.status != http.StatusForbidden {
		t.Fatalf("sign-in without token: %d", r.status)
	}
	// Signing out is state-changing as well.
	if r := a.do("POST", "/signout", url.Values{}, nil); r.status != http.StatusForbidden {
		t.Fatalf("sign-out without token: %d", r.status)
	}
	if r := a.get("/tasks"); r.status != http.StatusOK {
		t.Fatalf("still signed in after a refused sign-out: %d", r.status)
	}
}

// testSignInAndOut covers wrong passwords, redirects back, and that a
// signed-out session cookie is dead even if replayed.
func testSignInAndOut(t *testing.T, srv *apptest.Server) {
	a := newBrowser(t, srv)
	a.signUp("ana.signin@example.com")
	cookie := a.c.Jar.Cookies(mustURL(t, srv.URL))
	if r := a.post("/signout", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/signin?ok=signedout" {
		t.Fatalf("sign out: %d %s", r.status, r.header.Get("Location"))
	}
	if r := a.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", r.status)
	}
	replay := newBrowser(t, srv)
	replay.c.Jar.SetCookies(mustURL(t, srv.URL), cookie)
	if r := replay.get("/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/signin") {
		t.Fatalf("replayed cookie after sign-out: %d %s", r.status, r.header.Get("Location"))
	}

	page := a.get("/signin?next=/tasks")
	token := formCSRF.FindStringSubmatch(page.body)[1]
	r := a.do("POST", "/signin", url.Values{"csrf": {token}, "email": {"ana.signin@example.com"}, "password": {"wrong password"}, "next": {"/tasks"}}, nil)
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong e-mail or password") {
		t.Fatalf("wrong password: %d\n%s", r.status, r.body)
	}
	token = formCSRF.FindStringSubmatch(r.body)[1]
	r = a.do("POST", "/signin", url.Values{"csrf": {token}, "email": {"ANA.signin@example.com"}, "password": {password}, "next": {"//evil.example/x"}}, nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("sign in with a foreign next: %d %s", r.status, r.header.Get("Location"))
	}
	if r := a.get("/tasks"); r.status != http.StatusOK {
		t.Fatalf("signed in: %d", r.status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// testEscaping: text from WhatsApp is always text, on every page that
// shows it.
func testEscaping(t *testing.T, srv *apptest.Server) {
	a := newBrowser(t, srv)
	u := a.signUp("ana.escaping@example.com")
	sid := connect(t, srv, u, "447700900123")
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)> & "quotes" https://example.com/?a=<b>`
	deliver(t, srv, u, sid,
		sim.Incoming{Chat: "447700900001", ChatName: `<b>Bea</b>`, Type: "text", Text: evil},
		sim.Incoming{Chat: "me", FromMe: true, Type: "text", Text: "remind me to <script>alert(3)</script> tomorrow"})
	chat := a.get("/chats/447700900001@s.whatsapp.net")
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>Bea</b>", "<b>"} {
		if strings.Contains(chat.body, bad) {
			t.Fatalf("chat page has %q:\n%s", bad, chat.body)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&amp; &#34;quotes&#34;", "&lt;b&gt;Bea&lt;/b&gt;"} {
		if !strings.Contains(chat.body, good) {
			t.Fatalf("chat page lacks %q:\n%s", good, chat.body)
		}
	}
	for _, p := range []string{"/chats", "/", "/search?q=alert", "/search?q=script"} {
		r := a.get(p)
		if r.status != http.StatusOK || strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<b>Bea") {
			t.Fatalf("%s: %d unescaped:\n%s", p, r.status, r.body)
		}
	}
	if r := a.get("/search?q=alert"); !strings.Contains(r.body, "&lt;script&gt;<mark>alert</mark>(1)") {
		t.Fatalf("search result not highlighted as text:\n%s", r.body)
	}
	waitFor(t, "task from the note to self", func() bool {
		p, _ := srv.App.Store.ListTasks(ctx, u.ID, store.TaskFilter{}, store.ListOptions{})
		return len(p.Items) == 1
	})
	if r := a.get("/tasks"); strings.Contains(r.body, "<script>alert(3)") || !strings.Contains(r.body, "&lt;script&gt;alert(3)") {
		t.Fatalf("task not escaped:\n%s", r.body)
	}
}

// testOwnership: another user's ids, for pages and media, are 404 and
// change nothing; the owner gets the media with safe headers.
func testOwnership(t *testing.T, srv *apptest.Server) {
	a, b := newBrowser(t, srv), newBrowser(t, srv)
	ua := a.signUp("ana.ownership@example.com")
	b.signUp("bob.ownership@example.com")
	sid := connect(t, srv, ua, "447700900123")
	ids := deliver(t, srv, ua, sid,
		sim.Incoming{Chat: "447700900001", ChatName: "Bea", Type: "image", Caption: "beach"},
		sim.Incoming{Chat: "447700900001", ChatName: "Bea", Type: "voice"},
		sim.Incoming{Chat: "447700900001", ChatName: "Bea", Type: "text", Text: "secret plans https://example.com/plans"})
	chat := "447700900001@s.whatsapp.net"
	var im store.Image
	var memo store.VoiceMemo
	var bm store.Bookmark
	waitFor(t, "pipeline", func() bool {
		ims, _ := srv.App.Store.ListImages(ctx, ua.ID, store.ImageFilter{}, store.ListOptions{})
		vms, _ := srv.App.Store.ListVoiceMemos(ctx, ua.ID, store.ItemFilter{}, store.ListOptions{})
		bms, _ := srv.App.Store.ListBookmarks(ctx, ua.ID, store.ItemFilter{}, store.ListOptions{})
		if len(ims.Items) == 1 && len(vms.Items) == 1 && len(bms.Items) == 1 {
			im, memo, bm = ims.Items[0], vms.Items[0], bms.Items[0]
			return true
		}
		return false
	})
	task, err := srv.App.Store.CreateTask(ctx, ua.ID, "Ana's task", "", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	note, err := srv.App.Store.CreateNote(ctx, ua.ID, domain.KindNote, "Ana's note", "")
	if err != nil {
		t.Fatal(err)
	}
	media := []string{"/media/images/" + im.ID + "/original", "/media/images/" + im.ID + "/thumbnail", "/media/voice-memos/" + memo.ID,
		"/media/messages/" + chat + "/" + ids[0], "/media/messages/" + chat + "/" + ids[1]}
	for _, p := range media {
		r := a.get(p)
		if r.status != http.StatusOK || len(r.body) == 0 {
			t.Fatalf("owner %s: %d", p, r.status)
		}
		if r.header.Get("Content-Security-Policy") != "default-src 'none'; sandbox" || r.header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(r.header.Get("Cache-Control"), "private") {
			t.Fatalf("owner %s headers: %v", p, r.header)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "image/") && !strings.HasPrefix(ct, "audio/") {
			t.Fatalf("owner %s type %q", p, ct)
		}
	}
	for _, p := range append(media, "/chats/"+chat, "/tasks/"+task.ID+"/edit", "/tasks/"+task.ID+"/delete", "/notes/"+note.ID+"/edit",
		"/bookmarks/"+bm.ID+"/edit", "/media/bookmarks/"+bm.ID+"/image", "/media/images/nope/original") {
		if r := b.get(p); r.status != http.StatusNotFound || strings.Contains(r.body, "secret plans") || strings.Contains(r.body, "Ana&#39;s") {
			t.Fatalf("other user %s: %d\n%s", p, r.status, r.body)
		}
	}
	for _, p := range []string{"/tasks/" + task.ID + "/toggle", "/tasks/" + task.ID + "/delete", "/notes/" + note.ID,
		"/bookmarks/" + bm.ID + "/delete", "/chats/" + chat + "/send"} {
		if r := b.post(p, url.Values{"done": {"1"}, "title": {"hijacked"}, "text": {"hi"}}); r.status != http.StatusNotFound {
			t.Fatalf("other user POST %s: %d", p, r.status)
		}
	}
	got, err := srv.App.Store.GetTask(ctx, ua.ID, task.ID)
	if err != nil || got.Done || got.Title != "Ana's task" {
		t.Fatalf("task after another user's attempts: %+v %v", got, err)
	}
	if n, _ := srv.App.Store.GetNote(ctx, ua.ID, domain.KindNote, note.ID); n.Title != "Ana's note" {
		t.Fatalf("note changed: %+v", n)
	}
	for _, p := range []string{"/chats", "/gallery", "/bookmarks", "/voice-memos", "/tasks", "/notes", "/search?q=secret", "/search?q=beach"} {
		if r := b.get(p); r.status != http.StatusOK || strings.Contains(r.body, "secret plans") || strings.Contains(r.body, "Bea") ||
			strings.Contains(r.body, im.ID) || strings.Contains(r.body, "Ana&#39;s") {
			t.Fatalf("other user %s shows the first user's data:\n%s", p, r.body)
		}
	}
	// Signed out, media is 404 too.
	if r := newBrowser(t, srv).get(media[0]); r.status != http.StatusNotFound {
		t.Fatalf("signed-out media: %d", r.status)
	}
}

// testAssets: static files live under content-hash URLs, cached for a
// year, gzipped when asked.
func testAssets(t *testing.T, srv *apptest.Server) {
	b := newBrowser(t, srv)
	page := b.get("/signin")
	m := regexp.MustCompile(`href="(/assets/app\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no hashed stylesheet:\n%s", page.body)
	}
	r := b.get(m[1])
	if r.status != http.StatusOK || r.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Fatalf("asset: %d %v", r.status, r.header)
	}
	req, _ := http.NewRequest("GET", srv.URL+m[1], nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	zr, err := gzip.NewReader(res.Body)
	if res.Header.Get("Content-Encoding") != "gzip" || err != nil {
		t.Fatalf("gzip: %q %v", res.Header.Get("Content-Encoding"), err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != r.body {
		t.Fatal("gzipped asset differs")
	}
	if r := b.do("GET", m[1], nil, map[string]string{"If-None-Match": r.header.Get("ETag")}); r.status != http.StatusNotModified {
		t.Fatalf("conditional request: %d", r.status)
	}
	if r := b.get("/assets/app.0000000000.css"); r.status != http.StatusNotFound {
		t.Fatalf("stale hash: %d", r.status)
	}
}

// testEvents: the page's event stream needs the session cookie and starts
// with the session status.
func testEvents(t *testing.T, srv *apptest.Server) {
	if r := newBrowser(t, srv).get("/realtime"); r.status != http.StatusUnauthorized {
		t.Fatalf("events signed out: %d", r.status)
	}
	a := newBrowser(t, srv)
	u := a.signUp("ana.events@example.com")
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/realtime", nil)
	for _, c := range a.c.Jar.Cookies(mustURL(t, srv.URL)) {
		req.AddCookie(c)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(res.Body)
	lines := make(chan string, 64)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(prefix string) string {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("stream ended waiting for %q", prefix)
				}
				if strings.HasPrefix(l, prefix) {
					return l
				}
			case <-timeout:
				t.Fatalf("no %q", prefix)
			}
		}
	}
	if l := next("event: "); l != "event: session.status" {
		t.Fatalf("first event: %q", l)
	}
	sid := connect(t, srv, u, "447700900123")
	deliver(t, srv, u, sid, sim.Incoming{Chat: "447700900001", Type: "text", Text: "live hello"})
	for {
		if l := next("data: "); strings.Contains(l, "live hello") {
			break
		}
	}
}

// testConnectPage: the connect page shows the code, the pair-code form and,
// with the simulator, the scan button; scanning through it connects.
func testConnectPage(t *testing.T, srv *apptest.Server) {
	a := newBrowser(t, srv)
	u := a.signUp("ana.connect@example.com")
	r := a.get("/connect")
	if !strings.Contains(r.body, "Show QR code") || !strings.Contains(r.body, "Link with phone number instead") {
		t.Fatalf("connect page:\n%s", r.body)
	}
	if r := a.post("/connect/start", nil); r.status != http.StatusSeeOther {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	r = a.get("/connect")
	if !strings.Contains(r.body, `src="data:image/png;base64,`) || !strings.Contains(r.body, "Scan with simulated phone") || !strings.Contains(r.body, "data-expires=") {
		t.Fatalf("connect page while pairing:\n%s", r.body)
	}
	if r := a.do("GET", "/connect/qr", nil, nil); r.status != http.StatusOK || !strings.Contains(r.body, `"qr":"data:image/png;base64,`) {
		t.Fatalf("qr json: %d %s", r.status, r.body)
	}
	if r := a.post("/connect/pair-code", url.Values{"phone": {"not a phone"}}); r.status != http.StatusBadRequest {
		t.Fatalf("bad phone: %d", r.status)
	}
	r = a.post("/connect/pair-code", url.Values{"phone": {"+44 7700 900123"}})
	code := regexp.MustCompile(`<p class="code"[^>]*>([^<]+)</p>`).FindStringSubmatch(r.body)
	if r.status != http.StatusOK || code == nil {
		t.Fatalf("pair code: %d\n%s", r.status, r.body)
	}
	if r := a.do("POST", "/connect/sim-scan", url.Values{}, map[string]string{"X-CSRF-Token": a.csrf, "X-Requested-With": "fetch"}); r.status != http.StatusNoContent {
		t.Fatalf("sim scan: %d %s", r.status, r.body)
	}
	waitFor(t, "WORKING", func() bool {
		st, _ := srv.App.Sessions.Status(ctx, u.ID)
		return st.Status == "WORKING"
	})
	r = a.get("/")
	if !strings.Contains(r.body, "data-session-status>WORKING<") || !strings.Contains(r.body, "/session/logout") {
		t.Fatalf("dashboard when connected:\n%s", r.body)
	}
	// Each session action asks first, then acts.
	if r := a.get("/session/stop"); r.status != http.StatusOK || !strings.Contains(r.body, "Disconnect from WhatsApp?") {
		t.Fatalf("confirm stop: %d", r.status)
	}
	if r := a.post("/session/stop", nil); r.status != http.StatusSeeOther {
		t.Fatalf("stop: %d", r.status)
	}
	if st, _ := srv.App.Sessions.Status(ctx, u.ID); st.Status != "STOPPED" {
		t.Fatalf("after stop: %s", st.Status)
	}
	if r := a.get("/session/nonsense"); r.status != http.StatusNotFound {
		t.Fatalf("unknown session action: %d", r.status)
	}
}

// testForms exercises adding, editing and deleting items through the forms,
// and their validation.
func testForms(t *testing.T, srv *apptest.Server) {
	a := newBrowser(t, srv)
	u := a.signUp("ana.forms@example.com")
	if r := a.post("/tasks", url.Values{"title": {""}, "due": {"tomorrow"}}); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, "Task is required") || !strings.Contains(r.body, "Due must be a date") {
		t.Fatalf("invalid task: %d\n%s", r.status, r.body)
	}
	if r := a.post("/tasks", url.Values{"title": {"Pay rent"}, "due": {"2020-01-31"}, "due_time": {"09:30"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add task: %d", r.status)
	}
	tasks, _ := srv.App.Store.ListTasks(ctx, u.ID, store.TaskFilter{}, store.ListOptions{})
	if len(tasks.Items) != 1 || tasks.Items[0].Due == nil || !tasks.Items[0].DueHasTime {
		t.Fatalf("tasks: %+v", tasks.Items)
	}
	id := tasks.Items[0].ID
	if r := a.get("/tasks"); !strings.Contains(r.body, "overdue") {
		t.Fatalf("overdue task not marked:\n%s", r.body)
	}
	if r := a.post("/tasks/"+id+"/toggle", url.Values{"done": {"1"}, "next": {"/"}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/#task-"+id {
		t.Fatalf("toggle: %d %s", r.status, r.header.Get("Location"))
	}
	if r := a.post("/tasks/"+id, url.Values{"title": {"Pay the rent"}, "done": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("edit task: %d", r.status)
	}
	got, _ := srv.App.Store.GetTask(ctx, u.ID, id)
	if !got.Done || got.Title != "Pay the rent" || got.Due != nil {
		t.Fatalf("edited task: %+v", got)
	}
	if r := a.post("/tasks/"+id+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete task: %d", r.status)
	}
	for _, k := range []string{"notes", "ideas"} {
		if r := a.post("/"+k, url.Values{"title": {"Kept " + k}, "body": {"with a link https://example.org"}}); r.status != http.StatusSeeOther {
			t.Fatalf("add %s: %d", k, r.status)
		}
		if r := a.get("/" + k); !strings.Contains(r.body, "Kept "+k) || !strings.Contains(r.body, `<a href="https://example.org"`) {
			t.Fatalf("%s page:\n%s", k, r.body)
		}
	}
	if r := a.post("/locations", url.Values{"name": {"Home"}, "latitude": {"91"}, "longitude": {"0"}}); r.status != http.StatusBadRequest {
		t.Fatalf("bad latitude: %d", r.status)
	}
	if r := a.post("/locations", url.Values{"name": {"Café"}, "latitude": {"38.7075"}, "longitude": {"-9.1364"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add place: %d", r.status)
	}
	if r := a.get("/locations"); !strings.Contains(r.body, "https://www.openstreetmap.org/?mlat=38.707500&amp;mlon=-9.136400") {
		t.Fatalf("no map link:\n%s", r.body)
	}
	if r := a.post("/bookmarks", url.Values{"url": {"javascript:alert(1)"}}); r.status != http.StatusBadRequest {
		t.Fatalf("javascript bookmark: %d", r.status)
	}
	if r := a.post("/bookmarks", url.Values{"url": {"https://example.org/page"}, "title": {"Example"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add bookmark: %d", r.status)
	}
	if r := a.post("/bookmarks", url.Values{"url": {"https://example.org/page"}}); r.header.Get("Location") != "/bookmarks?ok=already" {
		t.Fatalf("duplicate bookmark: %d %s", r.status, r.header.Get("Location"))
	}
	if r := a.post("/settings", url.Values{"name": {"Ana"}, "timezone": {"Mars/Olympus"}}); r.status != http.StatusBadRequest {
		t.Fatalf("bad time zone: %d", r.status)
	}
	if r := a.post("/settings", url.Values{"name": {"Ana B"}, "timezone": {"America/Sao_Paulo"}}); r.status != http.StatusSeeOther {
		t.Fatalf("settings: %d", r.status)
	}
	if got, _ := srv.App.Store.UserByID(ctx, u.ID); got.Timezone != "America/Sao_Paulo" || got.Name != "Ana B" {
		t.Fatalf("profile: %+v", got)
	}
	if r := a.post("/summaries/generate", url.Values{"day": {"2020-01-01"}}); r.header.Get("Location") != "/summaries?ok=nothing" {
		t.Fatalf("generate for an empty day: %d %s", r.status, r.header.Get("Location"))
	}
}
