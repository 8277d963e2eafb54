package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
)

// TestDescribeSaysNoAddresses: what the delivery log says of a failure is
// a few words for people, never the server's resolver or an address.
func TestDescribeSaysNoAddresses(t *testing.T) {
	dns := &net.DNSError{Err: "no such host", Name: "metadata.google.internal", Server: "10.255.255.53:53", IsNotFound: true}
	for _, err := range []error{
		fmt.Errorf("webhooks: post: %w", dns),
		fmt.Errorf("dial tcp 10.1.2.3:443: %w", syscall.ECONNREFUSED),
		fmt.Errorf("read tcp 10.1.2.3:5555->10.1.2.4:443: %w", syscall.ECONNRESET),
		errors.New("tls: failed to verify certificate for 10.1.2.3"),
		fmt.Errorf("webhooks: %w", context.DeadlineExceeded),
	} {
		got := Describe(err)
		if got == "" || strings.Contains(got, "10.") || strings.Contains(got, "metadata") || strings.Contains(got, ":53") {
			t.Errorf("Describe(%v) = %q", err, got)
		}
	}
	if got := Describe(fmt.Errorf("webhooks: %w", dns)); got != "the endpoint's host name could not be found" {
		t.Errorf("DNS failure: %q", got)
	}
}
