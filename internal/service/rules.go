package service

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

// Limits on what people type and send. They are the same for the API and
// the web UI; docs/API.md lists them.
const (
	// MaxTitle bounds titles, names of places and addresses (characters).
	MaxTitle = 500
	// MaxBody bounds the body of a task, note or idea and a bookmark's
	// description (characters).
	MaxBody = 20000
	// MaxURL bounds a link (characters).
	MaxURL = 2048
	// MaxPersonName bounds a person's display name (characters).
	MaxPersonName = 100
	// MaxID bounds an id taken from a URL or a body (bytes); longer ones
	// cannot exist.
	MaxID = 128
	// MaxMessageText bounds a WhatsApp message to send (bytes).
	MaxMessageText = 65536
	// MaxAttachmentBytes bounds a photo or file to send (WhatsApp's own
	// limit for photos is 16 MiB).
	MaxAttachmentBytes = 16 << 20
	// MaxFileName bounds the name of a file to send (characters).
	MaxFileName = 255
	// SendsPerMinute and SendBurst bound how fast one person sends through
	// Synapse (texts, replies, photos and files alike): WhatsApp flags
	// accounts that send in bulk.
	SendsPerMinute = 30
	SendBurst      = 10
	// MaxReadReceipts bounds the read receipts one reading of a chat sends
	// (the newest unread messages).
	MaxReadReceipts = 200
	// OlderMessagesPerRequest is how many older messages one "load older
	// messages" asks the phone for.
	OlderMessagesPerRequest = 50
	// MaxSearchQuery bounds a search (characters).
	MaxSearchQuery = 500
	// MaxCursor bounds a page cursor (bytes).
	MaxCursor = 512
	// MinPhoneDigits and MaxPhoneDigits bound a phone number with its
	// country code (E.164 has at most 15 digits).
	MinPhoneDigits = 7
	MaxPhoneDigits = 15
	// MaxAccessTokens bounds how many personal access tokens a person has
	// at once.
	MaxAccessTokens = 50
	// MaxTokenName bounds a personal access token's name (characters).
	MaxTokenName = 100
	// MaxTokenLifetime bounds how far ahead a personal access token's
	// expiry may be set (without one it does not expire).
	MaxTokenLifetime = 5 * 366 * 24 * time.Hour
)

// checkText trims *v and checks it: present when required, at most max
// characters, valid UTF-8 without NUL or other control characters than
// tab and line breaks (which no database column should hold).
func checkText(errs *validate.Errors, field string, v *string, required bool, max int) {
	if v == nil {
		if required {
			errs.Add(field, "is required")
		}
		return
	}
	*v = strings.TrimSpace(*v)
	switch n := utf8.RuneCountInString(*v); {
	case required && n == 0:
		errs.Add(field, "is required")
	case n > max:
		errs.Add(field, fmt.Sprintf("must have at most %d characters", max))
	case !cleanText(*v):
		errs.Add(field, "is not valid text")
	}
}

// cleanText reports whether s is valid UTF-8 without NUL and other control
// characters (tab, line feed and carriage return are text).
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return false
		}
	}
	return true
}

// validID reports whether id can name a stored thing: not empty, short,
// printable. Ids that fail cannot exist, so callers answer not found.
func validID(id string) bool {
	if id == "" || len(id) > MaxID || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// checkIDs answers store.ErrNotFound when any of ids cannot exist.
func checkIDs(ids ...string) error {
	for _, id := range ids {
		if !validID(id) {
			return store.ErrNotFound
		}
	}
	return nil
}

// Page selects a page of a list: at most Limit items (0: the default),
// after Cursor (the NextCursor of the previous page).
type Page struct {
	Limit  int
	Cursor string
}

// listOptions checks a page request.
func listOptions(p Page) (store.ListOptions, error) {
	var errs validate.Errors
	if p.Limit < 0 || p.Limit > store.MaxPageSize {
		errs.Add("limit", fmt.Sprintf("must be a whole number from 1 to %d", store.MaxPageSize))
	}
	if len(p.Cursor) > MaxCursor {
		errs.Add("cursor", "is too long")
	} else {
		for i := 0; i < len(p.Cursor); i++ {
			if c := p.Cursor[i]; c <= 0x20 || c >= 0x7f {
				return store.ListOptions{}, store.ErrBadCursor
			}
		}
	}
	return store.ListOptions{Limit: p.Limit, Cursor: p.Cursor}, errs.Err()
}

// List is one page of a list, newest first; NextCursor is empty on the last
// page.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

func listOf[T any](p store.Page[T], err error) (List[T], error) {
	if err != nil {
		return List[T]{Items: []T{}}, err
	}
	items := p.Items
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, NextCursor: p.NextCursor}, nil
}

// timezoneMessage is what a bad time zone field says.
const timezoneMessage = validate.TimezoneMessage

// zoneCache keeps loaded time zones: pages and summaries ask for the same
// few many times.
type zoneCache struct{ m sync.Map }

// Location returns the named zone, or UTC for a name that is not one
// (stored names were checked when saved).
func (s *Service) Location(name string) *time.Location {
	if l, ok := s.zones.m.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := validate.ParseTimezone(name)
	if err != nil {
		l = time.UTC
	}
	s.zones.m.Store(name, l)
	return l
}

// ParsePhone turns a phone number as people type it ("+44 7700-900 123",
// "(11) 98765 4321") into its digits: MinPhoneDigits to MaxPhoneDigits of
// them, with only spaces, dots, dashes, brackets and a leading plus
// between.
func ParsePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == '+' && i == 0:
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	d := b.String()
	if len(d) < MinPhoneDigits || len(d) > MaxPhoneDigits {
		return "", false
	}
	return d, true
}

// whatsAppID reads a chat or person as people give it: a WhatsApp id as
// Synapse shows it (…@s.whatsapp.net, …@g.us, …@lid) as it is, or a phone
// number with its country code as that number's id.
func whatsAppID(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if user, server, ok := strings.Cut(v, "@"); ok {
		return v, user != "" && server != "" && validID(v) && !strings.ContainsAny(v, " \t")
	}
	if d, ok := ParsePhone(v); ok {
		return d + "@s.whatsapp.net", true
	}
	return "", false
}

const (
	chatIDMessage   = "is not a chat id: use a chat's id (…@s.whatsapp.net, …@g.us) or a phone number with its country code"
	personIDMessage = "is not a person's WhatsApp id: use an id from /api/v1/people (…@s.whatsapp.net) or a phone number with its country code"
)

// phoneMessage is what a bad phone number field says.
const phoneMessage = "must have its country code: 7 to 15 digits, such as +44 7700 900123"

// parseDay reads a calendar day (YYYY-MM-DD).
func parseDay(s string) (time.Time, bool) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil || d.Year() < 1900 || d.Year() > 9999 {
		return time.Time{}, false
	}
	return d, true
}

// parseMoment reads an RFC 3339 time, or a day (YYYY-MM-DD) meaning its
// midnight in loc; end moves a day to the midnight after it, so that "to
// 2026-12-05" includes that day.
func parseMoment(s string, loc *time.Location, end bool) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	d, ok := parseDay(s)
	if !ok {
		return time.Time{}, false
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, true
}

// yesterday is the day before now in loc, as YYYY-MM-DD.
func yesterday(now time.Time, loc *time.Location) string {
	n := now.In(loc)
	return time.Date(n.Year(), n.Month(), n.Day()-1, 0, 0, 0, 0, loc).Format("2006-01-02")
}
