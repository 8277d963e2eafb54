package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Reminder states.
const (
	// ReminderPending waits for its fire time.
	ReminderPending = "pending"
	// ReminderSending was claimed by a job that is delivering it (or died
	// while doing so: then it stays here and is not sent again).
	ReminderSending = "sending"
	// ReminderSent went out at SentAt.
	ReminderSent = "sent"
	// ReminderDismissed was marked done: an event's reminder (an event has
	// nothing to check off) goes out no more until its start changes.
	ReminderDismissed = "dismissed"
	// ReminderMissed was due too long ago when it was set (an item
	// analysed from an old message); it does not go out.
	ReminderMissed = "missed"
)

// DefaultEventLeadMinutes is how long before its start an event reminds
// unless the person chose otherwise.
const DefaultEventLeadMinutes = 30

// ReminderSettings are a person's reminder choices.
type ReminderSettings struct {
	// Channels are the names of the channels reminders go through
	// ("whatsapp", "web"; a push channel adds its own name).
	Channels []string `json:"channels"`
	// OffsetMinutes is how long before the due time a task reminds (0: at
	// the due time).
	OffsetMinutes int `json:"offsetMinutes"`
	// QuietStart and QuietEnd are minutes after midnight in the person's
	// zone; a reminder falling in [QuietStart, QuietEnd) (wrapping past
	// midnight) goes out at QuietEnd. -1 (both): no quiet hours.
	QuietStart int `json:"quietStart"`
	QuietEnd   int `json:"quietEnd"`
	// EventLeadMinutes is how long before its start a calendar event
	// reminds (0: at its start).
	EventLeadMinutes int `json:"eventLeadMinutes"`
	// Capture turns messages to oneself starting with todo/note/idea/remind
	// me into items at once, with a confirmation reply.
	Capture bool `json:"capture"`
}

// DefaultReminderSettings are the settings of a person who never changed
// them: WhatsApp and the web, at the due time, no quiet hours, no capture.
func DefaultReminderSettings() ReminderSettings {
	return ReminderSettings{Channels: []string{"whatsapp", "web"}, QuietStart: -1, QuietEnd: -1, EventLeadMinutes: DefaultEventLeadMinutes}
}

// HasChannel reports whether the channel is enabled.
func (s ReminderSettings) HasChannel(name string) bool {
	for _, c := range s.Channels {
		if c == name {
			return true
		}
	}
	return false
}

// Reminder is when one item reminds its owner.
type Reminder struct {
	ID       string `json:"id"`
	ItemKind string `json:"itemKind"`
	ItemID   string `json:"itemId"`
	// RemindAt is the time the person chose for this item (nil: the due
	// time less the offset).
	RemindAt *time.Time `json:"remindAt,omitempty"`
	// OffsetMinutes is this item's own offset (nil: the person's default).
	OffsetMinutes *int `json:"offsetMinutes,omitempty"`
	// FireAt is when it goes out next (nil: never, e.g. the task has no
	// due time).
	FireAt    *time.Time `json:"fireAt,omitempty"`
	Status    string     `json:"status"`
	SentAt    *time.Time `json:"sentAt,omitempty"`
	MessageID string     `json:"messageId,omitempty"`
	JobID     int64      `json:"-"`
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt time.Time  `json:"updatedAt"`
	// Title and Due are the item's, for lists.
	Title string     `json:"title"`
	Due   *time.Time `json:"due,omitempty"`
	Done  bool       `json:"done"`
}

// ReminderSettings returns the person's settings, or the defaults.
func (s *Store) ReminderSettings(ctx context.Context, userID string) (ReminderSettings, error) {
	return reminderSettings(ctx, s.r, userID)
}

// ReminderSettings is Store.ReminderSettings in this transaction.
func (t *Tx) ReminderSettings(ctx context.Context, userID string) (ReminderSettings, error) {
	return reminderSettings(ctx, t.tx, userID)
}

func reminderSettings(ctx context.Context, q querier, userID string) (ReminderSettings, error) {
	var rs ReminderSettings
	var channels string
	err := q.QueryRowContext(ctx, `SELECT channels, offset_minutes, quiet_start, quiet_end, capture, event_lead_minutes FROM reminder_settings WHERE user_id = $1`, userID).
		Scan(&channels, &rs.OffsetMinutes, &rs.QuietStart, &rs.QuietEnd, &rs.Capture, &rs.EventLeadMinutes)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultReminderSettings(), nil
	}
	if err != nil {
		return rs, fmt.Errorf("store: reminder settings: %w", err)
	}
	rs.Channels = splitChannels(channels)
	return rs, nil
}

// splitChannels reads the stored list of channels.
func splitChannels(channels string) []string {
	out := []string{}
	for _, c := range strings.Split(channels, ",") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// SaveReminderSettings replaces the person's settings.
func (s *Store) SaveReminderSettings(ctx context.Context, userID string, rs ReminderSettings) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO reminder_settings (user_id, channels, offset_minutes, quiet_start, quiet_end, capture, updated_at, event_lead_minutes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (user_id) DO UPDATE SET channels = excluded.channels, offset_minutes = excluded.offset_minutes,
			quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, capture = excluded.capture, updated_at = excluded.updated_at,
			event_lead_minutes = excluded.event_lead_minutes`,
		userID, strings.Join(rs.Channels, ","), rs.OffsetMinutes, rs.QuietStart, rs.QuietEnd, rs.Capture, ms(s.clock()), rs.EventLeadMinutes)
	if err != nil {
		return fmt.Errorf("store: save reminder settings: %w", err)
	}
	return nil
}

const reminderColumns = `r.id, r.item_kind, r.item_id, r.remind_at, r.offset_minutes, r.fire_at, r.status, r.sent_at, r.message_id, r.job_id, r.created_at, r.updated_at`

// reminderFrom joins each reminder with its item, a task or a calendar
// event; a reminder whose item is gone is not listed (reminderItem in the
// WHERE clause). reminderItemColumns are the item's title, due time (an
// event's start) and whether it is done (an event's reminder: dismissed).
const (
	reminderFrom = ` FROM reminders r
		LEFT JOIN tasks t ON r.item_kind = 'task' AND t.user_id = r.user_id AND t.id = r.item_id
		LEFT JOIN events e ON r.item_kind = 'event' AND e.user_id = r.user_id AND e.id = r.item_id`
	reminderItem        = `(t.id IS NOT NULL OR e.id IS NOT NULL)`
	reminderDone        = `(CASE WHEN r.item_kind = 'event' THEN r.status = 'dismissed' ELSE t.done END)`
	reminderItemColumns = `, COALESCE(t.title, e.title), COALESCE(t.due_at, e.starts_at), ` + reminderDone
)

func scanReminder(row scanner, withItem bool) (Reminder, error) {
	var r Reminder
	var remindAt, fireAt, sentAt, jobID, due sql.NullInt64
	var offset sql.NullInt64
	var created, updated int64
	dest := []any{&r.ID, &r.ItemKind, &r.ItemID, &remindAt, &offset, &fireAt, &r.Status, &sentAt, &r.MessageID, &jobID, &created, &updated}
	if withItem {
		dest = append(dest, &r.Title, &due, &r.Done)
	}
	if err := row.Scan(dest...); err != nil {
		return r, err
	}
	r.RemindAt, r.FireAt, r.SentAt, r.Due = optTime(remindAt), optTime(fireAt), optTime(sentAt), optTime(due)
	if offset.Valid {
		o := int(offset.Int64)
		r.OffsetMinutes = &o
	}
	r.JobID = jobID.Int64
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return r, nil
}

// ReminderFor returns the reminder of one of the person's items.
func (t *Tx) ReminderFor(ctx context.Context, userID, kind, itemID string) (Reminder, error) {
	r, err := scanReminder(t.tx.QueryRowContext(ctx, `SELECT `+reminderColumns+` FROM reminders r WHERE r.user_id = $1 AND r.item_kind = $2 AND r.item_id = $3`, userID, kind, itemID), false)
	return r, notFound(err)
}

// ReminderFor is Tx.ReminderFor outside a transaction.
func (s *Store) ReminderFor(ctx context.Context, userID, kind, itemID string) (Reminder, error) {
	r, err := scanReminder(s.r.QueryRowContext(ctx, `SELECT `+reminderColumns+` FROM reminders r WHERE r.user_id = $1 AND r.item_kind = $2 AND r.item_id = $3`, userID, kind, itemID), false)
	return r, notFound(err)
}

// GetReminder returns one of the person's reminders with its task.
func (s *Store) GetReminder(ctx context.Context, userID, id string) (Reminder, error) {
	r, err := scanReminder(s.r.QueryRowContext(ctx, `SELECT `+reminderColumns+reminderItemColumns+reminderFrom+` WHERE r.user_id = $1 AND r.id = $2 AND `+reminderItem, userID, id), true)
	return r, notFound(err)
}

// GetReminder is Store.GetReminder in this transaction.
func (t *Tx) GetReminder(ctx context.Context, userID, id string) (Reminder, error) {
	r, err := scanReminder(t.tx.QueryRowContext(ctx, `SELECT `+reminderColumns+reminderItemColumns+reminderFrom+` WHERE r.user_id = $1 AND r.id = $2 AND `+reminderItem, userID, id), true)
	return r, notFound(err)
}

// SaveReminder inserts or replaces the reminder of r.ItemKind/r.ItemID
// (its id is kept when it exists) and returns it as stored.
func (t *Tx) SaveReminder(ctx context.Context, userID string, r Reminder) (Reminder, error) {
	now := ms(t.s.clock())
	var offset sql.NullInt64
	if r.OffsetMinutes != nil {
		offset = sql.NullInt64{Int64: int64(*r.OffsetMinutes), Valid: true}
	}
	jobID := sql.NullInt64{Int64: r.JobID, Valid: r.JobID != 0}
	out, err := scanReminder(t.tx.QueryRowContext(ctx, `INSERT INTO reminders (id, user_id, item_kind, item_id, remind_at, offset_minutes, fire_at, status, sent_at, message_id, job_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
		ON CONFLICT (user_id, item_kind, item_id) DO UPDATE SET remind_at = excluded.remind_at, offset_minutes = excluded.offset_minutes,
			fire_at = excluded.fire_at, status = excluded.status, sent_at = excluded.sent_at, message_id = excluded.message_id, job_id = excluded.job_id, updated_at = excluded.updated_at
		RETURNING `+strings.ReplaceAll(reminderColumns, "r.", ""),
		NewID(), userID, r.ItemKind, r.ItemID, optMS(r.RemindAt), offset, optMS(r.FireAt), r.Status, optMS(r.SentAt), r.MessageID, jobID, now), false)
	if err != nil {
		return out, fmt.Errorf("store: save reminder: %w", err)
	}
	return out, nil
}

// SetReminderJob records the job that will send the reminder.
func (t *Tx) SetReminderJob(ctx context.Context, userID, id string, jobID int64) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE reminders SET job_id = $3 WHERE user_id = $1 AND id = $2`, userID, id, jobID); err != nil {
		return fmt.Errorf("store: set reminder job: %w", err)
	}
	return nil
}

// DeleteReminderFor deletes the reminder of an item and returns it
// (ErrNotFound when it had none).
func (t *Tx) DeleteReminderFor(ctx context.Context, userID, kind, itemID string) (Reminder, error) {
	r, err := t.ReminderFor(ctx, userID, kind, itemID)
	if err != nil {
		return r, err
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM reminders WHERE user_id = $1 AND id = $2`, userID, r.ID); err != nil {
		return r, fmt.Errorf("store: delete reminder: %w", err)
	}
	return r, nil
}

// ClaimReminder takes the sending of a reminder due at fireAt for the
// caller: true for exactly one caller across every node, and only while
// the reminder is still pending for that time (not sent, snoozed to
// another time, or gone).
func (s *Store) ClaimReminder(ctx context.Context, userID, id string, fireAt time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE reminders SET status = $4, claimed_at = $5, updated_at = $5
		WHERE user_id = $1 AND id = $2 AND fire_at = $3 AND status = $6 AND sent_at IS NULL`,
		userID, id, ms(fireAt), ReminderSending, ms(s.clock()), ReminderPending)
	if err != nil {
		return false, fmt.Errorf("store: claim reminder: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseReminder gives a claimed reminder back (its sending failed and
// will be tried again).
func (s *Store) ReleaseReminder(ctx context.Context, userID, id string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE reminders SET status = $3, claimed_at = NULL WHERE user_id = $1 AND id = $2 AND status = $4`,
		userID, id, ReminderPending, ReminderSending); err != nil {
		return fmt.Errorf("store: release reminder: %w", err)
	}
	return nil
}

// MarkReminderSent records that a claimed reminder went out.
func (s *Store) MarkReminderSent(ctx context.Context, userID, id, messageID string, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE reminders SET status = $3, sent_at = $4, message_id = $5, updated_at = $4 WHERE user_id = $1 AND id = $2`,
		userID, id, ReminderSent, ms(at), messageID); err != nil {
		return fmt.Errorf("store: mark reminder sent: %w", err)
	}
	return nil
}

// DismissReminder marks a reminder done without touching its item (an
// event's reminder): it goes out no more, and its job (returned, to be
// cancelled) is forgotten.
func (t *Tx) DismissReminder(ctx context.Context, userID, id string) (jobID int64, err error) {
	var job sql.NullInt64
	if err := t.tx.QueryRowContext(ctx, `SELECT job_id FROM reminders WHERE user_id = $1 AND id = $2`, userID, id).Scan(&job); err != nil {
		return 0, notFound(err)
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE reminders SET status = $3, job_id = NULL, remind_at = NULL, updated_at = $4 WHERE user_id = $1 AND id = $2`,
		userID, id, ReminderDismissed, ms(t.s.clock())); err != nil {
		return 0, fmt.Errorf("store: dismiss reminder: %w", err)
	}
	return job.Int64, nil
}

// LostReminder is a pending reminder whose time has passed without a
// River job waiting to send it.
type LostReminder struct {
	UserID, ID string
	FireAt     time.Time
	JobID      int64
}

// LostReminders returns up to limit pending reminders of open items due in
// [since, before) that no job waits to send: their job is gone (pruned, deleted by
// an operator, lost in a restore from a backup) or ended without sending
// (cancelled, discarded). Reminders due at one of the busy instants (whose
// sending is under way in a job that is not theirs: a later part of a
// large batch) are left out.
func (s *Store) LostReminders(ctx context.Context, since, before time.Time, limit int, busy []time.Time) ([]LostReminder, error) {
	args := []any{ReminderPending, ms(since), ms(before), limit, false}
	notBusy := ""
	if len(busy) > 0 {
		marks := make([]string, len(busy))
		for i, b := range busy {
			args = append(args, ms(b))
			marks[i] = "$" + strconv.Itoa(len(args))
		}
		notBusy = ` AND r.fire_at NOT IN (` + strings.Join(marks, ", ") + `)`
	}
	rows, err := s.r.QueryContext(ctx, `SELECT r.user_id, r.id, r.fire_at, COALESCE(r.job_id, 0)`+reminderFrom+`
		WHERE r.status = $1 AND r.fire_at >= $2 AND r.fire_at < $3 AND r.sent_at IS NULL AND `+reminderItem+` AND `+reminderDone+` = $5`+notBusy+`
		AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = r.job_id AND j.state IN ('available', 'pending', 'retryable', 'running', 'scheduled'))
		ORDER BY r.fire_at, r.id LIMIT $4`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: lost reminders: %w", err)
	}
	defer rows.Close()
	var out []LostReminder
	for rows.Next() {
		var l LostReminder
		var fire int64
		if err := rows.Scan(&l.UserID, &l.ID, &fire, &l.JobID); err != nil {
			return nil, err
		}
		l.FireAt = fromMS(fire)
		out = append(out, l)
	}
	return out, rows.Err()
}

// MarkLostRemindersMissed marks missed the pending reminders due before
// before that no job waits to send (lost too long ago to be sent).
func (s *Store) MarkLostRemindersMissed(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE reminders SET status = $1, job_id = NULL WHERE status = $2 AND fire_at < $3 AND sent_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = reminders.job_id AND j.state IN ('available', 'pending', 'retryable', 'running', 'scheduled'))`,
		ReminderMissed, ReminderPending, ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: mark lost reminders missed: %w", err)
	}
	return res.RowsAffected()
}

// ReplaceReminderJob records newJob as the job sending a reminder, only if
// it is still pending for fireAt with oldJob (0: none) as its job: false
// when another node replaced it first, or it changed meanwhile.
func (t *Tx) ReplaceReminderJob(ctx context.Context, userID, id string, fireAt time.Time, oldJob, newJob int64) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE reminders SET job_id = $5 WHERE user_id = $1 AND id = $2 AND status = $3 AND fire_at = $4
		AND COALESCE(job_id, 0) = $6`, userID, id, ReminderPending, ms(fireAt), newJob, oldJob)
	if err != nil {
		return false, fmt.Errorf("store: replace reminder job: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkReminderMissed gives up a pending reminder due too long ago.
func (t *Tx) MarkReminderMissed(ctx context.Context, userID, id string, fireAt time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE reminders SET status = $4, job_id = NULL WHERE user_id = $1 AND id = $2 AND fire_at = $3 AND status = $5`,
		userID, id, ms(fireAt), ReminderMissed, ReminderPending); err != nil {
		return fmt.Errorf("store: mark reminder missed: %w", err)
	}
	return nil
}

// ReminderFilter narrows a reminder list.
type ReminderFilter struct {
	// Status is "upcoming" (pending, of open tasks), "sent", or "" (both).
	Status string
}

// ListReminders returns the person's reminders: upcoming ones soonest
// first, sent ones latest first, at most limit.
func (s *Store) ListReminders(ctx context.Context, userID string, f ReminderFilter, limit int) ([]Reminder, error) {
	where, order := `r.user_id = $1 AND `+reminderItem, `ORDER BY r.fire_at, r.id`
	args := []any{userID}
	switch f.Status {
	case "upcoming":
		where += ` AND r.status = $2 AND r.fire_at IS NOT NULL AND ` + reminderDone + ` = $3`
		args = append(args, ReminderPending, false)
	case "sent":
		where += ` AND (r.status IN ($2, $3) OR r.status = 'dismissed' AND r.sent_at IS NOT NULL)`
		args = append(args, ReminderSent, ReminderSending)
		order = `ORDER BY r.sent_at DESC, r.id`
	}
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+reminderColumns+reminderItemColumns+reminderFrom+` WHERE `+where+` `+order+fmt.Sprintf(` LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list reminders: %w", err)
	}
	defer rows.Close()
	out := []Reminder{}
	for rows.Next() {
		r, err := scanReminder(rows, true)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DueReminders returns up to limit of the person's reminders sent since
// since whose tasks are still open (the web UI's notice).
func (s *Store) DueReminders(ctx context.Context, userID string, since time.Time, limit int) ([]Reminder, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+reminderColumns+reminderItemColumns+reminderFrom+`
		WHERE r.user_id = $1 AND r.status = $2 AND r.sent_at >= $3 AND `+reminderDone+` = $4 AND `+reminderItem+` ORDER BY r.sent_at DESC LIMIT $5`,
		userID, ReminderSent, ms(since), false, limit)
	if err != nil {
		return nil, fmt.Errorf("store: due reminders: %w", err)
	}
	defer rows.Close()
	var out []Reminder
	for rows.Next() {
		r, err := scanReminder(rows, true)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddSelfMessage records, before it is sent, a message Synapse writes in
// the person's own chat (identified by a hash of its text), about an item
// (kind and id, or empty); the analysis of notes to self skips it.
func (s *Store) AddSelfMessage(ctx context.Context, userID, textHash, kind, itemID string) (string, error) {
	id := NewID()
	if _, err := s.w.ExecContext(ctx, `INSERT INTO self_messages (id, user_id, text_hash, item_kind, item_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, userID, textHash, kind, itemID, ms(s.clock())); err != nil {
		return "", fmt.Errorf("store: add self message: %w", err)
	}
	return id, nil
}

// SetSelfMessageID records the WhatsApp id of a self message once sent.
func (s *Store) SetSelfMessageID(ctx context.Context, userID, id, messageID string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE self_messages SET message_id = $3 WHERE user_id = $1 AND id = $2`, userID, id, messageID); err != nil {
		return fmt.Errorf("store: set self message id: %w", err)
	}
	return nil
}

// IsSelfMessage reports whether Synapse wrote a message of this text hash
// in the person's own chat.
func (s *Store) IsSelfMessage(ctx context.Context, userID, textHash string) (bool, error) {
	return isSelfMessage(ctx, s.r, userID, textHash)
}

// IsSelfMessageTx is IsSelfMessage inside a transaction (the ingest's:
// what Synapse writes is recorded before it is sent, so before it is
// stored).
func IsSelfMessageTx(ctx context.Context, tx *sql.Tx, userID, textHash string) (bool, error) {
	return isSelfMessage(ctx, tx, userID, textHash)
}

func isSelfMessage(ctx context.Context, db queryer, userID, textHash string) (bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT 1 FROM self_messages WHERE user_id = $1 AND text_hash = $2 LIMIT 1`, userID, textHash)
	if err != nil {
		return false, fmt.Errorf("store: is self message: %w", err)
	}
	defer rows.Close()
	found := rows.Next()
	return found, rows.Err()
}

// SelfMessageItem returns the item a message Synapse wrote in the
// person's own chat is about (ErrNotFound: none).
func (s *Store) SelfMessageItem(ctx context.Context, userID, messageID string) (kind, itemID string, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT item_kind, item_id FROM self_messages WHERE user_id = $1 AND message_id = $2 AND message_id <> '' AND item_id <> '' ORDER BY created_at DESC LIMIT 1`,
		userID, messageID).Scan(&kind, &itemID)
	return kind, itemID, notFound(err)
}

// SelfMessageItemByHash is SelfMessageItem for a message known by its text
// hash (its id is recorded only once its sending returned).
func (s *Store) SelfMessageItemByHash(ctx context.Context, userID, textHash string) (kind, itemID string, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT item_kind, item_id FROM self_messages WHERE user_id = $1 AND text_hash = $2 AND item_id <> '' ORDER BY created_at DESC LIMIT 1`,
		userID, textHash).Scan(&kind, &itemID)
	return kind, itemID, notFound(err)
}
