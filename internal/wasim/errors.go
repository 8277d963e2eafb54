package wasim

import "errors"

// Errors of the Go and control APIs.
var (
	ErrUnknownPhone     = errors.New("wasim: no simulated phone has this number")
	ErrUnknownDevice    = errors.New("wasim: no such linked device")
	ErrUnknownGroup     = errors.New("wasim: no such group")
	ErrNotMember        = errors.New("wasim: the phone is not a member of the group")
	ErrPhoneExists      = errors.New("wasim: a phone with this number exists")
	ErrUnknownQR        = errors.New("wasim: QR code is unknown or expired")
	ErrNoPairingPending = errors.New("wasim: no pairing code is waiting for this phone")
	ErrPairingFailed    = errors.New("wasim: pairing failed")
)
