package webhooks

import "slices"

// Events are the names a person filters an endpoint's events by, in the
// order pages list them.
var Events = []string{"message", "bookmark", "task", "note", "idea", "event", "location", "voice_memo", "summary", "session_status"}

// EventName returns the filter name of a realtime event type, and false for
// types that are not sent to webhooks (QR codes, history progress, the
// webhooks' own notices). A message's edits and deletions are "message"
// events; a calendar event is "event".
func EventName(typ string) (string, bool) {
	switch typ {
	case "message", "message.edited", "message.deleted":
		return "message", true
	case "session.status":
		return "session_status", true
	case "event", "calendar_event", "calendar-event":
		return "event", true
	}
	if slices.Contains(Events, typ) {
		return typ, true
	}
	return "", false
}

// ValidEvent reports whether name is one of Events.
func ValidEvent(name string) bool { return slices.Contains(Events, name) }

// EventDisabled is the realtime event type that tells a person Synapse
// disabled one of their endpoints: {"id", "url", "reason"}.
const EventDisabled = "webhook.disabled"
