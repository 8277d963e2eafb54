package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AccountState is what an authenticated request must know about its
// account, read in one query by AccountState.
type AccountState struct {
	IsAdmin    bool
	DisabledAt time.Time // zero: not disabled
	// TokensValidAfter is the epoch before which no access token of the
	// user is valid (zero: none).
	TokensValidAfter time.Time
	// RefreshTokenLive reports whether the refresh token asked about
	// exists, belongs to the user and is not revoked (false when none was
	// asked about).
	RefreshTokenLive bool
}

// AccountState reads the state of userID's account and, when
// refreshTokenID is not empty, whether that refresh token (the one an
// access token was issued with) is still live: two primary-key lookups in
// one query. A user that does not exist is ErrNotFound.
func (s *Store) AccountState(ctx context.Context, userID, refreshTokenID string) (AccountState, error) {
	var st AccountState
	var disabled sql.NullInt64
	var valid int64
	err := s.r.QueryRowContext(ctx, `SELECT u.is_admin, u.disabled_at, u.tokens_valid_after, rt.id IS NOT NULL
		FROM users u LEFT JOIN refresh_tokens rt ON rt.id = $2 AND rt.user_id = u.id AND rt.revoked_at IS NULL
		WHERE u.id = $1`, userID, refreshTokenID).Scan(&st.IsAdmin, &disabled, &valid, &st.RefreshTokenLive)
	if err != nil {
		return AccountState{}, notFound(err)
	}
	st.DisabledAt, st.TokensValidAfter = nullMS(disabled), fromMS(valid)
	return st, nil
}

// CredentialChange is a change to an account's credentials that
// ChangeCredentials applies in one transaction.
type CredentialChange struct {
	// PasswordHash, when not empty, replaces the password hash.
	PasswordHash string
	// EndOthers revokes every refresh token of the user except those of
	// the family KeepFamily, and deletes every web session except
	// KeepWebSession (either may be empty: keep none).
	EndOthers      bool
	KeepFamily     string
	KeepWebSession string
	// TokensValidAfter, when not zero, invalidates every access token of
	// the user issued before it.
	TokensValidAfter time.Time
	// Disable disables the account at DisabledAt; Enable enables it.
	Disable    bool
	DisabledAt time.Time
	Enable     bool
}

// ChangeCredentials applies c to userID's account atomically: a new
// password and the end of the other credentials commit together. A user
// that does not exist is ErrNotFound.
func (s *Store) ChangeCredentials(ctx context.Context, userID string, c CredentialChange) error {
	now := ms(s.clock())
	return s.InTx(ctx, func(tx *sql.Tx) error {
		set, args := `updated_at = $2`, []any{userID, now}
		add := func(col string, v any) {
			args = append(args, v)
			set += fmt.Sprintf(", %s = $%d", col, len(args))
		}
		if c.PasswordHash != "" {
			add("password_hash", c.PasswordHash)
		}
		if !c.TokensValidAfter.IsZero() {
			add("tokens_valid_after", ms(c.TokensValidAfter))
		}
		if c.Disable {
			add("disabled_at", ms(c.DisabledAt))
		} else if c.Enable {
			set += ", disabled_at = NULL"
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET `+set+` WHERE id = $1`, args...)
		if err != nil {
			return fmt.Errorf("store: change credentials: %w", err)
		}
		if err := expectOne(res); err != nil {
			return err
		}
		if !c.EndOthers {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = $2
			WHERE user_id = $1 AND revoked_at IS NULL AND family_id <> $3`, userID, now, c.KeepFamily); err != nil {
			return fmt.Errorf("store: revoke refresh tokens: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND id <> $2`, userID, c.KeepWebSession); err != nil {
			return fmt.Errorf("store: delete web sessions: %w", err)
		}
		return nil
	})
}
