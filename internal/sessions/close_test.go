package sessions_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Close ends every goroutine the manager started (a connection attempt
// under way, a retry waiting, delayed restores, disconnects, lease
// releases, the state writer) before it returns, and afterwards nothing
// touches the engine and every operation says the manager is closed.
func TestCloseJoinsGoroutines(t *testing.T) {
	st := dbtest.Open(t, store.SQLite)
	users := make([]string, 5)
	for i := range users {
		users[i] = mustUser(t, st, "u"+string(rune('a'+i))+"@x.io")
	}
	// Three sessions were running before a restart; their restore is
	// spread over minutes, so it is still under way when Close comes.
	for _, u := range users[2:] {
		row, err := st.EnsureSession(ctx, u, store.NewSecretID())
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SaveSessionStates(ctx, []store.SessionStateUpdate{{UserID: u, SessionID: row.ID, State: store.SessionState{
			Status: string(whatsapp.StatusWorking), WantRunning: true, JID: u + "@s.whatsapp.net"}}}); err != nil {
			t.Fatal(err)
		}
	}
	baseline := runtime.NumGoroutine()

	eng := newScripted()
	m := sessions.New(sessions.Options{Engine: eng, Store: st, Sink: nopSink{}, RestoreRate: 0.02,
		BackoffMin: time.Hour, BackoffMax: time.Hour})
	// One session waits to retry a failed connection.
	eng.failConnect.Store(true)
	if _, err := m.Start(ctx, users[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { s, _ := m.Status(ctx, users[0]); return s.Reason != "" })
	eng.failConnect.Store(false)
	// One is connecting, and its attempt hangs.
	eng.blockConnect.Store(true)
	if _, err := m.Start(ctx, users[1]); err != nil {
		t.Fatal(err)
	}
	// Restores are scheduled or waiting for their turn.
	restored := make(chan error, 1)
	go func() {
		_, err := m.Restore(ctx)
		restored <- err
	}()
	waitFor(t, func() bool {
		stacks := goroutines()
		return bytes.Contains(stacks, []byte("sessions.(*Manager).connect")) &&
			bytes.Contains(stacks, []byte("sessions.(*Manager).Restore.func"))
	})

	m.Close()
	eng.closed.Store(true)
	if err := <-restored; !errors.Is(err, whatsapp.ErrClosed) {
		t.Fatalf("restore under way at Close: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), baseline, goroutines())
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := m.Start(ctx, users[0]); !errors.Is(err, whatsapp.ErrClosed) {
		t.Fatalf("start after Close: %v", err)
	}
	if _, err := m.Restore(ctx); !errors.Is(err, whatsapp.ErrClosed) {
		t.Fatalf("restore after Close: %v", err)
	}
	m.Close() // again: nothing happens
	if n := eng.afterClose.Load(); n != 0 {
		t.Fatalf("the engine was used %d times after Close", n)
	}
}

// goroutines returns the stacks of all goroutines.
func goroutines() []byte {
	buf := make([]byte, 1<<20)
	return buf[:runtime.Stack(buf, true)]
}
