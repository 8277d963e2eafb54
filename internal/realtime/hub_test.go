package realtime

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestPublishReachesOnlyThatUser(t *testing.T) {
	h := NewHub(8, slog.New(slog.DiscardHandler))
	a1, a2, b := h.Subscribe("a"), h.Subscribe("a"), h.Subscribe("b")
	h.Publish("a", "message", map[string]string{"text": "hi"})
	for _, s := range []*Subscription{a1, a2} {
		select {
		case f := <-s.c:
			if f.typ != "message" || string(f.json) != `{"type":"message","data":{"text":"hi"}}` {
				t.Fatalf("frame %s %s", f.typ, f.json)
			}
		default:
			t.Fatal("subscriber of a got nothing")
		}
	}
	select {
	case f := <-b.c:
		t.Fatalf("b received a's event: %s", f.json)
	default:
	}
	h.Unsubscribe(a1)
	h.Unsubscribe(a1) // twice is fine
	if st := h.Stats(); st.Clients != 2 || st.Delivered != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSlowClientIsDroppedWithoutBlocking(t *testing.T) {
	h := NewHub(4, slog.New(slog.DiscardHandler))
	slow := h.Subscribe("a")
	fast := h.Subscribe("a")
	done := make(chan struct{})
	go func() {
		for range 100 {
			h.Publish("a", "message", 1)
			<-fast.c
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("publish blocked on a slow client")
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("slow client was not dropped")
	}
	if !slow.Dropped() || fast.Dropped() {
		t.Fatal("wrong client dropped")
	}
	if h.Stats().Dropped != 1 {
		t.Fatalf("stats %+v", h.Stats())
	}
}

func TestSSEStream(t *testing.T) {
	h := NewHub(16, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub := h.Subscribe("a")
		h.ServeSSE(w, r, sub, []Initial{{Type: "session.status", Data: map[string]string{"status": "STOPPED"}}}, StreamOptions{Heartbeat: 50 * time.Millisecond})
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	rd := bufio.NewReader(resp.Body)
	next := func() (string, string) {
		var ev, data string
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				ev = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && ev != "":
				return ev, data
			}
		}
	}
	if ev, data := next(); ev != "session.status" || !strings.Contains(data, `"STOPPED"`) {
		t.Fatalf("initial event %s %s", ev, data)
	}
	for h.Stats().Clients == 0 {
		time.Sleep(time.Millisecond)
	}
	h.Publish("b", "message", "not for a")
	h.Publish("a", "message", map[string]string{"id": "m1"})
	ev, data := next()
	var got struct {
		Type string
		Data map[string]string
	}
	if err := json.Unmarshal([]byte(data), &got); err != nil || ev != "message" || got.Type != "message" || got.Data["id"] != "m1" {
		t.Fatalf("event %s %s %v", ev, data, err)
	}
	cancel()
}

func TestWebSocketStream(t *testing.T) {
	h := NewHub(16, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeWS(w, r, h.Subscribe("a"), nil, StreamOptions{})
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for h.Stats().Clients == 0 {
		time.Sleep(time.Millisecond)
	}
	h.Publish("a", "message", map[string]int{"n": 1})
	_, b, err := c.Read(ctx)
	if err != nil || string(b) != `{"type":"message","data":{"n":1}}` {
		t.Fatalf("read %s %v", b, err)
	}
	c.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(2 * time.Second)
	for h.Stats().Clients != 0 {
		if time.Now().After(deadline) {
			t.Fatal("subscription not released after the client closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
