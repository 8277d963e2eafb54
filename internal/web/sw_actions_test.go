package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/pushtest"
)

// swHarness runs the service worker's script (/sw.js as served) in the
// page, with a stand-in for the worker's global scope: the events it
// listens to can be dispatched, what it shows is recorded, and its fetch
// is the page's own (same origin, so a POST reaches the server).
const swHarness = `(function () {
  var listeners = {};
  var h = { shown: [], fetched: [], opened: [] };
  var fakeSelf = {
    location: { origin: location.origin },
    addEventListener: function (type, fn) { listeners[type] = fn; },
    skipWaiting: function () {},
    registration: { showNotification: function (title, opts) { h.shown.push({ title: title, opts: opts }); return Promise.resolve(); } },
    clients: { claim: function () { return Promise.resolve(); },
      matchAll: function () { return Promise.resolve([]); },
      openWindow: function (u) { h.opened.push(u); return Promise.resolve(null); } }
  };
  var fakeFetch = function (u, opts) { h.fetched.push({ url: String(u), method: opts && opts.method }); return fetch(u, opts); };
  (function (self, fetch) { %s
  })(fakeSelf, fakeFetch);
  h.dispatch = function (type, ev) {
    var done = [];
    ev.waitUntil = function (p) { done.push(p); };
    listeners[type](ev);
    return Promise.all(done).then(function () { return true; }, function (e) { return 'failed: ' + e; });
  };
  window.__sw = h;
  return true;
})()`

// awaitJS evaluates a JavaScript expression whose value is a promise.
func awaitJS(c *chrome, expr string) any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// TestReminderNotificationButtons: the service worker, in Chromium, shows a
// reminder's real push payload (as the local push service decrypted it)
// with its buttons, and a click on "Snooze 1 hour" POSTs the button's link
// with no credential, which snoozes the reminder on the server; a click on
// the notification itself opens the Reminders page.
func TestReminderNotificationButtons(t *testing.T) {
	chromium(t)
	ps := pushtest.Start("", true)
	t.Cleanup(ps.Close)
	u, _ := url.Parse(ps.URL)
	srv := apptest.Start(t, apptest.Options{Env: map[string]string{"WEBPUSH_ALLOWED_HOSTS": u.Host}})
	ana := srv.Register("ana.sw@example.com")
	key, err := srv.App.Service.VAPIDPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	ps.VAPIDKey = key
	br := ps.NewBrowser()
	if r := srv.Do("POST", "/api/v1/push/subscriptions", ana.Token, map[string]any{"endpoint": br.Endpoint,
		"keys": map[string]any{"p256dh": br.P256dh(), "auth": br.AuthSecret()}}); r.Status != http.StatusCreated {
		t.Fatalf("subscribe: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("PATCH", "/api/v1/reminder-settings", ana.Token, map[string]any{"channels": []string{"push"}}); r.Status != http.StatusOK {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	r := srv.Do("POST", "/api/v1/tasks", ana.Token, map[string]any{"title": "Water the plants", "due": time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)})
	if r.Status != http.StatusCreated {
		t.Fatalf("task: %d %s", r.Status, r.Body)
	}
	deadline := time.Now().Add(time.Minute)
	for ps.Accepted() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no push (failures %v)", ps.Failures())
		}
		time.Sleep(50 * time.Millisecond)
	}
	payload := string(ps.Received()[0].Plaintext)

	sw := newBrowser(t, srv).get("/sw.js")
	if sw.status != http.StatusOK {
		t.Fatalf("/sw.js: %d", sw.status)
	}
	c := newChrome(t, srv.URL)
	c.open("/login", false)
	eval[bool](c, strings.Replace(swHarness, "%s", sw.body, 1))
	js, _ := json.Marshal(payload)
	if got := awaitJS(c, `__sw.dispatch('push', { data: { json: function () { return JSON.parse(`+string(js)+`); } } })`); got != true {
		t.Fatalf("push: %v", got)
	}
	var shown []struct {
		Title string
		Opts  struct {
			Body    string
			Tag     string
			Actions []struct{ Action, Title string }
		}
	}
	if err := json.Unmarshal([]byte(eval[string](c, `JSON.stringify(__sw.shown)`)), &shown); err != nil {
		t.Fatal(err)
	}
	if len(shown) != 1 || shown[0].Title != "⏰ Water the plants" || len(shown[0].Opts.Actions) != 4 ||
		shown[0].Opts.Actions[0].Action != "snooze-10m" || shown[0].Opts.Actions[1].Action != "done" {
		t.Fatalf("shown: %+v", shown)
	}
	// "Snooze 1 hour" with the tab closed: the worker POSTs the link.
	click := `__sw.dispatch('notificationclick', { action: %q, notification: { tag: __sw.shown[0].opts.tag, data: __sw.shown[0].opts.data, close: function () {} } })`
	if got := awaitJS(c, fmt.Sprintf(click, "snooze-1h")); got != true {
		t.Fatalf("click: %v", got)
	}
	var fetched []struct{ URL, Method string }
	_ = json.Unmarshal([]byte(eval[string](c, `JSON.stringify(__sw.fetched)`)), &fetched)
	if len(fetched) != 1 || fetched[0].Method != "POST" || !strings.HasPrefix(fetched[0].URL, srv.URL+"/api/v1/reminder-actions/") {
		t.Fatalf("fetched: %+v", fetched)
	}
	var l struct{ Items []map[string]any }
	srv.Do("GET", "/api/v1/reminders", ana.Token, nil).JSON(t, &l)
	if len(l.Items) != 1 || l.Items[0]["status"] != "pending" {
		t.Fatalf("reminder after the click: %v", l.Items)
	}
	if at, _ := time.Parse(time.RFC3339, l.Items[0]["fireAt"].(string)); time.Until(at) < 55*time.Minute {
		t.Fatalf("snoozed until %v", l.Items[0]["fireAt"])
	}
	// The same button again: the link worked once; the worker says so.
	awaitJS(c, fmt.Sprintf(click, "snooze-1h"))
	if n := eval[float64](c, `__sw.shown.length`); n != 2 || !strings.Contains(eval[string](c, `__sw.shown[1].opts.body`), "did not work") {
		t.Fatalf("a failed action is not told: %v", eval[string](c, `JSON.stringify(__sw.shown)`))
	}
	// The notification itself opens the Reminders page.
	awaitJS(c, fmt.Sprintf(click, ""))
	if got := eval[string](c, `__sw.opened.join(' ')`); !strings.HasPrefix(got, srv.URL+"/reminders#reminder-") {
		t.Fatalf("opened %q", got)
	}
}
