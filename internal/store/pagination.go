package store

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Page is one page of a list, newest first. NextCursor is empty on the last
// page.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// ListOptions selects a page.
type ListOptions struct {
	// Limit is clamped to 1…MaxPageSize; 0 means DefaultPageSize.
	Limit int
	// Cursor is the NextCursor of the previous page, or empty for the first.
	Cursor string
}

const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

func (o ListOptions) limit() int {
	switch {
	case o.Limit <= 0:
		return DefaultPageSize
	case o.Limit > MaxPageSize:
		return MaxPageSize
	}
	return o.Limit
}

// ErrBadCursor means a cursor was not made by this server.
var ErrBadCursor = errBadCursor{}

type errBadCursor struct{}

func (errBadCursor) Error() string { return "store: invalid cursor" }

// keyset cursors are "<int64>|<string>", base64url-encoded.
func encodeCursor(n int64, s string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(n, 10) + "|" + s))
}

func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", ErrBadCursor
	}
	num, rest, ok := strings.Cut(string(b), "|")
	if !ok {
		return 0, "", ErrBadCursor
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, "", ErrBadCursor
	}
	return n, rest, nil
}
