package store

import (
	"strings"

	"github.com/synapse-kb/synapse/internal/validate"
)

// cleanText makes text that came from outside (WhatsApp, a fetched web
// page) storable in both databases alike: invalid UTF-8 and NUL characters,
// which PostgreSQL refuses and SQLite would keep, become U+FFFD. Input a
// person types is refused at the boundary instead (validate.Text); text
// relayed from elsewhere cannot be refused, only cleaned.
func cleanText(s string) string {
	if validate.IsText(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// clean cleans the text fields of a message that are stored in columns of
// their own (see cleanText). Attachment fields travel in the payload's
// JSON, whose encoding already makes them storable, and the media
// reference is the engine's, not to be altered.
func (m *Message) clean() {
	for _, p := range []*string{&m.ChatID, &m.ID, &m.From, &m.FromName, &m.Type, &m.Text, &m.ReplyTo} {
		*p = cleanText(*p)
	}
}
