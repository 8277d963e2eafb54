// Package webpush sends browser push notifications: messages encrypted for
// one subscription (RFC 8291, aes128gcm) and signed by this server's VAPID
// key (RFC 8292), posted to the subscription's push service.
//
// The encryption (encrypt.go) and the VAPID header (vapid.go) follow the
// RFCs with the standard library's ECDH, HKDF, AES-GCM and ECDSA; the
// VAPID header is signed once per push service and renewed every few
// hours rather than for every message. Requests go through the
// link-preview fetcher's address guard (linkpreview.GuardedTransport): an
// endpoint must be https on a public address, unless its host:port is
// allowed by WEBPUSH_ALLOWED_HOSTS (tests, local push services).
package webpush

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/linkpreview"
)

// Urgency is the Urgency header (RFC 8030 §5.3).
type Urgency string

// Urgencies.
const (
	UrgencyVeryLow Urgency = "very-low"
	UrgencyLow     Urgency = "low"
	UrgencyNormal  Urgency = "normal"
	UrgencyHigh    Urgency = "high"
)

// Limits.
const (
	// MaxEndpointBytes caps a subscription's endpoint URL.
	MaxEndpointBytes = 2048
	// MaxPayloadBytes is the largest payload sent: one 4,096-byte record
	// less the header (86 bytes with the key), the GCM tag and the
	// delimiter, rounded down to leave room.
	MaxPayloadBytes = 3800
	// DefaultTTL is how long a push service keeps a message for an
	// offline browser when the message says nothing.
	DefaultTTL = 24 * time.Hour
	// DefaultTimeout bounds one request to a push service.
	DefaultTimeout = 15 * time.Second
)

// Options configure a Sender.
type Options struct {
	Keys Keys
	// Subject is the contact in the VAPID claims: a mailto: or https: URL.
	Subject string
	// AllowedHosts are host:port pairs of endpoints that may be plain http
	// or on private addresses.
	AllowedHosts []string
	// Timeout bounds one request (default DefaultTimeout).
	Timeout time.Duration
}

// Subscription is where one browser receives pushes: its push service's
// endpoint and its keys (base64url), as PushSubscription.toJSON() gives.
type Subscription struct {
	Endpoint string
	P256dh   string
	Auth     string
}

// Message is one push.
type Message struct {
	// Payload is encrypted for the subscription; at most MaxPayloadBytes.
	Payload []byte
	// TTL is how long the push service keeps the message for a browser
	// that is offline (default DefaultTTL; rounded down to seconds).
	TTL time.Duration
	// Urgency is optional.
	Urgency Urgency
	// Topic, optional, replaces an undelivered earlier message with the
	// same topic (at most 32 base64url characters).
	Topic string
}

// Sender sends pushes. It is safe for concurrent use.
type Sender struct {
	keys    Keys
	subject string
	allowed map[string]bool
	timeout time.Duration
	client  *http.Client
	vapid   *vapidSigner
	now     func() time.Time
}

// New returns a Sender.
func New(o Options) (*Sender, error) {
	keys, err := ParseKeys(o.Keys.PublicKey, o.Keys.PrivateKey)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(o.Subject, "mailto:") && !strings.HasPrefix(o.Subject, "https://") {
		return nil, fmt.Errorf("webpush: subject %q is not a mailto: or https: URL", o.Subject)
	}
	vapid, err := newVAPIDSigner(keys, o.Subject)
	if err != nil {
		return nil, err
	}
	t, err := linkpreview.GuardedTransport(o.AllowedHosts)
	if err != nil {
		return nil, fmt.Errorf("webpush: %w", err)
	}
	// Many reminders fall due at the same minute and most go to a few push
	// services: keep connections to them.
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 64
	s := &Sender{keys: keys, subject: o.Subject, allowed: map[string]bool{}, timeout: o.Timeout, vapid: vapid, now: time.Now,
		client: &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	for _, h := range o.AllowedHosts {
		s.allowed[strings.ToLower(strings.TrimSpace(h))] = true
	}
	return s, nil
}

// PublicKey is the VAPID public key (base64url), the applicationServerKey
// of PushManager.subscribe.
func (s *Sender) PublicKey() string { return s.keys.PublicKey }

// CheckEndpoint reports whether raw may be pushed to: an absolute https URL
// without credentials of at most MaxEndpointBytes (http only for an allowed
// host:port). The address rule is applied again when dialling.
func (s *Sender) CheckEndpoint(raw string) error {
	if len(raw) > MaxEndpointBytes {
		return fmt.Errorf("%w: endpoint longer than %d bytes", ErrBadSubscription, MaxEndpointBytes)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return fmt.Errorf("%w: endpoint is not an absolute URL", ErrBadSubscription)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host, port := u.Hostname(), u.Port()
		if port == "" {
			port = "80"
		}
		if s.allowed[strings.ToLower(net.JoinHostPort(host, port))] {
			return nil
		}
	}
	return fmt.Errorf("%w: endpoint must be an https URL", ErrBadSubscription)
}

// Send encrypts m for sub and posts it to sub's push service. A subscription
// the push service no longer knows (404, 410) is ErrGone; another answer
// than 201 or 202 is a *StatusError (Retryable for 429 and 5xx).
func (s *Sender) Send(ctx context.Context, sub Subscription, m Message) error {
	if err := s.CheckEndpoint(sub.Endpoint); err != nil {
		return err
	}
	ua, auth, err := parseSubscriptionKeys(sub.P256dh, sub.Auth)
	if err != nil {
		return err
	}
	if len(m.Payload) > MaxPayloadBytes {
		return fmt.Errorf("%w: %d bytes", ErrPayloadTooLarge, len(m.Payload))
	}
	ttl := m.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	body, err := encryptFor(m.Payload, ua, auth)
	if err != nil {
		return err
	}
	org := origin(sub.Endpoint)
	authz, err := s.vapid.header(org, s.now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSubscription, err)
	}
	h := req.Header
	h.Set("Content-Encoding", "aes128gcm")
	h.Set("Content-Type", "application/octet-stream")
	h.Set("TTL", strconv.Itoa(int(ttl/time.Second)))
	if m.Urgency != "" {
		h.Set("Urgency", string(m.Urgency))
	}
	if m.Topic != "" {
		h.Set("Topic", m.Topic)
	}
	h.Set("Authorization", authz)
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("webpush: send to %s: %w", org, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	switch {
	case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return ErrGone
	}
	return &StatusError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
}

// origin is the scheme and host of an endpoint, for logs (the path is the
// subscription's secret).
func origin(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "?"
	}
	return u.Scheme + "://" + u.Host
}

// Origin is the scheme and host of an endpoint: what may be shown of it
// (its path identifies the browser to the push service).
func Origin(endpoint string) string { return origin(endpoint) }

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
