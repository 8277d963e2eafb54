package whatsapp

import "errors"

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
