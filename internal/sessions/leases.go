package sessions

import (
	"context"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Leases decides which node of a cluster runs each session. The manager
// takes a session's lease before it creates a client for it, and gives it
// up once the session has stopped and its stopped state is written (so
// that no other node mistakes it for a session whose node died). Renewing
// the leases of the sessions that run here is the cluster's business (see
// Running).
type Leases interface {
	// Acquire takes the session's lease for this node, or renews it. It
	// returns the id of another live node that holds it, or "" when this
	// node now does.
	Acquire(ctx context.Context, sessionID string) (string, error)
	// Release gives up this node's lease on the session.
	Release(sessionID string)
}

// soleNode is the Leases of a process that runs every session itself.
type soleNode struct{}

func (soleNode) Acquire(context.Context, string) (string, error) { return "", nil }
func (soleNode) Release(string)                                  {}

// ElsewhereError is the answer of Start, Restart, QR and PairPhone when
// another node holds the session's lease: the operation belongs on that
// node. It matches whatsapp.ErrOwnedElsewhere.
type ElsewhereError struct{ Node string }

func (e *ElsewhereError) Error() string { return "sessions: the session runs on node " + e.Node }

// Unwrap makes errors.Is(err, whatsapp.ErrOwnedElsewhere) true.
func (e *ElsewhereError) Unwrap() error { return whatsapp.ErrOwnedElsewhere }

// claim takes the session's lease before it runs here. Callers hold s.mu.
func (m *Manager) claim(ctx context.Context, s *session) error {
	if s.client != nil {
		return nil
	}
	node, err := m.leases.Acquire(ctx, s.id)
	if err != nil {
		return err
	}
	if node != "" {
		return &ElsewhereError{Node: node}
	}
	return nil
}

// release gives up the session's lease once it no longer runs here: after
// its stopped state is written (else another node would see it running and
// orphaned, and start it again), and only if it was not started again
// meanwhile.
func (m *Manager) release(s *session) {
	m.Flush()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		m.leases.Release(s.id)
	}
}
