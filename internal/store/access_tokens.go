package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// AccessToken is a personal access token: a named, scoped bearer token a
// person made for another program. The store keeps only the SHA-256 of its
// secret (the hash is never read back).
type AccessToken struct {
	ID     string
	UserID string
	Name   string
	// Scopes are the scope names (read, write, send), in the order given.
	Scopes    []string
	CreatedAt time.Time
	// ExpiresAt is the zero time for a token that does not expire.
	ExpiresAt time.Time
	// LastUsedAt is the zero time for a token never used. It is recorded
	// at most about once a minute (see TouchAccessToken).
	LastUsedAt time.Time
}

const accessTokenColumns = `t.id, t.user_id, t.name, t.scopes, t.created_at, t.expires_at, t.last_used_at`

type accessTokenRow struct {
	t             AccessToken
	scopes        string
	created       int64
	expires, used sql.NullInt64
}

func (r *accessTokenRow) dest() []any {
	return []any{&r.t.ID, &r.t.UserID, &r.t.Name, &r.scopes, &r.created, &r.expires, &r.used}
}

func (r *accessTokenRow) token() AccessToken {
	t := r.t
	if r.scopes != "" {
		t.Scopes = strings.Split(r.scopes, ",")
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt = fromMS(r.created), nullMS(r.expires), nullMS(r.used)
	return t
}

// CreateAccessToken stores a new token of t.UserID (t.Name, t.Scopes,
// t.ExpiresAt) identified by the SHA-256 of its secret, unless the user
// already has max tokens (ErrLimitReached): the count and the insert are
// one transaction, and on PostgreSQL the user's row is locked meanwhile, so
// concurrent creations cannot pass the limit together. A user that does
// not exist is ErrNotFound; a hash already in use is ErrConflict.
func (s *Store) CreateAccessToken(ctx context.Context, t AccessToken, hash []byte, max int) (AccessToken, error) {
	now := fromMS(ms(s.clock()))
	t.ID, t.CreatedAt, t.LastUsedAt = NewID(), now, time.Time{}
	t.ExpiresAt = fromMS(ms(t.ExpiresAt))
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		lock := `SELECT COUNT(*) FROM users WHERE id = $1`
		if s.dialect == Postgres {
			lock = `SELECT COUNT(*) FROM (SELECT id FROM users WHERE id = $1 FOR UPDATE) u`
		}
		var n int
		if err := tx.QueryRowContext(ctx, lock, t.UserID).Scan(&n); err != nil {
			return fmt.Errorf("store: lock user: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM access_tokens WHERE user_id = $1`, t.UserID).Scan(&n); err != nil {
			return fmt.Errorf("store: count access tokens: %w", err)
		}
		if n >= max {
			return ErrLimitReached
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO access_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, t.UserID, t.Name, hash, strings.Join(t.Scopes, ","), ms(now), toNullMS(t.ExpiresAt))
		switch {
		case isUniqueViolation(err):
			return ErrConflict
		case err != nil:
			return fmt.Errorf("store: insert access token: %w", err)
		}
		return nil
	})
	if err != nil {
		return AccessToken{}, err
	}
	return t, nil
}

// ResolveAccessToken returns the token whose secret has the SHA-256 hash,
// with the state of its account, in one query. An unknown hash (a revoked
// token) is ErrNotFound. Expiry is the caller's to check.
func (s *Store) ResolveAccessToken(ctx context.Context, hash []byte) (AccessToken, AccountState, error) {
	var row accessTokenRow
	var st AccountState
	var disabled sql.NullInt64
	var valid int64
	err := s.r.QueryRowContext(ctx, `SELECT `+accessTokenColumns+`, u.is_admin, u.disabled_at, u.tokens_valid_after
		FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hash).
		Scan(append(row.dest(), &st.IsAdmin, &disabled, &valid)...)
	if err != nil {
		return AccessToken{}, AccountState{}, notFound(err)
	}
	st.DisabledAt, st.TokensValidAfter = nullMS(disabled), fromMS(valid)
	return row.token(), st, nil
}

// ListAccessTokens returns the user's tokens, newest first.
func (s *Store) ListAccessTokens(ctx context.Context, userID string) ([]AccessToken, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+accessTokenColumns+` FROM access_tokens t WHERE t.user_id = $1
		ORDER BY t.created_at DESC, t.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list access tokens: %w", err)
	}
	defer rows.Close()
	out := []AccessToken{}
	for rows.Next() {
		var row accessTokenRow
		if err := rows.Scan(row.dest()...); err != nil {
			return nil, fmt.Errorf("store: scan access token: %w", err)
		}
		out = append(out, row.token())
	}
	return out, rows.Err()
}

// TouchAccessToken records that one of the user's tokens was used at at,
// unless its last use is recorded less than minGap before at: many
// requests of one program (on any node) write at most once per minGap.
// It reports whether it wrote. Another user's token writes nothing.
func (s *Store) TouchAccessToken(ctx context.Context, userID, id string, at time.Time, minGap time.Duration) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE access_tokens SET last_used_at = $3
		WHERE user_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at <= $4)`,
		userID, id, ms(at), ms(at)-minGap.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("store: touch access token: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// DeleteAccessToken revokes one of the user's tokens: from this moment no
// request authenticates with it. Another user's token, or one already
// revoked, is ErrNotFound.
func (s *Store) DeleteAccessToken(ctx context.Context, userID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM access_tokens WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return fmt.Errorf("store: delete access token: %w", err)
	}
	return expectOne(res)
}
