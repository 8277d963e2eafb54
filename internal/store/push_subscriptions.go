package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PushSubscription is one browser's Web Push subscription.
type PushSubscription struct {
	ID     string
	UserID string
	// Endpoint is the push service's URL for the browser; P256dh and Auth
	// are its keys (base64url).
	Endpoint string
	P256dh   string
	Auth     string
	// Label names the browser for its owner (from its user agent).
	Label     string
	CreatedAt time.Time
	// LastSuccessAt is the zero time before the first delivery; it is
	// recorded at most about hourly (see PushDelivered).
	LastSuccessAt time.Time
	// Failures counts failed deliveries since the last success.
	Failures int
}

const pushSubscriptionColumns = `id, user_id, endpoint, p256dh, auth, label, created_at, last_success_at, failures`

func scanPushSubscription(sc interface{ Scan(...any) error }) (PushSubscription, error) {
	var p PushSubscription
	var created int64
	var success sql.NullInt64
	if err := sc.Scan(&p.ID, &p.UserID, &p.Endpoint, &p.P256dh, &p.Auth, &p.Label, &created, &success, &p.Failures); err != nil {
		return PushSubscription{}, err
	}
	p.CreatedAt, p.LastSuccessAt = fromMS(created), nullMS(success)
	return p, nil
}

// PutPushSubscription stores p (Endpoint, P256dh, Auth, Label) as one of
// the user's subscriptions and returns it. An endpoint already known is
// updated in place (new keys, failures reset) and keeps its id; an endpoint
// that another user subscribed becomes this user's, since it names one
// browser and the person who subscribed it last is the one using it. The
// user keeps at most max subscriptions: the oldest beyond that are deleted.
// A user that does not exist is ErrNotFound.
func (s *Store) PutPushSubscription(ctx context.Context, userID string, p PushSubscription, max int) (PushSubscription, error) {
	now := ms(s.clock())
	var out PushSubscription
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		lock := `SELECT COUNT(*) FROM users WHERE id = $1`
		if s.dialect == Postgres {
			lock = `SELECT COUNT(*) FROM (SELECT id FROM users WHERE id = $1 FOR UPDATE) u`
		}
		var n int
		if err := tx.QueryRowContext(ctx, lock, userID).Scan(&n); err != nil {
			return fmt.Errorf("store: lock user: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		// Another account's row for the endpoint goes, so that the row
		// found or made below starts afresh (a concurrent subscription
		// of the same endpoint by another account lands in the upsert,
		// which hands the row over too).
		if _, err := tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE endpoint = $1 AND user_id <> $2`, p.Endpoint, userID); err != nil {
			return fmt.Errorf("store: take over push subscription: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, label, created_at, failures)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0)
			ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth,
				label = excluded.label, failures = 0`,
			NewID(), userID, p.Endpoint, p.P256dh, p.Auth, p.Label, now); err != nil {
			return fmt.Errorf("store: put push subscription: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN
			(SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)`, userID, max); err != nil {
			return fmt.Errorf("store: trim push subscriptions: %w", err)
		}
		var err error
		out, err = scanPushSubscription(tx.QueryRowContext(ctx, `SELECT `+pushSubscriptionColumns+` FROM push_subscriptions
			WHERE user_id = $1 AND endpoint = $2`, userID, p.Endpoint))
		if err != nil {
			return fmt.Errorf("store: read push subscription: %w", notFound(err))
		}
		return nil
	})
	return out, err
}

// ListPushSubscriptions returns the user's subscriptions, newest first.
func (s *Store) ListPushSubscriptions(ctx context.Context, userID string) ([]PushSubscription, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+pushSubscriptionColumns+` FROM push_subscriptions WHERE user_id = $1
		ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list push subscriptions: %w", err)
	}
	defer rows.Close()
	out := []PushSubscription{}
	for rows.Next() {
		p, err := scanPushSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan push subscription: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// GetPushSubscription returns one of the user's subscriptions; another
// user's is ErrNotFound.
func (s *Store) GetPushSubscription(ctx context.Context, userID, id string) (PushSubscription, error) {
	p, err := scanPushSubscription(s.r.QueryRowContext(ctx, `SELECT `+pushSubscriptionColumns+` FROM push_subscriptions
		WHERE user_id = $1 AND id = $2`, userID, id))
	if err != nil {
		return PushSubscription{}, notFound(err)
	}
	return p, nil
}

// DeletePushSubscription deletes one of the user's subscriptions by id;
// another user's, or one already deleted, is ErrNotFound.
func (s *Store) DeletePushSubscription(ctx context.Context, userID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return fmt.Errorf("store: delete push subscription: %w", err)
	}
	return expectOne(res)
}

// DeletePushSubscriptionByEndpoint deletes the user's subscription with
// this endpoint (a browser unsubscribing itself); ErrNotFound when the user
// has none with it.
func (s *Store) DeletePushSubscriptionByEndpoint(ctx context.Context, userID, endpoint string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2`, userID, endpoint)
	if err != nil {
		return fmt.Errorf("store: delete push subscription: %w", err)
	}
	return expectOne(res)
}

// PushDelivered records a delivery to one of the user's subscriptions at
// at: failures reset, last success set.
func (s *Store) PushDelivered(ctx context.Context, userID, id string, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE push_subscriptions SET last_success_at = $3, failures = 0
		WHERE user_id = $1 AND id = $2`, userID, id, ms(at)); err != nil {
		return fmt.Errorf("store: record push delivery: %w", err)
	}
	return nil
}

// PushFailed counts a failed delivery to one of the user's subscriptions.
func (s *Store) PushFailed(ctx context.Context, userID, id string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE push_subscriptions SET failures = failures + 1
		WHERE user_id = $1 AND id = $2`, userID, id); err != nil {
		return fmt.Errorf("store: record push failure: %w", err)
	}
	return nil
}

// PushSubscriptionsOf returns the subscriptions of several people at once
// (reminders due together), by person, each person's newest first; a
// person without any has no entry. It crosses people, as the sending of
// every reminder due at one instant must (internal/jobs).
func (s *Store) PushSubscriptionsOf(ctx context.Context, userIDs []string) (map[string][]PushSubscription, error) {
	out := map[string][]PushSubscription{}
	for len(userIDs) > 0 {
		chunk := userIDs[:min(len(userIDs), 500)]
		userIDs = userIDs[len(chunk):]
		var args []any
		rows, err := s.r.QueryContext(ctx, `SELECT user_id, `+pushSubscriptionColumns+` FROM push_subscriptions WHERE user_id IN (`+idList(&args, chunk)+`)
			ORDER BY user_id, created_at DESC, id DESC`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: push subscriptions of people: %w", err)
		}
		for rows.Next() {
			var userID string
			p, err := scanPushSubscription(prefixed{rows, &userID})
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: scan push subscription: %w", err)
			}
			out[userID] = append(out[userID], p)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: push subscriptions of people: %w", err)
		}
	}
	return out, nil
}
