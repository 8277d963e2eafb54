package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Session is a user's WhatsApp session as last recorded. The session manager
// holds the live state; this row is what survives a restart.
type Session struct {
	ID     string
	UserID string
	Status string
	Reason string
	// WantRunning is true from a start until a stop, logout or failed
	// pairing: such sessions are brought back after a restart.
	WantRunning bool
	JID         string
	PushName    string
	ConnectedAt time.Time
	// LastActivityAt is when the newest message of the user's chats was sent.
	LastActivityAt time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// SessionState is what the session manager records on each change.
type SessionState struct {
	Status      string
	Reason      string
	WantRunning bool
	JID         string
	PushName    string
	ConnectedAt time.Time
}

const sessionColumns = `id, user_id, status, reason, want_running, jid, push_name, connected_at,
	(SELECT MAX(last_message_at) FROM chats c WHERE c.user_id = whatsapp_sessions.user_id), created_at, updated_at`

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var x Session
	var connected, activity sql.NullInt64
	var created, updated int64
	err := row.Scan(&x.ID, &x.UserID, &x.Status, &x.Reason, &x.WantRunning, &x.JID, &x.PushName, &connected, &activity, &created, &updated)
	x.ConnectedAt, x.LastActivityAt = nullMS(connected), nullMS(activity)
	x.CreatedAt, x.UpdatedAt = fromMS(created), fromMS(updated)
	return x, err
}

// EnsureSession returns the user's session, creating it (STOPPED, with id
// newID) if the user has none yet. Each user has at most one session.
func (s *Store) EnsureSession(ctx context.Context, userID, newID string) (Session, error) {
	now := ms(s.clock())
	_, err := s.w.ExecContext(ctx, `INSERT INTO whatsapp_sessions (id, user_id, status, created_at, updated_at)
		VALUES ($1, $2, 'STOPPED', $3, $3) ON CONFLICT (user_id) DO NOTHING`, newID, userID, now)
	if err != nil {
		if isForeignKeyViolation(err) {
			return Session{}, ErrNotFound
		}
		return Session{}, fmt.Errorf("store: create session: %w", err)
	}
	return s.SessionByUser(ctx, userID)
}

// SessionByUser returns the user's session.
func (s *Store) SessionByUser(ctx context.Context, userID string) (Session, error) {
	x, err := scanSession(s.w.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM whatsapp_sessions WHERE user_id = $1`, userID))
	if err != nil {
		return Session{}, notFound(err)
	}
	return x, nil
}

// SaveSessionState records a session's state.
func (s *Store) SaveSessionState(ctx context.Context, userID, sessionID string, st SessionState) error {
	res, err := s.w.ExecContext(ctx, `UPDATE whatsapp_sessions SET status = $3, reason = $4, want_running = $5,
		jid = $6, push_name = $7, connected_at = $8, updated_at = $9 WHERE user_id = $1 AND id = $2`,
		userID, sessionID, st.Status, st.Reason, st.WantRunning, st.JID, st.PushName, toNullMS(st.ConnectedAt), ms(s.clock()))
	if err != nil {
		return fmt.Errorf("store: save session state: %w", err)
	}
	return expectOne(res)
}

// SessionStateUpdate is one session's state to record.
type SessionStateUpdate struct {
	UserID, SessionID string
	State             SessionState
}

// SaveSessionStates records several sessions' states in one transaction.
// Sessions that no longer exist (their user was deleted) are skipped.
func (s *Store) SaveSessionStates(ctx context.Context, updates []SessionStateUpdate) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.clock())
		for _, u := range updates {
			st := u.State
			_, err := tx.ExecContext(ctx, `UPDATE whatsapp_sessions SET status = $3, reason = $4, want_running = $5,
				jid = $6, push_name = $7, connected_at = $8, updated_at = $9 WHERE user_id = $1 AND id = $2`,
				u.UserID, u.SessionID, st.Status, st.Reason, st.WantRunning, st.JID, st.PushName, toNullMS(st.ConnectedAt), now)
			if err != nil {
				return fmt.Errorf("store: save session states: %w", err)
			}
		}
		return nil
	})
}

// SessionsToRestore lists sessions that were meant to be running and had
// logged in: after a restart they reconnect from their stored device.
func (s *Store) SessionsToRestore(ctx context.Context) ([]Session, error) {
	return s.listSessions(ctx, `WHERE want_running = $1 AND jid <> '' ORDER BY id`, true)
}

// SessionOverview is a session with its owner, for administrators.
type SessionOverview struct {
	Session
	UserEmail string
	UserName  string
}

// ListAllSessions lists every session with its owner. For administrators.
func (s *Store) ListAllSessions(ctx context.Context) ([]SessionOverview, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.id, s.user_id, s.status, s.reason, s.want_running, s.jid, s.push_name,
		s.connected_at, (SELECT MAX(last_message_at) FROM chats c WHERE c.user_id = s.user_id), s.created_at, s.updated_at, u.email, u.name
		FROM whatsapp_sessions s JOIN users u ON u.id = s.user_id ORDER BY u.email`)
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	defer rows.Close()
	var out []SessionOverview
	for rows.Next() {
		var o SessionOverview
		var connected, activity sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&o.ID, &o.UserID, &o.Status, &o.Reason, &o.WantRunning, &o.JID, &o.PushName,
			&connected, &activity, &created, &updated, &o.UserEmail, &o.UserName); err != nil {
			return nil, err
		}
		o.ConnectedAt, o.LastActivityAt = nullMS(connected), nullMS(activity)
		o.CreatedAt, o.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s *Store) listSessions(ctx context.Context, where string, args ...any) ([]Session, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+sessionColumns+` FROM whatsapp_sessions `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		x, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
