package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/webhooks"
	"github.com/synapse-kb/synapse/internal/webhooks/webhookstest"
)

// events records what the pipeline publishes.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) Publish(userID, typ string, _ any) {
	e.mu.Lock()
	e.list = append(e.list, userID+" "+typ)
	e.mu.Unlock()
}

func (e *events) has(s string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, x := range e.list {
		if x == s {
			return true
		}
	}
	return false
}

// hookNode is one node's webhook machinery: a runner working the jobs and
// a Fanout offering what is published to it.
type hookNode struct {
	r   *Runner
	f   *webhooks.Fanout
	pub *events
}

func startHookNode(t testing.TB, s *store.Store, recv *webhookstest.Receiver, w WebhookOptions) *hookNode {
	t.Helper()
	ctx := context.Background()
	sender, err := webhooks.NewSender(webhooks.SenderOptions{AllowedHosts: []string{recv.Host}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w.Sender = sender
	pub := &events{}
	r, err := New(ctx, Deps{Store: s, Publisher: pub, Webhooks: w}, Options{PollInterval: 10 * time.Millisecond, NoSchedules: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	f := webhooks.NewFanout(nil, nil, 0)
	f.SetEnqueuer(r.EnqueueWebhookEvents)
	f.Start()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		f.Stop(sctx)
		_ = r.Stop(sctx)
	})
	return &hookNode{r: r, f: f, pub: pub}
}

func hookUser(t testing.TB, s *store.Store, email string) store.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), store.User{Email: email, Name: "x", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func hookEndpoint(t testing.TB, s *store.Store, u store.User, url, secret string, events ...string) store.WebhookEndpoint {
	t.Helper()
	e, err := s.CreateWebhookEndpoint(context.Background(), store.WebhookEndpoint{UserID: u.ID, URL: url, Events: events, Enabled: true, Secret: secret}, 20)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func waitUntil(t testing.TB, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func deliveries(t testing.TB, s *store.Store, u store.User, ep string) []store.WebhookDelivery {
	t.Helper()
	list, err := s.ListWebhookDeliveries(context.Background(), u.ID, ep, store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// An outage of the receiver: every event is kept and retried with back-off,
// and once the receiver is back each arrives, signed, exactly once. Events
// outside the endpoint's filter, and another person's, are not sent.
func TestWebhooksSurviveAReceiverOutage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		secret := webhooks.NewSecret()
		recv := webhookstest.NewReceiver(t, secret)
		n := startHookNode(t, s, recv, WebhookOptions{RetryBase: 20 * time.Millisecond, RetryMax: 80 * time.Millisecond, MaxAttempts: 100, DisableAfter: time.Hour})
		ana, bruno := hookUser(t, s, "ana@example.com"), hookUser(t, s, "bruno@example.com")
		ep := hookEndpoint(t, s, ana, recv.URL+"/hook", secret, "task", "message", "session_status")

		recv.SetDown(true)
		const events = 20
		for i := range events {
			n.f.Publish(ana.ID, "task", map[string]any{"id": fmt.Sprint("t", i)})
		}
		n.f.Publish(ana.ID, "note", map[string]any{"id": "not wanted"})
		n.f.Publish(ana.ID, "session.qr", map[string]any{"qr": "never a webhook"})
		n.f.Publish(bruno.ID, "task", map[string]any{"id": "bruno's"})
		n.f.Publish(ana.ID, "session.status", map[string]any{"status": "WORKING"})
		n.f.Publish(ana.ID, "message.edited", map[string]any{"id": "m1"})
		waitUntil(t, "every delivery failed", 60*time.Second, func() bool {
			ds := deliveries(t, s, ana, ep.ID)
			if len(ds) != events+2 {
				return false
			}
			for _, d := range ds {
				if d.Attempts < 1 || d.Status != store.DeliveryRetrying || d.ResponseCode != 503 {
					return false
				}
			}
			return true
		})
		recv.SetDown(false)
		waitUntil(t, "every event arrived", 60*time.Second, func() bool { return len(recv.Accepted()) == events+2 })
		// Let any duplicate that was on its way arrive.
		time.Sleep(200 * time.Millisecond)
		for id, times := range recv.Accepted() {
			if times != 1 {
				t.Errorf("event %s processed %d times", id, times)
			}
		}
		for _, rq := range recv.Requests() {
			if rq.Err != nil && rq.Err.Error() != "down" {
				t.Errorf("request refused by the receiver: %v (%s)", rq.Err, rq.Body)
			}
		}
		// The log follows the receiver's answer.
		waitUntil(t, "every delivery is logged as succeeded", 30*time.Second, func() bool {
			for _, d := range deliveries(t, s, ana, ep.ID) {
				if d.Status != store.DeliverySucceeded {
					return false
				}
			}
			return true
		})
		for _, d := range deliveries(t, s, ana, ep.ID) {
			if d.Status != store.DeliverySucceeded || d.ResponseCode != 204 || d.Error != "" {
				t.Errorf("delivery %+v", d)
			}
		}
		if e, _ := s.GetWebhookEndpoint(context.Background(), ana.ID, ep.ID); !e.Enabled || !e.FailingSince.IsZero() {
			t.Errorf("endpoint after the outage: %+v", e)
		}
	})
}

// An endpoint that fails without a success for WebhookOptions.DisableAfter
// is disabled, its person told by a realtime event, and no longer offered
// events.
func TestWebhookEndpointDisabledAfterContinuousFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		secret := webhooks.NewSecret()
		recv := webhookstest.NewReceiver(t, secret)
		recv.SetDown(true)
		n := startHookNode(t, s, recv, WebhookOptions{RetryBase: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond, MaxAttempts: 1000, DisableAfter: 150 * time.Millisecond})
		ana := hookUser(t, s, "ana@example.com")
		ep := hookEndpoint(t, s, ana, recv.URL, secret, "task")
		n.f.Publish(ana.ID, "task", map[string]any{"id": "t1"})
		waitUntil(t, "the endpoint is disabled", 20*time.Second, func() bool {
			e, err := s.GetWebhookEndpoint(context.Background(), ana.ID, ep.ID)
			return err == nil && !e.Enabled
		})
		e, _ := s.GetWebhookEndpoint(context.Background(), ana.ID, ep.ID)
		if e.DisabledAt.IsZero() || e.DisabledReason == "" {
			t.Fatalf("disabled endpoint %+v", e)
		}
		waitUntil(t, "the webhook.disabled event", 10*time.Second, func() bool { return n.pub.has(ana.ID + " " + webhooks.EventDisabled) })
		ds := deliveries(t, s, ana, ep.ID)
		if len(ds) != 1 || ds[0].Status != store.DeliveryFailed || ds[0].Attempts < 2 {
			t.Fatalf("deliveries %+v", ds)
		}
		// Nothing more is offered to it.
		n.f.Publish(ana.ID, "task", map[string]any{"id": "t2"})
		time.Sleep(100 * time.Millisecond)
		if ds := deliveries(t, s, ana, ep.ID); len(ds) != 1 {
			t.Fatalf("%d deliveries to a disabled endpoint", len(ds))
		}
		// Enabled again, it receives, and the failed delivery can be
		// replayed.
		on := true
		if _, err := s.UpdateWebhookEndpoint(context.Background(), ana.ID, ep.ID, store.WebhookEndpointPatch{Enabled: &on}); err != nil {
			t.Fatal(err)
		}
		recv.SetDown(false)
		ids, err := n.r.ReplayWebhookDeliveries(context.Background(), ana.ID, ep.ID, nil, store.DeliveryFilter{Status: store.DeliveryFailed})
		if err != nil || len(ids) != 1 {
			t.Fatalf("replay: %v %v", ids, err)
		}
		waitUntil(t, "the replayed delivery arrives", 10*time.Second, func() bool { return len(recv.Accepted()) == 1 })
	})
}

// Two nodes on one PostgreSQL database: events published on either node,
// and events offered by both nodes at once, are each delivered once, after
// an outage of the receiver, with nothing lost.
func TestWebhooksTwoNodesDeliverEachEventOnce(t *testing.T) {
	url := dbtest.PostgresURL(t)
	open := func() *store.Store {
		s, err := store.OpenPostgres(url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1, s2 := open(), open()
	secret := webhooks.NewSecret()
	recv := webhookstest.NewReceiver(t, secret)
	w := WebhookOptions{RetryBase: 20 * time.Millisecond, RetryMax: 80 * time.Millisecond, MaxAttempts: 100, DisableAfter: time.Hour}
	a, b := startHookNode(t, s1, recv, w), startHookNode(t, s2, recv, w)
	ana := hookUser(t, s1, "ana@example.com")
	ep := hookEndpoint(t, s1, ana, recv.URL, secret, "task", "message")

	recv.SetDown(true)
	for i := range 20 {
		node := a
		if i%2 == 1 {
			node = b
		}
		node.f.Publish(ana.ID, "task", map[string]any{"id": fmt.Sprint("t", i)})
	}
	// The same events offered by both nodes at once (as a repeated job
	// would): one delivery each.
	var same []webhooks.Event
	for i := range 10 {
		same = append(same, webhooks.Event{ID: fmt.Sprint("evt_same_", i), UserID: ana.ID, Type: "message", Name: "message",
			At: time.Now(), Body: []byte(fmt.Sprintf(`{"id":"evt_same_%d","type":"message","data":{}}`, i))})
	}
	var wg sync.WaitGroup
	for _, node := range []*hookNode{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := node.r.EnqueueWebhookEvents(context.Background(), same); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	waitUntil(t, "the receiver was tried", 20*time.Second, func() bool { return len(recv.Requests()) >= 30 })
	recv.SetDown(false)
	waitUntil(t, "every event arrived", 30*time.Second, func() bool { return len(recv.Accepted()) == 30 })
	time.Sleep(300 * time.Millisecond)
	for id, times := range recv.Accepted() {
		if times != 1 {
			t.Errorf("event %s processed %d times", id, times)
		}
	}
	for _, rq := range recv.Requests() {
		if rq.Err != nil && rq.Err.Error() != "down" {
			t.Errorf("request refused or duplicated: %v", rq.Err)
		}
	}
	if ds := deliveries(t, s2, ana, ep.ID); len(ds) != 30 {
		t.Fatalf("%d deliveries, want 30", len(ds))
	}
}

// New messages become deliveries in the transaction that stores them (no
// window in memory): stored when IngestMessages returns, once however often
// WhatsApp redelivers the message, and not at all when the ingest rolls back.
func TestWebhookDeliveriesCommitWithTheMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		secret := webhooks.NewSecret()
		recv := webhookstest.NewReceiver(t, secret)
		n := startHookNode(t, s, recv, WebhookOptions{RetryBase: 20 * time.Millisecond, MaxAttempts: 10, DisableAfter: time.Hour})
		ana := hookUser(t, s, "ana@example.com")
		ep := hookEndpoint(t, s, ana, recv.URL, secret, "message")
		hook := n.r.WebhookIngestHook()
		m := func(id string) *store.IncomingMessage {
			return &store.IncomingMessage{UserID: ana.ID, Message: store.Message{ChatID: "1@s.whatsapp.net", ID: id, From: "1@s.whatsapp.net",
				Type: "text", Text: "hello " + id, Timestamp: time.Now()}}
		}
		ctx := context.Background()
		for range 2 { // the second time is WhatsApp redelivering it
			if err := s.IngestMessages(ctx, []*store.IncomingMessage{m("M1")}, hook); err != nil {
				t.Fatal(err)
			}
			if ds := deliveries(t, s, ana, ep.ID); len(ds) != 1 || ds[0].EventType != "message" {
				t.Fatalf("deliveries right after the ingest: %+v", ds)
			}
		}
		failing := func(ctx context.Context, tx *sql.Tx, in []*store.IncomingMessage) error {
			if err := hook(ctx, tx, in); err != nil {
				return err
			}
			return errors.New("the ingest fails after the hook")
		}
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{m("M2")}, failing); err == nil {
			t.Fatal("ingest did not fail")
		}
		if ds := deliveries(t, s, ana, ep.ID); len(ds) != 1 {
			t.Fatalf("a rolled-back message left %d deliveries", len(ds))
		}
		waitUntil(t, "the message arrives", 20*time.Second, func() bool { return len(recv.Accepted()) == 1 })
		if rq := recv.Requests()[0]; !strings.Contains(string(rq.Body), "hello M1") {
			t.Fatalf("body %s", rq.Body)
		}
	})
}

// benchHookNode starts a delivery node with 32 workers on a fresh database
// of dialect d, and a person whose one endpoint (a local receiver checking
// signatures) takes task events.
func benchHookNode(b *testing.B, d store.Dialect) (*hookNode, *webhookstest.Receiver, store.User) {
	s := dbtest.Open(b, d)
	secret := webhooks.NewSecret()
	recv := webhookstest.NewReceiver(b, secret)
	n := startHookNode(b, s, recv, WebhookOptions{RetryBase: time.Second, MaxAttempts: 5, DisableAfter: time.Hour, Workers: 32})
	ana := hookUser(b, s, "ana@example.com")
	hookEndpoint(b, s, ana, recv.URL, secret, "task")
	return n, recv, ana
}

// BenchmarkWebhookDeliveries measures deliveries per second from publishing
// to the receiver's acceptance (signing, River job, HTTP to a local
// receiver, delivery log), on each database.
func BenchmarkWebhookDeliveries(b *testing.B) {
	for _, d := range dbtest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			n, recv, ana := benchHookNode(b, d)
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				n.f.Publish(ana.ID, "task", map[string]any{"id": fmt.Sprint("t", i), "title": "Buy milk"})
			}
			waitUntil(b, "every event arrived", 10*time.Minute, func() bool { return len(recv.Accepted()) == b.N })
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkWebhookLatency publishes b.N task events for one person with one
// endpoint at a steady 50 a second (well below the throughput above, as
// events arrive in life) and reports the time from each publication to its
// arrival at a local receiver that verifies its signature, p50 and p99.
//
//	SYNAPSE_TEST_REQUIRE_ALL=1 go test ./internal/jobs -run '^$' -bench BenchmarkWebhookLatency -benchtime 1000x
func BenchmarkWebhookLatency(b *testing.B) {
	for _, d := range dbtest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			n, recv, ana := benchHookNode(b, d)
			published := make([]time.Time, b.N)
			b.ResetTimer()
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for i := range b.N {
				<-tick.C
				published[i] = time.Now()
				n.f.Publish(ana.ID, "task", map[string]any{"id": fmt.Sprint("t", i), "title": "Buy milk"})
			}
			waitUntil(b, "every event arrived", 10*time.Minute, func() bool { return len(recv.Accepted()) == b.N })
			b.StopTimer()
			var lat []time.Duration
			for _, rq := range recv.Requests() {
				var body struct {
					Data struct {
						ID string `json:"id"`
					} `json:"data"`
				}
				if rq.Err != nil || json.Unmarshal(rq.Body, &body) != nil {
					continue
				}
				var i int
				if _, err := fmt.Sscanf(body.Data.ID, "t%d", &i); err != nil || i < 0 || i >= b.N {
					b.Fatalf("a delivery for an event never published: %s", rq.Body)
				}
				lat = append(lat, rq.At.Sub(published[i]))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
