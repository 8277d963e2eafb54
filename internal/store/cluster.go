package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Cluster bookkeeping: nodes, session leases and oversized realtime events.
// Only a PostgreSQL deployment has more than one node; the methods work on
// both dialects so that they share one conformance suite.

// Node is a registered Synapse process.
type Node struct {
	ID          string
	URL         string
	StartedAt   time.Time
	HeartbeatAt time.Time
}

// HeartbeatNode registers the node or refreshes its heartbeat.
func (s *Store) HeartbeatNode(ctx context.Context, n Node) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO cluster_nodes (id, url, started_at, heartbeat_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET url = excluded.url, heartbeat_at = excluded.heartbeat_at`,
		n.ID, n.URL, n.StartedAt.UnixMilli(), n.HeartbeatAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: node heartbeat: %w", err)
	}
	return nil
}

// LiveNodes lists the nodes whose last heartbeat is not older than since,
// and deletes the rows of nodes silent since before forgetBefore.
func (s *Store) LiveNodes(ctx context.Context, since, forgetBefore time.Time) ([]Node, error) {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM cluster_nodes WHERE heartbeat_at < $1`, forgetBefore.UnixMilli()); err != nil {
		return nil, fmt.Errorf("store: forget dead nodes: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, url, started_at, heartbeat_at FROM cluster_nodes WHERE heartbeat_at >= $1 ORDER BY id`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: list nodes: %w", err)
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		var n Node
		var started, beat int64
		if err := rows.Scan(&n.ID, &n.URL, &started, &beat); err != nil {
			return nil, fmt.Errorf("store: list nodes: %w", err)
		}
		n.StartedAt, n.HeartbeatAt = time.UnixMilli(started).UTC(), time.UnixMilli(beat).UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}

// Node returns a registered node.
func (s *Store) Node(ctx context.Context, id string) (Node, error) {
	var n Node
	var started, beat int64
	err := s.r.QueryRowContext(ctx, `SELECT id, url, started_at, heartbeat_at FROM cluster_nodes WHERE id = $1`, id).
		Scan(&n.ID, &n.URL, &started, &beat)
	if errors.Is(err, sql.ErrNoRows) {
		return Node{}, ErrNotFound
	} else if err != nil {
		return Node{}, fmt.Errorf("store: node: %w", err)
	}
	n.StartedAt, n.HeartbeatAt = time.UnixMilli(started).UTC(), time.UnixMilli(beat).UTC()
	return n, nil
}

// RemoveNode deletes a node and releases its leases (a clean shutdown).
func (s *Store) RemoveNode(ctx context.Context, id string) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM session_leases WHERE node_id = $1`, id); err != nil {
			return fmt.Errorf("store: release node leases: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM cluster_nodes WHERE id = $1`, id); err != nil {
			return fmt.Errorf("store: remove node: %w", err)
		}
		return nil
	})
}

// acquireLeaseSQL takes or renews a lease unless another node holds an
// unexpired one; it returns no row then.
const acquireLeaseSQL = `INSERT INTO session_leases (session_id, node_id, expires_at) VALUES ($1, $2, $3)
	ON CONFLICT (session_id) DO UPDATE SET node_id = excluded.node_id, expires_at = excluded.expires_at
	WHERE session_leases.node_id = excluded.node_id OR session_leases.expires_at < $4
	RETURNING node_id`

// AcquireLease gives the session to nodeID until until, unless another node
// holds an unexpired lease on it (at now); it returns the node that holds
// the lease afterwards. Taking a lease is atomic: of two nodes racing for
// the same session, one wins and the other learns the winner.
func (s *Store) AcquireLease(ctx context.Context, sessionID, nodeID string, now, until time.Time) (string, error) {
	var owner string
	err := s.w.QueryRowContext(ctx, acquireLeaseSQL, sessionID, nodeID, until.UnixMilli(), now.UnixMilli()).Scan(&owner)
	for attempt := 0; errors.Is(err, sql.ErrNoRows); attempt++ {
		owner, err = s.LeaseOwner(ctx, sessionID, now)
		if err != nil || owner != "" || attempt == 3 {
			return owner, err
		}
		// The holder released it between the two statements: try again.
		err = s.w.QueryRowContext(ctx, acquireLeaseSQL, sessionID, nodeID, until.UnixMilli(), now.UnixMilli()).Scan(&owner)
	}
	if err != nil {
		return "", fmt.Errorf("store: acquire lease: %w", err)
	}
	return owner, nil
}

// LeaseOwner returns the node holding an unexpired lease on the session at
// now, or "".
func (s *Store) LeaseOwner(ctx context.Context, sessionID string, now time.Time) (string, error) {
	var owner string
	err := s.w.QueryRowContext(ctx, `SELECT node_id FROM session_leases WHERE session_id = $1 AND expires_at >= $2`,
		sessionID, now.UnixMilli()).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("store: lease owner: %w", err)
	}
	return owner, nil
}

// ReleaseLease drops nodeID's lease on the session, if it holds one.
func (s *Store) ReleaseLease(ctx context.Context, sessionID, nodeID string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM session_leases WHERE session_id = $1 AND node_id = $2`, sessionID, nodeID); err != nil {
		return fmt.Errorf("store: release lease: %w", err)
	}
	return nil
}

// RenewLeases extends nodeID's leases on sessionIDs until until and returns
// the ids it still held. A session missing from the result was taken over
// by another node. Leases of nodeID on other sessions are left to expire
// (one may have been taken just after the caller listed its sessions).
func (s *Store) RenewLeases(ctx context.Context, nodeID string, sessionIDs []string, until time.Time) ([]string, error) {
	var kept []string
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMPORARY TABLE IF NOT EXISTS renew_ids (id TEXT PRIMARY KEY)`); err != nil {
			return fmt.Errorf("store: renew leases: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM renew_ids`); err != nil {
			return fmt.Errorf("store: renew leases: %w", err)
		}
		for start := 0; start < len(sessionIDs); start += 500 {
			chunk := sessionIDs[start:min(start+500, len(sessionIDs))]
			var q strings.Builder
			q.WriteString(`INSERT INTO renew_ids (id) VALUES `)
			args := make([]any, len(chunk))
			for i, id := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				fmt.Fprintf(&q, "($%d)", i+1)
				args[i] = id
			}
			q.WriteString(` ON CONFLICT DO NOTHING`)
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("store: renew leases: %w", err)
			}
		}
		rows, err := tx.QueryContext(ctx, `UPDATE session_leases SET expires_at = $2
			WHERE node_id = $1 AND session_id IN (SELECT id FROM renew_ids) RETURNING session_id`, nodeID, until.UnixMilli())
		if err != nil {
			return fmt.Errorf("store: renew leases: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("store: renew leases: %w", err)
			}
			kept = append(kept, id)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: renew leases: %w", err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM renew_ids`)
		return err
	})
	return kept, err
}

// OrphanedSessions lists up to limit sessions that were running and logged
// in but that no node holds an unexpired lease on at now: their node died.
func (s *Store) OrphanedSessions(ctx context.Context, now time.Time, limit int) ([]Session, error) {
	return s.listSessions(ctx, `WHERE want_running = $1 AND jid <> '' AND status IN ('STARTING', 'WORKING')
		AND NOT EXISTS (SELECT 1 FROM session_leases l WHERE l.session_id = whatsapp_sessions.id AND l.expires_at >= $2)
		ORDER BY id LIMIT $3`, true, now.UnixMilli(), limit)
}

// PutClusterEvent keeps an encoded event for other nodes and returns its id.
func (s *Store) PutClusterEvent(ctx context.Context, payload []byte, now time.Time) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO cluster_events (payload, created_at) VALUES ($1, $2) RETURNING id`, payload, now.UnixMilli()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: put cluster event: %w", err)
	}
	return id, nil
}

// ClusterEvent returns a kept event.
func (s *Store) ClusterEvent(ctx context.Context, id int64) ([]byte, error) {
	var b []byte
	err := s.r.QueryRowContext(ctx, `SELECT payload FROM cluster_events WHERE id = $1`, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("store: cluster event: %w", err)
	}
	return b, nil
}

// DeleteClusterEvents deletes events kept since before t.
func (s *Store) DeleteClusterEvents(ctx context.Context, before time.Time) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM cluster_events WHERE created_at < $1`, before.UnixMilli()); err != nil {
		return fmt.Errorf("store: delete cluster events: %w", err)
	}
	return nil
}
