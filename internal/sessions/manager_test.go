package sessions_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/ingest"
	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

var ctx = context.Background()

type recorder struct {
	mu     sync.Mutex
	events []string
	qrs    []string
}

func (r *recorder) Publish(userID, typ string, data any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st, ok := data.(whatsapp.State); ok {
		typ += ":" + string(st.Status)
	}
	if q, ok := data.(whatsapp.QRCode); ok {
		r.qrs = append(r.qrs, q.Raw)
	}
	r.events = append(r.events, userID+" "+typ)
}

func (r *recorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if len(e) >= len(prefix) && e[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}

type harness struct {
	t     *testing.T
	store *store.Store
	sim   *sim.Engine
	ing   *ingest.Ingester
	m     *sessions.Manager
	rec   *recorder
	dir   string
}

func newHarness(t *testing.T, s *store.Store, dir string, qr []time.Duration) *harness {
	t.Helper()
	eng, err := sim.New(sim.Options{Dir: dir, QRTimeouts: qr})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	ing := ingest.New(ingest.Options{Store: s, Publisher: rec, Log: slog.New(slog.DiscardHandler)})
	ing.Start()
	m := sessions.New(sessions.Options{Engine: eng, Store: s, Sink: ing, Publisher: rec, QRWait: 5 * time.Second,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	h := &harness{t: t, store: s, sim: eng, ing: ing, m: m, rec: rec, dir: dir}
	t.Cleanup(h.close)
	return h
}

func (h *harness) close() {
	h.m.Close()
	h.ing.Close()
	h.sim.Close()
}

func (h *harness) user(email string) string {
	u, err := h.store.CreateUser(ctx, store.User{Email: email, Name: email, PasswordHash: "x"})
	if err != nil {
		h.t.Fatal(err)
	}
	return u.ID
}

func (h *harness) waitStatus(userID string, want whatsapp.Status) whatsapp.State {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := h.m.Status(ctx, userID)
		if err != nil {
			h.t.Fatal(err)
		}
		if st.Status == want {
			return st
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("status %s (%s), want %s", st.Status, st.Reason, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) pair(userID, phone string) {
	h.t.Helper()
	q, err := h.m.QR(ctx, userID, false)
	if err != nil {
		h.t.Fatal(err)
	}
	sid, _ := h.m.SessionID(ctx, userID)
	if _, err := h.sim.Scan(sid, sim.ScanOptions{Code: q.Raw, Phone: phone, PushName: "Ana"}); err != nil {
		h.t.Fatal(err)
	}
	h.waitStatus(userID, whatsapp.StatusWorking)
}

func (h *harness) waitMessages(userID, chat string, n int) store.Page[store.Message] {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		p, err := h.store.ListMessages(ctx, userID, chat, store.ListOptions{Limit: 200})
		if err == nil && len(p.Items) >= n {
			return p
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("have %d messages in %s (err %v), want %d", len(p.Items), chat, err, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestQRRotatesThenStops(t *testing.T) {
	h := newHarness(t, dbtest.Open(t, store.SQLite), t.TempDir(), []time.Duration{150 * time.Millisecond, 80 * time.Millisecond, 80 * time.Millisecond})
	u := h.user("a@x.io")
	q1, err := h.m.QR(ctx, u, false)
	if err != nil {
		t.Fatal(err)
	}
	if q1.Raw == "" || time.Until(q1.ExpiresAt) > 150*time.Millisecond || q1.Image == "" {
		t.Fatalf("first QR %+v", q1)
	}
	st := h.waitStatus(u, whatsapp.StatusStopped)
	if st.ReasonCode != "qr-timeout" || !strings.Contains(st.Reason, "not scanned in time") {
		t.Fatalf("reason %q", st.Reason)
	}
	h.rec.mu.Lock()
	qrs := append([]string(nil), h.rec.qrs...)
	h.rec.mu.Unlock()
	if len(qrs) != 3 || qrs[0] != q1.Raw || qrs[1] == qrs[0] || qrs[2] == qrs[1] {
		t.Fatalf("QR codes shown: %d, want 3 different ones starting with the first", len(qrs))
	}
	// Scanning after pairing stopped fails.
	sid, _ := h.m.SessionID(ctx, u)
	if _, err := h.sim.Scan(sid, sim.ScanOptions{Code: q1.Raw}); err == nil {
		t.Fatal("scanned a stopped session")
	}
	// A new request starts pairing again; force starts it over.
	q3, err := h.m.QR(ctx, u, false)
	if err != nil || q3.Raw == "" {
		t.Fatalf("QR after timeout: %v", err)
	}
	q4, err := h.m.QR(ctx, u, true)
	if err != nil || q4.Raw == q3.Raw {
		t.Fatalf("forced QR: %v", err)
	}
	// The replaced code is refused (as wrong; or, on a slow machine where
	// the short-lived codes have all expired again, as no pairing at all).
	if _, err := h.sim.Scan(sid, sim.ScanOptions{Code: q3.Raw}); !errors.Is(err, sim.ErrWrongCode) && !errors.Is(err, whatsapp.ErrNotPairing) {
		t.Fatalf("replaced code scanned: %v", err)
	}
}

func TestPairReceiveStopRestoreUnlink(t *testing.T) {
	s := dbtest.Open(t, store.SQLite)
	dir := t.TempDir()
	h := newHarness(t, s, dir, nil)
	a, b := h.user("a@x.io"), h.user("b@x.io")
	h.pair(a, "5511999990001")
	h.pair(b, "5511999990002")
	st, _ := h.m.Status(ctx, a)
	if st.Me == nil || st.Me.JID != "5511999990001@s.whatsapp.net" || st.Me.PushName != "Ana" || st.ConnectedAt == nil {
		t.Fatalf("state %+v", st)
	}
	if _, err := h.m.QR(ctx, a, false); !errors.Is(err, whatsapp.ErrAlreadyConnected) {
		t.Fatalf("QR while connected: %v", err)
	}
	sidA, _ := h.m.SessionID(ctx, a)
	sidB, _ := h.m.SessionID(ctx, b)
	if sidA == sidB || len(sidA) < 26 {
		t.Fatalf("session ids %q %q", sidA, sidB)
	}
	in := []sim.Incoming{{ID: "m1", Chat: "+44 7700 900001", ChatName: "Bea", Type: "text", Text: "hello"}, {ID: "m2", Chat: "120363000001", Group: true, ChatName: "Family", From: "447700900002", FromName: "Cy", Type: "image", Caption: "look"}}
	if _, err := h.sim.Deliver(sidA, in); err != nil {
		t.Fatal(err)
	}
	p := h.waitMessages(a, "447700900001@s.whatsapp.net", 1)
	if p.Items[0].Text != "hello" || p.Items[0].FromName != "Bea" {
		t.Fatalf("message %+v", p.Items[0])
	}
	g := h.waitMessages(a, "120363000001@g.us", 1)
	if g.Items[0].Media == nil || g.Items[0].Media.Width != 320 || g.Items[0].Text != "look" {
		t.Fatalf("image %+v", g.Items[0])
	}
	data, err := h.m.Download(ctx, a, &whatsapp.Media{Ref: g.Items[0].Media.Ref}, 1<<20)
	if err != nil || len(data) != int(g.Items[0].Media.Size) {
		t.Fatalf("download %d bytes, err %v", len(data), err)
	}
	// Nothing reached b.
	if _, err := s.ListMessages(ctx, b, "447700900001@s.whatsapp.net", store.ListOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("b sees a's chat: %v", err)
	}
	// Redelivery is stored once.
	if _, err := h.sim.Deliver(sidA, in[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := h.sim.Deliver(sidA, []sim.Incoming{{ID: "m3", Chat: "447700900001", Type: "text", Text: "after"}}); err != nil {
		t.Fatal(err)
	}
	if p := h.waitMessages(a, "447700900001@s.whatsapp.net", 2); len(p.Items) != 2 {
		t.Fatalf("redelivered message stored twice: %d", len(p.Items))
	}
	// Send text.
	sent, err := h.m.Send(ctx, a, whatsapp.Outgoing{ChatID: "447700900001", Text: "on my way"})
	if err != nil || !sent.FromMe {
		t.Fatalf("send: %+v %v", sent, err)
	}
	if got, _ := h.sim.Sent(sidA); len(got) != 1 || got[0].Text != "on my way" {
		t.Fatalf("phone received %+v", got)
	}
	h.waitMessages(a, "447700900001@s.whatsapp.net", 3)

	// Stop keeps the device: start logs in again without a QR.
	if _, err := h.m.Stop(ctx, a); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.m.Status(ctx, a); st.Status != whatsapp.StatusStopped || st.ReasonCode != "stopped" {
		t.Fatalf("after stop %+v", st)
	}
	if _, err := h.m.Start(ctx, a); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(a, whatsapp.StatusWorking)

	// Restart the process: a new manager on the same database and sim
	// directory restores both sessions without a QR; a message the phone
	// received while Synapse was down arrives.
	h.close()
	if _, err := h.sim.Deliver(sidB, []sim.Incoming{{ID: "offline1", Chat: "15550000009", Type: "text", Text: "while you were away"}}); err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t, s, dir, nil)
	n, err := h2.m.Restore(ctx)
	if err != nil || n != 2 {
		t.Fatalf("restored %d: %v", n, err)
	}
	h2.waitStatus(a, whatsapp.StatusWorking)
	h2.waitStatus(b, whatsapp.StatusWorking)
	if h2.rec.count(a+" session.qr") != 0 {
		t.Fatal("a QR code was shown on restore")
	}
	h2.waitMessages(b, "15550000009@s.whatsapp.net", 1)

	// The phone unlinks: STOPPED with a reason; a new start needs a QR.
	if err := h2.sim.Unlink(sidA); err != nil {
		t.Fatal(err)
	}
	st = h2.waitStatus(a, whatsapp.StatusStopped)
	if st.ReasonCode != "logged-out" || st.Me != nil {
		t.Fatalf("after unlink %+v", st)
	}
	h2.pair(a, "5511999990001")

	// Logout from Synapse removes the device.
	if st, err := h2.m.Logout(ctx, b); err != nil || st.Status != whatsapp.StatusStopped || st.ReasonCode != "logged-out" {
		t.Fatalf("logout %+v %v", st, err)
	}
	if _, err := h2.m.Start(ctx, b); err != nil {
		t.Fatal(err)
	}
	h2.waitStatus(b, whatsapp.StatusScanQR)
	h2.m.Flush()
	rows, _ := s.SessionsToRestore(ctx)
	if len(rows) != 1 || rows[0].UserID != a {
		t.Fatalf("sessions to restore after logout: %+v", rows)
	}
}

func TestUnlinkWhileOffline(t *testing.T) {
	s := dbtest.Open(t, store.SQLite)
	dir := t.TempDir()
	h := newHarness(t, s, dir, nil)
	a := h.user("a@x.io")
	h.pair(a, "")
	sid, _ := h.m.SessionID(ctx, a)
	h.close()
	if err := h.sim.Unlink(sid); err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t, s, dir, nil)
	if _, err := h2.m.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	st := h2.waitStatus(a, whatsapp.StatusStopped)
	if st.ReasonCode != "logged-out" || !strings.Contains(st.Reason, "unlinked this device") {
		t.Fatalf("reason %q", st.Reason)
	}
}

func TestPairCode(t *testing.T) {
	h := newHarness(t, dbtest.Open(t, store.SQLite), t.TempDir(), nil)
	a := h.user("a@x.io")
	code, err := h.m.PairPhone(ctx, a, "+55 11 99999-0001")
	if err != nil || len(code) != 9 {
		t.Fatalf("pair code %q %v", code, err)
	}
	sid, _ := h.m.SessionID(ctx, a)
	if _, err := h.sim.ConfirmPairCode(sid, "WRONG-CODE", sim.ScanOptions{}); !errors.Is(err, sim.ErrWrongCode) {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := h.sim.ConfirmPairCode(sid, code, sim.ScanOptions{Phone: "5511999990001"}); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(a, whatsapp.StatusWorking)
}

// flaky is an engine whose clients fail to connect a few times first.
type flaky struct {
	fails    atomic.Int32
	attempts atomic.Int32
}

func (f *flaky) Name() string           { return "flaky" }
func (f *flaky) SupportsPairCode() bool { return false }
func (f *flaky) NewClient(_ context.Context, _ whatsapp.SessionRef, h whatsapp.Handler) (whatsapp.Client, error) {
	return &flakyClient{f: f, h: h}, nil
}

type flakyClient struct {
	whatsapp.Client
	f *flaky
	h whatsapp.Handler
}

func (c *flakyClient) Connect(context.Context) error {
	c.f.attempts.Add(1)
	if c.f.fails.Add(-1) >= 0 {
		return errors.New("network unreachable")
	}
	go c.h.HandleEvent(whatsapp.Connected{Me: whatsapp.Account{JID: "1@s.whatsapp.net"}})
	return nil
}
func (c *flakyClient) Disconnect() {}
func (c *flakyClient) Groups(context.Context) ([]whatsapp.Chat, error) {
	return nil, whatsapp.ErrNotSupported
}

func TestConnectRetriesWithBackoff(t *testing.T) {
	s := dbtest.Open(t, store.SQLite)
	f := &flaky{}
	f.fails.Store(3)
	rec := &recorder{}
	m := sessions.New(sessions.Options{Engine: f, Store: s, Publisher: rec, BackoffMin: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond})
	defer m.Close()
	u, _ := s.CreateUser(ctx, store.User{Email: "a@x.io", Name: "a", PasswordHash: "x"})
	if _, err := m.Start(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, _ := m.Status(ctx, u.ID)
		if st.Status == whatsapp.StatusWorking {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never connected: %+v after %d attempts", st, f.attempts.Load())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if f.attempts.Load() != 4 {
		t.Fatalf("%d attempts, want 4", f.attempts.Load())
	}
	if rec.count(u.ID+" session.status:STARTING") < 3 {
		t.Fatalf("retries were not reported: %v", rec.events)
	}
}

func mustUser(t *testing.T, s *store.Store, email string) string {
	t.Helper()
	u, err := s.CreateUser(ctx, store.User{Email: email, Name: email, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// waitFor waits until cond holds, for at most a minute.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
