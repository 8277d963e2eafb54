package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Errors of a cluster reach the client as retryable problems, also when
// wrapped on their way back from another node.
func TestClusterProblems(t *testing.T) {
	for _, tc := range []struct {
		err    error
		typ    string
		status int
	}{
		{fmt.Errorf("%w: node n2: connection refused", whatsapp.ErrNodeUnavailable), "/problems/node-unavailable", 503},
		{whatsapp.ErrOwnedElsewhere, "/problems/session-moving", 503},
	} {
		p, after := toProblem(tc.err)
		if p.Type != tc.typ || p.Status != tc.status || after < time.Second {
			t.Errorf("%v: %+v, retry after %s", tc.err, p, after)
		}
	}
}

// Waits are said as people say them, rounded up.
func TestHumanWait(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "1 second", 400 * time.Millisecond: "1 second", 40 * time.Second: "40 seconds",
		time.Minute: "1 minute", 61 * time.Second: "2 minutes", 90 * time.Minute: "90 minutes",
	} {
		if got := humanWait(d); got != want {
			t.Errorf("humanWait(%s) = %q, want %q", d, got, want)
		}
	}
}
