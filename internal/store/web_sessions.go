package store

import (
	"context"
	"fmt"
	"time"
)

// WebSession is a browser signed in to the web UI. The browser holds a
// random token; the store keeps only the token's SHA-256 (TokenHash is never
// read back), so a copy of the database cannot be used to sign in.
type WebSession struct {
	ID     string
	UserID string
	// CSRFSecret is the session's synchronizer token: every state-changing
	// request of the session must carry it.
	CSRFSecret []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

const webSessionColumns = `ws.id, ws.user_id, ws.csrf_secret, ws.created_at, ws.expires_at, ws.last_seen_at`

// webSessionRow scans webSessionColumns.
type webSessionRow struct {
	ws                     WebSession
	created, expires, seen int64
}

func (r *webSessionRow) dest() []any {
	return []any{&r.ws.ID, &r.ws.UserID, &r.ws.CSRFSecret, &r.created, &r.expires, &r.seen}
}

func (r *webSessionRow) session() WebSession {
	ws := r.ws
	ws.CreatedAt, ws.ExpiresAt, ws.LastSeenAt = fromMS(r.created), fromMS(r.expires), fromMS(r.seen)
	return ws
}

// CreateWebSession stores a new browser session of userID, identified by
// the SHA-256 of its token, that ends at expires. A user that does not
// exist is ErrNotFound; a token hash already in use is ErrConflict.
func (s *Store) CreateWebSession(ctx context.Context, userID string, tokenHash, csrfSecret []byte, expires time.Time) (WebSession, error) {
	now := fromMS(ms(s.clock()))
	ws := WebSession{ID: NewID(), UserID: userID, CSRFSecret: csrfSecret, CreatedAt: now, ExpiresAt: fromMS(ms(expires)), LastSeenAt: now}
	_, err := s.w.ExecContext(ctx, `INSERT INTO web_sessions (id, user_id, token_hash, csrf_secret, created_at, expires_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6, $5)`, ws.ID, userID, tokenHash, csrfSecret, ms(now), ms(expires))
	switch {
	case isForeignKeyViolation(err):
		return WebSession{}, ErrNotFound
	case isUniqueViolation(err):
		return WebSession{}, ErrConflict
	case err != nil:
		return WebSession{}, fmt.Errorf("store: create web session: %w", err)
	}
	return ws, nil
}

// ResolveWebSession returns the session whose token has the SHA-256
// tokenHash, with its user, in one query. A session that is unknown, that
// expired at or before now, or whose account is disabled, is ErrNotFound:
// every request of a browser sees a live account.
func (s *Store) ResolveWebSession(ctx context.Context, tokenHash []byte, now time.Time) (WebSession, User, error) {
	var row webSessionRow
	var ur userRow
	err := s.r.QueryRowContext(ctx, `SELECT `+webSessionColumns+`, u.id, u.email, u.name, u.password_hash, u.is_admin, u.timezone, u.created_at, u.disabled_at, u.tokens_valid_after, u.share_presence
		FROM web_sessions ws JOIN users u ON u.id = ws.user_id WHERE ws.token_hash = $1 AND ws.expires_at > $2 AND u.disabled_at IS NULL`, tokenHash, ms(now)).
		Scan(append(row.dest(), ur.dest()...)...)
	if err != nil {
		return WebSession{}, User{}, notFound(err)
	}
	return row.session(), ur.user(), nil
}

// TouchWebSession records that one of the user's sessions was used at seen
// and moves its end to expires (sliding expiry). Another user's session is
// ErrNotFound.
func (s *Store) TouchWebSession(ctx context.Context, userID, id string, seen, expires time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = $3, expires_at = $4 WHERE user_id = $1 AND id = $2`,
		userID, id, ms(seen), ms(expires))
	if err != nil {
		return fmt.Errorf("store: touch web session: %w", err)
	}
	return expectOne(res)
}

// ListWebSessions returns the user's unexpired sessions, most recently used
// first.
func (s *Store) ListWebSessions(ctx context.Context, userID string, now time.Time) ([]WebSession, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+webSessionColumns+` FROM web_sessions ws WHERE ws.user_id = $1 AND ws.expires_at > $2
		ORDER BY ws.last_seen_at DESC, ws.id`, userID, ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: list web sessions: %w", err)
	}
	defer rows.Close()
	var out []WebSession
	for rows.Next() {
		var row webSessionRow
		if err := rows.Scan(row.dest()...); err != nil {
			return nil, err
		}
		out = append(out, row.session())
	}
	return out, rows.Err()
}

// DeleteWebSession ends one of the user's sessions (signing out). Another
// user's session, or one already ended, is ErrNotFound.
func (s *Store) DeleteWebSession(ctx context.Context, userID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return fmt.Errorf("store: delete web session: %w", err)
	}
	return expectOne(res)
}

// DeleteWebSessions ends every session of the user (signing out
// everywhere) and reports how many there were.
func (s *Store) DeleteWebSessions(ctx context.Context, userID string) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, fmt.Errorf("store: delete web sessions: %w", err)
	}
	return res.RowsAffected()
}

// DeleteExpiredWebSessions removes sessions that ended at or before cutoff,
// of one user (userID non-empty) or of everyone, and reports how many.
func (s *Store) DeleteExpiredWebSessions(ctx context.Context, userID string, cutoff time.Time) (int64, error) {
	q, args := `DELETE FROM web_sessions WHERE expires_at <= $1`, []any{ms(cutoff)}
	if userID != "" {
		q += ` AND user_id = $2`
		args = append(args, userID)
	}
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired web sessions: %w", err)
	}
	return res.RowsAffected()
}
