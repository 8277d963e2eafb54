// Package validate collects problems with input, field by field, so that the
// API can name every field that was wrong in one answer.
package validate

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldError is one problem with one input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Errors is a list of field problems; it is an error when non-empty.
type Errors []FieldError

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, f := range e {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a problem.
func (e *Errors) Add(field, msg string) { *e = append(*e, FieldError{field, msg}) }

// Err returns e as an error, or nil when there are no problems.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Length checks that s has between lo and hi characters.
func (e *Errors) Length(field, s string, lo, hi int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n < lo && lo == 1:
		e.Add(field, "is required")
	case n < lo:
		e.Add(field, "must have at least "+itoa(lo)+" characters")
	case n > hi:
		e.Add(field, "must have at most "+itoa(hi)+" characters")
	case !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0:
		e.Add(field, "is not valid text")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// ParseTimezone checks a time zone name: an IANA zone such as
// Europe/Lisbon, or UTC. "Local" (whatever the server's zone happens to
// be), misspelt and empty names are refused with ErrTimezone. This is the
// one rule for every place a person sets their time zone.
func ParseTimezone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 64 || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\\") {
		return nil, ErrTimezone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, ErrTimezone
	}
	return loc, nil
}

// ErrTimezone is the error of ParseTimezone.
var ErrTimezone = errors.New("validate: not an IANA time zone")

// TimezoneMessage is what a bad time zone field says.
const TimezoneMessage = "is not an IANA time zone such as Europe/Lisbon or America/Sao_Paulo"

// IsText reports whether s is text that every database stores as given:
// valid UTF-8 without NUL characters (PostgreSQL refuses both; SQLite
// would store them). Input that fails it is refused at the boundary.
func IsText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// Text checks that s is valid UTF-8 without NUL characters (see IsText),
// naming field when it is not.
func (e *Errors) Text(field, s string) {
	switch {
	case !utf8.ValidString(s):
		e.Add(field, "is not valid UTF-8")
	case strings.ContainsRune(s, 0):
		e.Add(field, "must not contain NUL characters")
	}
}
