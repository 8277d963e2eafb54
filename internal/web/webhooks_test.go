package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

var newWebhookSecret = regexp.MustCompile(`id="new-webhook-secret" type="text" readonly value="(whsec_[^"]+)"`)

// testWebhooks: Settings adds an endpoint through the service (the secret
// shown once), lists it with its deliveries, turns it off and on, rotates
// its secret, shows a notice when Synapse disabled it, replays, and
// deletes; nobody acts on another's endpoint.
func testWebhooks(t *testing.T, srv *apptest.Server) {
	a, b := newBrowser(t, srv), newBrowser(t, srv)
	ua := a.signUp("ana.webhooks@example.com")
	ub := b.signUp("bob.webhooks@example.com")
	if r := a.get("/settings"); !strings.Contains(r.body, "Webhooks") || !strings.Contains(r.body, "You have no webhooks.") {
		t.Fatalf("settings:\n%s", r.body)
	}
	if r := a.post("/settings/webhooks", url.Values{"webhook_url": {"http://127.0.0.1:9/x"}, "webhook_event": {"task"}}); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, "Address must not point to a private or local network address") {
		t.Fatalf("private address: %d\n%s", r.status, r.body)
	}
	if r := a.post("/settings/webhooks", url.Values{"webhook_url": {"https://hooks.example.com/in"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Tick at least one.") {
		t.Fatalf("no events: %d\n%s", r.status, r.body)
	}
	r := a.post("/settings/webhooks", url.Values{"webhook_url": {"https://hooks.example.com/in"}, "webhook_description": {"My <flow>"}, "webhook_event": {"task", "note"}})
	m := newWebhookSecret.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil || !strings.Contains(r.body, "My &lt;flow&gt;") || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("add webhook: %d\n%s", r.status, r.body)
	}
	secret := html.UnescapeString(m[1])
	if len(secret) != len("whsec_")+44 {
		t.Fatalf("secret %q", secret)
	}
	list, err := srv.App.Service.WebhookEndpoints(ctx, ua.ID)
	if err != nil || len(list) != 1 || strings.Join(list[0].Events, ",") != "task,note" {
		t.Fatalf("endpoints %+v %v", list, err)
	}
	id := list[0].ID
	if r := a.get("/settings"); strings.Contains(r.body, m[1]) || !strings.Contains(r.body, "https://hooks.example.com/in") || !strings.Contains(r.body, "Nothing sent yet.") {
		t.Fatalf("settings after adding (secret shown again, or not listed):\n%s", r.body)
	}
	// Another person can neither see nor change it.
	if r := b.get("/settings"); strings.Contains(r.body, "hooks.example.com") {
		t.Fatal("bob sees ana's webhook")
	}
	for _, p := range []string{"/enable", "/rotate", "/delete", "/deliveries/0000000000000000000000000a/replay"} {
		if r := b.post("/settings/webhooks/"+id+p, url.Values{"enabled": {"0"}, "since": {"day"}}); r.status != http.StatusNotFound {
			t.Fatalf("bob posts %s to ana's webhook: %d", p, r.status)
		}
	}
	_ = ub
	// Off and on.
	if r := a.post("/settings/webhooks/"+id+"/enable", url.Values{"enabled": {"0"}}); r.status != http.StatusSeeOther {
		t.Fatalf("turn off: %d", r.status)
	}
	if r := a.get("/settings"); !strings.Contains(r.body, "<strong>disabled</strong>") || !strings.Contains(r.body, "Turn on") {
		t.Fatalf("after turning off:\n%s", r.body)
	}
	// Synapse disabled it after continuous failure: a notice says so.
	on := true
	if _, err := srv.App.Store.UpdateWebhookEndpoint(ctx, ua.ID, id, store.WebhookEndpointPatch{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	disabled, err := srv.App.Store.RecordWebhookAttempt(ctx, ua.ID, "none", id, store.WebhookAttempt{At: srv.App.Service.Now(),
		DisableAfter: time.Nanosecond, DisableReason: "failed without a success for 24h0m0s"})
	if err != nil || !disabled {
		t.Fatalf("disable: %v %v", disabled, err)
	}
	if r := a.get("/settings"); !strings.Contains(r.body, `role="alert">Synapse turned off the webhook to <strong>https://hooks.example.com/in</strong>: it failed without a success for 24h0m0s`) {
		t.Fatalf("no notice of the disabled webhook:\n%s", r.body)
	}
	if r := a.post("/settings/webhooks/"+id+"/enable", url.Values{"enabled": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("turn on: %d", r.status)
	}
	if r := a.get("/settings"); strings.Contains(r.body, "Synapse turned off") || !strings.Contains(r.body, "<strong>active</strong>") {
		t.Fatalf("notice stays after turning on:\n%s", r.body)
	}
	// A new secret, shown once, the old one still signing for a day.
	r = a.post("/settings/webhooks/"+id+"/rotate", nil)
	m = newWebhookSecret.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil || html.UnescapeString(m[1]) == secret || !strings.Contains(r.body, "The previous secret keeps signing until") {
		t.Fatalf("rotate: %d\n%s", r.status, r.body)
	}
	// Replays: a period that is not offered is refused.
	if r := a.post("/settings/webhooks/"+id+"/replay-failed", url.Values{"since": {"year"}}); r.status != http.StatusNotFound {
		t.Fatalf("replay for a year: %d", r.status)
	}
	if r := a.post("/settings/webhooks/"+id+"/replay-failed", url.Values{"since": {"day"}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/settings?ok=replayed#webhooks" {
		t.Fatalf("replay failed: %d %s", r.status, r.header.Get("Location"))
	}
	if r := a.post("/settings/webhooks/"+id+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if r := a.get("/settings"); !strings.Contains(r.body, "You have no webhooks.") {
		t.Fatalf("deleted webhook still listed:\n%s", r.body)
	}
}
