package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// WebhookEndpoint is a URL a person registered to receive their events.
type WebhookEndpoint struct {
	ID          string
	UserID      string
	URL         string
	Description string
	// Events are the event names the endpoint receives (message, task, …).
	Events  []string
	Enabled bool
	// Secret signs every request; PreviousSecret also signs until
	// PreviousExpiresAt (a rotation's grace period).
	Secret            string
	PreviousSecret    string
	PreviousExpiresAt time.Time
	// FailingSince is when the current run of failed attempts began; zero
	// while the endpoint works.
	FailingSince time.Time
	// DisabledAt and DisabledReason are set when Synapse disabled the
	// endpoint (after continuous failure); a person's own disabling leaves
	// them zero.
	DisabledAt     time.Time
	DisabledReason string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Secrets returns the secrets that sign a request at now: the current one,
// and the previous one while its grace period lasts.
func (e WebhookEndpoint) Secrets(now time.Time) []string {
	if e.PreviousSecret != "" && now.Before(e.PreviousExpiresAt) {
		return []string{e.Secret, e.PreviousSecret}
	}
	return []string{e.Secret}
}

// Webhook delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryRetrying  = "retrying"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event offered to one endpoint, with the outcome of
// its last attempt.
type WebhookDelivery struct {
	ID         string
	UserID     string
	EndpointID string
	EventID    string
	EventType  string
	// Payload is the JSON body that is signed and sent.
	Payload      string
	Status       string
	Attempts     int
	Latency      time.Duration
	ResponseCode int
	Error        string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

const webhookEndpointColumns = `id, user_id, url, description, events, enabled, secret, previous_secret, previous_expires_at,
	failing_since, disabled_at, disabled_reason, created_at, updated_at`

type webhookEndpointRow struct {
	e                          WebhookEndpoint
	events                     string
	prev                       sql.NullString
	prevExp, failing, disabled sql.NullInt64
	created, updated           int64
}

func (r *webhookEndpointRow) dest() []any {
	return []any{&r.e.ID, &r.e.UserID, &r.e.URL, &r.e.Description, &r.events, &r.e.Enabled, &r.e.Secret, &r.prev, &r.prevExp,
		&r.failing, &r.disabled, &r.e.DisabledReason, &r.created, &r.updated}
}

func (r *webhookEndpointRow) endpoint() WebhookEndpoint {
	e := r.e
	e.Events = splitList(r.events)
	e.PreviousSecret = r.prev.String
	e.PreviousExpiresAt, e.FailingSince, e.DisabledAt = nullMS(r.prevExp), nullMS(r.failing), nullMS(r.disabled)
	e.CreatedAt, e.UpdatedAt = fromMS(r.created), fromMS(r.updated)
	return e
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// CreateWebhookEndpoint stores a new endpoint of e.UserID (URL,
// Description, Events, Enabled, Secret), unless the user already has max
// endpoints (ErrLimitReached); the count and the insert are one
// transaction, with the user's row locked on PostgreSQL. A user that does
// not exist is ErrNotFound.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e WebhookEndpoint, max int) (WebhookEndpoint, error) {
	now := fromMS(ms(s.clock()))
	e.ID, e.CreatedAt, e.UpdatedAt = NewID(), now, now
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		lock := `SELECT COUNT(*) FROM users WHERE id = $1`
		if s.dialect == Postgres {
			lock = `SELECT COUNT(*) FROM (SELECT id FROM users WHERE id = $1 FOR UPDATE) u`
		}
		var n int
		if err := tx.QueryRowContext(ctx, lock, e.UserID).Scan(&n); err != nil {
			return fmt.Errorf("store: lock user: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_endpoints WHERE user_id = $1`, e.UserID).Scan(&n); err != nil {
			return fmt.Errorf("store: count webhook endpoints: %w", err)
		}
		if n >= max {
			return ErrLimitReached
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (id, user_id, url, description, events, enabled, secret, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, e.ID, e.UserID, e.URL, e.Description, strings.Join(e.Events, ","), e.Enabled, e.Secret, ms(now))
		if err != nil {
			return fmt.Errorf("store: insert webhook endpoint: %w", err)
		}
		return nil
	})
	if err != nil {
		return WebhookEndpoint{}, err
	}
	return e, nil
}

// ListWebhookEndpoints returns the user's endpoints, oldest first.
func (s *Store) ListWebhookEndpoints(ctx context.Context, userID string) ([]WebhookEndpoint, error) {
	return s.queryWebhookEndpoints(ctx, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints WHERE user_id = $1
		ORDER BY created_at, id`, userID)
}

// EnabledWebhookEndpoints returns the enabled endpoints of the given users.
func (s *Store) EnabledWebhookEndpoints(ctx context.Context, userIDs []string) ([]WebhookEndpoint, error) {
	return s.enabledWebhookEndpoints(ctx, s.r, userIDs)
}

// EnabledWebhookEndpoints is the Store's method inside the transaction.
func (t *Tx) EnabledWebhookEndpoints(ctx context.Context, userIDs []string) ([]WebhookEndpoint, error) {
	return t.s.enabledWebhookEndpoints(ctx, t.tx, userIDs)
}

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Store) enabledWebhookEndpoints(ctx context.Context, db queryer, userIDs []string) ([]WebhookEndpoint, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	var b strings.Builder
	args := make([]any, 0, len(userIDs))
	b.WriteString(`SELECT ` + webhookEndpointColumns + ` FROM webhook_endpoints WHERE enabled = TRUE AND user_id IN `)
	s.placeholders(&b, 0, len(userIDs))
	for _, u := range userIDs {
		args = append(args, u)
	}
	return queryWebhookEndpoints(ctx, db, b.String(), args...)
}

func (s *Store) queryWebhookEndpoints(ctx context.Context, q string, args ...any) ([]WebhookEndpoint, error) {
	return queryWebhookEndpoints(ctx, s.r, q, args...)
}

func queryWebhookEndpoints(ctx context.Context, db queryer, q string, args ...any) ([]WebhookEndpoint, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list webhook endpoints: %w", err)
	}
	defer rows.Close()
	out := []WebhookEndpoint{}
	for rows.Next() {
		var row webhookEndpointRow
		if err := rows.Scan(row.dest()...); err != nil {
			return nil, fmt.Errorf("store: scan webhook endpoint: %w", err)
		}
		out = append(out, row.endpoint())
	}
	return out, rows.Err()
}

// GetWebhookEndpoint returns one of the user's endpoints; another user's is
// ErrNotFound.
func (s *Store) GetWebhookEndpoint(ctx context.Context, userID, id string) (WebhookEndpoint, error) {
	var row webhookEndpointRow
	err := s.r.QueryRowContext(ctx, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints WHERE user_id = $1 AND id = $2`,
		userID, id).Scan(row.dest()...)
	if err != nil {
		return WebhookEndpoint{}, notFound(err)
	}
	return row.endpoint(), nil
}

// WebhookEndpointPatch changes some of an endpoint's fields (nil: keep).
type WebhookEndpointPatch struct {
	URL, Description *string
	Events           []string
	Enabled          *bool
}

// UpdateWebhookEndpoint changes one of the user's endpoints. Enabling an
// endpoint clears its failure record (FailingSince, DisabledAt,
// DisabledReason). Another user's endpoint is ErrNotFound.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, userID, id string, p WebhookEndpointPatch) (WebhookEndpoint, error) {
	sets := []string{"updated_at = $3"}
	args := []any{userID, id, ms(s.clock())}
	add := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if p.URL != nil {
		add("url", *p.URL)
	}
	if p.Description != nil {
		add("description", *p.Description)
	}
	if p.Events != nil {
		add("events", strings.Join(p.Events, ","))
	}
	if p.Enabled != nil {
		add("enabled", *p.Enabled)
		if *p.Enabled {
			sets = append(sets, "failing_since = NULL", "disabled_at = NULL", "disabled_reason = ''")
		}
	}
	res, err := s.w.ExecContext(ctx, `UPDATE webhook_endpoints SET `+strings.Join(sets, ", ")+` WHERE user_id = $1 AND id = $2`, args...)
	if err != nil {
		return WebhookEndpoint{}, fmt.Errorf("store: update webhook endpoint: %w", err)
	}
	if err := expectOne(res); err != nil {
		return WebhookEndpoint{}, err
	}
	return s.GetWebhookEndpoint(ctx, userID, id)
}

// RotateWebhookSecret makes secret the endpoint's secret; the one it
// replaces keeps signing until graceUntil. Another user's endpoint is
// ErrNotFound.
func (s *Store) RotateWebhookSecret(ctx context.Context, userID, id, secret string, graceUntil time.Time) (WebhookEndpoint, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE webhook_endpoints SET previous_secret = secret, previous_expires_at = $4,
		secret = $3, updated_at = $5 WHERE user_id = $1 AND id = $2`, userID, id, secret, ms(graceUntil), ms(s.clock()))
	if err != nil {
		return WebhookEndpoint{}, fmt.Errorf("store: rotate webhook secret: %w", err)
	}
	if err := expectOne(res); err != nil {
		return WebhookEndpoint{}, err
	}
	return s.GetWebhookEndpoint(ctx, userID, id)
}

// DeleteWebhookEndpoint deletes one of the user's endpoints with its
// delivery log; deliveries still queued find it gone and stop. Another
// user's endpoint is ErrNotFound.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, userID, id string) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE user_id = $1 AND endpoint_id = $2`, userID, id); err != nil {
			return fmt.Errorf("store: delete webhook deliveries: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE user_id = $1 AND id = $2`, userID, id)
		if err != nil {
			return fmt.Errorf("store: delete webhook endpoint: %w", err)
		}
		return expectOne(res)
	})
}

// InsertWebhookDeliveries stores deliveries (ID, UserID, EndpointID,
// EventID, EventType, Payload) as pending and returns those that were new:
// a delivery of an event to an endpoint that already has it, or to an
// endpoint deleted meanwhile, is left out,
// so that an event offered twice (by two nodes, or by a repeated job) is
// delivered once.
func (t *Tx) InsertWebhookDeliveries(ctx context.Context, ds []WebhookDelivery) ([]WebhookDelivery, error) {
	now := ms(t.s.clock())
	var out []WebhookDelivery
	for _, d := range ds {
		if d.ID == "" {
			d.ID = NewID()
		}
		res, err := t.tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, user_id, endpoint_id, event_id, event_type, payload, status, created_at, updated_at)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $8 WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $3 AND user_id = $2)
			ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
			d.ID, d.UserID, d.EndpointID, d.EventID, d.EventType, d.Payload, DeliveryPending, now)
		if err != nil {
			return nil, fmt.Errorf("store: insert webhook delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			d.Status, d.CreatedAt, d.UpdatedAt = DeliveryPending, fromMS(now), fromMS(now)
			out = append(out, d)
		}
	}
	return out, nil
}

const webhookDeliveryColumns = `id, user_id, endpoint_id, event_id, event_type, payload, status, attempts, latency_ms, response_code, error, created_at, updated_at`

type webhookDeliveryRow struct {
	d                WebhookDelivery
	latency, code    sql.NullInt64
	created, updated int64
}

func (r *webhookDeliveryRow) dest() []any {
	return []any{&r.d.ID, &r.d.UserID, &r.d.EndpointID, &r.d.EventID, &r.d.EventType, &r.d.Payload, &r.d.Status, &r.d.Attempts,
		&r.latency, &r.code, &r.d.Error, &r.created, &r.updated}
}

func (r *webhookDeliveryRow) delivery() WebhookDelivery {
	d := r.d
	d.Latency = time.Duration(r.latency.Int64) * time.Millisecond
	d.ResponseCode = int(r.code.Int64)
	d.CreatedAt, d.UpdatedAt = fromMS(r.created), fromMS(r.updated)
	return d
}

// GetWebhookDelivery returns one of the user's deliveries; another user's
// is ErrNotFound.
func (s *Store) GetWebhookDelivery(ctx context.Context, userID, id string) (WebhookDelivery, error) {
	var row webhookDeliveryRow
	err := s.r.QueryRowContext(ctx, `SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries WHERE user_id = $1 AND id = $2`,
		userID, id).Scan(row.dest()...)
	if err != nil {
		return WebhookDelivery{}, notFound(err)
	}
	return row.delivery(), nil
}

// DeliveryFilter selects deliveries of one endpoint.
type DeliveryFilter struct {
	// Status keeps only deliveries in this state ("" any).
	Status string
	// Since keeps only deliveries made at or after it (zero: any).
	Since time.Time
	// Before keeps deliveries whose id sorts before it (a page's cursor).
	Before string
	Limit  int
}

// ListWebhookDeliveries returns deliveries of one of the user's endpoints,
// newest first. Another user's endpoint has none.
func (s *Store) ListWebhookDeliveries(ctx context.Context, userID, endpointID string, f DeliveryFilter) ([]WebhookDelivery, error) {
	q := `SELECT ` + webhookDeliveryColumns + ` FROM webhook_deliveries WHERE user_id = $1 AND endpoint_id = $2`
	args := []any{userID, endpointID}
	if f.Status != "" {
		args = append(args, f.Status)
		q += fmt.Sprintf(" AND status = $%d", len(args))
	}
	if !f.Since.IsZero() {
		args = append(args, ms(f.Since))
		q += fmt.Sprintf(" AND created_at >= $%d", len(args))
	}
	if f.Before != "" {
		args = append(args, f.Before)
		q += fmt.Sprintf(" AND id < $%d", len(args))
	}
	q += " ORDER BY id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list webhook deliveries: %w", err)
	}
	defer rows.Close()
	out := []WebhookDelivery{}
	for rows.Next() {
		var row webhookDeliveryRow
		if err := rows.Scan(row.dest()...); err != nil {
			return nil, fmt.Errorf("store: scan webhook delivery: %w", err)
		}
		out = append(out, row.delivery())
	}
	return out, rows.Err()
}

// WebhookAttempt is the outcome of one attempt to deliver.
type WebhookAttempt struct {
	At           time.Time
	OK           bool
	Latency      time.Duration
	ResponseCode int
	Error        string
	// Final: no attempt follows a failure (the job's last one).
	Final bool
	// DisableAfter is how long an endpoint may fail continuously before
	// it is disabled (0: never).
	DisableAfter time.Duration
	// DisableReason is recorded when the endpoint is disabled.
	DisableReason string
}

// RecordWebhookAttempt records an attempt of one of the user's deliveries
// and its endpoint's health, in one transaction: success clears the
// endpoint's failure record; a failure starts it, or, when the endpoint has
// been failing for at least a.DisableAfter, disables the endpoint. It
// reports whether this attempt disabled it.
func (s *Store) RecordWebhookAttempt(ctx context.Context, userID, deliveryID, endpointID string, a WebhookAttempt) (disabled bool, err error) {
	status := DeliverySucceeded
	switch {
	case a.OK:
	case a.Final:
		status = DeliveryFailed
	default:
		status = DeliveryRetrying
	}
	var code sql.NullInt64
	if a.ResponseCode != 0 {
		code = sql.NullInt64{Int64: int64(a.ResponseCode), Valid: true}
	}
	at := ms(a.At)
	err = s.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, latency_ms = $4,
			response_code = $5, error = $6, updated_at = $7 WHERE user_id = $1 AND id = $2`,
			userID, deliveryID, status, a.Latency.Milliseconds(), code, a.Error, at)
		if err != nil {
			return fmt.Errorf("store: record webhook attempt: %w", err)
		}
		if a.OK {
			_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE user_id = $1 AND id = $2 AND failing_since IS NOT NULL`,
				userID, endpointID)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = $3 WHERE user_id = $1 AND id = $2 AND failing_since IS NULL`,
			userID, endpointID, at); err != nil {
			return fmt.Errorf("store: record webhook failure: %w", err)
		}
		if a.DisableAfter <= 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = $3, disabled_at = $4, disabled_reason = $5, updated_at = $4
			WHERE user_id = $1 AND id = $2 AND enabled = $6 AND failing_since <= $7`,
			userID, endpointID, false, at, a.DisableReason, true, at-a.DisableAfter.Milliseconds())
		if err != nil {
			return fmt.Errorf("store: disable webhook endpoint: %w", err)
		}
		n, _ := res.RowsAffected()
		disabled = n == 1
		return nil
	})
	return disabled, err
}

// FinishWebhookDelivery marks one of the user's deliveries failed without
// an attempt (its endpoint was disabled meanwhile), with the reason.
func (s *Store) FinishWebhookDelivery(ctx context.Context, userID, deliveryID, reason string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $3, error = $4, updated_at = $5
		WHERE user_id = $1 AND id = $2 AND status <> $6`, userID, deliveryID, DeliveryFailed, reason, ms(s.clock()), DeliverySucceeded)
	if err != nil {
		return fmt.Errorf("store: finish webhook delivery: %w", err)
	}
	return nil
}

// RequeueWebhookDeliveries sets deliveries of one of the user's endpoints
// back to pending, for a replay, and returns their ids: the ids given
// (another endpoint's or user's are left out), or, when ids is empty, those
// in the filter's state made since its Since (at most limit). Deliveries
// already pending are returned as they are.
func (t *Tx) RequeueWebhookDeliveries(ctx context.Context, userID, endpointID string, ids []string, f DeliveryFilter) ([]string, error) {
	var sel []string
	if len(ids) > 0 {
		for _, id := range ids {
			var got string
			err := t.tx.QueryRowContext(ctx, `SELECT id FROM webhook_deliveries WHERE user_id = $1 AND endpoint_id = $2 AND id = $3`,
				userID, endpointID, id).Scan(&got)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("store: requeue webhook deliveries: %w", err)
			}
			sel = append(sel, got)
		}
	} else {
		q := `SELECT id FROM webhook_deliveries WHERE user_id = $1 AND endpoint_id = $2 AND created_at >= $3`
		args := []any{userID, endpointID, ms(f.Since)}
		if f.Status != "" {
			args = append(args, f.Status)
			q += ` AND status = $4`
		}
		q += ` ORDER BY id`
		if f.Limit > 0 {
			q += fmt.Sprintf(" LIMIT %d", f.Limit)
		}
		rows, err := t.tx.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("store: requeue webhook deliveries: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			sel = append(sel, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	now := ms(t.s.clock())
	for _, id := range sel {
		if _, err := t.tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $3, updated_at = $4 WHERE user_id = $1 AND id = $2`,
			userID, id, DeliveryPending, now); err != nil {
			return nil, fmt.Errorf("store: requeue webhook delivery: %w", err)
		}
	}
	return sel, nil
}
