// Package reminders holds the rules of reminders that need no database or
// engine: when an item reminds (offsets, a chosen time, quiet hours,
// snoozes), the channels a reminder goes out through, what the messages in
// the person's "Message yourself" chat say, and how a message to oneself
// is read as a capture ("todo …", "remind me to … at …") or as a reply to
// a reminder ("done", "snooze 1h"), in English, Portuguese and Spanish.
//
// Channels: a reminder goes out through every Channel the person enabled
// (store.ReminderSettings.Channels names them). The jobs package delivers
// through the channels given in jobs.Deps.ReminderChannels, which the app
// assembles in app.newPipeline: the WhatsApp self-chat channel, the
// realtime (web) channel and, when the server sends Web Push, the browser
// push channel (app.pushReminders). A channel's Name is what the settings
// list. Tasks and calendar events remind (EventMessage is an event's text).
package reminders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
)

// Channel names.
const (
	ChannelWhatsApp = "whatsapp"
	ChannelWeb      = "web"
	// ChannelPush is browser Web Push, to every browser the person
	// enabled notifications in (registered by the app).
	ChannelPush = "push"
)

// Reminder is what a channel delivers.
type Reminder struct {
	ID       string    `json:"id"`
	ItemKind string    `json:"itemKind"`
	ItemID   string    `json:"itemId"`
	Title    string    `json:"title"`
	Due      time.Time `json:"due"`
	FireAt   time.Time `json:"fireAt"`
	// Text is the message as the person's zone shows it ("⏰ Buy bread —
	// due Tue 10:00").
	Text string `json:"text"`
}

// Channel delivers reminders one way (WhatsApp self-chat, realtime, push).
// Send is called at most once per reminder and fire time, after the
// sending was claimed; an error is logged, and for the first (WhatsApp)
// channel retried while the job has attempts left (so a channel after it
// may see the same reminder again only if an earlier one failed).
type Channel interface {
	// Name is the channel's name in store.ReminderSettings.Channels.
	Name() string
	Send(ctx context.Context, userID string, r Reminder) error
}

// BatchChannel is a Channel that reads what it needs of many people at
// once: the sending of the reminders due at one instant calls ForPeople
// with the people of a part (a few hundred reminders) and sends that
// part's reminders through the Channel it returns.
type BatchChannel interface {
	Channel
	ForPeople(ctx context.Context, userIDs []string) (Channel, error)
}

// ErrBadSnooze means a snooze is not one of 10m, 1h, tomorrow.
var ErrBadSnooze = errors.New("reminders: snooze for 10m, 1h or tomorrow")

// Snoozes are the snoozes offered.
var Snoozes = []string{"10m", "1h", "tomorrow"}

// SnoozeUntil is when a reminder snoozed at now for what goes out again:
// 10 minutes, an hour, or tomorrow at 09:00 in loc.
func SnoozeUntil(now time.Time, what string, loc *time.Location) (time.Time, error) {
	switch strings.ToLower(strings.TrimSpace(what)) {
	case "10m", "10min":
		return now.Add(10 * time.Minute), nil
	case "1h":
		return now.Add(time.Hour), nil
	case "tomorrow":
		l := now.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day()+1, 9, 0, 0, 0, loc), nil
	}
	return time.Time{}, ErrBadSnooze
}

// BaseTime is when an item due at due reminds before quiet hours: the
// chosen time, else the due time less the item's offset, else less the
// person's default offset.
func BaseTime(due time.Time, remindAt *time.Time, offset *int, s store.ReminderSettings) time.Time {
	if remindAt != nil {
		return *remindAt
	}
	o := s.OffsetMinutes
	if offset != nil {
		o = *offset
	}
	return due.Add(-time.Duration(o) * time.Minute)
}

// AfterQuiet moves t out of the person's quiet hours: a time inside them
// becomes their end (in loc, the person's zone); others stay.
func AfterQuiet(t time.Time, s store.ReminderSettings, loc *time.Location) time.Time {
	if s.QuietStart < 0 || s.QuietEnd < 0 || s.QuietStart == s.QuietEnd {
		return t
	}
	l := t.In(loc)
	m := l.Hour()*60 + l.Minute()
	end := func(dayOffset int) time.Time {
		return time.Date(l.Year(), l.Month(), l.Day()+dayOffset, s.QuietEnd/60, s.QuietEnd%60, 0, 0, loc)
	}
	if s.QuietStart < s.QuietEnd { // e.g. 13:00–14:00
		if m >= s.QuietStart && m < s.QuietEnd {
			return end(0)
		}
		return t
	}
	switch { // wraps midnight, e.g. 22:00–07:00
	case m >= s.QuietStart:
		return end(1)
	case m < s.QuietEnd:
		return end(0)
	}
	return t
}

// FormatDue shows a due time in the person's zone: "Tue 10:00".
func FormatDue(due time.Time, loc *time.Location) string {
	return due.In(loc).Format("Mon 15:04")
}

// Message is the text of a reminder in the self-chat.
func Message(title string, due time.Time, loc *time.Location) string {
	return fmt.Sprintf("⏰ Reminder: %s — due %s\nReply \"done\" or \"snooze 1h\".", title, FormatDue(due, loc))
}

// EventMessage is the text of an event's reminder sent at sent: "⏰
// Standup at 15:00 (in 30 min)", with the day when the event is on another
// day than sent (in loc, the person's zone).
func EventMessage(title string, start, sent time.Time, loc *time.Location) string {
	return fmt.Sprintf("⏰ %s\nReply \"done\" or \"snooze 10m\".", EventLine(title, start, sent, loc))
}

// EventLine is the first line of EventMessage (a push notification's
// text).
func EventLine(title string, start, sent time.Time, loc *time.Location) string {
	s, n := start.In(loc), sent.In(loc)
	at := s.Format("15:04")
	if s.YearDay() != n.YearDay() || s.Year() != n.Year() {
		at = s.Format("Mon 2 Jan 15:04")
	}
	return fmt.Sprintf("%s at %s (%s)", title, at, InWords(start.Sub(sent)))
}

// InWords says how far away a start is: "in 30 min", "in 2 h", "in 1 h 15
// min", "in 3 days", "now" (or "started 5 min ago").
func InWords(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d < -time.Minute:
		return "started " + strings.TrimPrefix(InWords(-d), "in ") + " ago"
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int(d.Minutes()))
	case d < 48*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("in %d h", h)
		}
		return fmt.Sprintf("in %d h %d min", h, m)
	}
	return fmt.Sprintf("in %d days", int(d.Hours()/24))
}

// ParseQuiet reads "HH:MM" as minutes after midnight; "" is -1 (none).
func ParseQuiet(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return -1, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, errors.New("must be a time like 22:00")
	}
	return t.Hour()*60 + t.Minute(), nil
}

// FormatQuiet shows minutes after midnight as "HH:MM" ("" for -1).
func FormatQuiet(m int) string {
	if m < 0 {
		return ""
	}
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}
