package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/jobs"
	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

// MaxReminders bounds one reminders list.
const MaxReminders = 500

// MaxRemindOffset bounds an offset before the due time (a week).
const MaxRemindOffset = 7 * 24 * 60

// ReminderChannels are the names of the channels reminders can go through
// on this server (the settings offer these).
func (s *Service) ReminderChannels() []string {
	if len(s.o.ReminderChannels) > 0 {
		return s.o.ReminderChannels
	}
	return []string{reminders.ChannelWhatsApp, reminders.ChannelWeb}
}

// ReminderSettings returns the person's reminder settings.
func (s *Service) ReminderSettings(ctx context.Context, userID string) (store.ReminderSettings, error) {
	return s.o.Store.ReminderSettings(ctx, userID)
}

// ReminderSettingsInput changes some settings (nil: unchanged). Quiet
// hours are "HH:MM" in the person's zone, "" for none.
type ReminderSettingsInput struct {
	Channels      *[]string
	OffsetMinutes *int
	QuietStart    *string
	QuietEnd      *string
	Capture       *bool
	// EventLeadMinutes is how long before their start events remind.
	EventLeadMinutes *int
}

// UpdateReminderSettings changes the person's settings; the reminders
// still to come move with a new offset or new quiet hours.
func (s *Service) UpdateReminderSettings(ctx context.Context, userID string, in ReminderSettingsInput) (store.ReminderSettings, error) {
	cur, err := s.o.Store.ReminderSettings(ctx, userID)
	if err != nil {
		return cur, err
	}
	var errs validate.Errors
	if in.Channels != nil {
		cur.Channels = []string{}
		for _, c := range *in.Channels {
			c = strings.TrimSpace(c)
			switch {
			case !slices.Contains(s.ReminderChannels(), c):
				errs.Add("channels", fmt.Sprintf("must be some of %s", strings.Join(s.ReminderChannels(), ", ")))
			case !slices.Contains(cur.Channels, c):
				cur.Channels = append(cur.Channels, c)
			}
		}
	}
	if in.OffsetMinutes != nil {
		if *in.OffsetMinutes < 0 || *in.OffsetMinutes > MaxRemindOffset {
			errs.Add("offsetMinutes", fmt.Sprintf("must be between 0 and %d minutes", MaxRemindOffset))
		}
		cur.OffsetMinutes = *in.OffsetMinutes
	}
	if in.EventLeadMinutes != nil {
		if *in.EventLeadMinutes < 0 || *in.EventLeadMinutes > MaxRemindOffset {
			errs.Add("eventLeadMinutes", fmt.Sprintf("must be between 0 and %d minutes", MaxRemindOffset))
		}
		cur.EventLeadMinutes = *in.EventLeadMinutes
	}
	quiet := func(field string, v *string, dst *int) {
		if v == nil {
			return
		}
		m, err := reminders.ParseQuiet(*v)
		if err != nil {
			errs.Add(field, err.Error())
			return
		}
		*dst = m
	}
	quiet("quietStart", in.QuietStart, &cur.QuietStart)
	quiet("quietEnd", in.QuietEnd, &cur.QuietEnd)
	if (cur.QuietStart < 0) != (cur.QuietEnd < 0) {
		errs.Add("quietEnd", "give both the start and the end of quiet hours, or neither")
	}
	if in.Capture != nil {
		cur.Capture = *in.Capture
	}
	if err := errs.Err(); err != nil {
		return cur, err
	}
	if err := s.o.Store.SaveReminderSettings(ctx, userID, cur); err != nil {
		return cur, err
	}
	s.o.Log.Info("reminder settings changed", "user_id", userID, "channels", strings.Join(cur.Channels, ","), "capture", cur.Capture)
	// Move what is still to come.
	upcoming, err := s.o.Store.ListReminders(ctx, userID, store.ReminderFilter{Status: "upcoming"}, MaxReminders)
	if err != nil {
		return cur, err
	}
	for _, r := range upcoming {
		if r.ItemKind == string(domain.KindEvent) {
			e, err := s.o.Store.GetEvent(ctx, userID, r.ItemID)
			if err != nil {
				continue
			}
			if err := s.syncEventReminder(ctx, userID, e, nil); err != nil {
				return cur, err
			}
			continue
		}
		t, err := s.o.Store.GetTask(ctx, userID, r.ItemID)
		if err != nil {
			continue
		}
		if err := s.syncReminder(ctx, userID, t, nil); err != nil {
			return cur, err
		}
	}
	return cur, nil
}

// Reminders lists the person's reminders: "upcoming" (soonest first),
// "sent" (latest first) or "" (both).
func (s *Service) Reminders(ctx context.Context, userID, status string) ([]store.Reminder, error) {
	switch status {
	case "", "upcoming", "sent":
	default:
		return nil, validate.Errors{{Field: "status", Message: "must be upcoming or sent"}}
	}
	return s.o.Store.ListReminders(ctx, userID, store.ReminderFilter{Status: status}, MaxReminders)
}

// DueReminders are the reminders sent in the last day whose tasks are
// still open (the web UI's notice).
func (s *Service) DueReminders(ctx context.Context, userID string) ([]store.Reminder, error) {
	return s.o.Store.DueReminders(ctx, userID, s.o.Now().Add(-24*time.Hour), 5)
}

// Reminder returns one of the person's reminders.
func (s *Service) Reminder(ctx context.Context, userID, id string) (store.Reminder, error) {
	if err := checkIDs(id); err != nil {
		return store.Reminder{}, err
	}
	return s.o.Store.GetReminder(ctx, userID, id)
}

// SnoozeReminder makes a reminder go out again later: for "10m", "1h" or
// "tomorrow" (09:00 in the person's zone), after quiet hours.
func (s *Service) SnoozeReminder(ctx context.Context, userID, id, snooze string) (store.Reminder, error) {
	r, err := s.Reminder(ctx, userID, id)
	if err != nil {
		return r, err
	}
	until, err := reminders.SnoozeUntil(s.o.Now(), snooze, s.userLocation(ctx, userID))
	if err != nil {
		return r, validate.Errors{{Field: "for", Message: "must be 10m, 1h or tomorrow"}}
	}
	if r.ItemKind == string(domain.KindEvent) {
		e, err := s.o.Store.GetEvent(ctx, userID, r.ItemID)
		if err != nil {
			return r, err
		}
		if err := s.syncEventReminder(ctx, userID, e, &jobs.ReminderChoice{RemindAt: &until}); err != nil {
			return r, err
		}
		s.o.Log.Info("reminder snoozed", "user_id", userID, "reminder_id", id, "for", snooze)
		return s.o.Store.GetReminder(ctx, userID, id)
	}
	if r.Done {
		return r, validate.Errors{{Field: "id", Message: "the task is done"}}
	}
	t, err := s.o.Store.GetTask(ctx, userID, r.ItemID)
	if err != nil {
		return r, err
	}
	if err := s.syncReminder(ctx, userID, t, &jobs.ReminderChoice{RemindAt: &until}); err != nil {
		return r, err
	}
	s.o.Log.Info("reminder snoozed", "user_id", userID, "reminder_id", id, "for", snooze)
	return s.o.Store.GetReminder(ctx, userID, id)
}

// DoneReminder checks off a reminder's task (no more reminders); an
// event's reminder is dismissed (it reminds again only if the event's
// start changes).
func (s *Service) DoneReminder(ctx context.Context, userID, id string) (store.Reminder, error) {
	r, err := s.Reminder(ctx, userID, id)
	if err != nil {
		return r, err
	}
	if r.ItemKind == string(domain.KindEvent) {
		if s.o.Jobs == nil {
			return r, ErrUnavailable
		}
		if err := s.o.Store.WithTx(ctx, func(tx *store.Tx) error { return s.o.Jobs.DismissReminderTx(ctx, tx, userID, id) }); err != nil {
			return r, err
		}
		r, err = s.o.Store.GetReminder(ctx, userID, id)
		if err == nil {
			s.publish(userID, domain.EventReminder, r)
		}
		return r, err
	}
	done := true
	if _, err := s.UpdateTask(ctx, userID, r.ItemID, TaskInput{Done: &done}); err != nil {
		return r, err
	}
	return s.o.Store.GetReminder(ctx, userID, id)
}

// reminderChoice reads a task's reminder fields (nil: none given).
func (s *Service) reminderChoice(ctx context.Context, userID string, in TaskInput) (*jobs.ReminderChoice, error) {
	if in.RemindAt == nil && in.RemindOffset == nil {
		return nil, nil
	}
	var errs validate.Errors
	c := &jobs.ReminderChoice{}
	if in.RemindAt != nil {
		v := strings.TrimSpace(*in.RemindAt)
		switch {
		case v == "":
			c.Reset = true
		default:
			at, err := time.Parse(time.RFC3339, v)
			if err != nil {
				at, err = time.ParseInLocation("2006-01-02T15:04", v, s.userLocation(ctx, userID))
			}
			if err != nil || at.Year() < 1900 || at.Year() > 9999 {
				errs.Add("remindAt", "must be an RFC 3339 time or YYYY-MM-DDTHH:MM")
			} else {
				c.RemindAt = &at
			}
		}
	}
	if in.RemindOffset != nil {
		if *in.RemindOffset < 0 || *in.RemindOffset > MaxRemindOffset {
			errs.Add("remindOffset", fmt.Sprintf("must be between 0 and %d minutes", MaxRemindOffset))
		}
		c.OffsetMinutes = in.RemindOffset
	}
	return c, errs.Err()
}

// syncReminder schedules, moves or stops a task's reminder after a change.
func (s *Service) syncReminder(ctx context.Context, userID string, t store.Task, choice *jobs.ReminderChoice) error {
	if s.o.Jobs == nil {
		return nil
	}
	var rem store.Reminder
	err := s.o.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		rem, err = s.o.Jobs.SyncTaskReminderTx(ctx, tx, userID, t, choice)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err == nil && s.o.Publisher != nil {
		s.o.Publisher.Publish(userID, domain.EventReminder, rem)
	}
	return err
}

// syncEventReminder schedules, moves or stops an event's reminder after a
// change.
func (s *Service) syncEventReminder(ctx context.Context, userID string, e store.Event, choice *jobs.ReminderChoice) error {
	if s.o.Jobs == nil {
		return nil
	}
	var rem store.Reminder
	err := s.o.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		rem, err = s.o.Jobs.SyncEventReminderTx(ctx, tx, userID, e, choice)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err == nil {
		s.publish(userID, domain.EventReminder, rem)
	}
	return err
}

// EventReminder is the reminder of one of the person's events
// (store.ErrNotFound: none).
func (s *Service) EventReminder(ctx context.Context, userID, eventID string) (store.Reminder, error) {
	return s.o.Store.ReminderFor(ctx, userID, string(domain.KindEvent), eventID)
}

// TaskReminder is the reminder of one of the person's tasks
// (store.ErrNotFound: none).
func (s *Service) TaskReminder(ctx context.Context, userID, taskID string) (store.Reminder, error) {
	return s.o.Store.ReminderFor(ctx, userID, string(domain.KindTask), taskID)
}
