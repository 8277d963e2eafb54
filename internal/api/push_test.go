package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/testutil/pushtest"
	"github.com/synapse-kb/synapse/internal/webpush"
)

func TestWebPush(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testWebPush(t, d) })
	}
}

// subscription is what a browser posts: PushSubscription.toJSON().
func subscription(b *pushtest.Browser) map[string]any {
	return map[string]any{"endpoint": b.Endpoint, "expirationTime": nil, "keys": map[string]any{"p256dh": b.P256dh(), "auth": b.AuthSecret()}}
}

type pushSub struct {
	ID, Label, PushService string
	Failures               int
}

func pushSubs(t *testing.T, srv *apptest.Server, token string) []pushSub {
	t.Helper()
	var l struct{ Items []pushSub }
	r := srv.Do("GET", "/api/v1/push/subscriptions", token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &l)
	return l.Items
}

func testWebPush(t *testing.T, d store.Dialect) {
	ps := pushtest.Start("", true)
	t.Cleanup(ps.Close)
	u, _ := url.Parse(ps.URL)
	srv := apptest.Start(t, apptest.Options{Dialect: d, Env: map[string]string{
		"WEBPUSH_ALLOWED_HOSTS": u.Host, "WEBPUSH_SUBJECT": "mailto:ops@example.org"}})
	ana, bruno := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	ctx := context.Background()

	var key struct{ PublicKey string }
	srv.Do("GET", "/api/v1/push/vapid-public-key", ana.Token, nil).JSON(t, &key)
	if len(key.PublicKey) != 87 {
		t.Fatalf("VAPID public key %q", key.PublicKey)
	}
	ps.VAPIDKey = key.PublicKey // every push must be signed with it

	// Subscribing: the browser's toJSON(), as is.
	b1, b2 := ps.NewBrowser(), ps.NewBrowser()
	r := srv.Do("POST", "/api/v1/push/subscriptions", ana.Token, subscription(b1))
	if r.Status != http.StatusCreated {
		t.Fatalf("subscribe: %d %s", r.Status, r.Body)
	}
	var s1 pushSub
	r.JSON(t, &s1)
	if s1.ID == "" || s1.PushService != ps.URL || strings.Contains(string(r.Body), b1.Endpoint) || strings.Contains(string(r.Body), b1.AuthSecret()) {
		t.Fatalf("subscription shown as %s", r.Body)
	}
	// Again: the same subscription, updated.
	var again pushSub
	srv.Do("POST", "/api/v1/push/subscriptions", ana.Token, subscription(b1)).JSON(t, &again)
	if again.ID != s1.ID || len(pushSubs(t, srv, ana.Token)) != 1 {
		t.Fatalf("subscribing again made %+v", pushSubs(t, srv, ana.Token))
	}
	// Refusals.
	bad := subscription(b2)
	bad["endpoint"] = "http://push.example.org/x" // plain http
	isProblem(t, srv.Do("POST", "/api/v1/push/subscriptions", ana.Token, bad), http.StatusBadRequest, "validation-error")
	bad = subscription(b2)
	bad["keys"] = map[string]any{"p256dh": b2.AuthSecret(), "auth": b2.AuthSecret()}
	isProblem(t, srv.Do("POST", "/api/v1/push/subscriptions", ana.Token, bad), http.StatusBadRequest, "validation-error")
	isProblem(t, srv.Do("POST", "/api/v1/push/subscriptions", "", subscription(b2)), http.StatusUnauthorized, "unauthorized")

	// Isolation: bruno neither sees nor removes ana's browser.
	if l := pushSubs(t, srv, bruno.Token); len(l) != 0 {
		t.Fatalf("bruno sees %+v", l)
	}
	isProblem(t, srv.Do("DELETE", "/api/v1/push/subscriptions/"+s1.ID, bruno.Token, nil), http.StatusNotFound, "not-found")
	isProblem(t, srv.Do("DELETE", "/api/v1/push/subscriptions", bruno.Token, map[string]any{"endpoint": b1.Endpoint}), http.StatusNotFound, "not-found")
	var res service.PushResult
	srv.Do("POST", "/api/v1/push/test", bruno.Token, nil).JSON(t, &res)
	if res != (service.PushResult{}) || len(ps.Received()) != 0 {
		t.Fatalf("bruno's test reached %+v, %d pushes", res, len(ps.Received()))
	}

	// PushNotify: what reminders call. The push service checks the VAPID
	// signature and decrypts; the service worker's JSON arrives intact.
	n := service.Notification{Title: "Call the plumber", Body: "Due at 10:00 — não esqueça", URL: "/tasks", Tag: "task-42",
		Actions: []service.Action{{Action: "snooze-10m", Title: "Snooze 10 min", URL: "/reminders/r1/snooze"}, {Action: "done", Title: "Done"}},
		TTL:     30 * time.Minute, Urgency: webpush.UrgencyHigh}
	res, err := srv.App.Service.PushNotify(ctx, ana.ID, n)
	if err != nil || res != (service.PushResult{Sent: 1}) {
		t.Fatalf("PushNotify: %+v %v", res, err)
	}
	if f := ps.Failures(); len(f) > 0 {
		t.Fatalf("the push service refused: %v", f)
	}
	got := ps.Received()
	if len(got) != 1 || got[0].Endpoint != b1.Endpoint || got[0].TTL != 1800 || got[0].Urgency != "high" || got[0].Claims["sub"] != "mailto:ops@example.org" {
		t.Fatalf("received %+v", got)
	}
	var payload struct {
		Title, Body, URL, Tag string
		Timestamp             int64
		Actions               []struct{ Action, Title, URL string }
	}
	if err := json.Unmarshal(got[0].Plaintext, &payload); err != nil {
		t.Fatalf("payload %s: %v", got[0].Plaintext, err)
	}
	if payload.Title != n.Title || payload.Body != n.Body || payload.URL != "/tasks" || payload.Tag != "task-42" ||
		len(payload.Actions) != 2 || payload.Actions[0] != (struct{ Action, Title, URL string }{"snooze-10m", "Snooze 10 min", "/reminders/r1/snooze"}) ||
		payload.Actions[1].Action != "done" || payload.Actions[1].URL != "" || time.Since(time.UnixMilli(payload.Timestamp)) > time.Minute {
		t.Fatalf("payload %s", got[0].Plaintext)
	}
	// A notification that could lead elsewhere is refused.
	if _, err := srv.App.Service.PushNotify(ctx, ana.ID, service.Notification{Title: "x", URL: "https://evil.example/"}); err == nil {
		t.Fatal("an off-site URL was accepted")
	}
	if _, err := srv.App.Service.PushNotify(ctx, ana.ID, service.Notification{Title: "x", Actions: []service.Action{{Action: "a", Title: "A", URL: "//evil.example/"}}}); err == nil {
		t.Fatal("an off-site action URL was accepted")
	}
	// A long body is cut to fit one push message.
	res, err = srv.App.Service.PushNotify(ctx, ana.ID, service.Notification{Title: "Long", Body: strings.Repeat("ção ", 2000)})
	if err != nil || res.Sent != 1 {
		t.Fatalf("long body: %+v %v", res, err)
	}

	// The test route.
	r = srv.Do("POST", "/api/v1/push/test", ana.Token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("test: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &res)
	if got := ps.Received(); res.Sent != 1 || !strings.Contains(string(got[len(got)-1].Plaintext), "Synapse notifications work") {
		t.Fatalf("test: %+v", res)
	}

	// A busy push service (429, Retry-After: 1) gets the message again
	// from a River job; the other browser has it at once.
	if r := srv.Do("POST", "/api/v1/push/subscriptions", ana.Token, subscription(b2)); r.Status != http.StatusCreated {
		t.Fatalf("subscribe b2: %d %s", r.Status, r.Body)
	}
	before := len(ps.Received())
	ps.Answer(b2, http.StatusTooManyRequests)
	res, err = srv.App.Service.PushNotify(ctx, ana.ID, service.Notification{Title: "Retried", TTL: time.Hour})
	if err != nil || res != (service.PushResult{Sent: 1, Retrying: 1}) {
		t.Fatalf("with a busy push service: %+v %v", res, err)
	}
	waitFor(t, func() bool { return len(ps.Received()) == before+2 })
	for _, g := range ps.Received()[before:] {
		if !strings.Contains(string(g.Plaintext), `"title":"Retried"`) {
			t.Fatalf("retried %s", g.Plaintext)
		}
	}

	// 410 Gone: the subscription is forgotten.
	ps.Answer(b1, http.StatusGone)
	res, err = srv.App.Service.PushNotify(ctx, ana.ID, service.Notification{Title: "Gone"})
	if err != nil || res != (service.PushResult{Sent: 1, Removed: 1}) {
		t.Fatalf("with a gone subscription: %+v %v", res, err)
	}
	if l := pushSubs(t, srv, ana.Token); len(l) != 1 || l[0].ID == s1.ID {
		t.Fatalf("after 410: %+v", l)
	}
	// 400: refused, counted, kept.
	ps.Answer(b2, http.StatusBadRequest)
	if res, _ = srv.App.Service.PushNotify(ctx, ana.ID, service.Notification{Title: "Refused"}); res != (service.PushResult{Failed: 1}) {
		t.Fatalf("refused: %+v", res)
	}
	if l := pushSubs(t, srv, ana.Token); len(l) != 1 || l[0].Failures != 1 {
		t.Fatalf("after a refusal: %+v", l)
	}

	// The browser moves to bruno when he subscribes it (same computer,
	// another account); then he unsubscribes it by endpoint.
	if r := srv.Do("POST", "/api/v1/push/subscriptions", bruno.Token, subscription(b2)); r.Status != http.StatusCreated {
		t.Fatalf("bruno subscribes: %d %s", r.Status, r.Body)
	}
	if l := pushSubs(t, srv, ana.Token); len(l) != 0 {
		t.Fatalf("ana keeps %+v", l)
	}
	if r := srv.Do("DELETE", "/api/v1/push/subscriptions", bruno.Token, map[string]any{"endpoint": b2.Endpoint}); r.Status != http.StatusNoContent {
		t.Fatalf("unsubscribe: %d %s", r.Status, r.Body)
	}
	if l := pushSubs(t, srv, bruno.Token); len(l) != 0 {
		t.Fatalf("bruno keeps %+v", l)
	}
	// And by id.
	var s3 pushSub
	srv.Do("POST", "/api/v1/push/subscriptions", ana.Token, subscription(ps.NewBrowser())).JSON(t, &s3)
	if r := srv.Do("DELETE", "/api/v1/push/subscriptions/"+s3.ID, ana.Token, nil); r.Status != http.StatusNoContent {
		t.Fatalf("unsubscribe by id: %d %s", r.Status, r.Body)
	}
	isProblem(t, srv.Do("DELETE", "/api/v1/push/subscriptions/"+s3.ID, ana.Token, nil), http.StatusNotFound, "not-found")
	if f := ps.Failures(); len(f) > 0 {
		t.Fatalf("the push service refused: %v", f)
	}
}
