package sessions_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// gauge reads synapse_sessions by status.
func gauge(t *testing.T, reg *prometheus.Registry) map[whatsapp.Status]int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[whatsapp.Status]int{}
	for _, mf := range mfs {
		if mf.GetName() != "synapse_sessions" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "status" {
					out[whatsapp.Status(l.GetValue())] = int(m.GetGauge().GetValue())
				}
			}
		}
	}
	return out
}

// The synapse_sessions gauge follows every status change of every path
// (operations, engine events, another node taking a session, a reload from
// the database, a forgotten user), and every change that is this process's
// to record is published.
func TestGaugeFollowsEveryTransition(t *testing.T) {
	st := dbtest.Open(t, store.SQLite)
	eng := newScripted()
	reg := prometheus.NewRegistry()
	rec := &recorder{}
	m := sessions.New(sessions.Options{Engine: eng, Store: st, Sink: nopSink{}, Publisher: rec, Metrics: reg,
		BackoffMin: 1 << 40, BackoffMax: 1 << 40}) // a failed connection does not retry during the test
	defer m.Close()
	a, b := mustUser(t, st, "a@x.io"), mustUser(t, st, "b@x.io")
	sa, _ := m.SessionID(ctx, a)
	published := 0

	step := func(name string, want map[string]whatsapp.Status, announced bool) {
		t.Helper()
		live := m.Live()
		counts := map[whatsapp.Status]int{}
		for user, s := range live {
			counts[s.Status]++
			if want[user] != s.Status {
				t.Fatalf("%s: user %s is %s, want %s", name, user, s.Status, want[user])
			}
		}
		if len(live) != len(want) {
			t.Fatalf("%s: %d sessions loaded, want %d", name, len(live), len(want))
		}
		g := gauge(t, reg)
		for _, s := range []whatsapp.Status{whatsapp.StatusStopped, whatsapp.StatusStarting, whatsapp.StatusScanQR, whatsapp.StatusWorking, whatsapp.StatusFailed} {
			if g[s] != counts[s] {
				t.Fatalf("%s: gauge %v, sessions %v", name, g, counts)
			}
		}
		n := rec.count("")
		if announced && n == published {
			t.Fatalf("%s: the change was not published", name)
		}
		if !announced && n != published {
			t.Fatalf("%s: a change that is not this process's to record was published", name)
		}
		published = n
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	S := whatsapp.StatusStopped
	step("loaded", map[string]whatsapp.Status{a: S}, false)
	must(m.Start(ctx, a))
	step("start", map[string]whatsapp.Status{a: whatsapp.StatusStarting}, true)
	eng.emit(sa, whatsapp.QR{Code: "code-1"})
	step("qr", map[string]whatsapp.Status{a: whatsapp.StatusScanQR}, true)
	eng.emit(sa, whatsapp.PairSuccess{Me: whatsapp.Account{JID: "1@s.whatsapp.net"}})
	step("paired", map[string]whatsapp.Status{a: whatsapp.StatusStarting}, true)
	eng.emit(sa, whatsapp.Connected{Me: whatsapp.Account{JID: "1@s.whatsapp.net"}})
	step("connected", map[string]whatsapp.Status{a: whatsapp.StatusWorking}, true)
	eng.emit(sa, whatsapp.Disconnected{Reason: "network", Retrying: true})
	step("reconnecting", map[string]whatsapp.Status{a: whatsapp.StatusStarting}, true)
	eng.emit(sa, whatsapp.Connected{Me: whatsapp.Account{JID: "1@s.whatsapp.net"}})
	step("reconnected", map[string]whatsapp.Status{a: whatsapp.StatusWorking}, true)

	must(m.Start(ctx, b))
	sb, _ := m.SessionID(ctx, b)
	step("start b", map[string]whatsapp.Status{a: whatsapp.StatusWorking, b: whatsapp.StatusStarting}, true)
	eng.emit(sb, whatsapp.QR{Code: "code-2"})
	eng.emit(sb, whatsapp.PairError{Reason: "refused"})
	step("pair error", map[string]whatsapp.Status{a: whatsapp.StatusWorking, b: whatsapp.StatusFailed}, true)
	eng.emit(sa, whatsapp.Disconnected{Reason: "banned"})
	step("disconnected for good", map[string]whatsapp.Status{a: whatsapp.StatusFailed, b: whatsapp.StatusFailed}, true)
	must(m.Restart(ctx, a))
	eng.emit(sa, whatsapp.Connected{Me: whatsapp.Account{JID: "1@s.whatsapp.net"}})
	eng.emit(sa, whatsapp.LoggedOut{Reason: "unlinked"})
	step("logged out", map[string]whatsapp.Status{a: S, b: whatsapp.StatusFailed}, true)
	must(m.Start(ctx, b))
	eng.emit(sb, whatsapp.QR{Code: "code-3"})
	eng.emit(sb, whatsapp.QRTimeout{})
	step("qr timeout", map[string]whatsapp.Status{a: S, b: S}, true)

	eng.failConnect.Store(true)
	must(m.Start(ctx, a))
	m.Flush()
	// The failed attempt reports itself as STARTING with a reason.
	waitFor(t, func() bool { st, _ := m.Status(ctx, a); return st.Reason != "" })
	eng.failConnect.Store(false)
	step("connect failed", map[string]whatsapp.Status{a: whatsapp.StatusStarting, b: S}, true)

	// Another node took a's lease: a stops here, recording nothing. Read
	// back, the stored STARTING means "waiting for a node".
	m.Flush()
	m.Relinquish(a)
	step("relinquished", map[string]whatsapp.Status{a: S, b: S}, false)
	if st, err := m.Refresh(ctx, a); err != nil || st.Status != whatsapp.StatusStarting {
		t.Fatalf("refresh: %+v %v", st, err)
	}
	step("refreshed", map[string]whatsapp.Status{a: whatsapp.StatusStarting, b: S}, false)

	m.Forget(b)
	step("forgotten", map[string]whatsapp.Status{a: whatsapp.StatusStarting}, false)
	must(m.Stop(ctx, a))
	step("stopped", map[string]whatsapp.Status{a: S}, true)
}
