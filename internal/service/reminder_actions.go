package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/webpush"
)

// Reminder notifications carry buttons (snooze 10 min, 1 hour, until
// tomorrow; done) that work with no Synapse tab open and no log-in: the
// service worker POSTs to a capability link, ReminderActionPath + token.
// The token names the person, the reminder, the action, the reminder's
// fire time it was made for and an expiry, signed with HMAC-SHA256 under
// Options.ActionKey:
//
//	<user>.<reminder>.<action>.<fire ms>.<expiry unix>.<mac>
//
// so it does this one thing to this one reminder, until it expires
// (ReminderActionTTL) or the reminder moves (a snooze changes its fire
// time, so a snooze link works once). Nothing is stored.

// ReminderActionPath is where reminder action links are served (POST).
const ReminderActionPath = "/api/v1/reminder-actions/"

// ReminderActionTTL is how long a reminder notification's buttons work.
const ReminderActionTTL = 7 * 24 * time.Hour

// reminderActions are the actions a link may carry: the snoozes and done.
var reminderActions = map[string]bool{"10m": true, "1h": true, "tomorrow": true, "done": true}

func (s *Service) actionMAC(payload string) string {
	m := hmac.New(sha256.New, s.o.ActionKey)
	m.Write([]byte("synapse reminder action v1\x00"))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ReminderActionURL is the path of a link that does action ("10m", "1h",
// "tomorrow" or "done") to the person's reminder while it is due at
// fireAt, for ReminderActionTTL from now.
func (s *Service) ReminderActionURL(userID, reminderID, action string, fireAt time.Time) string {
	payload := strings.Join([]string{userID, reminderID, action, strconv.FormatInt(fireAt.UnixMilli(), 10),
		strconv.FormatInt(s.o.Now().Add(ReminderActionTTL).Unix(), 10)}, ".")
	return ReminderActionPath + payload + "." + s.actionMAC(payload)
}

// ReminderAction does what a reminder action link's token says. A token
// that is not one Synapse made (tampered, another person's, another
// action) is store.ErrNotFound, as is a reminder that is gone; an expired
// one, or one made for a fire time the reminder no longer has, is
// ErrActionLinkExpired. Done twice is no error.
func (s *Service) ReminderAction(ctx context.Context, token string) (store.Reminder, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 6 {
		return store.Reminder{}, store.ErrNotFound
	}
	payload := strings.Join(parts[:5], ".")
	if !hmac.Equal([]byte(parts[5]), []byte(s.actionMAC(payload))) {
		return store.Reminder{}, store.ErrNotFound
	}
	userID, id, action := parts[0], parts[1], parts[2]
	fire, err1 := strconv.ParseInt(parts[3], 10, 64)
	exp, err2 := strconv.ParseInt(parts[4], 10, 64)
	if err1 != nil || err2 != nil || !reminderActions[action] {
		return store.Reminder{}, store.ErrNotFound
	}
	if s.o.Now().Unix() > exp {
		return store.Reminder{}, ErrActionLinkExpired
	}
	// A disabled account's links do nothing; "sign out everywhere" ends
	// the links made before it, as it ends tokens.
	u, err := s.o.Store.UserByID(ctx, userID)
	if err != nil {
		return store.Reminder{}, err
	}
	if u.Disabled() {
		return store.Reminder{}, store.ErrNotFound
	}
	if issued := time.Unix(exp, 0).Add(-ReminderActionTTL); issued.Before(u.TokensValidAfter.Truncate(time.Second)) {
		return store.Reminder{}, ErrActionLinkExpired
	}
	r, err := s.Reminder(ctx, userID, id)
	if err != nil {
		return r, err
	}
	if action == "done" && r.Done {
		return r, nil
	}
	if r.FireAt == nil || r.FireAt.UnixMilli() != fire || r.Done {
		return r, ErrActionLinkExpired
	}
	s.o.Log.Info("reminder action from a notification", "user_id", userID, "reminder_id", id, "action", action)
	if action == "done" {
		return s.DoneReminder(ctx, userID, id)
	}
	return s.SnoozeReminder(ctx, userID, id, action)
}

// ReminderNotification is the Web Push notification of a reminder: its
// text, opening the Reminders page, with buttons to snooze it (10 min, 1
// hour, until tomorrow) and mark it done.
func (s *Service) ReminderNotification(userID string, r reminders.Reminder) Notification {
	// The first line, without "Reply done or snooze" (for the self-chat).
	body, _, _ := strings.Cut(r.Text, "\n")
	body = strings.TrimSpace(strings.TrimPrefix(body, "⏰"))
	act := func(action, name, title string) Action {
		return Action{Action: name, Title: title, URL: s.ReminderActionURL(userID, r.ID, action, r.FireAt)}
	}
	return Notification{
		Title: "⏰ " + r.Title,
		Body:  body,
		URL:   "/reminders#reminder-" + r.ID,
		Tag:   "reminder-" + r.ID,
		// Browsers show the first two or three buttons.
		Actions: []Action{act("10m", "snooze-10m", "Snooze 10 min"), act("done", "done", "Done"),
			act("1h", "snooze-1h", "Snooze 1 hour"), act("tomorrow", "snooze-tomorrow", "Tomorrow 09:00")},
		Urgency: webpush.UrgencyHigh,
	}
}
