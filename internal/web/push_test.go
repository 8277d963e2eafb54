package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/pushtest"
)

var removePushForm = regexp.MustCompile(`action="/settings/push/([^/"]+)/remove"`)

// TestWebPushSettings: the service worker is served from the root with the
// headers browsers need; the Settings card subscribes this browser (as
// app.js does), lists it, sends a test that the push service decrypts, and
// removes it; nobody removes another's browser.
func TestWebPushSettings(t *testing.T) {
	ps := pushtest.Start("", true)
	t.Cleanup(ps.Close)
	u, _ := url.Parse(ps.URL)
	srv := apptest.Start(t, apptest.Options{Env: map[string]string{"WEBPUSH_ALLOWED_HOSTS": u.Host}})

	sw := newBrowser(t, srv).get("/sw.js")
	if sw.status != http.StatusOK || !strings.HasPrefix(sw.header.Get("Content-Type"), "text/javascript") ||
		sw.header.Get("Service-Worker-Allowed") != "/" || sw.header.Get("Cache-Control") != "no-cache" ||
		!strings.Contains(sw.header.Get("Content-Security-Policy"), "script-src 'self'") ||
		!strings.Contains(sw.body, "addEventListener('push'") || !strings.Contains(sw.body, "notificationclick") {
		t.Fatalf("/sw.js: %d %v\n%.200s", sw.status, sw.header, sw.body)
	}

	a, b := newBrowser(t, srv), newBrowser(t, srv)
	ua := a.signUp("ana.push@example.com")
	b.signUp("bob.push@example.com")
	key, err := srv.App.Service.VAPIDPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	ps.VAPIDKey = key
	r := a.get("/settings")
	if !strings.Contains(r.body, "Browser notifications") || !strings.Contains(r.body, `data-push-key="`+key+`"`) ||
		!strings.Contains(r.body, "needs JavaScript") || !strings.Contains(r.body, "No browser gets notifications yet.") {
		t.Fatalf("settings:\n%s", r.body)
	}

	br := ps.NewBrowser()
	form := url.Values{"endpoint": {br.Endpoint}, "p256dh": {br.P256dh()}, "auth": {br.AuthSecret()}}
	if r := a.do("POST", "/settings/push/subscribe", form, nil); r.status != http.StatusForbidden {
		t.Fatalf("subscribe without the CSRF token: %d", r.status)
	}
	hdr := map[string]string{"X-CSRF-Token": a.csrf, "X-Requested-With": "fetch",
		"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
	if r := a.do("POST", "/settings/push/subscribe", form, hdr); r.status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", r.status, r.body)
	}
	bad := url.Values{"endpoint": {"http://push.example.org/1"}, "p256dh": {br.P256dh()}, "auth": {br.AuthSecret()}}
	if r := a.do("POST", "/settings/push/subscribe", bad, hdr); r.status != http.StatusBadRequest {
		t.Fatalf("subscribe an http endpoint: %d %s", r.status, r.body)
	}
	r = a.get("/settings")
	m := removePushForm.FindStringSubmatch(r.body)
	if m == nil || !strings.Contains(r.body, "Firefox on Linux") || !strings.Contains(r.body, "Send a test") || strings.Contains(r.body, br.Endpoint) {
		t.Fatalf("settings after subscribing:\n%s", r.body)
	}
	id := m[1]

	if r := a.post("/settings/push/test", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/settings?ok=pushsent#push" {
		t.Fatalf("test: %d %v", r.status, r.header)
	}
	if got := ps.Received(); len(got) != 1 || !strings.Contains(string(got[0].Plaintext), `"title":"Synapse notifications work"`) {
		t.Fatalf("pushed %+v, failures %v", got, ps.Failures())
	}
	if r := b.post("/settings/push/test", nil); r.header.Get("Location") != "/settings?ok=nopush#push" {
		t.Fatalf("bob's test: %d %v", r.status, r.header)
	}

	// Bob can neither remove nor unsubscribe Ana's browser.
	if r := b.post("/settings/push/"+id+"/remove", nil); r.status != http.StatusNotFound {
		t.Fatalf("bob removes ana's browser: %d", r.status)
	}
	if r := b.post("/settings/push/unsubscribe", url.Values{"endpoint": {br.Endpoint}}); r.status != http.StatusNoContent {
		t.Fatalf("bob unsubscribes: %d", r.status)
	}
	if l, _ := srv.App.Service.PushSubscriptions(ctx, ua.ID); len(l) != 1 {
		t.Fatalf("ana's browsers after bob: %+v", l)
	}
	// Without JavaScript: the Remove button.
	if r := a.post("/settings/push/"+id+"/remove", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/settings?ok=pushremoved#push" {
		t.Fatalf("remove: %d %v", r.status, r.header)
	}
	if r := a.get("/settings"); !strings.Contains(r.body, "No browser gets notifications yet.") {
		t.Fatalf("settings after removing:\n%s", r.body)
	}
	// With JavaScript: Disable posts the endpoint.
	if r := a.do("POST", "/settings/push/subscribe", form, hdr); r.status != http.StatusNoContent {
		t.Fatalf("subscribe again: %d", r.status)
	}
	if r := a.do("POST", "/settings/push/unsubscribe", url.Values{"endpoint": {br.Endpoint}}, hdr); r.status != http.StatusNoContent {
		t.Fatalf("unsubscribe: %d", r.status)
	}
	if l, _ := srv.App.Service.PushSubscriptions(ctx, ua.ID); len(l) != 0 {
		t.Fatalf("ana's browsers after disabling: %+v", l)
	}
}
