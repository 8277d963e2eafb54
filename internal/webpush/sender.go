// Package webpush sends browser push notifications: messages encrypted for
// one subscription (RFC 8291, aes128gcm) and signed by this server's VAPID
// key (RFC 8292), posted to the subscription's push service.
//
// The encryption and the VAPID signature come from
// github.com/SherClockHolmes/webpush-go. Requests go through the
// link-preview fetcher's address guard (linkpreview.GuardedTransport): an
// endpoint must be https on a public address, unless its host:port is
// allowed by WEBPUSH_ALLOWED_HOSTS (tests, local push services).
package webpush

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	lib "github.com/SherClockHolmes/webpush-go"

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
	t, err := linkpreview.GuardedTransport(o.AllowedHosts)
	if err != nil {
		return nil, fmt.Errorf("webpush: %w", err)
	}
	// Many reminders fall due at the same minute and most go to a few push
	// services: keep connections to them.
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 64
	s := &Sender{keys: keys, subject: o.Subject, allowed: map[string]bool{}, timeout: o.Timeout,
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
	if err := CheckKeys(sub.P256dh, sub.Auth); err != nil {
		return err
	}
	if len(m.Payload) > MaxPayloadBytes {
		return fmt.Errorf("%w: %d bytes", ErrPayloadTooLarge, len(m.Payload))
	}
	ttl := m.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// The library pads the message in place, writing into the spare
	// capacity of the slice it is given: it gets a copy of its own (with
	// no spare capacity), so that one payload may go to many
	// subscriptions at once.
	payload := make([]byte, len(m.Payload))
	copy(payload, m.Payload)
	resp, err := lib.SendNotificationWithContext(ctx, payload, &lib.Subscription{
		Endpoint: sub.Endpoint, Keys: lib.Keys{P256dh: sub.P256dh, Auth: sub.Auth},
	}, &lib.Options{
		HTTPClient: s.client,
		// The library prefixes "mailto:" to every subject that does not
		// start with "https:".
		Subscriber:      strings.TrimPrefix(s.subject, "mailto:"),
		TTL:             int(ttl / time.Second),
		Urgency:         lib.Urgency(m.Urgency),
		Topic:           m.Topic,
		VAPIDPublicKey:  s.keys.PublicKey,
		VAPIDPrivateKey: s.keys.PrivateKey,
	})
	if err != nil {
		if errors.Is(err, lib.ErrMaxPadExceeded) {
			return fmt.Errorf("%w: %v", ErrPayloadTooLarge, err)
		}
		return fmt.Errorf("webpush: send to %s: %w", origin(sub.Endpoint), err)
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
