package web

import (
	"context"
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/domain"

	"github.com/synapse-kb/synapse/internal/realtime"
)

// events streams the signed-in person's events (session status and QR
// codes, messages, items) as Server-Sent Events, authenticated by the
// session cookie. The first event is the current session status. Streams
// end after the hub's lifetime (an hour), or when the person's browser is
// too slow to keep up; EventSource reconnects by itself.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	v, err := h.viewer(w, r)
	if err != nil {
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	var initial []realtime.Initial
	if st, err := h.o.Service.Status(r.Context(), v.User.ID); err == nil {
		initial = append(initial, realtime.Initial{Type: domain.EventSessionStatus, Data: st})
	}
	// The stream ends with the browser session: at sign-out (here or
	// everywhere), a password change, or when the account is disabled or
	// deleted; it is checked again now and then in case that happened on
	// another node.
	cred := auth.WebCredential(v.Session)
	sub := h.o.Hub.SubscribeAs(realtime.Credential{UserID: cred.UserID, ID: cred.ID, IssuedAt: cred.IssuedAt, ExpiresAt: cred.ExpiresAt})
	h.o.Hub.ServeSSE(w, r, sub, initial, realtime.StreamOptions{Recheck: func(ctx context.Context) error {
		_, err := h.viewerSession(ctx, r)
		return err
	}})
}
