package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/validate"
)

// User is an account. PasswordHash never leaves the auth package.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	IsAdmin      bool      `json:"isAdmin"`
	Timezone     string    `json:"timezone"`
	CreatedAt    time.Time `json:"createdAt"`
	PasswordHash string    `json:"-"`
	// DisabledAt is when the account was disabled (zero: it is not). A
	// disabled account cannot sign in, and none of its credentials work.
	DisabledAt time.Time `json:"disabledAt,omitzero"`
	// TokensValidAfter is the epoch before which no access token of the
	// user is valid (zero: none).
	TokensValidAfter time.Time `json:"-"`
	// SharePresence lets Synapse send WhatsApp read receipts (when the
	// person reads a chat in Synapse) and "online" presence; off by default.
	SharePresence bool `json:"sharePresence"`
	// AdminIfFirst, given to CreateUser, makes the account an
	// administrator when it is the first one (decided in the insert, so
	// two first sign-ups at once cannot both be).
	AdminIfFirst bool `json:"-"`
}

// Disabled reports whether the account is disabled.
func (u User) Disabled() bool { return !u.DisabledAt.IsZero() }

// NormalizeEmail is the form in which e-mail addresses are stored and looked
// up: trimmed and lower-cased.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

const userColumns = `id, email, name, password_hash, is_admin, timezone, created_at, disabled_at, tokens_valid_after, share_presence`

// userRow scans userColumns.
type userRow struct {
	u              User
	created, valid int64
	disabled       sql.NullInt64
}

func (r *userRow) dest() []any {
	return []any{&r.u.ID, &r.u.Email, &r.u.Name, &r.u.PasswordHash, &r.u.IsAdmin, &r.u.Timezone, &r.created, &r.disabled, &r.valid, &r.u.SharePresence}
}

func (r *userRow) user() User {
	u := r.u
	u.CreatedAt, u.DisabledAt, u.TokensValidAfter = fromMS(r.created), nullMS(r.disabled), fromMS(r.valid)
	return u
}

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var r userRow
	err := row.Scan(r.dest()...)
	return r.user(), err
}

// CreateUser stores a new user with a fresh id. A taken e-mail address is
// ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	u.ID = NewID()
	u.Email = NormalizeEmail(u.Email)
	if u.Timezone == "" {
		u.Timezone = "UTC"
	}
	now := s.clock()
	u.CreatedAt = fromMS(ms(now))
	err := s.w.QueryRowContext(ctx, `INSERT INTO users (id, email, name, password_hash, is_admin, timezone, created_at, updated_at)
		VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN $5 ELSE ($8 AND NOT EXISTS (SELECT 1 FROM users)) END, $6, $7, $7) RETURNING is_admin`,
		u.ID, u.Email, u.Name, u.PasswordHash, u.IsAdmin, u.Timezone, ms(now), u.AdminIfFirst).Scan(&u.IsAdmin)
	u.AdminIfFirst = false
	if isUniqueViolation(err) {
		return User{}, ErrConflict
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return u, nil
}

// UserByID returns the user with id.
func (s *Store) UserByID(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return User{}, notFound(err)
	}
	return u, nil
}

// UserByEmail returns the user with this e-mail address (any case). An
// address that is not valid UTF-8 or holds a NUL is ErrNotFound without a
// query (PostgreSQL refuses such text).
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	if !validate.IsText(email) {
		return User{}, ErrNotFound
	}
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, NormalizeEmail(email)))
	if err != nil {
		return User{}, notFound(err)
	}
	return u, nil
}

// ListUsers returns every user, oldest first. For administrators and the CLI.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetAdmin grants or revokes the administrator role.
func (s *Store) SetAdmin(ctx context.Context, userID string, admin bool) error {
	return s.updateUser(ctx, userID, `is_admin = $2`, admin)
}

// SetPassword replaces a user's password hash.
func (s *Store) SetPassword(ctx context.Context, userID, hash string) error {
	return s.updateUser(ctx, userID, `password_hash = $2`, hash)
}

// UpdateProfile changes a user's display name, time zone (an IANA name)
// and whether Synapse shares their presence and read receipts.
func (s *Store) UpdateProfile(ctx context.Context, userID, name, timezone string, sharePresence bool) error {
	return s.updateUser(ctx, userID, `name = $2, timezone = $3, share_presence = $4`, name, timezone, sharePresence)
}

func (s *Store) updateUser(ctx context.Context, userID, set string, args ...any) error {
	args = append([]any{userID}, args...)
	args = append(args, ms(s.clock()))
	q := fmt.Sprintf(`UPDATE users SET %s, updated_at = $%d WHERE id = $1`, set, len(args))
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: update user: %w", err)
	}
	return expectOne(res)
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

func expectOne(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
