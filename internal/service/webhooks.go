package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/linkpreview"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/webhooks"
)

// Limits of webhooks.
const (
	// MaxWebhookEndpoints bounds how many endpoints a person has.
	MaxWebhookEndpoints = 20
	// MaxWebhookURL bounds an endpoint's URL (bytes).
	MaxWebhookURL = 2048
	// MaxWebhookDescription bounds an endpoint's description (characters).
	MaxWebhookDescription = 200
	// MaxReplay bounds how many deliveries one bulk replay queues.
	MaxReplay = 1000
	// DefaultDeliveries and MaxDeliveries are a delivery log page's size.
	DefaultDeliveries, MaxDeliveries = 50, 200
)

// WebhookEndpoint is an endpoint as its owner sees it: never its secret.
type WebhookEndpoint struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Events      []string `json:"events"`
	Enabled     bool     `json:"enabled"`
	// Status is active, failing (attempts fail since FailingSince) or
	// disabled (by its owner, or by Synapse with DisabledReason).
	Status         string     `json:"status"`
	FailingSince   *time.Time `json:"failingSince,omitempty"`
	DisabledAt     *time.Time `json:"disabledAt,omitempty"`
	DisabledReason string     `json:"disabledReason,omitempty"`
	// PreviousSecretExpiresAt is set while a rotated-out secret still
	// signs requests (until then, requests carry two signatures).
	PreviousSecretExpiresAt *time.Time `json:"previousSecretExpiresAt,omitempty"`
	CreatedAt               time.Time  `json:"createdAt"`
	UpdatedAt               time.Time  `json:"updatedAt"`
}

// WebhookEndpointWithSecret is an endpoint just made, or whose secret was
// just rotated, with its secret: the only time it is shown.
type WebhookEndpointWithSecret struct {
	WebhookEndpoint
	// Secret (whsec_…) verifies the requests' signatures.
	Secret string `json:"secret"`
}

// NewWebhookEndpoint is what a person asks for to add an endpoint.
type NewWebhookEndpoint struct {
	URL         string
	Description string
	// Events are names of webhooks.Events (at least one).
	Events []string
	// Enabled defaults to true.
	Enabled *bool
}

// WebhookEndpointChange changes an endpoint (nil fields are kept).
type WebhookEndpointChange struct {
	URL, Description *string
	Events           *[]string
	Enabled          *bool
}

// WebhookDelivery is one entry of an endpoint's delivery log.
type WebhookDelivery struct {
	ID         string `json:"id"`
	EndpointID string `json:"endpointId"`
	EventID    string `json:"eventId"`
	EventType  string `json:"eventType"`
	// Status is pending, retrying, succeeded or failed.
	Status       string    `json:"status"`
	Attempts     int       `json:"attempts"`
	LatencyMS    int64     `json:"latencyMs"`
	ResponseCode int       `json:"responseCode,omitempty"`
	Error        string    `json:"error,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// DeliveryPage is a page of a delivery log, newest first.
type DeliveryPage struct {
	Items      []WebhookDelivery `json:"items"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Service) viewWebhook(e store.WebhookEndpoint) WebhookEndpoint {
	v := WebhookEndpoint{ID: e.ID, URL: e.URL, Description: e.Description, Events: e.Events, Enabled: e.Enabled,
		FailingSince: timePtr(e.FailingSince), DisabledAt: timePtr(e.DisabledAt), DisabledReason: e.DisabledReason,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	switch {
	case !e.Enabled:
		v.Status = "disabled"
	case !e.FailingSince.IsZero():
		v.Status = "failing"
	default:
		v.Status = "active"
	}
	if e.PreviousSecret != "" && s.o.Now().Before(e.PreviousExpiresAt) {
		v.PreviousSecretExpiresAt = timePtr(e.PreviousExpiresAt)
	}
	return v
}

func viewDelivery(d store.WebhookDelivery) WebhookDelivery {
	return WebhookDelivery{ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType, Status: d.Status,
		Attempts: d.Attempts, LatencyMS: d.Latency.Milliseconds(), ResponseCode: d.ResponseCode, Error: d.Error,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// checkWebhookURL checks an endpoint's URL: http(s), at most MaxWebhookURL
// bytes, and not an address the SSRF rules refuse (unless allowed by
// WEBHOOK_ALLOWED_HOSTS); names are checked again on every request.
func (s *Service) checkWebhookURL(errs *validate.Errors, raw *string) {
	*raw = strings.TrimSpace(*raw)
	switch {
	case *raw == "":
		errs.Add("url", "is required")
		return
	case len(*raw) > MaxWebhookURL:
		errs.Add("url", fmt.Sprintf("must be at most %d bytes", MaxWebhookURL))
		return
	}
	u, err := linkpreview.ParseURL(*raw)
	if err != nil {
		errs.Add("url", "must be an absolute http or https URL")
		return
	}
	if linkpreview.Refused(u, s.o.WebhookAllowedHosts) {
		errs.Add("url", "must not point to a private or local network address")
		return
	}
	*raw = u.String()
}

// checkWebhookEvents checks event names (at least one, each known) and
// returns them once each, in webhooks.Events order.
func checkWebhookEvents(errs *validate.Errors, names []string) []string {
	var out []string
	for _, n := range names {
		if !webhooks.ValidEvent(n) {
			errs.Add("events", "must hold one or more of "+strings.Join(webhooks.Events, ", "))
			return nil
		}
	}
	for _, e := range webhooks.Events {
		if slices.Contains(names, e) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		errs.Add("events", "must hold one or more of "+strings.Join(webhooks.Events, ", "))
	}
	return out
}

// WebhookEndpoints lists the person's endpoints, oldest first.
func (s *Service) WebhookEndpoints(ctx context.Context, userID string) ([]WebhookEndpoint, error) {
	list, err := s.o.Store.ListWebhookEndpoints(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]WebhookEndpoint, len(list))
	for i, e := range list {
		out[i] = s.viewWebhook(e)
	}
	return out, nil
}

// WebhookEndpoint returns one of the person's endpoints.
func (s *Service) WebhookEndpoint(ctx context.Context, userID, id string) (WebhookEndpoint, error) {
	if err := checkIDs(id); err != nil {
		return WebhookEndpoint{}, err
	}
	e, err := s.o.Store.GetWebhookEndpoint(ctx, userID, id)
	if err != nil {
		return WebhookEndpoint{}, err
	}
	return s.viewWebhook(e), nil
}

// CreateWebhookEndpoint checks and adds an endpoint with a new secret,
// which the answer holds and nothing shows again. A person with
// MaxWebhookEndpoints endpoints gets ErrTooManyWebhooks.
func (s *Service) CreateWebhookEndpoint(ctx context.Context, userID string, in NewWebhookEndpoint) (WebhookEndpointWithSecret, error) {
	var errs validate.Errors
	s.checkWebhookURL(&errs, &in.URL)
	checkText(&errs, "description", &in.Description, false, MaxWebhookDescription)
	events := checkWebhookEvents(&errs, in.Events)
	if err := errs.Err(); err != nil {
		return WebhookEndpointWithSecret{}, err
	}
	secret := webhooks.NewSecret()
	e, err := s.o.Store.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{UserID: userID, URL: in.URL, Description: in.Description,
		Events: events, Enabled: in.Enabled == nil || *in.Enabled, Secret: secret}, MaxWebhookEndpoints)
	if errors.Is(err, store.ErrLimitReached) {
		return WebhookEndpointWithSecret{}, ErrTooManyWebhooks
	}
	if err != nil {
		return WebhookEndpointWithSecret{}, err
	}
	return WebhookEndpointWithSecret{WebhookEndpoint: s.viewWebhook(e), Secret: secret}, nil
}

// UpdateWebhookEndpoint changes one of the person's endpoints. Enabling
// one clears its failure record.
func (s *Service) UpdateWebhookEndpoint(ctx context.Context, userID, id string, in WebhookEndpointChange) (WebhookEndpoint, error) {
	if err := checkIDs(id); err != nil {
		return WebhookEndpoint{}, err
	}
	var errs validate.Errors
	var p store.WebhookEndpointPatch
	if in.URL != nil {
		s.checkWebhookURL(&errs, in.URL)
		p.URL = in.URL
	}
	if in.Description != nil {
		checkText(&errs, "description", in.Description, false, MaxWebhookDescription)
		p.Description = in.Description
	}
	if in.Events != nil {
		p.Events = checkWebhookEvents(&errs, *in.Events)
	}
	p.Enabled = in.Enabled
	if err := errs.Err(); err != nil {
		return WebhookEndpoint{}, err
	}
	e, err := s.o.Store.UpdateWebhookEndpoint(ctx, userID, id, p)
	if err != nil {
		return WebhookEndpoint{}, err
	}
	return s.viewWebhook(e), nil
}

// DeleteWebhookEndpoint deletes one of the person's endpoints and its
// delivery log; nothing more is sent to it.
func (s *Service) DeleteWebhookEndpoint(ctx context.Context, userID, id string) error {
	if err := checkIDs(id); err != nil {
		return err
	}
	return s.o.Store.DeleteWebhookEndpoint(ctx, userID, id)
}

// RotateWebhookSecret gives one of the person's endpoints a new secret,
// returned this once. The previous secret keeps signing for
// webhooks.OldSecretGrace (24 hours): meanwhile every request carries a
// signature by each, so the receiver can switch at its own pace.
func (s *Service) RotateWebhookSecret(ctx context.Context, userID, id string) (WebhookEndpointWithSecret, error) {
	if err := checkIDs(id); err != nil {
		return WebhookEndpointWithSecret{}, err
	}
	secret := webhooks.NewSecret()
	e, err := s.o.Store.RotateWebhookSecret(ctx, userID, id, secret, s.o.Now().Add(webhooks.OldSecretGrace))
	if err != nil {
		return WebhookEndpointWithSecret{}, err
	}
	return WebhookEndpointWithSecret{WebhookEndpoint: s.viewWebhook(e), Secret: secret}, nil
}

// WebhookDeliveries returns a page of one of the person's endpoints'
// delivery log, newest first, optionally only in one status. cursor is a
// previous page's NextCursor.
func (s *Service) WebhookDeliveries(ctx context.Context, userID, endpointID, status, cursor string, limit int) (DeliveryPage, error) {
	if err := checkIDs(endpointID); err != nil {
		return DeliveryPage{}, err
	}
	if _, err := s.o.Store.GetWebhookEndpoint(ctx, userID, endpointID); err != nil {
		return DeliveryPage{}, err
	}
	var errs validate.Errors
	if status != "" && !validDeliveryStatus(status) {
		errs.Add("status", "must be one of pending, retrying, succeeded, failed")
	}
	if cursor != "" && !validID(cursor) {
		return DeliveryPage{}, store.ErrBadCursor
	}
	switch {
	case limit == 0:
		limit = DefaultDeliveries
	case limit < 0 || limit > MaxDeliveries:
		errs.Add("limit", fmt.Sprintf("must be between 1 and %d", MaxDeliveries))
	}
	if err := errs.Err(); err != nil {
		return DeliveryPage{}, err
	}
	list, err := s.o.Store.ListWebhookDeliveries(ctx, userID, endpointID, store.DeliveryFilter{Status: status, Before: cursor, Limit: limit + 1})
	if err != nil {
		return DeliveryPage{}, err
	}
	page := DeliveryPage{Items: []WebhookDelivery{}}
	for i, d := range list {
		if i == limit {
			page.NextCursor = list[i-1].ID
			break
		}
		page.Items = append(page.Items, viewDelivery(d))
	}
	return page, nil
}

// WebhookDelivery returns one delivery of one of the person's endpoints.
func (s *Service) WebhookDelivery(ctx context.Context, userID, endpointID, id string) (WebhookDelivery, error) {
	if err := checkIDs(endpointID, id); err != nil {
		return WebhookDelivery{}, err
	}
	d, err := s.o.Store.GetWebhookDelivery(ctx, userID, id)
	if err != nil {
		return WebhookDelivery{}, err
	}
	if d.EndpointID != endpointID {
		return WebhookDelivery{}, store.ErrNotFound
	}
	return viewDelivery(d), nil
}

func validDeliveryStatus(s string) bool {
	return slices.Contains([]string{store.DeliveryPending, store.DeliveryRetrying, store.DeliverySucceeded, store.DeliveryFailed}, s)
}

// ReplayWebhookDelivery sends one delivery again, with the same
// webhook-id (receivers that processed it already ignore it) and a fresh
// timestamp and signature.
func (s *Service) ReplayWebhookDelivery(ctx context.Context, userID, endpointID, id string) (WebhookDelivery, error) {
	if _, err := s.WebhookDelivery(ctx, userID, endpointID, id); err != nil {
		return WebhookDelivery{}, err
	}
	if s.o.Jobs == nil {
		return WebhookDelivery{}, ErrUnavailable
	}
	if _, err := s.o.Jobs.ReplayWebhookDeliveries(ctx, userID, endpointID, []string{id}, store.DeliveryFilter{}); err != nil {
		return WebhookDelivery{}, err
	}
	return s.WebhookDelivery(ctx, userID, endpointID, id)
}

// BulkReplay selects deliveries to send again.
type BulkReplay struct {
	// Status is the state of the deliveries to replay (default failed).
	Status string
	// Since is an RFC 3339 time: deliveries made at or after it (required).
	Since string
}

// ReplayWebhookDeliveries sends again, at most MaxReplay at a time, the
// deliveries of one of the person's endpoints in a status since a time
// (say every failed one since the endpoint came back), and returns how many
// it queued.
func (s *Service) ReplayWebhookDeliveries(ctx context.Context, userID, endpointID string, in BulkReplay) (int, error) {
	if err := checkIDs(endpointID); err != nil {
		return 0, err
	}
	if _, err := s.o.Store.GetWebhookEndpoint(ctx, userID, endpointID); err != nil {
		return 0, err
	}
	var errs validate.Errors
	if in.Status == "" {
		in.Status = store.DeliveryFailed
	}
	if !validDeliveryStatus(in.Status) {
		errs.Add("status", "must be one of pending, retrying, succeeded, failed")
	}
	since, err := time.Parse(time.RFC3339, strings.TrimSpace(in.Since))
	if err != nil {
		errs.Add("since", "is required: an RFC 3339 time")
	}
	if err := errs.Err(); err != nil {
		return 0, err
	}
	if s.o.Jobs == nil {
		return 0, ErrUnavailable
	}
	ids, err := s.o.Jobs.ReplayWebhookDeliveries(ctx, userID, endpointID, nil, store.DeliveryFilter{Status: in.Status, Since: since, Limit: MaxReplay})
	return len(ids), err
}
