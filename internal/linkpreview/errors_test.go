package linkpreview

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestDescribeSaysItInWords(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "example.com", Server: "10.96.0.10:53"}}
	for err, want := range map[error]string{
		fmt.Errorf("linkpreview: get https://example.com/: %w", dial):                   "could not be reached",
		&StatusError{StatusCode: 404, URL: "https://example.com/x"}:                     "does not exist",
		&StatusError{StatusCode: 503, URL: "https://example.com/x"}:                     "HTTP 503",
		&ForbiddenAddressError{Host: "intranet", Addr: netip.MustParseAddr("10.0.0.1")}: "private or local",
		fmt.Errorf("fetch: %w", context.DeadlineExceeded):                               "too long",
		errors.New("something unexpected at 192.0.2.7"):                                 "could not be fetched",
	} {
		got := Describe(err)
		if !strings.Contains(got, want) || strings.ContainsAny(got, "[]") || strings.Contains(got, "10.") || strings.Contains(got, "192.0.2") || strings.Contains(got, "linkpreview") {
			t.Errorf("Describe(%v) = %q, want it to say %q and nothing internal", err, got, want)
		}
	}
}
