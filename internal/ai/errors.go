package ai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

var (
	// ErrNotConfigured means a required setting is missing or malformed; the
	// wrapping error names the environment variable.
	ErrNotConfigured = errors.New("ai: provider not configured")
	// ErrInvalidAnswer means the model answered, but not with JSON of the
	// requested shape (or with nothing at all). Not retryable.
	ErrInvalidAnswer = errors.New("ai: model answer is not of the requested shape")
	// ErrRefused means the model declined to answer (a refusal). Not retryable.
	ErrRefused = errors.New("ai: model refused to answer")
	// ErrInvalidResponse means the server answered 2xx with a body that is
	// not an OpenAI-compatible response. Not retryable.
	ErrInvalidResponse = errors.New("ai: provider sent an invalid response")
	// ErrResponseTooLarge means the server's response exceeded the size cap.
	ErrResponseTooLarge = errors.New("ai: provider response too large")
	// ErrAudioTooLarge means the audio exceeds MaxAudioBytes.
	ErrAudioTooLarge = errors.New("ai: audio exceeds the size limit")
	// ErrEmptyInput means there was nothing to send (no audio bytes, no
	// messages); no request was made.
	ErrEmptyInput = errors.New("ai: empty input")
)

// ProviderError is a failed call to a provider: an HTTP error status, a
// timeout, or a transport failure. Its message names the operation, the
// provider (host of the base URL) and model, the HTTP status and the
// provider's own error message. The API key is never part of it: provider
// messages that echo the key are redacted before they are stored here.
type ProviderError struct {
	// Op is the operation: "transcribe", "extract items" or "summarise day".
	Op string
	// Provider is the host[:port] of the configured base URL.
	Provider string
	// Model is the configured model name.
	Model string
	// StatusCode is the HTTP status, or 0 when no response arrived.
	StatusCode int
	// Type, Code and Param come from the provider's error envelope
	// ({"error":{"message","type","param","code"}}) when it sent one.
	Type, Code, Param string
	// Message is the provider's own error message (redacted, shortened), or
	// a description of the transport failure.
	Message string
	// Timeout reports that no complete answer arrived within the per-request
	// timeout or before the caller's deadline.
	Timeout bool

	retryAfter    time.Duration
	hasRetryAfter bool
	err           error
}

func (e *ProviderError) Error() string {
	var b strings.Builder
	b.WriteString("ai: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "provider %s", e.Provider)
	if e.Model != "" {
		fmt.Fprintf(&b, " (model %s)", e.Model)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteString(" " + t)
		}
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	var tags []string
	if e.Type != "" {
		tags = append(tags, "type="+e.Type)
	}
	if e.Code != "" {
		tags = append(tags, "code="+e.Code)
	}
	if e.Param != "" {
		tags = append(tags, "param="+e.Param)
	}
	if len(tags) > 0 {
		b.WriteString(" (" + strings.Join(tags, ", ") + ")")
	}
	return b.String()
}

// Unwrap returns the underlying transport or context error, if any.
func (e *ProviderError) Unwrap() error { return e.err }

// Retryable reports whether the same call may succeed later: 408, 409, 425,
// 429 and 5xx statuses, timeouts, and transient transport failures.
func (e *ProviderError) Retryable() bool {
	if e.StatusCode != 0 {
		return retryableStatus(e.StatusCode)
	}
	if e.Timeout {
		return true
	}
	return e.err != nil && transient(e.err)
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return code >= 500
}

// IsRetryable reports whether err is worth retrying later: rate limits
// (429), server errors (5xx), timeouts, refused or reset connections and
// other transient network failures. A cancelled context counts as retryable
// (the work was interrupted, not refused). Permanent errors (400, 401, 403,
// 404, invalid answers, configuration errors) are not retryable.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe.Retryable()
	}
	return transient(err)
}

// RetryAfter returns how long the provider asked to wait before the next
// attempt, from Retry-After (seconds or an HTTP date), retry-after-ms, or
// the x-ratelimit-reset-* headers, and whether it said so at all. A wait
// that has already passed is reported as 0 with ok true.
func RetryAfter(err error) (time.Duration, bool) {
	var pe *ProviderError
	if errors.As(err, &pe) && pe.hasRetryAfter {
		return pe.retryAfter, true
	}
	return 0, false
}

// transient reports whether a non-HTTP failure is likely to go away.
func transient(err error) bool {
	switch {
	case errors.Is(err, ErrInvalidResponse), errors.Is(err, ErrResponseTooLarge),
		errors.Is(err, ErrInvalidAnswer), errors.Is(err, ErrRefused),
		errors.Is(err, ErrNotConfigured), errors.Is(err, ErrAudioTooLarge), errors.Is(err, ErrEmptyInput):
		return false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		// The server closed the connection before a full response.
		return true
	}
	// A provider name that does not resolve is usually a container that is
	// not up yet; the job system bounds the attempts.
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
