package apptest

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Event is one realtime event as a client received it.
type Event struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// Stream collects a realtime connection's events.
type Stream struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	events []Event
	signal chan struct{}
}

func newStream(cancel context.CancelFunc) *Stream {
	return &Stream{cancel: cancel, signal: make(chan struct{}, 1)}
}

func (s *Stream) add(e Event) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

// Events returns everything received so far.
func (s *Stream) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// WaitFor waits until some received event satisfies ok.
func (s *Stream) WaitFor(timeout time.Duration, ok func(Event) bool) (Event, bool) {
	deadline := time.After(timeout)
	for {
		for _, e := range s.Events() {
			if ok(e) {
				return e, true
			}
		}
		select {
		case <-s.signal:
		case <-deadline:
			return Event{}, false
		}
	}
}

// Close ends the stream.
func (s *Stream) Close() { s.cancel() }

// OpenWS connects a WebSocket as u.
func (c *Client) OpenWS(u User) *Stream {
	c.T.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.URL, "http")+"/api/v1/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + u.Token}}})
	if err != nil {
		cancel()
		c.T.Fatalf("websocket: %v", err)
	}
	conn.SetReadLimit(1 << 20)
	s := newStream(cancel)
	go func() {
		defer conn.CloseNow()
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var e Event
			if json.Unmarshal(b, &e) == nil {
				s.add(e)
			}
		}
	}()
	c.T.Cleanup(s.Close)
	return s
}

// OpenSSE connects an event stream as u, with the token in the query as a
// browser's EventSource would send it.
func (c *Client) OpenSSE(u User) *Stream {
	c.T.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", c.URL+"/api/v1/events?access_token="+u.Token, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		c.T.Fatalf("sse: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		c.T.Fatalf("sse: status %d", resp.StatusCode)
	}
	s := newStream(cancel)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var typ string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				typ = line[7:]
			case strings.HasPrefix(line, "data: "):
				var e Event
				if json.Unmarshal([]byte(line[6:]), &e) == nil && e.Type == typ {
					s.add(e)
				}
			}
		}
	}()
	c.T.Cleanup(s.Close)
	return s
}
