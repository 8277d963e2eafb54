package webhooks

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/synapse-kb/synapse/internal/linkpreview"
)

// DefaultTimeout bounds one request to an endpoint.
const DefaultTimeout = 10 * time.Second

// UserAgent is sent with every request.
const UserAgent = "Synapse-Webhooks/1.0"

// maxResponseBytes is how much of an answer is read (and discarded), so that
// the connection can be reused without reading an endless body.
const maxResponseBytes = 64 << 10

// SenderOptions configure a Sender.
type SenderOptions struct {
	// AllowedHosts are exact host:port pairs that may be reached even
	// though the SSRF rules refuse them (WEBHOOK_ALLOWED_HOSTS).
	AllowedHosts []string
	// Timeout bounds one request (0: DefaultTimeout).
	Timeout time.Duration
	// LookupIP replaces the resolver (tests).
	LookupIP func(ctx context.Context, host string) ([]net.IP, error)
}

// Sender posts signed events. It dials only what the link-preview fetcher
// may dial (linkpreview.GuardedTransportLookup) and follows no redirect.
type Sender struct {
	client  *http.Client
	timeout time.Duration
	allowed []string
}

// NewSender returns a Sender.
func NewSender(o SenderOptions) (*Sender, error) {
	tr, err := linkpreview.GuardedTransportLookup(o.AllowedHosts, o.LookupIP)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return &Sender{
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		timeout: o.Timeout,
		allowed: o.AllowedHosts,
	}, nil
}

// Timeout is the bound of one request.
func (s *Sender) Timeout() time.Duration { return s.timeout }

// AllowedHosts are the host:port pairs the SSRF rules let through.
func (s *Sender) AllowedHosts() []string { return s.allowed }

// Result is the outcome of one request.
type Result struct {
	// Code is the HTTP status (0 when there was no answer).
	Code    int
	Latency time.Duration
	// Err is nil for a 2xx answer, else what went wrong in words.
	Err error
}

// OK reports a 2xx answer.
func (r Result) OK() bool { return r.Err == nil }

// ErrStatus is an answer outside 2xx.
var ErrStatus = errors.New("webhooks: endpoint answered with an error status")

// Send posts body to url, as the event id at time at, signed with every
// secret given.
func (s *Sender) Send(ctx context.Context, url, id string, at time.Time, body []byte, secrets []string) Result {
	h, err := Headers(id, at, body, secrets...)
	if err != nil {
		return Result{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{Err: fmt.Errorf("webhooks: %w", err)}
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Latency: time.Since(start), Err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	resp.Body.Close()
	r := Result{Code: resp.StatusCode, Latency: time.Since(start)}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		r.Err = fmt.Errorf("%w %d", ErrStatus, resp.StatusCode)
	}
	return r
}

// Describe is an error of Send in a few words for the delivery log (no
// URL: it may carry a token the person put in it).
func Describe(err error) string {
	if err == nil {
		return ""
	}
	var fe *linkpreview.ForbiddenAddressError
	switch {
	case errors.As(err, &fe):
		return "address not allowed (private or local network)"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, ErrStatus):
		return strings.TrimPrefix(err.Error(), "webhooks: ")
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return "the endpoint's host name could not be found"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the endpoint refused the connection"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the endpoint could not be reached"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the endpoint closed the connection"
	}
	var ce *tls.CertificateVerificationError
	if errors.As(err, &ce) {
		return "the endpoint's TLS certificate is not valid"
	}
	// Anything else in general words: the error itself may name the
	// server's own resolver or addresses, which belong in the log only.
	return "the request to the endpoint failed"
}
