package linkpreview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
)

var (
	// ErrForbiddenAddress means the URL's host is, or resolves to, an address
	// the SSRF rules refuse (loopback, private, link-local, metadata
	// endpoints, …). The error is a *ForbiddenAddressError naming the
	// address. Not retryable.
	ErrForbiddenAddress = errors.New("linkpreview: address not allowed")
	// ErrUnsupportedScheme means a URL, or a redirect, is not http or https.
	ErrUnsupportedScheme = errors.New("linkpreview: only http and https URLs are fetched")
	// ErrInvalidURL means the URL cannot be parsed or has no valid host.
	ErrInvalidURL = errors.New("linkpreview: invalid URL")
	// ErrTooManyRedirects means more redirects than allowed (a loop, say).
	ErrTooManyRedirects = errors.New("linkpreview: too many redirects")
	// ErrTooLarge means an image exceeded the caller's byte limit.
	ErrTooLarge = errors.New("linkpreview: response exceeds the size limit")
	// ErrNotImage means FetchImage got something that is not a raster image.
	ErrNotImage = errors.New("linkpreview: not an image")
)

// ForbiddenAddressError is a dial the SSRF rules refused. It matches
// ErrForbiddenAddress with errors.Is.
type ForbiddenAddressError struct {
	// Host is the host name or address that was to be dialled.
	Host string
	// Addr is the refused IP address; invalid when the name itself was
	// refused (such as "localhost").
	Addr netip.Addr
}

func (e *ForbiddenAddressError) Error() string {
	if !e.Addr.IsValid() {
		return fmt.Sprintf("%v: %s", ErrForbiddenAddress, e.Host)
	}
	if e.Host == "" || e.Host == e.Addr.String() {
		return fmt.Sprintf("%v: %s", ErrForbiddenAddress, e.Addr)
	}
	return fmt.Sprintf("%v: %s (%s)", ErrForbiddenAddress, e.Addr, e.Host)
}

// Unwrap makes errors.Is(err, ErrForbiddenAddress) hold.
func (e *ForbiddenAddressError) Unwrap() error { return ErrForbiddenAddress }

// StatusError is a non-2xx answer.
type StatusError struct {
	StatusCode int
	URL        string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("linkpreview: %s answered HTTP %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// IsRetryable reports whether a failed fetch may succeed later: timeouts,
// refused or reset connections, temporary DNS failures, and HTTP 408, 425,
// 429 and 5xx. Refused addresses, bad URLs and schemes, redirect loops,
// oversized or non-image responses, 4xx answers and unknown host names are
// not retryable.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	for _, permanent := range []error{ErrForbiddenAddress, ErrUnsupportedScheme, ErrInvalidURL, ErrTooManyRedirects, ErrTooLarge, ErrNotImage} {
		if errors.Is(err, permanent) {
			return false
		}
	}
	var se *StatusError
	if errors.As(err, &se) {
		switch se.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
			return true
		}
		return se.StatusCode >= 500
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Describe says in words for people why a preview could not be made: what
// happened and whether it is worth trying again. It never shows the error
// chain (addresses, resolver details), which belongs in the log.
func Describe(err error) string {
	var se *StatusError
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrForbiddenAddress):
		return "Previews are not fetched from private or local addresses, for safety."
	case errors.Is(err, ErrUnsupportedScheme), errors.Is(err, ErrInvalidURL):
		return "This is not a web address a preview can be made of."
	case errors.Is(err, ErrTooManyRedirects):
		return "The site keeps redirecting, so no preview could be made."
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrNotImage):
		return "The page is not one a preview can be made of."
	case errors.As(err, &se) && se.StatusCode == http.StatusNotFound, errors.As(err, &se) && se.StatusCode == http.StatusGone:
		return fmt.Sprintf("The page does not exist any more (HTTP %d).", se.StatusCode)
	case errors.As(err, &se) && (se.StatusCode == http.StatusUnauthorized || se.StatusCode == http.StatusForbidden):
		return fmt.Sprintf("The site does not let Synapse read the page (HTTP %d).", se.StatusCode)
	case errors.As(err, &se):
		return fmt.Sprintf("The site answered with an error (HTTP %d).", se.StatusCode)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.ETIMEDOUT):
		return "The site took too long to answer."
	case errors.As(err, &dnsErr), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.ECONNRESET):
		return "The site could not be reached: the server may have no internet access, or the site is down."
	}
	return "The preview could not be fetched."
}
