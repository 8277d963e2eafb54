package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RefreshToken is the stored form of a refresh token: only its SHA-256.
// Tokens descending from one login form a family; presenting a token that
// was already rotated revokes the family.
type RefreshToken struct {
	ID        string
	UserID    string
	FamilyID  string
	Hash      []byte
	ExpiresAt time.Time
}

// CreateRefreshToken stores a token that starts a new family (a login).
func (s *Store) CreateRefreshToken(ctx context.Context, userID string, hash []byte, expires time.Time) (RefreshToken, error) {
	t := RefreshToken{ID: NewID(), UserID: userID, Hash: hash, ExpiresAt: expires}
	t.FamilyID = t.ID
	if err := s.insertRefreshToken(ctx, s.w, t); err != nil {
		return RefreshToken{}, err
	}
	return t, nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) insertRefreshToken(ctx context.Context, db execer, t RefreshToken) error {
	_, err := db.ExecContext(ctx, `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, t.UserID, t.FamilyID, t.Hash, ms(s.clock()), ms(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: insert refresh token: %w", err)
	}
	return nil
}

// RotateRefreshToken exchanges the token whose hash is oldHash for a new one
// (newHash) in the same family, atomically, and returns the new token; now
// decides expiry. An
// unknown hash is ErrNotFound; an expired one ErrTokenExpired; one already
// rotated or revoked is ErrTokenReused, and then the whole family is revoked
// (the new token is not stored): whoever holds any token of it must log in
// again.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash, newHash []byte, now, expires time.Time) (RefreshToken, error) {
	var out RefreshToken
	var reused bool
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		now := ms(now)
		var old RefreshToken
		var exp int64
		// Claim the token: only one concurrent rotation can succeed.
		err := tx.QueryRowContext(ctx, `UPDATE refresh_tokens SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL
			RETURNING id, user_id, family_id, expires_at`, oldHash, now).Scan(&old.ID, &old.UserID, &old.FamilyID, &exp)
		if errors.Is(err, sql.ErrNoRows) {
			var family string
			err = tx.QueryRowContext(ctx, `SELECT family_id FROM refresh_tokens WHERE token_hash = $1`, oldHash).Scan(&family)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			if err != nil {
				return fmt.Errorf("store: find refresh token: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`, family, now); err != nil {
				return fmt.Errorf("store: revoke token family: %w", err)
			}
			reused = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: claim refresh token: %w", err)
		}
		if exp <= now {
			return ErrTokenExpired
		}
		out = RefreshToken{ID: NewID(), UserID: old.UserID, FamilyID: old.FamilyID, Hash: newHash, ExpiresAt: expires}
		return s.insertRefreshToken(ctx, tx, out)
	})
	if err != nil {
		return RefreshToken{}, err
	}
	if reused {
		return RefreshToken{}, ErrTokenReused
	}
	return out, nil
}

// RevokeRefreshFamily revokes the family of the token whose hash is given, if
// it belongs to userID (logout), and returns the family's id. Unknown tokens,
// and another user's, are ErrNotFound; a family already revoked is not an
// error.
func (s *Store) RevokeRefreshFamily(ctx context.Context, userID string, hash []byte) (string, error) {
	var family string
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2`, hash, userID).Scan(&family)
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = $3 WHERE user_id = $1 AND family_id = $2 AND revoked_at IS NULL`,
			userID, family, ms(s.clock())); err != nil {
			return fmt.Errorf("store: revoke refresh token: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return family, nil
}

// RevokeAllRefreshTokens revokes every refresh token of a user.
func (s *Store) RevokeAllRefreshTokens(ctx context.Context, userID string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, ms(s.clock()))
	if err != nil {
		return fmt.Errorf("store: revoke refresh tokens: %w", err)
	}
	return nil
}

// DeleteExpiredRefreshTokens removes tokens that expired before cutoff and
// reports how many.
func (s *Store) DeleteExpiredRefreshTokens(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE expires_at < $1`, ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired refresh tokens: %w", err)
	}
	return res.RowsAffected()
}
