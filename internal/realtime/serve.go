package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// StreamOptions bound one client connection.
type StreamOptions struct {
	// Heartbeat is how often an idle stream sends a keep-alive (default 25 s).
	Heartbeat time.Duration
	// MaxLifetime ends a stream after this long; clients reconnect (default 1 h).
	MaxLifetime time.Duration
	// WriteTimeout bounds each write to the client (default 10 s).
	WriteTimeout time.Duration
	// OriginPatterns are extra Origin host patterns a WebSocket may come from
	// (same-origin is always allowed).
	OriginPatterns []string
	// Recheck, when set, is called every RecheckEvery (default 1 min);
	// when it returns an error the stream ends as revoked. It is the
	// fallback for revocations that do not reach this hub (made by another
	// process, such as the CLI, or by a node whose revocations are not
	// carried here): check the stream's credential against the database
	// again.
	Recheck      func(context.Context) error
	RecheckEvery time.Duration
}

// TypeStreamEnd is the last event of an SSE stream whose credential
// expired or was revoked: {"type": "stream.end", "data": {"reason":
// "expired" | "revoked"}}. The client needs a fresh credential (a refreshed
// token, or signing in again) before reconnecting.
const TypeStreamEnd = "stream.end"

// WebSocket close codes of a stream whose credential ended.
const (
	CloseExpired websocket.StatusCode = 4401
	CloseRevoked websocket.StatusCode = 4403
)

func (o StreamOptions) withDefaults() StreamOptions {
	if o.Heartbeat <= 0 {
		o.Heartbeat = 25 * time.Second
	}
	if o.MaxLifetime <= 0 {
		o.MaxLifetime = time.Hour
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.RecheckEvery <= 0 {
		o.RecheckEvery = time.Minute
	}
	return o
}

// recheck returns a channel that ticks every RecheckEvery when Recheck is
// set (nil otherwise: it never ticks), and its stop function.
func (o StreamOptions) recheck() (<-chan time.Time, func()) {
	if o.Recheck == nil {
		return nil, func() {}
	}
	t := time.NewTicker(o.RecheckEvery)
	return t.C, t.Stop
}

// endFrame is the stream.end event for a subscription that ended with its
// credential.
func endFrame(reason EndReason) frame {
	b, _ := json.Marshal(struct {
		Type string            `json:"type"`
		Data map[string]string `json:"data"`
	}{TypeStreamEnd, map[string]string{"reason": reason.String()}})
	return frame{typ: TypeStreamEnd, json: b}
}

// Initial is an event written to a new stream before live ones (the current
// session status, so that a client needs no separate request).
type Initial struct {
	Type string
	Data any
}

func encodeInitial(in []Initial) []frame {
	out := make([]frame, 0, len(in))
	for _, e := range in {
		b, err := json.Marshal(struct {
			Type string `json:"type"`
			Data any    `json:"data"`
		}{e.Type, e.Data})
		if err == nil {
			out = append(out, frame{typ: e.Type, json: b})
		}
	}
	return out
}

// ServeSSE streams sub's events as Server-Sent Events (`event: <type>` and
// one `data:` line of JSON per event) until the client goes away, the
// subscription is dropped, its credential expires or is revoked (the last
// event is then TypeStreamEnd), or the stream's lifetime ends. It unsubscribes sub
// on return.
func (h *Hub) ServeSSE(w http.ResponseWriter, r *http.Request, sub *Subscription, initial []Initial, o StreamOptions) {
	defer h.Unsubscribe(sub)
	o = o.withDefaults()
	rc := http.NewResponseController(w)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Connection", "keep-alive")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	write := func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	writeFrame := func(f frame) bool {
		b := make([]byte, 0, len(f.json)+len(f.typ)+16)
		b = append(b, "event: "...)
		b = append(b, f.typ...)
		b = append(b, "\ndata: "...)
		b = append(b, f.json...)
		b = append(b, "\n\n"...)
		return write(b)
	}
	if !write([]byte("retry: 3000\n: connected\n\n")) {
		return
	}
	for _, f := range encodeInitial(initial) {
		if !writeFrame(f) {
			return
		}
	}
	heartbeat := time.NewTicker(o.Heartbeat)
	defer heartbeat.Stop()
	lifetime := time.NewTimer(o.MaxLifetime)
	defer lifetime.Stop()
	recheck, stop := o.recheck()
	defer stop()
	for {
		select {
		case f := <-sub.c:
			if !writeFrame(f) {
				return
			}
		case <-heartbeat.C:
			if !write([]byte(": keep-alive\n\n")) {
				return
			}
		case <-recheck:
			if o.Recheck(r.Context()) != nil {
				h.endAs(sub, Revoked)
			}
		case <-sub.done:
			if e := sub.Ended(); e == Expired || e == Revoked {
				writeFrame(endFrame(e))
			}
			return
		case <-lifetime.C:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// ServeWS upgrades to a WebSocket and sends sub's events, one JSON object
// per text message, until either side closes, the subscription is dropped
// (close code 1008 "too slow"), its credential expires (4401) or is
// revoked (4403), or the lifetime ends (1001). Messages from
// the client are ignored. It unsubscribes sub on return.
func (h *Hub) ServeWS(w http.ResponseWriter, r *http.Request, sub *Subscription, initial []Initial, o StreamOptions) {
	defer h.Unsubscribe(sub)
	o = o.withDefaults()
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: o.OriginPatterns})
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(4096)
	ctx := c.CloseRead(r.Context())
	write := func(b []byte) bool {
		wctx, cancel := context.WithTimeout(ctx, o.WriteTimeout)
		defer cancel()
		return c.Write(wctx, websocket.MessageText, b) == nil
	}
	for _, f := range encodeInitial(initial) {
		if !write(f.json) {
			return
		}
	}
	ping := time.NewTicker(o.Heartbeat)
	defer ping.Stop()
	lifetime := time.NewTimer(o.MaxLifetime)
	defer lifetime.Stop()
	recheck, stop := o.recheck()
	defer stop()
	for {
		select {
		case f := <-sub.c:
			if !write(f.json) {
				return
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, o.WriteTimeout)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		case <-recheck:
			if o.Recheck(ctx) != nil {
				h.endAs(sub, Revoked)
			}
		case <-sub.done:
			switch sub.Ended() {
			case Dropped:
				c.Close(websocket.StatusPolicyViolation, "too slow")
			case Expired:
				c.Close(CloseExpired, "credential expired")
			case Revoked:
				c.Close(CloseRevoked, "credential revoked")
			default:
				c.Close(websocket.StatusGoingAway, "closing")
			}
			return
		case <-lifetime.C:
			c.Close(websocket.StatusGoingAway, "stream lifetime reached; reconnect")
			return
		case <-ctx.Done():
			return
		}
	}
}
