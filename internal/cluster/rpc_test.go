package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Errors keep their identity across nodes (through JSON), so that the API
// answers a forwarded operation exactly as a local one.
func TestRemoteErrorsRoundTrip(t *testing.T) {
	for code, sentinel := range remoteErrors {
		var back remoteError
		b, _ := json.Marshal(encodeError(fmt.Errorf("wrapped: %w", sentinel)))
		if err := json.Unmarshal(b, &back); err != nil || back.Code != code || !errors.Is(back.err(), sentinel) {
			t.Errorf("%s: came back as %+v (%v)", code, back, back.err())
		}
	}
	var se *whatsapp.StoppedError
	back := encodeError(&whatsapp.StoppedError{Status: whatsapp.StatusFailed, Reason: "banned"}).err()
	if !errors.As(back, &se) || se.Status != whatsapp.StatusFailed || se.Reason != "banned" {
		t.Errorf("stopped error came back as %v", back)
	}
	if other := encodeError(errors.New("disk full")).err(); other == nil || errors.Is(other, whatsapp.ErrNotConnected) {
		t.Errorf("an unknown error came back as %v", other)
	}
}
