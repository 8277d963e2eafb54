package sessions_test

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// TestConnectFailuresAreWordedForPeople: a failed connection attempt shows
// a sentence that says what is wrong and when the next try is, never the
// error chain (with its resolver's address) that the engine returned.
func TestConnectFailuresAreWordedForPeople(t *testing.T) {
	st := dbtest.Open(t, store.SQLite)
	u, err := st.CreateUser(ctx, store.User{Email: "a@x.io", Name: "A", PasswordHash: "x", Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	dns := fmt.Errorf("meow: connect: failed to dial whatsapp web websocket: %w",
		&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "web.whatsapp.com", Server: "10.96.0.10:53"}})
	for _, c := range []struct {
		err  error
		code string
	}{
		{dns, "unreachable"},
		{errors.New("meow: connect: websocket: bad handshake (HTTP 418) from 203.0.113.7"), "connect-failed"},
	} {
		eng := newScripted()
		eng.failConnect.Store(true)
		eng.connectErr.Store(c.err)
		m := sessions.New(sessions.Options{Engine: eng, Store: st, Sink: nopSink{}, BackoffMin: time.Hour, BackoffMax: time.Hour})
		if _, err := m.Start(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		var s whatsapp.State
		waitFor(t, func() bool { s, _ = m.Status(ctx, u.ID); return s.RetryAt != nil })
		m.Close()
		if s.ReasonCode != c.code || s.Status != whatsapp.StatusStarting {
			t.Fatalf("%v: %+v", c.err, s)
		}
		for _, leak := range []string{"meow", "dial", "10.96.0.10", "203.0.113.7", "websocket", "lookup"} {
			if strings.Contains(s.Reason, leak) {
				t.Fatalf("the reason shows %q: %s", leak, s.Reason)
			}
		}
		if wait := time.Until(*s.RetryAt); wait <= 0 || wait > 61*time.Minute {
			t.Fatalf("retry at %v, %v from now", s.RetryAt, wait)
		}
		if c.code == "connect-failed" && !strings.Contains(s.Reason, "error ") {
			t.Fatalf("an unexpected failure names no log entry: %s", s.Reason)
		}
	}
}
