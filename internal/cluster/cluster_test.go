package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

var ctx = context.Background()

// testNode is one node: its own sessions (m), its router (r, which
// answers for every session) and its HTTP server, all on a shared database
// and a shared simulated WhatsApp.
type testNode struct {
	*Node
	m   *sessions.Manager
	r   *Router
	hub *realtime.Hub
	srv *httptest.Server
}

type fixture struct {
	t   testing.TB
	url string
	st  *store.Store
	eng *sim.Engine
}

func newFixture(t testing.TB) *fixture {
	url := dbtest.PostgresURL(t)
	st, err := store.OpenPostgres(url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	eng, err := sim.New(sim.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	return &fixture{t: t, url: url, st: st, eng: eng}
}

func (f *fixture) node(secret string, now func() time.Time) *testNode {
	return f.nodeWith(Options{Secret: []byte(secret), Now: now})
}

func (f *fixture) nodeWith(o Options) *testNode {
	f.t.Helper()
	hub := realtime.NewHub(16, slog.New(slog.DiscardHandler))
	o.Store, o.Hub, o.DatabaseURL, o.LeaseTTL = f.st, hub, f.url, time.Hour
	n, err := New(o)
	if err != nil {
		f.t.Fatal(err)
	}
	m := sessions.New(sessions.Options{Engine: f.eng, Store: f.st, Sink: nopSink{}, Publisher: n, Leases: n, QRWait: 10 * time.Second})
	r := NewRouter(n, m)
	srv := httptest.NewServer(r)
	if err := n.Start(ctx, srv.URL, m); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() {
		m.Close()
		n.Close()
		srv.Close()
	})
	return &testNode{Node: n, m: m, r: r, hub: hub, srv: srv}
}

type nopSink struct{}

func (nopSink) Ingest(context.Context, string, []whatsapp.Message) error   { return nil }
func (nopSink) UpsertChats(context.Context, string, []whatsapp.Chat) error { return nil }
func mustUser(t testing.TB, st *store.Store, email string) store.User {
	t.Helper()
	u, err := st.CreateUser(ctx, store.User{Email: email, Name: email, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

const secret = "a shared secret of the cluster"

// A session started on one node runs there; the other node forwards
// operations to it and gets its answers and errors.
func TestForwarding(t *testing.T) {
	f := newFixture(t)
	n1, n2 := f.node(secret, nil), f.node(secret, nil)
	u := mustUser(t, f.st, "ana@x.io")

	if _, err := n1.r.QR(ctx, u.ID, false); err != nil {
		t.Fatalf("qr on n1: %v", err)
	}
	st, err := n2.r.Status(ctx, u.ID)
	if err != nil || st.Status != whatsapp.StatusScanQR {
		t.Fatalf("status through n2: %+v %v", st, err)
	}
	if len(n2.m.Running()) != 0 || len(n1.m.Running()) != 1 {
		t.Fatalf("running: n1 %v, n2 %v", n1.m.Running(), n2.m.Running())
	}
	// The QR code through n2 is n1's.
	q1, _ := n1.r.QR(ctx, u.ID, false)
	q2, err := n2.r.QR(ctx, u.ID, false)
	if err != nil || q2.Raw != q1.Raw || !strings.HasPrefix(q2.Image, "data:image/png;base64,") {
		t.Fatalf("qr through n2: %v (%q vs %q)", err, q2.Raw, q1.Raw)
	}
	// Errors cross nodes as themselves.
	if _, err := n2.r.Send(ctx, u.ID, whatsapp.Outgoing{ChatID: "1@s.whatsapp.net", Text: "hi"}); !errors.Is(err, whatsapp.ErrNotConnected) {
		t.Fatalf("send through n2 while pairing: %v", err)
	}
	// Stopping through n2 stops it on n1 and releases the lease; a start
	// through n2 then runs it on n2.
	if st, err := n2.r.Stop(ctx, u.ID); err != nil || st.Status != whatsapp.StatusStopped {
		t.Fatalf("stop through n2: %+v %v", st, err)
	}
	if len(n1.m.Running()) != 0 {
		t.Fatal("still running on n1 after stop")
	}
	if _, err := n2.r.Start(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if len(n2.m.Running()) != 1 || len(n1.m.Running()) != 0 {
		t.Fatalf("after start through n2: n1 %v, n2 %v", n1.m.Running(), n2.m.Running())
	}
	if owner, _ := f.st.LeaseOwner(ctx, mustSession(t, f.st, u.ID), time.Now()); owner != n2.ID() {
		t.Fatalf("lease held by %q, want n2 %q", owner, n2.ID())
	}

	// A node that cannot be reached is reported as such.
	n2.srv.Close()
	if _, err := n1.forward(ctx, n2.ID(), request{Op: opStatus, UserID: u.ID}); !errors.Is(err, whatsapp.ErrNodeUnavailable) {
		t.Fatalf("forward to a closed node: %v", err)
	}
}

func mustSession(t testing.TB, st *store.Store, userID string) string {
	t.Helper()
	s, err := st.SessionByUser(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// A node cut off for longer than its lease stops running the session that
// another node took over, at its next heartbeat.
func TestLostLeaseIsRelinquished(t *testing.T) {
	f := newFixture(t)
	n1 := f.node(secret, nil)
	u := mustUser(t, f.st, "ana@x.io")
	if _, err := n1.r.Start(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	sid := mustSession(t, f.st, u.ID)
	// Another node, two hours later: n1's lease has expired.
	later := time.Now().Add(2 * time.Hour)
	if owner, err := f.st.AcquireLease(ctx, sid, "other", later, later.Add(time.Hour)); err != nil || owner != "other" {
		t.Fatalf("takeover: %q %v", owner, err)
	}
	if err := n1.heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if len(n1.m.Running()) != 0 {
		t.Fatal("n1 still runs a session another node took over")
	}
}

// Only nodes with the cluster's secret may forward operations.
func TestRPCIsAuthenticated(t *testing.T) {
	f := newFixture(t)
	n1 := f.node(secret, nil)
	u := mustUser(t, f.st, "ana@x.io")
	post := func(auth, body string) int {
		req, _ := http.NewRequest("POST", n1.srv.URL+RPCPath, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	now := time.Now()
	status := `{"op":"status","userId":"` + u.ID + `"}`
	if c := post("", status); c != 401 {
		t.Fatalf("unsigned: %d", c)
	}
	other, _ := New(Options{Store: f.st, Hub: n1.hub, Secret: []byte("another cluster's secret")})
	if c := post(other.sign(n1.ID(), []byte(status), now), status); c != 401 {
		t.Fatalf("another cluster's signature: %d", c)
	}
	if c := post(n1.sign(n1.ID(), []byte(status), now.Add(-5*time.Minute)), status); c != 401 {
		t.Fatalf("a signature from five minutes ago (replay): %d", c)
	}
	if c := post(n1.sign(n1.ID(), []byte(status), now), `{"op":"logout","userId":"`+u.ID+`"}`); c != 401 {
		t.Fatalf("a signature for another body: %d", c)
	}
	if c := post(n1.sign(n1.ID(), []byte(`{"op":`), now), `{"op":`); c != 400 {
		t.Fatalf("bad json: %d", c)
	}
	big := `{"op":"status","userId":"` + strings.Repeat("x", maxRPCBody) + `"}`
	if c := post(n1.sign(n1.ID(), []byte(big), now), big); c != 413 {
		t.Fatalf("oversized: %d", c)
	}
	// A request signed for another node is not served here; one whose
	// receiver was edited is not signed at all.
	if c := post(n1.sign("another-node", []byte(status), now), status); c != 421 {
		t.Fatalf("a signature for another node: %d", c)
	}
	mine := n1.sign(n1.ID(), []byte(status), now)
	if c := post(strings.Replace(mine, ":"+n1.ID()+":", ":another-node:", 1), status); c != 401 {
		t.Fatalf("a signature whose receiver was changed: %d", c)
	}
	// A node id whose address now serves another node (it restarted) is
	// unavailable.
	n1.mu.Lock()
	n1.nodes["gone"] = n1.srv.URL
	n1.mu.Unlock()
	if _, err := n1.forward(ctx, "gone", request{Op: opStatus, UserID: u.ID}); !errors.Is(err, whatsapp.ErrNodeUnavailable) {
		t.Fatalf("forward to a node that is no more: %v", err)
	}
	if c := post(n1.sign(n1.ID(), []byte(status), now), status); c != 200 {
		t.Fatalf("the cluster's own signature: %d", c)
	}
	resp, _ := http.Get(n1.srv.URL + RPCPath)
	if resp.StatusCode != 405 {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

// Events published on one node reach the other node's clients, however
// large, and are not delivered twice on the node that published them.
func TestEventsCrossNodes(t *testing.T) {
	f := newFixture(t)
	n1, n2 := f.node(secret, nil), f.node(secret, nil)
	// n1 started alone; it learns of n2 from n2's hello, before any
	// heartbeat of its own lists n2.
	deadline := time.Now().Add(10 * time.Second)
	for n1.Stats().Peers != 1 {
		if time.Now().After(deadline) {
			t.Fatal("n1 did not learn of n2")
		}
		time.Sleep(5 * time.Millisecond)
	}
	sub1, sub2 := n1.hub.Subscribe("u1"), n2.hub.Subscribe("u1")
	defer n1.hub.Unsubscribe(sub1)
	defer n2.hub.Unsubscribe(sub2)
	big := strings.Repeat("é", 9000)
	n1.Publish("u1", "note", map[string]string{"text": "small"})
	n1.Publish("u1", "note", map[string]string{"text": big})
	n1.Publish("u2", "note", map[string]string{"text": "someone else's"})
	recv := func(sub *realtime.Subscription, wait time.Duration) string {
		c, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		b, _ := sub.Receive(c)
		return string(b)
	}
	for i, want := range []string{"small", big} {
		fr := recv(sub2, 30*time.Second)
		if !strings.Contains(fr, want) {
			t.Fatalf("event %d on n2: %.80q", i, fr)
		}
	}
	if fr := recv(sub2, 300*time.Millisecond); fr != "" {
		t.Fatalf("n2 got another user's event: %.80s", fr)
	}
	for range 2 {
		recv(sub1, time.Second)
	}
	if fr := recv(sub1, 300*time.Millisecond); fr != "" {
		t.Fatalf("n1 got its own event back: %.80s", fr)
	}
}

// A session stopped on one node is not taken for an orphan by another: the
// stopped state is written before the lease is released.
func TestStoppedSessionIsNotAdopted(t *testing.T) {
	f := newFixture(t)
	n1, n2 := f.node(secret, nil), f.node(secret, nil)
	u := mustUser(t, f.st, "ana@x.io")
	if _, err := n1.r.QR(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	sid := mustSession(t, f.st, u.ID)
	if _, err := f.eng.Scan(sid, sim.ScanOptions{Phone: "5511900000001"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for st, _ := n1.r.Status(ctx, u.ID); st.Status != whatsapp.StatusWorking; st, _ = n1.r.Status(ctx, u.ID) {
		if time.Now().After(deadline) {
			t.Fatalf("not WORKING: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := n1.r.Stop(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := n2.heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if len(n2.m.Running()) != 0 {
		t.Fatal("n2 adopted a session that was stopped on n1")
	}
	// A running session whose node died is adopted.
	if _, err := n1.r.Start(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	n1.m.Flush()
	later := time.Now().Add(2 * time.Hour)
	n2.o.Now = func() time.Time { return later } // n1's lease has long expired
	if err := n2.heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if len(n2.m.Running()) != 1 {
		t.Fatal("n2 did not adopt a session whose lease expired")
	}
}

// A captured request cannot be played again, not even within the minute
// its signature's time allows.
func TestRPCRefusesReplay(t *testing.T) {
	f := newFixture(t)
	n1 := f.node(secret, nil)
	u := mustUser(t, f.st, "ana@x.io")
	body := `{"op":"stop","userId":"` + u.ID + `"}`
	auth := n1.sign(n1.ID(), []byte(body), time.Now())
	post := func() int {
		req, _ := http.NewRequest("POST", n1.srv.URL+RPCPath, strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post(); c != 200 {
		t.Fatalf("first delivery: %d", c)
	}
	if c := post(); c != 401 {
		t.Fatalf("the same request again (replay): %d", c)
	}
}

// The ids of accepted requests are kept only while their time is inside
// the window.
func TestReplayGuardForgetsOldIDs(t *testing.T) {
	var g replayGuard
	t0 := time.Unix(1_700_000_000, 0)
	if !g.first("a", t0.Add(rpcSkew), t0) || g.first("a", t0.Add(rpcSkew), t0.Add(time.Second)) {
		t.Fatal("an id was accepted twice, or not at all")
	}
	later := t0.Add(2*rpcSkew + time.Second)
	if !g.first("b", later.Add(rpcSkew), later) {
		t.Fatal("a new id was refused")
	}
	if len(g.ids) != 1 {
		t.Fatalf("%d ids kept, want only the one inside the window", len(g.ids))
	}
}

// Control messages reach the other nodes' OnControl, never anyone's
// stream.
func TestBroadcastControl(t *testing.T) {
	f := newFixture(t)
	got := make(chan string, 4)
	n1 := f.node(secret, nil)
	n2 := f.nodeWith(Options{Secret: []byte(secret), OnControl: func(typ string, data json.RawMessage) { got <- typ + " " + string(data) }})
	deadline := time.Now().Add(10 * time.Second)
	for n1.Stats().Peers != 1 {
		if time.Now().After(deadline) {
			t.Fatal("n1 did not learn of n2")
		}
		time.Sleep(5 * time.Millisecond)
	}
	sub := n2.hub.Subscribe("u1")
	defer n2.hub.Unsubscribe(sub)
	n1.Broadcast("control.revoked", map[string]string{"userId": "u1"})
	select {
	case m := <-got:
		if m != `control.revoked {"userId":"u1"}` {
			t.Fatalf("control message %q", m)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the control message did not arrive")
	}
	c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if b, _ := sub.Receive(c); len(b) != 0 {
		t.Fatalf("a control message reached a stream: %s", b)
	}
}
