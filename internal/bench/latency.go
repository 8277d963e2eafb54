package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// LatencyResult is the outcome of Latency.
type LatencyResult struct {
	Rate, Messages int
	P50, P99, Max  time.Duration
}

// Latency delivers messages to one simulated phone at a steady rate and
// measures, for each, the time from the phone handing it over to a
// WebSocket client receiving its `message` event (stored first, then sent).
func Latency(ctx context.Context, e Env, rate, messages int) (LatencyResult, error) {
	st, err := e.newStack(ctx)
	if err != nil {
		return LatencyResult{}, err
	}
	defer st.close()
	users, err := st.pairUsers(ctx, 1)
	if err != nil {
		return LatencyResult{}, err
	}
	user := users[0]
	sid, _ := st.m.SessionID(ctx, user)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.hub.ServeWS(w, r, st.hub.Subscribe(user), nil, realtime.StreamOptions{})
	}))
	defer srv.Close()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		return LatencyResult{}, err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)

	lat := make([]time.Duration, 0, messages)
	var mu sync.Mutex
	got := make(chan struct{})
	go func() {
		defer close(got)
		for len(lat) < messages {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			now := time.Now()
			var ev struct {
				Type string `json:"type"`
				Data struct {
					Text string `json:"text"`
				} `json:"data"`
			}
			if json.Unmarshal(b, &ev) != nil || ev.Type != string(domain.KindMessage) {
				continue
			}
			sent, err := strconv.ParseInt(ev.Data.Text, 10, 64)
			if err != nil {
				continue
			}
			mu.Lock()
			lat = append(lat, now.Sub(time.Unix(0, sent)))
			mu.Unlock()
		}
	}()
	// Deliver in ticks of 5 ms, as a phone passes on what arrived meanwhile.
	const tick = 5 * time.Millisecond
	perTick := max(1, rate*int(tick)/int(time.Second))
	t := time.NewTicker(tick)
	defer t.Stop()
	sent := 0
	for sent < messages {
		select {
		case <-ctx.Done():
			return LatencyResult{}, ctx.Err()
		case <-t.C:
		}
		n := min(perTick, messages-sent)
		batch := make([]sim.Incoming, n)
		now := strconv.FormatInt(time.Now().UnixNano(), 10)
		for i := range batch {
			batch[i] = sim.Incoming{ID: fmt.Sprintf("l%d", sent+i), Chat: "447700900123", Type: "text", Text: now}
		}
		if _, err := st.sim.Deliver(sid, batch); err != nil {
			return LatencyResult{}, err
		}
		sent += n
	}
	select {
	case <-got:
	case <-time.After(30 * time.Second):
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lat) < messages {
		return LatencyResult{}, fmt.Errorf("only %d of %d events arrived", len(lat), messages)
	}
	p50, p99, mx := percentiles(lat)
	return LatencyResult{Rate: rate, Messages: messages, P50: p50.Round(10 * time.Microsecond), P99: p99.Round(10 * time.Microsecond), Max: mx.Round(10 * time.Microsecond)}, nil
}
