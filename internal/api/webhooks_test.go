package api_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/webhooks/webhookstest"
)

type createdWebhook struct {
	ID      string `json:"id"`
	Secret  string `json:"secret"`
	Status  string `json:"status"`
	Enabled bool   `json:"enabled"`
}

func waitUntilThat(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // generous: -race on a busy machine
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWebhooks(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testWebhooks(t, d) })
	}
}

func testWebhooks(t *testing.T, d store.Dialect) {
	recv := webhookstest.NewReceiver(t)
	dead := webhookstest.NewReceiver(t)
	dead.SetDown(true)
	srv := apptest.Start(t, apptest.Options{Dialect: d, Env: map[string]string{
		"WEBHOOK_ALLOWED_HOSTS": recv.Host + "," + dead.Host, "WEBHOOK_RETRY_BASE": "200ms", "WEBHOOK_RETRY_MAX": "400ms",
		// Disabling must not happen during the outage below, which lasts
		// as long as a busy machine takes to see three retries (more than
		// a second under -race on two cores).
		"WEBHOOK_MAX_ATTEMPTS": "100", "WEBHOOK_DISABLE_AFTER": "6s",
	}})
	v := newDocValidator(t, srv)
	srv.Register("admin@example.com")
	a, b := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	srv.Connect(a, "5511911110001")
	reader := makeToken(t, srv, a, "reader", "read")
	writer := makeToken(t, srv, a, "writer", "write")

	create := func(u apptest.User, body map[string]any) createdWebhook {
		t.Helper()
		r := srv.Do("POST", "/api/v1/webhooks", u.Token, body)
		if r.Status != http.StatusCreated {
			t.Fatalf("create webhook: %d %s", r.Status, r.Body)
		}
		v.check("POST", srv.URL+"/api/v1/webhooks", body, r)
		var out createdWebhook
		r.JSON(t, &out)
		if !strings.HasPrefix(out.Secret, "whsec_") || out.ID == "" || out.Status != "active" || !out.Enabled {
			t.Fatalf("created webhook %s", r.Body)
		}
		return out
	}
	ep := create(a, map[string]any{"url": recv.URL + "/in", "description": "n8n", "events": []string{"task", "message", "message"}})
	recv.SetSecrets(ep.Secret)
	bep := create(b, map[string]any{"url": recv.URL + "/bruno", "description": "bruno's hook", "events": []string{"message"}})
	base := "/api/v1/webhooks/" + ep.ID
	bBase := "/api/v1/webhooks/" + bep.ID

	long := strings.Repeat("x", 9000)
	runScenarios(t, srv, v, []scenario{
		{"list", "GET", "/api/v1/webhooks", a.Token, nil, 200, []string{ep.ID, "n8n", `"events":["message","task"]`}, []string{"whsec_", bep.ID, "bruno's hook"}},
		{"list with a read token", "GET", "/api/v1/webhooks", reader.Token, nil, 200, []string{ep.ID}, []string{"whsec_"}},
		{"list other", "GET", "/api/v1/webhooks", b.Token, nil, 200, []string{bep.ID}, []string{ep.ID, "n8n"}},
		{"get", "GET", base, a.Token, nil, 200, []string{ep.ID, `"status":"active"`}, []string{"whsec_"}},
		// Another person's token and ids: not found, never forbidden.
		{"get other's", "GET", base, b.Token, nil, 404, []string{"not-found"}, []string{"n8n"}},
		{"patch other's", "PATCH", base, b.Token, map[string]any{"enabled": false}, 404, []string{"not-found"}, nil},
		{"delete other's", "DELETE", base, b.Token, nil, 404, []string{"not-found"}, nil},
		{"rotate other's", "POST", base + "/rotate-secret", b.Token, nil, 404, []string{"not-found"}, []string{"whsec_"}},
		{"deliveries of other's", "GET", base + "/deliveries", b.Token, nil, 404, []string{"not-found"}, nil},
		{"bulk replay of other's", "POST", base + "/deliveries/replay", b.Token, map[string]any{"since": "2020-01-01T00:00:00Z"}, 404, []string{"not-found"}, nil},
		{"mine from the other side", "GET", bBase, a.Token, nil, 404, []string{"not-found"}, nil},
		{"replay of a delivery of other's endpoint", "POST", bBase + "/deliveries/0000000000000000000000000a/replay", a.Token, nil, 404, []string{"not-found"}, nil},
		{"unknown id", "GET", "/api/v1/webhooks/nope", a.Token, nil, 404, []string{"not-found"}, nil},
		// Validation names the field.
		{"ftp", "POST", "/api/v1/webhooks", a.Token, map[string]any{"url": "ftp://example.com/x", "events": []string{"task"}}, 400, []string{"validation-error", `"field":"url"`}, nil},
		{"loopback", "POST", "/api/v1/webhooks", a.Token, map[string]any{"url": "http://127.0.0.1:9/x", "events": []string{"task"}}, 400, []string{`"field":"url"`, "private"}, nil},
		{"private", "POST", "/api/v1/webhooks", a.Token, map[string]any{"url": "http://10.1.2.3/x", "events": []string{"task"}}, 400, []string{`"field":"url"`}, nil},
		{"metadata", "POST", "/api/v1/webhooks", a.Token, map[string]any{"url": "http://169.254.169.254/latest", "events": []string{"task"}}, 400, []string{`"field":"url"`}, nil},
		{"localhost", "POST", "/api/v1/webhooks", a.Token, map[string]any{"url": "http://localhost:8080/", "events": []string{"task"}}, 400, []string{`"field":"url"`}, nil},
		{"unknown event", "POST", "/api/v1/webhooks", a.Token, map[string]any{"url": "https://example.com/x", "events": []string{"task", "nope"}}, 400, []string{`"field":"events"`}, nil},
		{"no events", "POST", "/api/v1/webhooks", a.Token, map[string]any{"url": "https://example.com/x"}, 400, []string{`"field":"events"`}, nil},
		{"body too large", "POST", "/api/v1/webhooks", a.Token, map[string]any{"url": "https://example.com/x", "events": []string{"task"}, "description": long}, 413, []string{"body-too-large"}, nil},
		{"long description", "PATCH", base, a.Token, map[string]any{"description": strings.Repeat("y", 201)}, 400, []string{`"field":"description"`}, nil},
		{"bad status filter", "GET", base + "/deliveries?status=lost", a.Token, nil, 400, []string{`"field":"status"`}, nil},
		{"bulk replay without since", "POST", base + "/deliveries/replay", a.Token, map[string]any{"status": "failed"}, 400, []string{`"field":"since"`}, nil},
		// Scopes: secrets need a log-in; changes need write.
		{"create with a read token", "POST", "/api/v1/webhooks", reader.Token, map[string]any{"url": "https://example.com/x", "events": []string{"task"}}, 403, []string{`"requiredScope":"session"`}, nil},
		{"create with a write token", "POST", "/api/v1/webhooks", writer.Token, map[string]any{"url": "https://example.com/x", "events": []string{"task"}}, 403, []string{`"requiredScope":"session"`}, nil},
		{"rotate with a write token", "POST", base + "/rotate-secret", writer.Token, nil, 403, []string{`"requiredScope":"session"`}, []string{"whsec_"}},
		{"delete with a write token", "DELETE", base, writer.Token, nil, 403, []string{`"requiredScope":"session"`}, nil},
		{"patch with a read token", "PATCH", base, reader.Token, map[string]any{"description": "x"}, 403, []string{`"requiredScope":"write"`}, nil},
		{"patch with a write token", "PATCH", base, writer.Token, map[string]any{"description": "n8n flow"}, 200, []string{"n8n flow"}, []string{"whsec_"}},
	})

	// A message arrives: the endpoint receives it, signed.
	srv.Deliver(a, map[string]any{"id": "W1", "chat": "447700900001", "type": "text", "text": "first webhook"})
	waitUntilThat(t, "the message arrives", func() bool { return len(recv.Accepted()) == 1 })
	reqs := recv.Requests()
	first := reqs[len(reqs)-1]
	if first.Err != nil || !strings.Contains(string(first.Body), `"type":"message"`) || !strings.Contains(string(first.Body), "first webhook") {
		t.Fatalf("first request: %v %s", first.Err, first.Body)
	}
	id := first.Header.Get("webhook-id")
	// A captured request sent again is refused: its id was processed ...
	if st := recv.Replay(t, first); st != http.StatusOK || !errors.Is(recv.Requests()[len(recv.Requests())-1].Err, webhookstest.ErrReplay) {
		t.Fatalf("replayed capture: %d %v", st, recv.Requests()[len(recv.Requests())-1].Err)
	}
	// ... and after the tolerance it is refused by its timestamp alone.
	late := &webhookstest.Verifier{Secrets: []string{ep.Secret}, Tolerance: 5 * time.Minute, Now: func() time.Time { return time.Now().Add(6 * time.Minute) }}
	if err := late.Verify(first.Headers(), first.Body); !errors.Is(err, webhookstest.ErrStale) {
		t.Fatalf("late replay: %v", err)
	}

	var log struct {
		Items []struct {
			ID, EventID, Status string
			ResponseCode        int
			Attempts            int
		} `json:"items"`
	}
	r := srv.Do("GET", base+"/deliveries", reader.Token, nil)
	v.check("GET", srv.URL+base+"/deliveries", nil, r)
	r.JSON(t, &log)
	if len(log.Items) != 1 || log.Items[0].EventID != id || log.Items[0].ResponseCode != 204 || log.Items[0].Attempts != 1 {
		waitUntilThat(t, "the delivery is logged", func() bool {
			srv.Do("GET", base+"/deliveries", reader.Token, nil).JSON(t, &log)
			return len(log.Items) == 1 && log.Items[0].Status == "succeeded"
		})
	}
	dl := log.Items[0].ID
	runScenarios(t, srv, v, []scenario{
		{"one delivery", "GET", base + "/deliveries/" + dl, a.Token, nil, 200, []string{id, "succeeded"}, nil},
		{"other's delivery", "GET", base + "/deliveries/" + dl, b.Token, nil, 404, []string{"not-found"}, []string{id}},
		{"replay other's delivery", "POST", base + "/deliveries/" + dl + "/replay", b.Token, nil, 404, []string{"not-found"}, nil},
		{"delivery through another endpoint", "GET", bBase + "/deliveries/" + dl, b.Token, nil, 404, []string{"not-found"}, nil},
		{"replay with a read token", "POST", base + "/deliveries/" + dl + "/replay", reader.Token, nil, 403, []string{`"requiredScope":"write"`}, nil},
		{"replay", "POST", base + "/deliveries/" + dl + "/replay", writer.Token, nil, 202, []string{dl}, nil},
	})
	// The replay comes with the same id: the receiver knows it already.
	waitUntilThat(t, "the manual replay arrives", func() bool {
		n := 0
		for _, rq := range recv.Requests() {
			if rq.Header.Get("webhook-id") == id && errors.Is(rq.Err, webhookstest.ErrReplay) {
				n++
			}
		}
		return n == 2
	})
	if recv.Accepted()[id] != 1 {
		t.Fatalf("event processed %d times", recv.Accepted()[id])
	}

	// Rotation: both secrets sign for a while.
	r = srv.Do("POST", base+"/rotate-secret", a.Token, nil)
	v.check("POST", srv.URL+base+"/rotate-secret", nil, r)
	var rotated struct {
		Secret                  string     `json:"secret"`
		PreviousSecretExpiresAt *time.Time `json:"previousSecretExpiresAt"`
	}
	r.JSON(t, &rotated)
	if r.Status != 200 || !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.Secret == ep.Secret || rotated.PreviousSecretExpiresAt == nil ||
		rotated.PreviousSecretExpiresAt.Before(time.Now().Add(23*time.Hour)) {
		t.Fatalf("rotate: %d %s", r.Status, r.Body)
	}
	recv.SetSecrets(rotated.Secret)
	srv.Deliver(a, map[string]any{"id": "W2", "chat": "447700900001", "type": "text", "text": "after rotation"})
	waitUntilThat(t, "the second message arrives", func() bool { return len(recv.Accepted()) == 2 })
	reqs = recv.Requests()
	second := reqs[len(reqs)-1]
	if n := len(strings.Fields(second.Header.Get("webhook-signature"))); n != 2 {
		t.Fatalf("%d signatures during the grace period", n)
	}
	for _, s := range []string{ep.Secret, rotated.Secret} {
		if err := (&webhookstest.Verifier{Secrets: []string{s}, Tolerance: time.Minute}).Verify(second.Headers(), second.Body); err != nil {
			t.Fatalf("verify with one of the two secrets: %v", err)
		}
	}

	// An outage: nothing lost, nothing processed twice.
	recv.SetDown(true)
	for _, m := range []string{"W3", "W4", "W5"} {
		srv.Deliver(a, map[string]any{"id": m, "chat": "447700900001", "type": "text", "text": "during the outage " + m})
	}
	waitUntilThat(t, "the deliveries are retrying", func() bool {
		srv.Do("GET", base+"/deliveries?status=retrying", a.Token, nil).JSON(t, &log)
		return len(log.Items) == 3
	})
	recv.SetDown(false)
	deadline := time.Now().Add(2 * time.Minute)
	for len(recv.Accepted()) != 5 {
		if time.Now().After(deadline) {
			r := srv.Do("GET", base+"/deliveries", a.Token, nil)
			t.Fatalf("timed out waiting until every message arrives: %d accepted, %d requests; log %s", len(recv.Accepted()), len(recv.Requests()), r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for id, n := range recv.Accepted() {
		if n != 1 {
			t.Errorf("event %s processed %d times", id, n)
		}
	}
	for _, rq := range recv.Requests() {
		if rq.Err != nil && !errors.Is(rq.Err, webhookstest.ErrReplay) && rq.Err.Error() != "down" {
			t.Errorf("receiver refused a request: %v", rq.Err)
		}
	}
	waitUntilThat(t, "every delivery is logged as succeeded", func() bool {
		srv.Do("GET", base+"/deliveries?status=succeeded", a.Token, nil).JSON(t, &log)
		return len(log.Items) == 5
	})
	// Bulk replay of what succeeded since the start.
	r = srv.Do("POST", base+"/deliveries/replay", writer.Token, map[string]any{"status": "succeeded", "since": time.Now().Add(-time.Hour).Format(time.RFC3339)})
	v.check("POST", srv.URL+base+"/deliveries/replay", nil, r)
	if r.Status != http.StatusAccepted || !strings.Contains(string(r.Body), `"queued":5`) {
		t.Fatalf("bulk replay: %d %s", r.Status, r.Body)
	}

	// An endpoint that keeps failing is disabled, and its person told.
	stream := srv.OpenSSE(a)
	defer stream.Close()
	bad := create(a, map[string]any{"url": dead.URL, "events": []string{"message"}})
	srv.Deliver(a, map[string]any{"id": "W6", "chat": "447700900001", "type": "text", "text": "to a dead endpoint"})
	if _, ok := stream.WaitFor(time.Minute, func(e apptest.Event) bool {
		return e.Type == "webhook.disabled" && strings.Contains(string(e.Data), bad.ID)
	}); !ok {
		t.Fatal("no webhook.disabled event")
	}
	runScenarios(t, srv, v, []scenario{
		{"disabled", "GET", "/api/v1/webhooks/" + bad.ID, a.Token, nil, 200, []string{`"status":"disabled"`, `"enabled":false`, "disabledReason", "failed without a success"}, nil},
		{"failed deliveries", "GET", "/api/v1/webhooks/" + bad.ID + "/deliveries?status=failed", a.Token, nil, 200, []string{`"status":"failed"`, "503"}, nil},
		{"enable again", "PATCH", "/api/v1/webhooks/" + bad.ID, writer.Token, map[string]any{"enabled": true}, 200, []string{`"status":"active"`}, []string{"disabledReason"}},
		{"delete", "DELETE", "/api/v1/webhooks/" + bad.ID, a.Token, nil, 204, nil, nil},
		{"deleted", "GET", "/api/v1/webhooks/" + bad.ID, a.Token, nil, 404, []string{"not-found"}, nil},
		{"b's endpoint untouched", "GET", bBase, b.Token, nil, 200, []string{bep.ID}, nil},
	})
}
