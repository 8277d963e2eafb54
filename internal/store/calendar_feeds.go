package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// CalendarFeed is a person's private calendar feed. The store keeps only
// the SHA-256 of its secret.
type CalendarFeed struct {
	UserID    string
	TokenHash []byte
	CreatedAt time.Time
	// LastFetchedAt is the zero time for a feed never fetched; it is
	// recorded at most about once a minute (see MarkCalendarFeedServed).
	LastFetchedAt time.Time
	// ContentHash is the hash of the document last served (nil: none),
	// and ChangedAt when it last changed.
	ContentHash []byte
	ChangedAt   time.Time
}

const calendarFeedColumns = `f.user_id, f.token_hash, f.created_at, f.last_fetched_at, f.content_hash, f.changed_at`

type calendarFeedRow struct {
	f                CalendarFeed
	created          int64
	fetched, changed sql.NullInt64
}

func (r *calendarFeedRow) dest() []any {
	return []any{&r.f.UserID, &r.f.TokenHash, &r.created, &r.fetched, &r.f.ContentHash, &r.changed}
}

func (r *calendarFeedRow) feed() CalendarFeed {
	f := r.f
	f.CreatedAt, f.LastFetchedAt, f.ChangedAt = fromMS(r.created), nullMS(r.fetched), nullMS(r.changed)
	return f
}

// PutCalendarFeed gives the user a calendar feed identified by the SHA-256
// of its secret, replacing the one they had (rotation): from this moment
// the old secret finds nothing. A user that does not exist is ErrNotFound;
// a hash already in use is ErrConflict.
func (s *Store) PutCalendarFeed(ctx context.Context, userID string, hash []byte) (CalendarFeed, error) {
	now := fromMS(ms(s.clock()))
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1`, userID).Scan(&n); err != nil {
			return fmt.Errorf("store: put calendar feed: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at,
				last_fetched_at = NULL, content_hash = NULL, changed_at = NULL`, userID, hash, ms(now))
		switch {
		case isUniqueViolation(err):
			return ErrConflict
		case isForeignKeyViolation(err):
			return ErrNotFound
		case err != nil:
			return fmt.Errorf("store: put calendar feed: %w", err)
		}
		return nil
	})
	if err != nil {
		return CalendarFeed{}, err
	}
	return CalendarFeed{UserID: userID, TokenHash: hash, CreatedAt: now}, nil
}

// CalendarFeed returns the user's calendar feed, ErrNotFound when they have
// none.
func (s *Store) CalendarFeed(ctx context.Context, userID string) (CalendarFeed, error) {
	var row calendarFeedRow
	err := s.r.QueryRowContext(ctx, `SELECT `+calendarFeedColumns+` FROM calendar_feeds f WHERE f.user_id = $1`, userID).Scan(row.dest()...)
	if err != nil {
		return CalendarFeed{}, notFound(err)
	}
	return row.feed(), nil
}

// ResolveCalendarFeed returns the feed whose secret has the SHA-256 hash,
// with the state of its account, in one query. An unknown hash (a revoked
// or rotated feed) is ErrNotFound.
func (s *Store) ResolveCalendarFeed(ctx context.Context, hash []byte) (CalendarFeed, AccountState, error) {
	var row calendarFeedRow
	var st AccountState
	var disabled sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT `+calendarFeedColumns+`, u.is_admin, u.disabled_at
		FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = $1`, hash).
		Scan(append(row.dest(), &st.IsAdmin, &disabled)...)
	if err != nil {
		return CalendarFeed{}, AccountState{}, notFound(err)
	}
	st.DisabledAt = nullMS(disabled)
	return row.feed(), st, nil
}

// MarkCalendarFeedServed records that the user's feed (still identified by
// tokenHash: a feed rotated meanwhile is left alone) served a document
// with contentHash at at. ChangedAt moves to at when contentHash differs
// from the last one; LastFetchedAt moves unless it is less than minGap
// before at, so that frequent fetches write at most once per minGap. It
// returns the feed's ChangedAt afterwards (the zero time when the feed is
// gone).
func (s *Store) MarkCalendarFeedServed(ctx context.Context, userID string, tokenHash, contentHash []byte, at time.Time, minGap time.Duration) (time.Time, error) {
	var changed sql.NullInt64
	gap := ms(at) - minGap.Milliseconds()
	err := s.w.QueryRowContext(ctx, `UPDATE calendar_feeds SET
			changed_at = CASE WHEN content_hash IS NULL OR content_hash <> $3 THEN $4 ELSE changed_at END,
			content_hash = $3,
			last_fetched_at = CASE WHEN last_fetched_at IS NULL OR last_fetched_at <= $5 THEN $4 ELSE last_fetched_at END
		WHERE user_id = $1 AND token_hash = $2
			AND (content_hash IS NULL OR content_hash <> $3 OR last_fetched_at IS NULL OR last_fetched_at <= $5)
		RETURNING changed_at`, userID, tokenHash, contentHash, ms(at), gap).Scan(&changed)
	if err == sql.ErrNoRows {
		f, err := s.CalendarFeed(ctx, userID)
		if err == ErrNotFound {
			return time.Time{}, nil
		}
		return f.ChangedAt, err
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: mark calendar feed served: %w", err)
	}
	return nullMS(changed), nil
}

// DeleteCalendarFeed revokes the user's calendar feed: from this moment its
// secret finds nothing. ErrNotFound when they have none.
func (s *Store) DeleteCalendarFeed(ctx context.Context, userID string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM calendar_feeds WHERE user_id = $1`, userID)
	if err != nil {
		return fmt.Errorf("store: delete calendar feed: %w", err)
	}
	return expectOne(res)
}

// DatedTasks returns up to limit of the user's tasks that have a due date,
// done or not, latest due first (ties by id).
func (s *Store) DatedTasks(ctx context.Context, userID string, limit int) ([]Task, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE user_id = $1 AND due_at IS NOT NULL
		ORDER BY due_at DESC, id LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: dated tasks: %w", err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan task: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
