// Package domain is Synapse's vocabulary: the kinds of things a knowledge
// base holds and the realtime event types that announce them, defined once
// and used by the store, the jobs, the realtime hub, the API and the web
// UI's templates. It imports nothing.
package domain

// Kind is a kind of thing a person's knowledge base holds. Its string is
// the name used in the API (search kinds, event types, sources) and in the
// database.
type Kind string

const (
	KindMessage   Kind = "message"
	KindBookmark  Kind = "bookmark"
	KindTask      Kind = "task"
	KindNote      Kind = "note"
	KindIdea      Kind = "idea"
	KindLocation  Kind = "location"
	KindVoiceMemo Kind = "voice_memo"
	KindSummary   Kind = "summary"
	KindImage     Kind = "image"
	// KindEvent is a calendar event: a meeting or plan with a start time.
	KindEvent Kind = "event"
)

// Kinds lists every kind, in the order pages and documents name them.
var Kinds = []Kind{KindMessage, KindBookmark, KindTask, KindNote, KindIdea, KindLocation, KindVoiceMemo, KindSummary, KindImage, KindEvent}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Label is how pages call one thing of the kind.
func (k Kind) Label() string {
	switch k {
	case KindMessage:
		return "Message"
	case KindBookmark:
		return "Bookmark"
	case KindTask:
		return "Task"
	case KindNote:
		return "Note"
	case KindIdea:
		return "Idea"
	case KindLocation:
		return "Place"
	case KindVoiceMemo:
		return "Voice memo"
	case KindSummary:
		return "Summary"
	case KindImage:
		return "Image"
	case KindEvent:
		return "Event"
	}
	return string(k)
}

// Event types of the realtime streams. Every kind above is also the type of
// the event that announces a new or changed thing of that kind.
const (
	EventSessionStatus = "session.status"
	EventSessionQR     = "session.qr"
	// EventMessageEdited carries a message its sender edited.
	EventMessageEdited = "message.edited"
	// EventMessageDeleted names a message deleted for everyone and what
	// went with it.
	EventMessageDeleted = "message.deleted"
	// EventHistoryProgress reports the import of the history a phone sends
	// a newly linked device: {"chats", "messages", "progress", "done"}.
	EventHistoryProgress = "history.progress"
	// EventEventDeleted names a calendar event the person deleted: {"id"}.
	// A new or changed calendar event is announced as KindEvent ("event").
	EventEventDeleted = "event.deleted"
	// EventReminderDue carries a reminder that went out (reminders.Reminder).
	EventReminderDue = "reminder.due"
	// EventReminder carries a reminder that changed (snoozed, rescheduled).
	EventReminder = "reminder"
	// EventSuggestion carries a suggestion (a promise or a request found
	// in a chat) that arrived in the Suggested inbox or changed status
	// (accepted, dismissed, answered).
	EventSuggestion = "suggestion"
)
