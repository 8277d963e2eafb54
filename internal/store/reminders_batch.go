package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The methods in this file serve the node-level sending of every reminder
// due at one instant (internal/jobs, ReminderBatchArgs): they cross
// people, as the claim must, and every row they return names its person,
// whose id goes with it to each channel.

// ClaimedReminder is a reminder claimed for sending, with its person.
type ClaimedReminder struct {
	UserID string
	Reminder
}

// ClaimRemindersAt claims for the caller up to limit reminders that are
// pending for exactly fireAt (of open items that still exist), of any
// person, and returns them with their items' titles and due times, and
// whether limit of them were pending when it looked (more may be left,
// even when another claimer took some of those and fewer were claimed). Each
// one is claimed by exactly one caller across every node: the UPDATE takes
// only rows still pending for that time, so two claimers that read the
// same rows split them, and a reminder snoozed or moved meanwhile is left
// alone.
func (t *Tx) ClaimRemindersAt(ctx context.Context, fireAt time.Time, limit int) (claimed []ClaimedReminder, full bool, err error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT r.user_id, `+reminderColumns+reminderItemColumns+reminderFrom+`
		WHERE r.status = $1 AND r.fire_at = $2 AND r.sent_at IS NULL AND `+reminderItem+` AND `+reminderDone+` = $3
		ORDER BY r.id LIMIT $4`, ReminderPending, ms(fireAt), false, limit)
	if err != nil {
		return nil, false, fmt.Errorf("store: reminders due: %w", err)
	}
	var due []ClaimedReminder
	for rows.Next() {
		var c ClaimedReminder
		var userID string
		r, err := scanReminder(prefixed{rows, &userID}, true)
		if err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("store: reminders due: %w", err)
		}
		c.UserID, c.Reminder = userID, r
		due = append(due, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(due) == 0 {
		return nil, false, err
	}
	full = len(due) == limit
	now := ms(t.s.clock())
	args := []any{ReminderSending, now, ms(fireAt), ReminderPending}
	marks := make([]string, len(due))
	for i, c := range due {
		args = append(args, c.ID)
		marks[i] = "$" + strconv.Itoa(len(args))
	}
	rows, err = t.tx.QueryContext(ctx, `UPDATE reminders SET status = $1, claimed_at = $2, updated_at = $2
		WHERE fire_at = $3 AND status = $4 AND sent_at IS NULL AND id IN (`+strings.Join(marks, ", ")+`) RETURNING id`, args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: claim reminders: %w", err)
	}
	defer rows.Close()
	got := make(map[string]bool, len(due))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, false, fmt.Errorf("store: claim reminders: %w", err)
		}
		got[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("store: claim reminders: %w", err)
	}
	for _, c := range due {
		if got[c.ID] {
			c.Status = ReminderSending
			claimed = append(claimed, c)
		}
	}
	return claimed, full, nil
}

// prefixed scans a row whose first column is the person's id into id and
// the rest into what scanReminder asks for.
type prefixed struct {
	row scanner
	id  *string
}

func (p prefixed) Scan(dest ...any) error {
	return p.row.Scan(append([]any{p.id}, dest...)...)
}

// MarkRemindersSent records that claimed reminders (by id, as returned by
// ClaimRemindersAt) went out at at, in one statement. A reminder no longer
// claimed (snoozed or moved while it was being sent) keeps its new state.
func (s *Store) MarkRemindersSent(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{ReminderSent, ms(at), ReminderSending}
	if _, err := s.w.ExecContext(ctx, `UPDATE reminders SET status = $1, sent_at = $2, updated_at = $2 WHERE status = $3 AND id IN (`+idList(&args, ids)+`)`, args...); err != nil {
		return fmt.Errorf("store: mark reminders sent: %w", err)
	}
	return nil
}

// ReleaseReminders gives claimed reminders back (their sending failed and
// will be tried again), in one statement.
func (s *Store) ReleaseReminders(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{ReminderPending, ReminderSending}
	if _, err := s.w.ExecContext(ctx, `UPDATE reminders SET status = $1, claimed_at = NULL WHERE status = $2 AND id IN (`+idList(&args, ids)+`)`, args...); err != nil {
		return fmt.Errorf("store: release reminders: %w", err)
	}
	return nil
}

// idList appends ids to args and returns their placeholders.
func idList(args *[]any, ids []string) string {
	var b strings.Builder
	for i, id := range ids {
		*args = append(*args, id)
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(len(*args)))
	}
	return b.String()
}

// ReminderPerson is what the sending of a reminder needs of its person.
type ReminderPerson struct {
	Timezone string
	Settings ReminderSettings
}

// ReminderPeople reads the time zone and reminder settings of several
// people in one query (the people of a claimed part), by id; an id
// without a user has no entry.
func (s *Store) ReminderPeople(ctx context.Context, userIDs []string) (map[string]ReminderPerson, error) {
	out := make(map[string]ReminderPerson, len(userIDs))
	for len(userIDs) > 0 {
		chunk := userIDs[:min(len(userIDs), 500)]
		userIDs = userIDs[len(chunk):]
		var args []any
		rows, err := s.r.QueryContext(ctx, `SELECT u.id, u.timezone, rs.channels, rs.offset_minutes, rs.quiet_start, rs.quiet_end, rs.capture, rs.event_lead_minutes
			FROM users u LEFT JOIN reminder_settings rs ON rs.user_id = u.id WHERE u.id IN (`+idList(&args, chunk)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: reminder people: %w", err)
		}
		for rows.Next() {
			var id, tz string
			var channels sql.NullString
			var offset, qs, qe, lead sql.NullInt64
			var capture sql.NullBool
			if err := rows.Scan(&id, &tz, &channels, &offset, &qs, &qe, &capture, &lead); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: reminder people: %w", err)
			}
			p := ReminderPerson{Timezone: tz, Settings: DefaultReminderSettings()}
			if channels.Valid {
				p.Settings = ReminderSettings{Channels: splitChannels(channels.String), OffsetMinutes: int(offset.Int64),
					QuietStart: int(qs.Int64), QuietEnd: int(qe.Int64), Capture: capture.Bool, EventLeadMinutes: int(lead.Int64)}
			}
			out[id] = p
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: reminder people: %w", err)
		}
	}
	return out, nil
}
