package e2e_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/wasim"
	"github.com/synapse-kb/synapse/internal/webhooks/webhookstest"
)

// Two nodes on one PostgreSQL database with the whatsmeow engine: the
// person's endpoint (made through one node) receives each message once,
// signed, though the session runs on the other node and realtime events
// cross to the first; during an outage of the receiver nothing is lost,
// and River's retries (worked by either node) deliver nothing twice.
func TestWebhooksInACluster(t *testing.T) {
	ws := startWasim(t)
	recv := webhookstest.NewReceiver(t)
	opts := apptest.Options{Dialect: store.Postgres, DatabaseURL: dbtest.PostgresDatabaseURL(t), Env: meowEnv(ws)}
	opts.Env["JWT_SECRET"] = strings.Repeat("cluster-secret-", 3)
	opts.Env["SYNAPSE_LEASE_TTL"] = "6s"
	opts.Env["WEBHOOK_ALLOWED_HOSTS"] = recv.Host
	opts.Env["WEBHOOK_RETRY_BASE"] = "100ms"
	opts.Env["WEBHOOK_RETRY_MAX"] = "300ms"
	opts.Env["WEBHOOK_MAX_ATTEMPTS"] = "100"
	a := apptest.Start(t, opts)
	b := apptest.Start(t, opts)
	waitFor(t, func() bool {
		r := a.Do("GET", "/metrics", "", nil)
		return r.Status == 200 && bytes.Contains(r.Body, []byte("\nsynapse_cluster_peers 1\n"))
	})
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000021", PushName: "Ana"})
	carla, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000023", PushName: "Carla"})
	ana := a.Register("ana@example.com")
	if r := b.Do("POST", "/api/v1/whatsapp/start", ana.Token, nil); r.Status != 200 {
		t.Fatalf("start on b: %d %s", r.Status, r.Body)
	}
	connectPhone(t, a.Client, ana, anaPhone)
	if !runsOn(b, ana) {
		t.Fatal("the session does not run on b")
	}
	r := a.Do("POST", "/api/v1/webhooks", ana.Token, map[string]any{"url": recv.URL, "events": []string{"message"}})
	if r.Status != 201 {
		t.Fatalf("create webhook: %d %s", r.Status, r.Body)
	}
	var ep struct {
		ID, Secret string
	}
	r.JSON(t, &ep)
	recv.SetSecrets(ep.Secret)

	send := func(text string) {
		t.Helper()
		if _, err := carla.SendText(anaPhone.Number(), text); err != nil {
			t.Fatal(err)
		}
	}
	send("antes da falha")
	waitFor(t, func() bool { return len(recv.Accepted()) == 1 })

	recv.SetDown(true)
	const during = 10
	for i := range during {
		send(fmt.Sprint("durante a falha ", i))
	}
	waitFor(t, func() bool {
		var log struct{ Items []struct{ Status string } }
		a.Do("GET", "/api/v1/webhooks/"+ep.ID+"/deliveries?status=retrying", ana.Token, nil).JSON(t, &log)
		return len(log.Items) == during
	})
	recv.SetDown(false)
	waitFor(t, func() bool { return len(recv.Accepted()) == during+1 })
	time.Sleep(time.Second) // let a duplicate on its way arrive
	for id, n := range recv.Accepted() {
		if n != 1 {
			t.Errorf("event %s processed %d times", id, n)
		}
	}
	texts := map[string]int{}
	for _, rq := range recv.Requests() {
		switch {
		case rq.Err == nil:
			for i := range during {
				if bytes.Contains(rq.Body, fmt.Appendf(nil, "durante a falha %d\"", i)) {
					texts[fmt.Sprint(i)]++
				}
			}
		case rq.Err.Error() != "down":
			t.Errorf("receiver refused a request: %v", rq.Err)
		}
	}
	if len(texts) != during {
		t.Fatalf("messages delivered: %v", texts)
	}
	var log struct{ Items []struct{ Status string } }
	b.Do("GET", "/api/v1/webhooks/"+ep.ID+"/deliveries?status=succeeded", ana.Token, nil).JSON(t, &log)
	if len(log.Items) != during+1 {
		t.Fatalf("%d deliveries logged as succeeded, want %d", len(log.Items), during+1)
	}
}
