package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

// Errors keep their identity across nodes (through JSON), so that the API
// answers a forwarded operation exactly as a local one.
func TestRemoteErrorsRoundTrip(t *testing.T) {
	for code, sentinel := range remoteErrors {
		var back RemoteError
		b, _ := json.Marshal(EncodeRemoteError(fmt.Errorf("wrapped: %w", sentinel)))
		if err := json.Unmarshal(b, &back); err != nil || back.Code != code || !errors.Is(back.Err(), sentinel) {
			t.Errorf("%s: came back as %+v (%v)", code, back, back.Err())
		}
	}
	var se *StoppedError
	back := EncodeRemoteError(&StoppedError{Status: StatusFailed, Reason: "banned"}).Err()
	if !errors.As(back, &se) || se.Status != StatusFailed || se.Reason != "banned" {
		t.Errorf("stopped error came back as %v", back)
	}
	if other := EncodeRemoteError(errors.New("disk full")).Err(); other == nil || errors.Is(other, ErrNotConnected) {
		t.Errorf("an unknown error came back as %v", other)
	}
}
