package whatsapp

import (
	"context"
	"errors"
	"fmt"
)

// Cluster lets several processes share the sessions of one database: each
// session runs on the node that holds its lease, and an operation asked of
// another node is forwarded to that one. The manager works without one (a
// single process owns every session).
type Cluster interface {
	// Acquire takes the session's lease for this node, or renews it. It
	// returns the id of another live node that holds it, or "" when this
	// node now does.
	Acquire(ctx context.Context, sessionID string) (string, error)
	// Owner returns the id of another live node that holds the session's
	// lease, or "".
	Owner(ctx context.Context, sessionID string) (string, error)
	// Release gives up this node's lease on the session.
	Release(sessionID string)
	// Forward runs req on node and returns its answer; the node's errors
	// come back as the package's sentinel errors.
	Forward(ctx context.Context, node string, req RemoteRequest) (RemoteResponse, error)
}

// Remote operations.
const (
	OpStatus   = "status"
	OpStart    = "start"
	OpStop     = "stop"
	OpRestart  = "restart"
	OpLogout   = "logout"
	OpQR       = "qr"
	OpPair     = "pair"
	OpSend     = "send"
	OpDownload = "download"
)

// RemoteRequest is a session operation forwarded to the node running the
// session.
type RemoteRequest struct {
	Op       string `json:"op"`
	UserID   string `json:"userId"`
	Force    bool   `json:"force,omitempty"`
	Phone    string `json:"phone,omitempty"`
	ChatID   string `json:"chatId,omitempty"`
	Text     string `json:"text,omitempty"`
	Media    *Media `json:"media,omitempty"`
	MaxBytes int64  `json:"maxBytes,omitempty"`
}

// RemoteResponse is the answer to a RemoteRequest; the field of its
// operation is set.
type RemoteResponse struct {
	State   *State   `json:"state,omitempty"`
	QR      *QRCode  `json:"qr,omitempty"`
	Code    string   `json:"code,omitempty"`
	Message *Message `json:"message,omitempty"`
	Data    []byte   `json:"data,omitempty"`
}

// ErrNodeUnavailable means the node running the session could not be
// reached; when it died, another node takes the session over within a
// lease (SYNAPSE_LEASE_TTL).
var ErrNodeUnavailable = errors.New("whatsapp: the node running this session cannot be reached")

// ErrOwnedElsewhere means another node took the session while an operation
// was being forwarded to this one; the caller may retry.
var ErrOwnedElsewhere = errors.New("whatsapp: the session is running on another node; try again")

// RemoteError is an error as it crosses nodes: a stable code and the text.
type RemoteError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  Status `json:"status,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

var remoteErrors = map[string]error{
	"not_supported":     ErrNotSupported,
	"not_connected":     ErrNotConnected,
	"media_too_large":   ErrMediaTooLarge,
	"media_gone":        ErrMediaGone,
	"invalid_chat":      ErrInvalidChat,
	"already_connected": ErrAlreadyConnected,
	"qr_not_ready":      ErrQRNotReady,
	"not_pairing":       ErrNotPairing,
	"closed":            ErrClosed,
	"owned_elsewhere":   ErrOwnedElsewhere,
	"node_unavailable":  ErrNodeUnavailable,
}

// EncodeRemoteError turns an error into its cross-node form.
func EncodeRemoteError(err error) RemoteError {
	var se *StoppedError
	if errors.As(err, &se) {
		return RemoteError{Code: "stopped", Message: err.Error(), Status: se.Status, Reason: se.Reason}
	}
	for code, sentinel := range remoteErrors {
		if errors.Is(err, sentinel) {
			return RemoteError{Code: code, Message: err.Error()}
		}
	}
	return RemoteError{Code: "internal", Message: err.Error()}
}

// Err turns a cross-node error back into one that errors.Is recognises.
func (e RemoteError) Err() error {
	if e.Code == "stopped" {
		return &StoppedError{Status: e.Status, Reason: e.Reason}
	}
	if sentinel, ok := remoteErrors[e.Code]; ok {
		return sentinel
	}
	return fmt.Errorf("whatsapp: on the session's node: %s", e.Message)
}

type forwardedKey struct{}

// forwarded marks a context whose operation came from another node: it is
// served here and never forwarded again.
func forwarded(ctx context.Context) bool { return ctx.Value(forwardedKey{}) != nil }

// Serve runs an operation forwarded by another node on this one.
func (m *Manager) Serve(ctx context.Context, req RemoteRequest) (RemoteResponse, error) {
	ctx = context.WithValue(ctx, forwardedKey{}, true)
	var out RemoteResponse
	var st State
	var err error
	switch req.Op {
	case OpStatus:
		st, err = m.Status(ctx, req.UserID)
	case OpStart:
		st, err = m.Start(ctx, req.UserID)
	case OpStop:
		st, err = m.Stop(ctx, req.UserID)
	case OpRestart:
		st, err = m.Restart(ctx, req.UserID)
	case OpLogout:
		st, err = m.Logout(ctx, req.UserID)
	case OpQR:
		var q QRCode
		if q, err = m.QR(ctx, req.UserID, req.Force); err == nil {
			out.QR = &q
		}
		return out, err
	case OpPair:
		out.Code, err = m.PairPhone(ctx, req.UserID, req.Phone)
		return out, err
	case OpSend:
		var msg Message
		if msg, err = m.SendText(ctx, req.UserID, req.ChatID, req.Text); err == nil {
			out.Message = &msg
		}
		return out, err
	case OpDownload:
		if req.Media == nil {
			return out, errors.New("whatsapp: download without media")
		}
		out.Data, err = m.Download(ctx, req.UserID, req.Media, req.MaxBytes)
		return out, err
	default:
		return out, fmt.Errorf("whatsapp: unknown remote operation %q", req.Op)
	}
	if err == nil {
		out.State = &st
	}
	return out, err
}

// elsewhere returns the node running the user's session when that is not
// this one (and the operation was not itself forwarded here).
func (m *Manager) elsewhere(ctx context.Context, s *session) string {
	if m.o.Cluster == nil || forwarded(ctx) {
		return ""
	}
	s.mu.Lock()
	local := s.client != nil
	s.mu.Unlock()
	if local {
		return ""
	}
	node, err := m.o.Cluster.Owner(ctx, s.id)
	if err != nil {
		m.logger(s).Warn("cannot tell which node runs the session; answering from this one", "err", err)
		return ""
	}
	return node
}

// forwardState forwards an operation answered with a State.
func (m *Manager) forwardState(ctx context.Context, node string, req RemoteRequest) (State, error) {
	resp, err := m.o.Cluster.Forward(ctx, node, req)
	if err != nil {
		return State{}, err
	}
	if resp.State == nil {
		return State{}, fmt.Errorf("whatsapp: node %s answered %s without a state", node, req.Op)
	}
	return *resp.State, nil
}

// ownedElsewhere is launch's answer when another node holds the session.
type ownedElsewhere struct{ node string }

func (e *ownedElsewhere) Error() string { return "whatsapp: session is running on node " + e.node }

// claim takes the session's lease before it runs here. Callers hold s.mu.
func (m *Manager) claim(ctx context.Context, s *session) error {
	if m.o.Cluster == nil || s.client != nil {
		return nil
	}
	node, err := m.o.Cluster.Acquire(ctx, s.id)
	if err != nil {
		return fmt.Errorf("whatsapp: take the session's lease: %w", err)
	}
	if node != "" {
		if forwarded(ctx) {
			return ErrOwnedElsewhere
		}
		return &ownedElsewhere{node: node}
	}
	return nil
}

// release gives up the session's lease once it no longer runs here: after
// its stopped state is written (else another node would see it running and
// orphaned, and start it again), and only if it was not started again
// meanwhile.
func (m *Manager) release(s *session) {
	if m.o.Cluster == nil {
		return
	}
	m.Flush()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		m.o.Cluster.Release(s.id)
	}
}

// Detacher is implemented by clients whose session lives outside the
// process (WAHA): Detach stops delivering its events here without stopping
// the session itself, which another node now drives.
type Detacher interface {
	Detach()
}

// LocalSession identifies a session running on this node.
type LocalSession struct {
	ID, UserID string
}

// Running lists the sessions this node runs (a client exists): the leases
// it must keep renewing.
func (m *Manager) Running() []LocalSession {
	m.mu.Lock()
	all := make([]*session, 0, len(m.byUser))
	for _, s := range m.byUser {
		all = append(all, s)
	}
	m.mu.Unlock()
	var out []LocalSession
	for _, s := range all {
		s.mu.Lock()
		if s.client != nil {
			out = append(out, LocalSession{ID: s.id, UserID: s.userID})
		}
		s.mu.Unlock()
	}
	return out
}

// Relinquish stops running a session whose lease another node took (this
// node was cut off for longer than the lease). Nothing is recorded: the new
// owner records the session's state.
func (m *Manager) Relinquish(userID string) {
	m.mu.Lock()
	s := m.byUser[userID]
	m.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	c := s.dropClient()
	if s.status != StatusStopped {
		m.counts[statusIndex(s.status)].Add(-1)
		m.counts[statusIndex(StatusStopped)].Add(1)
	}
	s.status, s.reason, s.qr = StatusStopped, "running on another node", QR{}
	s.notify()
	s.mu.Unlock()
	if c != nil {
		m.logger(s).Warn("another node took over the session; disconnecting here")
		if d, ok := c.(Detacher); ok {
			d.Detach()
		} else {
			c.Disconnect()
		}
	}
}

// Adopt starts a session whose node died, if this node wins its lease.
func (m *Manager) Adopt(userID string) {
	m.restoreOne(userID)
}
