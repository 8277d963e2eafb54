package knowledge

import "errors"

// Errors returned by NormalizeURL. Callers match them with errors.Is; the
// returned error may wrap them with detail.
var (
	// ErrURLTooLong reports a URL (given or normalised) longer than MaxURLLength bytes.
	ErrURLTooLong = errors.New("knowledge: url too long")
	// ErrUnsupportedScheme reports a URL whose scheme is not http or https,
	// including a URL without a scheme.
	ErrUnsupportedScheme = errors.New("knowledge: url scheme is not http or https")
	// ErrInvalidURL reports a URL that does not parse or has no usable host.
	ErrInvalidURL = errors.New("knowledge: invalid url")
)
