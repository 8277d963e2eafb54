// Package knowledge turns message text into knowledge: links, and tasks,
// notes, ideas, locations and calendar events. Everything here is a plain
// function from text to records, testable without an engine, a database or
// a network.
package knowledge

import (
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
)

// Item is one piece of knowledge extracted from a message or transcript.
type Item struct {
	// Kind is a task, note, idea, location or event.
	Kind domain.Kind `json:"kind"`
	// Title is a short line: the task to do, the gist of a note or idea, or
	// the name of a place.
	Title string `json:"title"`
	// Body holds the full text the item came from, when longer than Title.
	Body string `json:"body,omitempty"`

	// Due is when a task is due, when the text says so.
	Due *time.Time `json:"due,omitempty"`
	// DueHasTime reports whether Due carries a time of day (otherwise only
	// its date is meaningful).
	DueHasTime bool `json:"dueHasTime,omitempty"`

	// Location fields, for domain.KindLocation.
	Address   string   `json:"address,omitempty"`
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`

	// Event fields, for domain.KindEvent: when it starts (always set for an
	// event) and ends (optional), where, and with whom.
	Start  *time.Time `json:"start,omitempty"`
	End    *time.Time `json:"end,omitempty"`
	Place  string     `json:"place,omitempty"`
	People []string   `json:"people,omitempty"`
}
