package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/synapse-kb/synapse/internal/demo"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// chromium finds the browser, or skips (fails under
// SYNAPSE_TEST_REQUIRE_ALL=1).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SYNAPSE_TEST_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	dbtest.Skip(t, "Chromium is not installed (/usr/bin/chromium)")
	return ""
}

// chrome is a headless Chromium tab driven from the test.
type chrome struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string // where screenshots go

	log *consoleLog
}

// consoleLog collects the browser's console errors, exceptions and CSP
// violations.
type consoleLog struct {
	mu     sync.Mutex
	errors []string
}

// with returns the same tab reporting to another (sub)test.
func (c *chrome) with(t *testing.T) *chrome {
	d := *c
	d.t = t
	return &d
}

func newChrome(t *testing.T, base string) *chrome {
	t.Helper()
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser; it must not have a deadline.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	c := &chrome{t: t, ctx: ctx, base: base, dir: artifactsDir(t), log: &consoleLog{}}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				c.log.mu.Lock()
				c.log.errors = append(c.log.errors, m.String()+" ("+m.URL+")")
				c.log.mu.Unlock()
			}
		}
	}()
	return c
}

// forget drops the console errors logged so far (expected ones).
func (c *chrome) forget() {
	time.Sleep(50 * time.Millisecond)
	c.log.mu.Lock()
	c.log.errors = nil
	c.log.mu.Unlock()
}

// clean fails the test if the pages so far logged errors (a script error,
// a resource that failed, a Content-Security-Policy violation).
func (c *chrome) clean(what string) {
	c.t.Helper()
	time.Sleep(50 * time.Millisecond) // let the last messages arrive
	c.log.mu.Lock()
	defer c.log.mu.Unlock()
	if len(c.log.errors) > 0 {
		c.t.Fatalf("%s: the browser console has errors:\n%s", what, strings.Join(c.log.errors, "\n"))
	}
}

// artifactsDir is test-artifacts/screenshots at the repository root.
func artifactsDir(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
	out := filepath.Join(dir, "test-artifacts", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// do runs steps with a deadline.
func (c *chrome) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](c *chrome, expr string) T {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		c.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// until waits for a JavaScript condition to hold. Evaluation errors (a
// page navigating away mid-check) count as "not yet".
func (c *chrome) until(what, expr string) {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(30 * time.Millisecond)
	}
	body := eval[string](c, "document.body ? document.body.innerText : ''")
	c.t.Fatalf("waiting for %s (%s): %v\npage: %s", what, expr, last, body)
}

// open loads a page of the app and waits until its script is connected to
// the live event stream (signed-in pages).
func (c *chrome) open(path string, live bool) {
	c.t.Helper()
	c.do("open "+path, chromedp.Navigate(c.base+path), chromedp.WaitReady(chromedp.CSS("main")))
	if live {
		c.until("live events of "+path, "document.body.hasAttribute('data-live-ready')")
	}
}

func (c *chrome) text(sel string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	for try := 0; err != nil && strings.Contains(err.Error(), "No node with given id") && try < 3; try++ {
		// A live refresh replaced the element between finding and reading it.
		time.Sleep(100 * time.Millisecond)
		s, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	}
	if err != nil {
		c.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (c *chrome) path() string {
	return eval[string](c, "location.pathname + location.search")
}

// markNoReload tags the page; noReload reports whether it is still the
// same page (nothing reloaded it).
func (c *chrome) markNoReload()  { eval[bool](c, "window.__sameDocument = true") }
func (c *chrome) noReload() bool { return eval[bool](c, "window.__sameDocument === true") }

func (c *chrome) screenshot(name string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, name+".png"), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

func (c *chrome) signUp(name, email string) {
	c.t.Helper()
	c.open("/signup", false)
	c.do("sign up",
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)),
	)
	c.until("the connect page after sign-up", "location.pathname === '/connect' && !!document.querySelector('h1')")
}

func (c *chrome) signOut() {
	c.t.Helper()
	c.do("sign out", chromedp.Click(chromedp.CSS(`header form[action="/signout"] button`)))
	c.until("the sign-in page", "location.pathname === '/signin'")
	if !strings.Contains(c.text("main"), "You are signed out.") {
		c.t.Fatalf("no sign-out confirmation: %s", c.text("main"))
	}
}

// TestBrowser drives the UI in headless Chromium as people use it: sign up,
// connect (the page follows the QR code and the status live), messages
// arriving live, tasks, search, another user seeing nothing of the first,
// text from WhatsApp staying text, and signing out; then every page of an
// account filled by the demo generator, with no console error or CSP
// violation. Screenshots go to test-artifacts/screenshots (and, with
// SYNAPSE_DOCS_SCREENSHOTS=<dir>, a few to that directory).
func TestBrowser(t *testing.T) {
	chromium(t)
	srv := apptest.Start(t, apptest.Options{})
	demoAccount := seedDemo(t, srv)
	c := newChrome(t, srv.URL)
	t.Run("Journey", func(t *testing.T) { journey(t, srv, c.with(t)) })
	t.Run("DemoPages", func(t *testing.T) { demoPages(t, c.with(t), demoAccount()) })
}

// journey is one person's first session, and then another person's.
func journey(t *testing.T, srv *apptest.Server, c *chrome) {

	// Sign up.
	c.open("/signup", false)
	c.screenshot("signup")
	c.signUp("Ana", "ana@example.com")
	ana, err := srv.App.Store.UserByEmail(ctx, "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}

	// Connect: the QR code shows; the simulated phone scans it; the page
	// turns WORKING without being reloaded.
	c.do("show the QR code", chromedp.Click(chromedp.CSS(`form[action="/connect/start"] button`)))
	c.until("the QR code", `(function(){ var q = document.getElementById('qr'); return !!q && !q.hidden && q.naturalWidth > 0 &&
		q.getAttribute('src').indexOf('data:image/png;base64,') === 0 })()`)
	c.until("live events", "document.body.hasAttribute('data-live-ready')")
	if got := c.text("[data-session-status]"); got != "SCAN_QR_CODE" {
		t.Fatalf("status while pairing: %q", got)
	}
	c.until("the countdown", `/changes in \d+ s/.test(document.getElementById('qr-countdown').textContent)`)
	c.screenshot("connect-qr")
	c.markNoReload()
	sid, err := srv.App.Sessions.SessionID(ctx, ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.App.Sim.Scan(sid, sim.ScanOptions{Phone: "447700900123", PushName: "Ana"}); err != nil {
		t.Fatal(err)
	}
	c.until("status WORKING", `document.querySelector('[data-session-status]').textContent === 'WORKING'`)
	c.until("the connected section", `!document.querySelector('section[data-show-when="WORKING"]').hidden`)
	if !c.noReload() {
		t.Fatal("the connect page was reloaded")
	}
	if got := c.text(`[data-me-phone]`); got != "+447700900123" {
		t.Fatalf("phone shown: %q", got)
	}
	c.screenshot("connect-working")

	// The dashboard follows the import of the phone's chat history live.
	c.open("/", false)
	c.until("live events on the dashboard", "document.body.hasAttribute('data-live-ready')")
	c.until("no history progress before any", `(function(){ var e = document.querySelector('[data-history]'); return e.hidden && e.textContent === '' })()`)
	if err := srv.App.Sim.ReportHistory(sid, whatsapp.HistoryProgress{Chats: 3, Messages: 120, Progress: 40}); err != nil {
		t.Fatal(err)
	}
	c.until("the history progress", `(function(){ var e = document.querySelector('[data-history]'); return !!e && !e.hidden &&
		e.textContent === 'Importing your chat history from the phone: 3 chats, 120 messages so far…' })()`)
	// A reload (or a later visit) still shows how far it went.
	c.open("/", false)
	c.until("the history progress after a reload", `(function(){ var e = document.querySelector('[data-history]'); return !!e && !e.hidden &&
		e.textContent === 'Importing your chat history from the phone: 3 chats, 120 messages so far…' })()`)
	c.until("live events on the dashboard", "document.body.hasAttribute('data-live-ready')")
	if err := srv.App.Sim.ReportHistory(sid, whatsapp.HistoryProgress{Chats: 4, Messages: 1, Progress: 100, Done: true}); err != nil {
		t.Fatal(err)
	}
	c.until("the history done", `document.querySelector('[data-history]').textContent === 'Chat history imported from your phone: 4 chats, 1 message.'`)
	c.open("/", false)
	if got := c.text("[data-history]"); got != "Chat history imported from your phone: 4 chats, 1 message." {
		t.Fatalf("history after a reload: %q", got)
	}

	// A delivered message appears live, in the chat list and in the chat.
	c.open("/chats", true)
	c.markNoReload()
	deliver(t, srv, ana, sid, sim.Incoming{Chat: "+44 7700 900001", ChatName: "Bea", Type: "text", Text: "Lunch tomorrow?"})
	c.until("the new chat", `document.getElementById('live').textContent.indexOf('Bea') >= 0`)
	if !c.noReload() {
		t.Fatal("the chat list was reloaded")
	}
	// The list shows the newest message and an unread count; a search
	// narrows it.
	if got := c.text("#live li .preview"); got != "Lunch tomorrow?" {
		t.Fatalf("chat preview: %q", got)
	}
	if got := c.text("#live li .count"); got != "1" {
		t.Fatalf("unread count: %q", got)
	}
	c.open("/chats?q=zzz", false)
	if !strings.Contains(c.text("main"), "No chat matches") {
		t.Fatalf("a search for nothing: %s", c.text("main"))
	}
	c.open("/chats?q=bea", true)
	c.do("open the chat", chromedp.Click(chromedp.CSS(`#live a[href^="/chats/"]`)))
	c.until("the chat page", "location.pathname.indexOf('/chats/447700900001') === 0 && document.body.hasAttribute('data-live-ready')")
	if u, err := srv.App.Service.Chats(ctx, ana.ID, "", service.Page{}); err != nil || len(u.Items) != 1 || u.Items[0].Unread != 0 {
		t.Fatalf("opening the chat did not mark it read: %+v %v", u.Items, err)
	}
	c.markNoReload()
	deliver(t, srv, ana, sid, sim.Incoming{Chat: "+44 7700 900001", ChatName: "Bea", Type: "text", Text: "See you at noon at Mercado"})
	c.until("the new message", `document.getElementById('live').textContent.indexOf('noon at Mercado') >= 0`)
	// A message full of HTML shows as the text it is.
	evil := `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"><b>bold?</b>`
	deliver(t, srv, ana, sid, sim.Incoming{Chat: "+44 7700 900001", ChatName: "Bea", Type: "text", Text: evil})
	c.until("the HTML message", fmt.Sprintf(`document.getElementById('live').textContent.indexOf(%q) >= 0`, evil))
	if !c.noReload() {
		t.Fatal("the chat page was reloaded")
	}
	if eval[bool](c, `window.__xss !== undefined || !!document.querySelector('#live b, #live img[src="x"], #live script')`) {
		t.Fatal("a message's HTML became markup")
	}
	// A photo shows once the pipeline has downloaded it, still without a
	// reload.
	deliver(t, srv, ana, sid, sim.Incoming{Chat: "+44 7700 900001", ChatName: "Bea", Type: "image", Caption: "The view from the office"})
	c.until("the photo", `(function(){ var i = document.querySelector('#live .msg img'); return !!i && i.complete && i.naturalWidth > 0 })()`)
	if !c.noReload() {
		t.Fatal("the chat page was reloaded")
	}
	c.screenshot("chat")
	// Oldest at the top, newest at the bottom and in view; Enter sends
	// without a reload, Shift+Enter breaks the line.
	if !eval[bool](c, `(function(){ var m = document.querySelectorAll('#live .msg'); return m.length >= 3 && m[0].textContent.indexOf('Lunch tomorrow') >= 0 })()`) {
		t.Fatal("the chat does not run oldest first")
	}
	c.until("the newest message in view", `(function(){ var l = document.getElementById('live'); return l.scrollHeight - l.scrollTop - l.clientHeight < 48 })()`)
	c.do("type a two-line message",
		chromedp.Click(chromedp.ID("text")),
		chromedp.KeyEvent("Sure,"),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierShift)),
		chromedp.KeyEvent("see you there"),
	)
	if got := eval[string](c, `document.getElementById('text').value`); got != "Sure,\nsee you there" {
		t.Fatalf("Shift+Enter: the composer holds %q", got)
	}
	c.do("send it with Enter", chromedp.KeyEvent("\r"))
	c.until("the sent message at the bottom", `(function(){ var m = document.querySelectorAll('#live .msg'); var last = m[m.length-1];
		return !!last && last.classList.contains('me') && last.textContent.indexOf('see you there') >= 0 })()`)
	if got := eval[string](c, `document.getElementById('text').value`); got != "" {
		t.Fatalf("the composer kept %q after sending", got)
	}
	if !c.noReload() {
		t.Fatal("sending reloaded the chat page")
	}
	// The simulator's panel makes the other side write, without a reload.
	c.do("simulate a reply",
		chromedp.Click(chromedp.CSS(".sim-panel summary")),
		chromedp.SendKeys(chromedp.ID("sim-text"), "Perfect, see you"),
		chromedp.Click(chromedp.CSS(`.sim-panel button[type=submit]`)),
	)
	c.until("the simulated message", `(function(){ var m = document.querySelectorAll('#live .msg'); var last = m[m.length-1];
		return !!last && !last.classList.contains('me') && last.textContent.indexOf('Perfect, see you') >= 0 })()`)
	if !c.noReload() {
		t.Fatal("simulating a message reloaded the chat page")
	}

	// Tasks: add one, check it off; it stays checked after a reload.
	c.open("/tasks", true)
	c.do("add a task",
		chromedp.Click(chromedp.CSS("details summary")),
		chromedp.SendKeys(chromedp.ID("title"), "Buy milk"),
		chromedp.Click(chromedp.CSS(`form[action="/tasks"] button[type=submit]`)),
	)
	c.until("the task", `location.search.indexOf('ok=added') >= 0 && document.getElementById('live').textContent.indexOf('Buy milk') >= 0`)
	c.until("live events", "document.body.hasAttribute('data-live-ready')")
	c.markNoReload()
	c.do("check it off", chromedp.Click(chromedp.CSS(`#live li.task button.check`)))
	c.until("the task checked", `document.querySelector('#live li.task button.check').getAttribute('aria-pressed') === 'true'`)
	if !c.noReload() {
		t.Fatal("checking a task off reloaded the page")
	}
	c.do("reload", chromedp.Reload())
	c.until("the page after reload", "!!document.querySelector('#live li.task')")
	if eval[string](c, `document.querySelector('#live li.task button.check').getAttribute('aria-pressed')`) != "true" ||
		!eval[bool](c, `document.querySelector('#live li.task').classList.contains('done')`) {
		t.Fatal("the task is not checked after a reload")
	}
	tasks, err := srv.App.Store.ListTasks(ctx, ana.ID, store.TaskFilter{}, store.ListOptions{})
	if err != nil || len(tasks.Items) != 1 || !tasks.Items[0].Done {
		t.Fatalf("stored tasks: %+v %v", tasks.Items, err)
	}
	c.screenshot("tasks")
	// Deleting takes one click and the browser's own question.
	if _, err := srv.App.Store.CreateTask(ctx, ana.ID, "Throw away", "", nil, false); err != nil {
		t.Fatal(err)
	}
	c.open("/tasks", true)
	eval[bool](c, `(window.confirm = function () { return true }, true)`)
	c.do("delete it", chromedp.Click(chromedp.CSS(`#live li.task a[data-quick-delete]`)))
	c.until("the task gone", `document.getElementById('live').textContent.indexOf('Throw away') < 0`)
	if tasks, _ := srv.App.Store.ListTasks(ctx, ana.ID, store.TaskFilter{}, store.ListOptions{}); len(tasks.Items) != 1 {
		t.Fatalf("after the quick delete: %d tasks", len(tasks.Items))
	}

	// Search from the header finds the message.
	c.do("search", chromedp.SendKeys(chromedp.ID("q"), "mercado\r"))
	c.until("search results", `location.pathname === '/search' && document.querySelector('main').textContent.indexOf('noon at Mercado') >= 0`)
	if got := c.text("main mark"); got != "Mercado" {
		t.Fatalf("highlighted: %q", got)
	}
	c.screenshot("search")

	c.open("/", true)
	c.screenshot("dashboard")
	c.open("/gallery", true)
	c.screenshot("gallery")

	// On a phone-sized screen the menu scrolls sideways instead of
	// overflowing the page.
	c.do("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	c.open("/", true)
	if eval[bool](c, "document.documentElement.scrollWidth > window.innerWidth + 1") {
		t.Fatalf("the dashboard is wider than a phone: %v", eval[float64](c, "document.documentElement.scrollWidth"))
	}
	c.screenshot("dashboard-phone")
	// One-handed: a bar of the main places at the bottom, and "More" opens
	// the whole menu as a sheet.
	if !eval[bool](c, `(function(){ var b = document.querySelector('nav.tabs'); var r = b.getBoundingClientRect();
		return getComputedStyle(b).display !== 'none' && r.bottom >= window.innerHeight - 2 && b.querySelectorAll('a').length === 5 })()`) {
		t.Fatal("no tab bar at the bottom of a phone-sized page")
	}
	if eval[bool](c, `getComputedStyle(document.getElementById('menu')).display !== 'none'`) {
		t.Fatal("the full menu shows on a phone before it is asked for")
	}
	c.do("open the menu", chromedp.Click(chromedp.CSS(`nav.tabs a[href="#menu"]`)))
	c.until("the menu sheet", `getComputedStyle(document.getElementById('menu')).display !== 'none' && document.querySelectorAll('#menu li a').length >= 12`)
	c.screenshot("menu-phone")
	c.do("go to the voice memos", chromedp.Click(chromedp.CSS(`#menu a[href="/voice-memos"]`)))
	c.until("the voice memos page", `location.pathname === '/voice-memos'`)
	c.do("desktop size", chromedp.EmulateViewport(1280, 900))

	// Keyboard shortcuts: "/" focuses the search, "g t" goes to the tasks,
	// "?" lists the shortcuts.
	c.open("/", true)
	c.do("press /", chromedp.KeyEvent("/"))
	if got := eval[string](c, "document.activeElement.id"); got != "q" {
		t.Fatalf(`"/" focused %q`, got)
	}
	eval[bool](c, `(document.activeElement.blur(), true)`)
	c.do("press g t", chromedp.KeyEvent("g"), chromedp.KeyEvent("t"))
	c.until("the tasks page", `location.pathname === '/tasks'`)
	c.until("the page script", `document.readyState === 'complete'`)
	c.do("press ?", chromedp.KeyEvent("?"))
	c.until("the shortcuts", `document.getElementById('shortcuts').open`)
	c.screenshot("shortcuts")
	c.do("close them", chromedp.KeyEvent(kb.Escape))
	c.until("closed", `!document.getElementById('shortcuts').open`)
	c.open("/", true)

	// Keyboard: the skip link is the first stop and leads to the content.
	c.do("tab", chromedp.KeyEvent("\t"))
	if eval[string](c, "document.activeElement.textContent") != "Skip to content" {
		t.Fatalf("first focus: %q", eval[string](c, "document.activeElement.outerHTML"))
	}

	c.clean("Ana's pages")

	// Sign out; pages then need signing in.
	c.signOut()
	c.open("/chats", false)
	if c.path() != "/signin?next=%2Fchats" {
		t.Fatalf("signed-out visit to /chats ended at %s", c.path())
	}

	// Another user sees nothing of Ana's.
	c.signUp("Bob", "bob@example.com")
	for _, p := range []string{"/", "/chats", "/tasks", "/gallery", "/search?q=lunch", "/search?q=milk"} {
		c.open(p, false)
		body := c.text("main")
		for _, leak := range []string{"Bea", "Lunch tomorrow", "Mercado", "Buy milk", "office"} {
			if strings.Contains(body, leak) {
				t.Fatalf("Bob's %s shows Ana's %q:\n%s", p, leak, body)
			}
		}
	}
	c.clean("Bob's pages")
	c.open("/chats/447700900001@s.whatsapp.net", false)
	if got := c.text("h1"); got != "Not found" || strings.Contains(c.text("main"), "Lunch") {
		t.Fatalf("Bob opening Ana's chat: %q", c.text("main"))
	}
	c.forget() // the 404 logged that it is a 404
	c.signOut()
}

// seedDemo fills a demo account in the background (as `synapse demo`
// would, without the pauses): yesterday's history, some live traffic, and
// yesterday's summaries. The returned func waits until the pipeline has
// made something of every kind, and returns the account's e-mail and
// password, and a text of the chat with oneself (the traffic is made up,
// so the pages are checked against what was sent).
func seedDemo(t *testing.T, srv *apptest.Server) func() [3]string {
	a := srv.App
	done := make(chan error, 1)
	var email, pw string
	var user store.User
	passwordFile := filepath.Join(t.TempDir(), demo.PasswordFile)
	go func() {
		done <- func() error {
			cr, err := demo.Account(ctx, a.Auth, a.Store, "demo@example.com", "UTC", passwordFile)
			if err != nil {
				return err
			}
			user, pw, email = cr.User, cr.Password, cr.User.Email
			q, err := a.Sessions.QR(ctx, user.ID, false)
			if err != nil {
				return err
			}
			sid, err := a.Sessions.SessionID(ctx, user.ID)
			if err != nil {
				return err
			}
			if _, err := a.Sim.Scan(sid, sim.ScanOptions{Code: q.Raw, Phone: "447700900555", PushName: "Demo"}); err != nil {
				return err
			}
			for {
				st, err := a.Sessions.Status(ctx, user.ID)
				if err != nil {
					return err
				}
				if st.Status == whatsapp.StatusWorking {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			g := demo.New(demo.Options{Sim: a.Sim, SessionID: sid, Pace: time.Millisecond, Seed: 42})
			if _, err := g.Backfill(ctx); err != nil {
				return err
			}
			for range 30 {
				if _, err := g.Step(ctx); err != nil {
					return err
				}
			}
			return nil
		}()
	}()
	return func() [3]string {
		t.Helper()
		if err := <-done; err != nil {
			t.Fatalf("seed the demo account: %v", err)
		}
		yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
		waitFor(t, "the demo account's knowledge", func() bool {
			u, err := a.Store.StorageUsage(ctx, user.ID)
			return err == nil && u.Images >= 6 && u.VoiceMemos >= 4 && u.Bookmarks >= 6 && u.Locations >= 5 && u.Tasks >= 5 &&
				u.Ideas >= 2 && u.Notes >= 1
		})
		if _, err := a.Jobs.QueueSummaries(ctx, user.ID, "", yesterday, true); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the demo account's summaries", func() bool {
			p, err := a.Store.ListSummaries(ctx, user.ID, store.SummaryFilter{Day: yesterday}, store.ListOptions{})
			return err == nil && len(p.Items) == 3
		})
		msgs, err := a.Store.ListMessages(ctx, user.ID, "447700900555@s.whatsapp.net", store.ListOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		selfText := ""
		for _, m := range msgs.Items {
			if selfText == "" && m.Text != "" {
				selfText, _, _ = strings.Cut(m.Text, "\n")
			}
		}
		return [3]string{email, pw, selfText}
	}
}

// demoPages signs in to the demo account and looks at every page.
func demoPages(t *testing.T, c *chrome, account [3]string) {
	axe := axeSource(t)
	for _, p := range []string{"/signup", "/signin"} {
		c.open(p, false)
		c.a11y(p, axe)
	}
	c.open("/signin", false)
	c.do("sign in",
		chromedp.SendKeys(chromedp.ID("email"), account[0]),
		chromedp.SendKeys(chromedp.ID("password"), account[1]),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)),
	)
	c.until("the dashboard", "location.pathname === '/' && document.body.hasAttribute('data-live-ready')")
	c.screenshot("demo-signin-done")
	for _, p := range []struct{ path, name, must string }{
		{"/", "demo-dashboard", "Open tasks"},
		{"/connect", "demo-connect", "Connected"},
		{"/chats", "demo-chats", "Climbing crew"},
		{"/chats/120363025550000002@g.us", "demo-group", "Família Pereira"},
		{"/chats/447700900555@s.whatsapp.net", "demo-self", account[2]},
		{"/gallery", "demo-gallery", "Família Pereira"},
		{"/bookmarks", "demo-bookmarks", "No preview"},
		{"/tasks", "demo-tasks", "from a message"},
		{"/notes", "demo-notes", "from a message"},
		{"/ideas", "demo-ideas", "from a message"},
		{"/locations", "demo-places", "Open in OpenStreetMap"},
		{"/voice-memos", "demo-voice-memos", "Not transcribed"},
		{"/summaries", "demo-summaries", "Climbing crew"},
		{"/search?q=lisboa", "demo-search", "results"},
		{"/settings", "demo-settings", "Time zone"},
		{"/admin", "demo-admin", "demo@example.com"},
	} {
		c.open(p.path, true)
		if main := c.text("main"); !strings.Contains(main, p.must) {
			t.Fatalf("%s lacks %q:\n%s", p.path, p.must, main)
		}
		if eval[int](c, "document.querySelectorAll('h1').length") != 1 || eval[string](c, "document.title") == "" {
			t.Fatalf("%s: no title or not one h1", p.path)
		}
		// Every image on the page loads (thumbnails, photos, previews).
		c.until("images of "+p.path, `Array.prototype.every.call(document.images, function (i) { return i.hidden || (i.loading === 'lazy' && !i.complete) || i.naturalWidth > 0 })`)
		if p.path == "/settings" {
			// Browser notifications: with JavaScript the card's buttons
			// show, and the service worker registers from the site root,
			// under the site's Content-Security-Policy.
			c.until("the notification buttons", `!document.querySelector('[data-push-buttons]').hidden && document.querySelector('[data-push-nojs]').hidden`)
			eval[bool](c, `(navigator.serviceWorker.ready.then(function (r) { window.swScope = r.scope; }), true)`)
			c.until("the service worker", `window.swScope === location.origin + '/'`)
		}
		c.screenshot(p.name)
		c.a11y(p.path, axe)
	}
	// The gallery opens a viewer: the image large with its caption, where
	// it came from, a download, and the next images by arrow key.
	c.open("/gallery", true)
	c.do("open the first image", chromedp.Click(chromedp.CSS(`#live .grid a`)))
	c.until("the viewer", `location.pathname.indexOf('/gallery/') === 0 && (function(){ var i = document.querySelector('.viewer img'); return i && i.complete && i.naturalWidth > 0 })()`)
	first := c.path()
	if !eval[bool](c, `!!document.querySelector('.viewer a[download]') && !!document.querySelector('.viewer a[href*="#m-"]')`) {
		t.Fatal("the viewer has no download or source message link")
	}
	c.screenshot("demo-viewer")
	c.a11y("the image viewer", axe)
	c.until("the page script", `document.readyState === 'complete'`)
	c.do("next image", chromedp.KeyEvent(kb.ArrowRight))
	c.until("another image", fmt.Sprintf(`location.pathname + location.search !== %q && location.pathname.indexOf('/gallery/') === 0`, first))
	c.until("the page script", `document.readyState === 'complete'`)
	c.do("back to the gallery", chromedp.KeyEvent(kb.Escape))
	c.until("the gallery", `location.pathname === '/gallery'`)

	c.do("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	c.open("/chats/120363025550000001@g.us", true)
	c.screenshot("demo-group-phone")
	// Both colour schemes, at both sizes.
	c.scheme("dark")
	c.screenshot("demo-group-phone-dark")
	c.open("/", true)
	c.screenshot("demo-dashboard-phone-dark")
	c.do("desktop size", chromedp.EmulateViewport(1280, 900))
	c.screenshot("demo-dashboard-dark")
	c.open("/chats/120363025550000001@g.us", true)
	c.screenshot("demo-group-dark")
	c.scheme("light")
	c.do("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	c.open("/", true)
	c.screenshot("demo-dashboard-phone")
	for _, p := range []string{"/admin", "/chats", "/settings", "/gallery", "/tasks"} {
		c.open(p, true)
		if eval[bool](c, "document.documentElement.scrollWidth > window.innerWidth + 1") {
			t.Fatalf("%s is wider than a phone: %v", p, eval[float64](c, "document.documentElement.scrollWidth"))
		}
		if p == "/admin" {
			c.screenshot("demo-admin-phone")
		}
	}
	c.do("desktop size", chromedp.EmulateViewport(1280, 900))
	c.clean("the demo account's pages")
	if dir := os.Getenv("SYNAPSE_DOCS_SCREENSHOTS"); dir != "" {
		for _, name := range []string{"connect-qr", "demo-dashboard", "demo-group", "demo-gallery", "demo-tasks", "demo-bookmarks", "demo-group-phone"} {
			b, err := os.ReadFile(filepath.Join(c.dir, name+".png"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, strings.TrimPrefix(name, "demo-")+".png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
