package realtime

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// ended waits for s to end; the deadline only matters when the test fails.
func ended(t *testing.T, s *Subscription) EndReason {
	t.Helper()
	select {
	case <-s.Done():
		return s.Ended()
	case <-time.After(time.Minute):
		t.Fatal("the subscription did not end")
		return Live
	}
}

func live(t *testing.T, s *Subscription) {
	t.Helper()
	select {
	case <-s.Done():
		t.Fatalf("subscription of %+v ended (%s)", s.Credential(), s.Ended())
	default:
	}
}

func TestStreamEndsWhenItsCredentialExpires(t *testing.T) {
	h := NewHub(8, slog.New(slog.DiscardHandler))
	s := h.SubscribeAs(Credential{UserID: "a", ID: "api:f1", ExpiresAt: time.Now().Add(50 * time.Millisecond)})
	long := h.SubscribeAs(Credential{UserID: "a", ID: "api:f2", ExpiresAt: time.Now().Add(time.Hour)})
	if r := ended(t, s); r != Expired {
		t.Fatalf("ended as %s", r)
	}
	live(t, long)
	if st := h.Stats(); st.Clients != 1 {
		t.Fatalf("stats %+v", st)
	}
	gone := h.SubscribeAs(Credential{UserID: "a", ID: "api:f3", ExpiresAt: time.Now().Add(-time.Second)})
	if r := ended(t, gone); r != Expired {
		t.Fatalf("an expired credential subscribed: %s", r)
	}
	h.Unsubscribe(long)
	if r := long.Ended(); r != Unsubscribed {
		t.Fatalf("unsubscribed as %s", r)
	}
}

func TestRevokeEndsTheMatchingStreams(t *testing.T) {
	h := NewHub(8, slog.New(slog.DiscardHandler))
	issued := time.Now().Add(-time.Minute)
	a1 := h.SubscribeAs(Credential{UserID: "a", ID: "api:f1", IssuedAt: issued})
	a2 := h.SubscribeAs(Credential{UserID: "a", ID: "api:f2", IssuedAt: issued})
	w := h.SubscribeAs(Credential{UserID: "a", ID: "web:s1", IssuedAt: issued})
	b := h.SubscribeAs(Credential{UserID: "b", ID: "api:f1", IssuedAt: issued})
	byID := func(id string) func(Credential) bool { return func(c Credential) bool { return c.ID == id } }
	if n := h.Revoke("a", byID("api:f1")); n != 1 {
		t.Fatalf("revoked %d", n)
	}
	if r := ended(t, a1); r != Revoked {
		t.Fatalf("ended as %s", r)
	}
	live(t, a2)
	live(t, w)
	live(t, b) // another user's stream, though its credential id is the same
	// A request that checked its credential just before the revocation
	// and subscribes just after it gets an ended stream.
	if r := ended(t, h.SubscribeAs(Credential{UserID: "a", ID: "api:f1", IssuedAt: issued})); r != Revoked {
		t.Fatalf("late subscription ended as %s", r)
	}
	live(t, h.SubscribeAs(Credential{UserID: "a", ID: "api:f3", IssuedAt: issued}))
	// Everything but the web session, as signing out everywhere does.
	h.Revoke("a", func(c Credential) bool { return c.ID != "web:s1" })
	if r := ended(t, a2); r != Revoked {
		t.Fatalf("ended as %s", r)
	}
	live(t, w)
	if st := h.Stats(); st.Clients != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSSEStreamEndsWithItsCredential(t *testing.T) {
	h := NewHub(16, slog.New(slog.DiscardHandler))
	var failRecheck atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub := h.SubscribeAs(Credential{UserID: "a", ID: r.URL.Query().Get("cred"), IssuedAt: time.Now().Add(-time.Second)})
		h.ServeSSE(w, r, sub, nil, StreamOptions{RecheckEvery: 20 * time.Millisecond, Recheck: func(context.Context) error {
			if failRecheck.Load() && r.URL.Query().Get("cred") == "web:recheck" {
				return errors.New("session gone")
			}
			return nil
		}})
	}))
	defer srv.Close()
	open := func(cred string) *bufio.Reader {
		resp, err := http.Get(srv.URL + "?cred=" + cred)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return bufio.NewReader(resp.Body)
	}
	// readToEnd returns everything the server sent before closing.
	readToEnd := func(rd *bufio.Reader) string {
		b, _ := io.ReadAll(rd)
		return string(b)
	}
	rd := open("api:f1")
	waitClients(t, h, 1)
	h.Revoke("a", func(c Credential) bool { return c.ID == "api:f1" })
	if out := readToEnd(rd); !strings.Contains(out, "event: stream.end\ndata: {\"type\":\"stream.end\",\"data\":{\"reason\":\"revoked\"}}") {
		t.Fatalf("stream after revocation: %q", out)
	}
	// A revocation this hub never heard of is found by the recheck.
	rd = open("web:recheck")
	waitClients(t, h, 1)
	failRecheck.Store(true)
	if out := readToEnd(rd); !strings.Contains(out, `"reason":"revoked"`) {
		t.Fatalf("stream after a failed recheck: %q", out)
	}
}

func TestWebSocketClosesWithItsCredential(t *testing.T) {
	h := NewHub(16, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		exp := time.Time{}
		if r.URL.Query().Get("short") != "" {
			exp = time.Now().Add(100 * time.Millisecond)
		}
		h.ServeWS(w, r, h.SubscribeAs(Credential{UserID: "a", ID: "api:f1", ExpiresAt: exp}), nil, StreamOptions{})
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range []struct {
		query string
		want  websocket.StatusCode
	}{{"?short=1", CloseExpired}, {"", CloseRevoked}} {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+tc.query, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.want == CloseRevoked {
			waitClients(t, h, 1)
			h.Revoke("a", func(Credential) bool { return true })
		}
		_, _, err = c.Read(ctx)
		if got := websocket.CloseStatus(err); got != tc.want {
			t.Fatalf("close status %d (%v), want %d", got, err, tc.want)
		}
		c.CloseNow()
	}
}

func waitClients(t *testing.T, h *Hub, n int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for h.Stats().Clients != n {
		if time.Now().After(deadline) {
			t.Fatalf("clients %d, want %d", h.Stats().Clients, n)
		}
		time.Sleep(time.Millisecond)
	}
}
