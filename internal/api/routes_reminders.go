package api

import (
	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

type reminderList struct {
	Items []store.Reminder `json:"items"`
}

type snoozeRequest struct {
	// For is 10m, 1h or tomorrow (09:00 in the caller's zone).
	For string `json:"for"`
}

type reminderSettingsBody struct {
	// Channels are the channels reminders go through: whatsapp (the
	// caller's own "Message yourself" chat), web (realtime streams and
	// the web UI).
	Channels *[]string `json:"channels,omitempty"`
	// OffsetMinutes: how long before the due time tasks remind (0: at it).
	OffsetMinutes *int `json:"offsetMinutes,omitempty"`
	// QuietStart and QuietEnd are HH:MM in the caller's zone ("" for
	// none); a reminder falling inside goes out at QuietEnd.
	QuietStart *string `json:"quietStart,omitempty"`
	QuietEnd   *string `json:"quietEnd,omitempty"`
	// EventLeadMinutes: how long before their start calendar events
	// remind (default 30; 0: at the start).
	EventLeadMinutes *int `json:"eventLeadMinutes,omitempty"`
	// Capture turns messages to oneself starting with todo, note, idea or
	// "remind me to … at …" (and in Portuguese and Spanish) into items, with
	// a confirmation reply.
	Capture *bool `json:"capture,omitempty"`
}

type reminderSettingsView struct {
	Channels      []string `json:"channels"`
	OffsetMinutes int      `json:"offsetMinutes"`
	QuietStart    string   `json:"quietStart"`
	QuietEnd      string   `json:"quietEnd"`
	Capture       bool     `json:"capture"`
	// EventLeadMinutes: how long before their start calendar events remind.
	EventLeadMinutes int `json:"eventLeadMinutes"`
	// Available are the channels this server offers.
	Available []string `json:"available"`
}

// registerReminders adds the reminder routes.
func (s *Server) registerReminders() {
	s.add(route{method: "GET", path: "/api/v1/reminders", tag: "reminders", access: user, scope: auth.ScopeRead,
		summary: "The caller's reminders: upcoming (soonest first) and sent (latest first)",
		query:   []param{{"status", "upcoming or sent (default: both).", "string"}}}, typed(s.listReminders))
	s.add(route{method: "GET", path: "/api/v1/reminders/{id}", tag: "reminders", access: user, scope: auth.ScopeRead,
		summary: "One reminder"}, typed(s.getReminder))
	s.add(route{method: "POST", path: "/api/v1/reminders/{id}/snooze", tag: "reminders", access: user, scope: auth.ScopeWrite,
		summary:     "Snooze a reminder for 10m, 1h or until tomorrow 09:00",
		description: "The reminder goes out again then (after quiet hours), through the caller's channels."}, typed(s.snoozeReminder))
	s.add(route{method: "POST", path: "/api/v1/reminders/{id}/done", tag: "reminders", access: user, scope: auth.ScopeWrite,
		summary: "Check off the reminder's task (it reminds no more); an event's reminder is dismissed"}, typed(s.doneReminder))
	s.add(route{method: "POST", path: service.ReminderActionPath + "{token}", tag: "reminders", access: public,
		summary: "Act on a reminder from its push notification: snooze it or mark it done",
		description: "The links of a reminder notification's buttons (its Web Push payload's actions[].url); the token is the credential, no other is needed " +
			"(the service worker POSTs with the tab closed). A token does one action to one reminder, for 7 days and while the reminder is still due at the time it was made for " +
			"(a snooze works once). A token Synapse did not make (tampered, another action or person) is 404; an expired or outdated one is 403 (link-expired). " +
			"Done twice is no error."}, typed(s.reminderAction))
	s.add(route{method: "GET", path: "/api/v1/reminder-settings", tag: "reminders", access: user, scope: auth.ScopeRead,
		summary: "The caller's reminder settings"}, typed(s.getReminderSettings))
	s.add(route{method: "PATCH", path: "/api/v1/reminder-settings", tag: "reminders", access: user, scope: auth.ScopeWrite,
		summary:     "Change reminder settings: channels, default offset, quiet hours, capture by writing to oneself",
		description: "Reminders still to come move with a new offset or new quiet hours. Capture is off until turned on."},
		typed(s.updateReminderSettings))
}

func (s *Server) listReminders(c *call, _ *noBody) (reminderList, error) {
	l, err := s.o.Service.Reminders(c.ctx(), c.userID, c.r.URL.Query().Get("status"))
	return reminderList{Items: l}, err
}

func (s *Server) getReminder(c *call, _ *noBody) (store.Reminder, error) {
	return s.o.Service.Reminder(c.ctx(), c.userID, id(c))
}

func (s *Server) snoozeReminder(c *call, in *snoozeRequest) (store.Reminder, error) {
	return s.o.Service.SnoozeReminder(c.ctx(), c.userID, id(c), in.For)
}

func (s *Server) doneReminder(c *call, _ *noBody) (store.Reminder, error) {
	return s.o.Service.DoneReminder(c.ctx(), c.userID, id(c))
}

func (s *Server) settingsView(rs store.ReminderSettings) reminderSettingsView {
	return reminderSettingsView{Channels: rs.Channels, OffsetMinutes: rs.OffsetMinutes, QuietStart: quietText(rs.QuietStart),
		QuietEnd: quietText(rs.QuietEnd), Capture: rs.Capture, EventLeadMinutes: rs.EventLeadMinutes, Available: s.o.Service.ReminderChannels()}
}

func (s *Server) reminderAction(c *call, _ *noBody) (store.Reminder, error) {
	return s.o.Service.ReminderAction(c.ctx(), c.r.PathValue("token"))
}

func (s *Server) getReminderSettings(c *call, _ *noBody) (reminderSettingsView, error) {
	rs, err := s.o.Service.ReminderSettings(c.ctx(), c.userID)
	return s.settingsView(rs), err
}

func (s *Server) updateReminderSettings(c *call, in *reminderSettingsBody) (reminderSettingsView, error) {
	rs, err := s.o.Service.UpdateReminderSettings(c.ctx(), c.userID, serviceSettings(in))
	return s.settingsView(rs), err
}

func serviceSettings(in *reminderSettingsBody) service.ReminderSettingsInput {
	return service.ReminderSettingsInput{Channels: in.Channels, OffsetMinutes: in.OffsetMinutes, QuietStart: in.QuietStart,
		QuietEnd: in.QuietEnd, Capture: in.Capture, EventLeadMinutes: in.EventLeadMinutes}
}

func quietText(m int) string { return reminders.FormatQuiet(m) }
