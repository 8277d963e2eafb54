package web

import (
	"net/http"
	"strconv"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

type remindersData struct {
	Upcoming, Sent []store.Reminder
	Snoozes        []string
}

// remindersPage lists the person's reminders to come and those sent, with
// snooze and done buttons.
func (h *Handler) remindersPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	up, err := h.o.Service.Reminders(r.Context(), v.User.ID, "upcoming")
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	sent, err := h.o.Service.Reminders(r.Context(), v.User.ID, "sent")
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, v, http.StatusOK, "reminders", &page{Title: "Reminders", Nav: "reminders",
		Live: liveKinds{domain.EventReminder, domain.EventReminderDue, domain.KindTask}, Data: remindersData{Upcoming: up, Sent: sent, Snoozes: reminders.Snoozes}})
}

func (h *Handler) snoozeReminder(w http.ResponseWriter, r *http.Request, v *viewer) {
	if _, err := h.o.Service.SnoozeReminder(r.Context(), v.User.ID, r.PathValue("id"), formText(r, "for")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/reminders?ok=snoozed")
}

func (h *Handler) doneReminder(w http.ResponseWriter, r *http.Request, v *viewer) {
	if _, err := h.o.Service.DoneReminder(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/reminders?ok=done")
}

// reminderForm is the settings card's reminder part.
type reminderForm struct {
	Channels             map[string]bool
	Available            []string
	Offset, EventLead    string
	QuietStart, QuietEnd string
	Capture              bool
}

func (h *Handler) reminderForm(r *http.Request, userID string) (reminderForm, error) {
	rs, err := h.o.Service.ReminderSettings(r.Context(), userID)
	f := reminderForm{Channels: map[string]bool{}, Available: h.o.Service.ReminderChannels(), Offset: strconv.Itoa(rs.OffsetMinutes),
		EventLead: strconv.Itoa(rs.EventLeadMinutes), QuietStart: reminders.FormatQuiet(rs.QuietStart), QuietEnd: reminders.FormatQuiet(rs.QuietEnd), Capture: rs.Capture}
	for _, c := range rs.Channels {
		f.Channels[c] = true
	}
	return f, err
}

func (h *Handler) updateReminderSettings(w http.ResponseWriter, r *http.Request, v *viewer) {
	channels := r.PostForm["channel"]
	if channels == nil {
		channels = []string{}
	}
	in := service.ReminderSettingsInput{Channels: &channels}
	offset, err := strconv.Atoi(formText(r, "offset"))
	if err != nil {
		offset = -1
	}
	in.OffsetMinutes = &offset
	if r.PostForm.Has("event_lead") {
		v := formText(r, "event_lead")
		lead, err := strconv.Atoi(v)
		if err != nil {
			lead = -1
		}
		in.EventLeadMinutes = &lead
	}
	qs, qe := formText(r, "quiet_start"), formText(r, "quiet_end")
	in.QuietStart, in.QuietEnd = &qs, &qe
	capture := r.PostForm.Get("capture") == "1"
	in.Capture = &capture
	_, err = h.o.Service.UpdateReminderSettings(r.Context(), v.User.ID, in)
	if errs, ok := fieldErrors(err); ok {
		d := settingsData{Name: v.User.Name, Timezone: v.User.Timezone, SharePresence: v.User.SharePresence, Errors: errs}
		d.Reminders = reminderForm{Channels: map[string]bool{}, Available: h.o.Service.ReminderChannels(), Offset: formText(r, "offset"),
			EventLead: formText(r, "event_lead"), QuietStart: qs, QuietEnd: qe, Capture: capture}
		for _, c := range channels {
			d.Reminders.Channels[c] = true
		}
		h.renderSettings(w, r, v, http.StatusBadRequest, d)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=saved#reminders")
}
