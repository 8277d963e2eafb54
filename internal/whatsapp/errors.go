package whatsapp

import (
	"errors"
	"time"
)

var (
	// ErrNotSupported is returned by engines for an operation they cannot do.
	ErrNotSupported = errors.New("whatsapp: not supported by this engine")
	// ErrNotConnected means the operation needs a logged-in session.
	ErrNotConnected = errors.New("whatsapp: session is not connected")
	// ErrMediaTooLarge means a download exceeded its size limit.
	ErrMediaTooLarge = errors.New("whatsapp: media exceeds the size limit")
	// ErrMediaGone means the media can no longer be fetched (expired or deleted).
	ErrMediaGone = errors.New("whatsapp: media is no longer available")
	// ErrInvalidChat means a chat id is malformed.
	ErrInvalidChat = errors.New("whatsapp: invalid chat id")
)

// Errors of Sessions.
var (
	// ErrAlreadyConnected means the session is logged in: there is no QR
	// code to show and nothing to pair.
	ErrAlreadyConnected = errors.New("whatsapp: session is already connected")
	// ErrQRNotReady means no QR code arrived in time; try again shortly.
	ErrQRNotReady = errors.New("whatsapp: QR code is not available yet")
	// ErrNotPairing means the session is not waiting to be paired.
	ErrNotPairing = errors.New("whatsapp: session is not waiting for pairing")
	// ErrClosed means the sessions are shutting down.
	ErrClosed = errors.New("whatsapp: session manager is shutting down")
	// ErrNodeUnavailable means the node running the session could not be
	// reached; when it died, another node takes the session over within a
	// lease (SYNAPSE_LEASE_TTL).
	ErrNodeUnavailable = errors.New("whatsapp: the node running this session cannot be reached")
	// ErrOwnedElsewhere means another node took the session while an
	// operation was being forwarded to this one; the caller may retry.
	ErrOwnedElsewhere = errors.New("whatsapp: the session is running on another node; try again")
)

// WaitingError means the session cannot reach WhatsApp now: the last
// connection attempt failed, and the next starts at RetryAt by itself.
type WaitingError struct {
	Reason  string
	RetryAt time.Time
}

func (e *WaitingError) Error() string {
	return "whatsapp: " + e.Reason + " (next try at " + e.RetryAt.UTC().Format(time.RFC3339) + ")"
}

// StoppedError says why an operation ended with the session stopped or
// failed instead of reaching the wanted state.
type StoppedError struct {
	Status Status
	Reason string
}

func (e *StoppedError) Error() string {
	return "whatsapp: session is " + string(e.Status) + ": " + e.Reason
}
