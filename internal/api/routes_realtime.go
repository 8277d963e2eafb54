package api

import (
	"context"
	"net/http"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/realtime"
)

func (s *Server) registerRealtime() {
	initial := func(c *call) []realtime.Initial {
		st, err := s.o.Service.Status(c.ctx(), c.userID)
		if err != nil {
			return nil
		}
		return []realtime.Initial{{Type: domain.EventSessionStatus, Data: st}}
	}
	s.add(route{method: "GET", path: "/api/v1/events", tag: "realtime", access: user, respRaw: "text/event-stream",
		summary: "The caller's events as Server-Sent Events",
		description: "Each event has `event: <type>` and one `data:` line holding {\"type\", \"data\"}. The first event is the current session.status. " +
			"Browsers may pass the token as ?access_token=. A client that falls behind is disconnected and should reconnect."},
		rawEndpoint(func(w http.ResponseWriter, r *http.Request, c *call) {
			sub, opts := s.subscribe(c)
			s.o.Hub.ServeSSE(w, r, sub, initial(c), opts)
		}))
	s.add(route{method: "GET", path: "/api/v1/ws", tag: "realtime", access: user, respRaw: "application/json",
		summary: "The caller's events over a WebSocket",
		description: "One JSON object {\"type\", \"data\"} per text message; the first is the current session.status. " +
			"Browsers may pass the token as ?access_token=. A client that falls behind is closed with code 1008."},
		rawEndpoint(func(w http.ResponseWriter, r *http.Request, c *call) {
			sub, opts := s.subscribe(c)
			s.o.Hub.ServeWS(w, r, sub, initial(c), opts)
		}))
}

// subscribe opens the caller's stream bound to their credential: it ends
// when the token expires or is revoked (log-out, password change, sign-out
// everywhere, account disabled or deleted), and is checked again now and
// then in case a revocation was made elsewhere.
func (s *Server) subscribe(c *call) (*realtime.Subscription, realtime.StreamOptions) {
	sub := s.o.Hub.SubscribeAs(realtime.Credential{UserID: c.userID, ID: c.cred.ID, IssuedAt: c.cred.IssuedAt, ExpiresAt: c.cred.ExpiresAt})
	opts := s.o.Stream
	tok := c.token
	opts.Recheck = func(ctx context.Context) error {
		_, err := s.o.Service.Authenticate(ctx, tok)
		return err
	}
	return sub, opts
}
