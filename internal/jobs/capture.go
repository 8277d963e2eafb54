package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
)

// errQuotedNotYet means a reply quotes a message not stored yet (Synapse's
// own, still being sent): the job is tried again.
var errQuotedNotYet = errors.New("jobs: the quoted message is not stored yet")

// SelfWriter writes into the person's own "Message yourself" chat
// (reminders.SelfChat).
type SelfWriter interface {
	Write(ctx context.Context, userID, text, kind, itemID, replyTo string) (string, error)
}

// syncCreatedTx schedules the reminders of tasks just created with a due
// time and of calendar events just created, in the transaction that
// created them.
func (r *Runner) syncCreatedTx(ctx context.Context, tx *store.Tx, userID string, created []any) error {
	for _, it := range created {
		var err error
		switch v := it.(type) {
		case store.Task:
			if v.Due == nil || !v.DueHasTime {
				continue
			}
			_, err = r.SyncTaskReminderTx(ctx, tx, userID, v, nil)
		case store.Event:
			_, err = r.SyncEventReminderTx(ctx, tx, userID, v, nil)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// selfChat handles a message the person wrote to themselves before it is
// analysed as a note: a message Synapse wrote there itself is skipped; a
// reply "done"/"snooze 1h" to a reminder acts on its task; with capture
// on, "todo …", "note …", "idea …", "remind me to … at …" (and their
// Portuguese and Spanish words) become that one item at once, keyed by
// the message like analysed items (so the analysis never adds another),
// with a confirmation reply. done reports that the message was handled.
func (r *Runner) selfChat(ctx context.Context, user store.User, loc *time.Location, m store.Message, revision int64) (done bool, err error) {
	d := r.d
	own, err := d.Store.IsSelfMessage(ctx, user.ID, reminders.TextHash(m.Text))
	if err != nil || own {
		return true, err
	}
	if m.ReplyTo != "" {
		if reply, ok := reminders.ParseReply(m.Text); ok {
			handled, err := r.replyToReminder(ctx, user.ID, loc, m, reply)
			if handled || err != nil {
				return true, err
			}
		}
	}
	if revision != 0 || d.SelfChat == nil {
		return false, nil
	}
	settings, err := d.Store.ReminderSettings(ctx, user.ID)
	if err != nil || !settings.Capture {
		return false, err
	}
	c, ok := reminders.ParseCapture(m.Text, m.Timestamp, loc)
	if !ok {
		return false, nil
	}
	if prior, _, err := d.Store.SourcedItem(ctx, user.ID, c.Kind, m.ChatID, m.ID); err != nil || prior != "" {
		return true, err // captured before (a repeated job): confirmed then
	}
	src := store.Source{Kind: store.SourceMessage, ChatID: m.ChatID, MessageID: m.ID,
		Snapshot: store.Snapshot{From: m.From, FromName: m.FromName, Text: m.Text, Time: m.Timestamp}}
	var created []any
	err = d.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		created, err = tx.AddExtracted(ctx, user.ID, src, []store.Extracted{{Kind: c.Kind, Title: c.Title, Body: c.Body, Due: c.Due, DueHasTime: c.DueHasTime}})
		if err != nil {
			return err
		}
		return r.syncCreatedTx(ctx, tx, user.ID, created)
	})
	if err != nil {
		return true, err
	}
	if len(created) == 0 {
		// Said again: merged into the item it repeats, which keeps its
		// title and due time; the confirmation says so.
		itemID, mentions, err := d.Store.SourcedItem(ctx, user.ID, c.Kind, m.ChatID, m.ID)
		if err != nil || itemID == "" {
			return true, err
		}
		text := reminders.RepeatConfirmation(c, mentions)
		if _, err := d.SelfChat.Write(ctx, user.ID, text, string(c.Kind), itemID, m.ID); err != nil {
			d.Log.Warn("capture confirmation not sent", "user_id", user.ID, "err", err)
		}
		return true, nil
	}
	var itemID string
	switch v := created[0].(type) {
	case store.Task:
		itemID = v.ID
		r.publish(user.ID, domain.KindTask, v)
	case store.Idea:
		itemID = v.ID
		r.publish(user.ID, domain.KindIdea, v)
	case store.Note:
		itemID = v.ID
		r.publish(user.ID, domain.KindNote, v)
	}
	if _, err := d.SelfChat.Write(ctx, user.ID, reminders.Confirmation(c, loc), string(c.Kind), itemID, m.ID); err != nil {
		d.Log.Warn("capture confirmation not sent", "user_id", user.ID, "err", err)
	}
	return true, nil
}

// replyToReminder acts on the task of the Synapse message m replies to;
// false when it replies to something else.
func (r *Runner) replyToReminder(ctx context.Context, userID string, loc *time.Location, m store.Message, reply reminders.Reply) (bool, error) {
	d := r.d
	kind, taskID, err := d.Store.SelfMessageItem(ctx, userID, m.ReplyTo)
	if errors.Is(err, store.ErrNotFound) {
		// The reply may overtake the record of the quoted message's id
		// (kept once its sending returned): find it by its text.
		q, qerr := d.Store.GetMessage(ctx, userID, m.ChatID, m.ReplyTo)
		switch {
		case errors.Is(qerr, store.ErrNotFound) && d.Now().Sub(m.Timestamp) < 2*time.Minute:
			return false, errQuotedNotYet // not stored yet either: try again
		case qerr != nil:
			return false, nil
		}
		kind, taskID, err = d.Store.SelfMessageItemByHash(ctx, userID, reminders.TextHash(q.Text))
	}
	if errors.Is(err, store.ErrNotFound) || err == nil && kind != string(domain.KindTask) && kind != string(domain.KindEvent) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if kind == string(domain.KindEvent) {
		return r.replyToEventReminder(ctx, userID, loc, m, reply, taskID)
	}
	t, err := d.Store.GetTask(ctx, userID, taskID)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	var confirm string
	if reply.Done {
		if !t.Done {
			done := true
			t, err = d.Store.UpdateTask(ctx, userID, taskID, store.TaskPatch{Done: &done})
			if err != nil {
				return false, err
			}
			err = d.Store.WithTx(ctx, func(tx *store.Tx) error {
				_, err := r.SyncTaskReminderTx(ctx, tx, userID, t, nil)
				if errors.Is(err, store.ErrNotFound) {
					return nil
				}
				return err
			})
			if err != nil {
				return false, err
			}
			r.publish(userID, domain.KindTask, t)
		}
		confirm = "✓ Done: " + t.Title
	} else {
		until, err := reminders.SnoozeUntil(d.Now(), reply.Snooze, loc)
		if err != nil {
			return true, nil
		}
		var rem store.Reminder
		err = d.Store.WithTx(ctx, func(tx *store.Tx) error {
			var err error
			rem, err = r.SyncTaskReminderTx(ctx, tx, userID, t, &ReminderChoice{RemindAt: &until})
			return err
		})
		if err != nil {
			return false, err
		}
		if rem.FireAt != nil {
			until = *rem.FireAt
		}
		confirm = "✓ Snoozed: " + t.Title + " — until " + reminders.FormatDue(until, loc)
	}
	if d.SelfChat != nil {
		if _, err := d.SelfChat.Write(ctx, userID, confirm, string(domain.KindTask), taskID, m.ID); err != nil {
			d.Log.Warn("reply confirmation not sent", "user_id", userID, "err", err)
		}
	}
	return true, nil
}

// replyToEventReminder acts on an event's reminder replied to: "done"
// dismisses it, a snooze sends it again later.
func (r *Runner) replyToEventReminder(ctx context.Context, userID string, loc *time.Location, m store.Message, reply reminders.Reply, eventID string) (bool, error) {
	d := r.d
	e, err := d.Store.GetEvent(ctx, userID, eventID)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	var confirm string
	var rem store.Reminder
	if reply.Done {
		err = d.Store.WithTx(ctx, func(tx *store.Tx) error {
			cur, err := tx.ReminderFor(ctx, userID, string(domain.KindEvent), eventID)
			if err != nil {
				return err
			}
			if err := r.DismissReminderTx(ctx, tx, userID, cur.ID); err != nil {
				return err
			}
			rem, err = tx.ReminderFor(ctx, userID, string(domain.KindEvent), eventID)
			return err
		})
		confirm = "✓ Done: " + e.Title
	} else {
		until, serr := reminders.SnoozeUntil(d.Now(), reply.Snooze, loc)
		if serr != nil {
			return true, nil
		}
		err = d.Store.WithTx(ctx, func(tx *store.Tx) error {
			var err error
			rem, err = r.SyncEventReminderTx(ctx, tx, userID, e, &ReminderChoice{RemindAt: &until})
			return err
		})
		if rem.FireAt != nil {
			until = *rem.FireAt
		}
		confirm = "✓ Snoozed: " + e.Title + " — until " + reminders.FormatDue(until, loc)
	}
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	r.publish(userID, domain.EventReminder, rem)
	if d.SelfChat != nil {
		if _, err := d.SelfChat.Write(ctx, userID, confirm, string(domain.KindEvent), eventID, m.ID); err != nil {
			d.Log.Warn("reply confirmation not sent", "user_id", userID, "err", err)
		}
	}
	return true, nil
}
