package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
)

// Kinds of MessageChange.
const (
	ChangeEdit   = "edit"
	ChangeRevoke = "revoke"
)

// MessageChange is an edit, or a deletion for everyone, of a stored
// message, as its sender (or, for a deletion in a group, an administrator)
// made it on WhatsApp.
type MessageChange struct {
	UserID   string
	ChatID   string
	TargetID string // the changed message
	Kind     string // ChangeEdit or ChangeRevoke
	By       string // sender JID of the change
	ByMe     bool   // the account itself made the change
	ByAdmin  bool   // a group administrator deleted a member's message
	Text     string // an edit's new text (or caption)
	At       time.Time
	// KeepURLs are the normalised links of an edit's new text: bookmarks
	// of those links stay (their share is made again by the bookmark job).
	KeepURLs []string
}

// RemovedItem names something a change removed.
type RemovedItem struct {
	Kind domain.Kind `json:"kind"`
	ID   string      `json:"id"`
}

// ChangeResult is what applying a change did.
type ChangeResult struct {
	// Applied is false when the change named no stored message of the
	// chat, came from someone else than the sender, or came after a
	// deletion or an edit made later.
	Applied bool
	// Pending is true when the change named no stored message: it is kept
	// and applied when the message arrives (ApplyPendingChanges).
	Pending bool
	Message Message // the message after the change
	// Removed lists the items derived from the message that went with it
	// (those the person edited or completed stay).
	Removed []RemovedItem
	// FreedMedia are content hashes of the user that no record refers to
	// any more (the caller deletes the blobs).
	FreedMedia []string
}

// ApplyMessageChange applies an edit or a deletion for everyone to one of
// the user's messages, in one transaction with what depends on it:
//
//   - an edit replaces the text (and an image's caption), records when,
//     updates the search index, removes the tasks, notes, ideas, places and
//     link shares derived from the old text that the person has not
//     edited or completed, and runs hook with the edited message so that
//     its follow-up work (analysis, bookmarks) is queued again;
//   - a deletion leaves a tombstone (no text, attachments or index entry)
//     and removes the image or voice memo stored for the message, the items
//     derived from it and bookmarks only it shared, except items the person
//     edited or completed.
func (s *Store) ApplyMessageChange(ctx context.Context, c MessageChange, hook IngestHook) (ChangeResult, error) {
	var res ChangeResult
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		res = ChangeResult{}
		m, err := scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
			WHERE user_id = $1 AND chat_id = $2 AND id = $3`, c.UserID, c.ChatID, c.TargetID))
		if err == sql.ErrNoRows {
			res.Pending = true
			return s.keepPendingChange(ctx, tx, c)
		}
		if err != nil {
			return fmt.Errorf("store: change message: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_changes WHERE user_id = $1 AND chat_id = $2 AND target_id = $3 AND kind = $4`,
			c.UserID, c.ChatID, c.TargetID, c.Kind); err != nil {
			return fmt.Errorf("store: change message: %w", err)
		}
		sameSender := m.FromMe == c.ByMe && (c.ByMe || m.From == c.By)
		if m.DeletedAt != nil || !(sameSender || (c.Kind == ChangeRevoke && c.ByAdmin)) {
			return nil
		}
		switch c.Kind {
		case ChangeEdit:
			if m.EditedAt != nil && m.EditedAt.After(c.At) {
				return nil // a later edit is stored already
			}
			return s.applyEdit(ctx, tx, c, m, hook, &res)
		case ChangeRevoke:
			return s.applyRevoke(ctx, tx, c, m, &res)
		}
		return fmt.Errorf("store: unknown message change %q", c.Kind)
	})
	return res, err
}

func (s *Store) applyEdit(ctx context.Context, tx *sql.Tx, c MessageChange, m Message, hook IngestHook, res *ChangeResult) error {
	m.Text, m.EditedAt = cleanText(c.Text), &c.At
	// Indexed as ingest indexes a message: with the name it came with (the
	// sender_name column), not the address book's name m carries.
	indexed := m
	if err := tx.QueryRowContext(ctx, `SELECT sender_name FROM messages WHERE seq = $1`, m.Seq).Scan(&indexed.FromName); err != nil {
		return fmt.Errorf("store: edit message: %w", err)
	}
	folded := Fold(messageSearchText(&indexed))
	var err error
	if s.dialect == Postgres {
		_, err = tx.ExecContext(ctx, `UPDATE messages SET text = $1, edited_at = $2, tsv = to_tsvector('simple', $3) WHERE seq = $4`,
			m.Text, ms(c.At), folded, m.Seq)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE messages SET text = $1, edited_at = $2 WHERE seq = $3`, m.Text, ms(c.At), m.Seq)
		if err == nil {
			err = s.reindexMessage(ctx, tx, c.UserID, m.Seq, folded)
		}
	}
	if err != nil {
		return fmt.Errorf("store: edit message: %w", err)
	}
	im, err := scanImage(tx.QueryRowContext(ctx, `SELECT `+imageColumns+` FROM images WHERE user_id = $1 AND chat_id = $2 AND message_id = $3`,
		c.UserID, c.ChatID, c.TargetID))
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("store: edit caption: %w", err)
	}
	if err == nil {
		if _, err := tx.ExecContext(ctx, `UPDATE images SET caption = $1 WHERE id = $2`, m.Text, im.ID); err != nil {
			return fmt.Errorf("store: edit caption: %w", err)
		}
		// A repeated picture is found through the first.
		if im.DupOf == "" {
			if err := s.indexDoc(ctx, tx, c.UserID, domain.KindImage, im.ID, im.SentAt, m.Text+" "+im.SenderName); err != nil {
				return err
			}
		}
	}
	if err := s.dropMessageSources(ctx, tx, c.UserID, c.ChatID, c.TargetID); err != nil {
		return err
	}
	if err := s.removeDerived(ctx, tx, c.UserID, `chat_id = $2 AND message_id = $3 AND source = 'message'`, []any{c.ChatID, c.TargetID}, res); err != nil {
		return err
	}
	if err := dropSuggestions(ctx, tx, c.UserID, `status = 'open' AND chat_id = $2 AND message_id = $3`, c.ChatID, c.TargetID); err != nil {
		return err
	}
	if err := s.removeShares(ctx, tx, c.UserID, c.ChatID, c.TargetID, c.KeepURLs, res); err != nil {
		return err
	}
	res.Applied, res.Message = true, m
	if hook == nil {
		return nil
	}
	in := &IncomingMessage{UserID: c.UserID, Message: m, Inserted: true, Edited: true, prepared: true, folded: folded}
	return hook(ctx, tx, []*IncomingMessage{in})
}

func (s *Store) applyRevoke(ctx context.Context, tx *sql.Tx, c MessageChange, m Message, res *ChangeResult) error {
	var err error
	if s.dialect == Postgres {
		_, err = tx.ExecContext(ctx, `UPDATE messages SET text = '', payload = NULL, deleted_at = $1, tsv = NULL WHERE seq = $2`, ms(c.At), m.Seq)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE messages SET text = '', payload = NULL, deleted_at = $1 WHERE seq = $2`, ms(c.At), m.Seq)
		if err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM message_fts WHERE rowid = $1`, -m.Seq)
		}
	}
	if err != nil {
		return fmt.Errorf("store: delete message: %w", err)
	}
	var hashes []string
	// The image stored for the message.
	var imageID, sha, thumb string
	var dupOf string
	err = tx.QueryRowContext(ctx, `DELETE FROM images WHERE user_id = $1 AND chat_id = $2 AND message_id = $3 RETURNING id, sha256, thumb_sha256, dup_of`,
		c.UserID, c.ChatID, c.TargetID).Scan(&imageID, &sha, &thumb, &dupOf)
	switch {
	case err == nil:
		hashes = append(hashes, sha, thumb)
		if err := s.imageGone(ctx, tx, c.UserID, imageID, dupOf, c.ChatID, c.TargetID); err != nil {
			return err
		}
		res.Removed = append(res.Removed, RemovedItem{domain.KindImage, imageID})
		if err := s.unindexDoc(ctx, tx, domain.KindImage, imageID); err != nil {
			return err
		}
	case err != sql.ErrNoRows:
		return fmt.Errorf("store: delete message image: %w", err)
	}
	// The voice memo stored for the message, and what was made of it.
	var memoID string
	if err := s.dropMessageSources(ctx, tx, c.UserID, c.ChatID, c.TargetID); err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `DELETE FROM voice_memos WHERE user_id = $1 AND chat_id = $2 AND message_id = $3 RETURNING id, sha256`,
		c.UserID, c.ChatID, c.TargetID).Scan(&memoID, &sha)
	switch {
	case err == nil:
		hashes = append(hashes, sha)
		res.Removed = append(res.Removed, RemovedItem{domain.KindVoiceMemo, memoID})
		if err := s.unindexDoc(ctx, tx, domain.KindVoiceMemo, memoID); err != nil {
			return err
		}
		if err := s.removeDerived(ctx, tx, c.UserID, `voice_memo_id = $2 AND source = 'voice_memo'`, []any{memoID}, res); err != nil {
			return err
		}
	case err != sql.ErrNoRows:
		return fmt.Errorf("store: delete message voice memo: %w", err)
	}
	err = tx.QueryRowContext(ctx, `DELETE FROM files WHERE user_id = $1 AND chat_id = $2 AND message_id = $3 RETURNING sha256`,
		c.UserID, c.ChatID, c.TargetID).Scan(&sha)
	switch {
	case err == nil:
		hashes = append(hashes, sha)
	case err != sql.ErrNoRows:
		return fmt.Errorf("store: delete message file: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM media_failures WHERE user_id = $1 AND chat_id = $2 AND message_id = $3`,
		c.UserID, c.ChatID, c.TargetID); err != nil {
		return fmt.Errorf("store: delete message: %w", err)
	}
	if err := s.removeDerived(ctx, tx, c.UserID, `chat_id = $2 AND message_id = $3 AND source = 'message'`, []any{c.ChatID, c.TargetID}, res); err != nil {
		return err
	}
	if err := dropSuggestions(ctx, tx, c.UserID, `status = 'open' AND chat_id = $2 AND message_id = $3`, c.ChatID, c.TargetID); err != nil {
		return err
	}
	if err := s.removeShares(ctx, tx, c.UserID, c.ChatID, c.TargetID, nil, res); err != nil {
		return err
	}
	for _, h := range hashes {
		if h == "" || slices.Contains(res.FreedMedia, h) {
			continue
		}
		free, err := s.mediaFree(ctx, tx, c.UserID, h)
		if err != nil {
			return err
		}
		if free {
			res.FreedMedia = append(res.FreedMedia, h)
		}
	}
	m.Text, m.Media, m.Location, m.Contact, m.DeletedAt = "", nil, nil, nil, &c.At
	res.Applied, res.Message = true, m
	return nil
}

// derivedTables are the item tables whose rows name the message or voice
// memo they came from.
var derivedTables = []struct {
	kind  domain.Kind
	table string
	open  string // the condition under which the person has not finished with it
}{
	{domain.KindTask, "tasks", "done = 0"},
	{domain.KindNote, "notes", "1 = 1"},
	{domain.KindIdea, "ideas", "1 = 1"},
	{domain.KindLocation, "locations", "1 = 1"},
	{domain.KindEvent, "events", "1 = 1"},
}

// removeDerived deletes the user's items matching where (its parameters
// start at $2) that the person has neither edited nor completed.
func (s *Store) removeDerived(ctx context.Context, tx *sql.Tx, userID, where string, args []any, res *ChangeResult) error {
	for _, t := range derivedTables {
		open := t.open
		if s.dialect == Postgres && t.kind == domain.KindTask {
			open = "NOT done"
		}
		// An item that other messages gave too stays (it was merged).
		rows, err := tx.QueryContext(ctx, `DELETE FROM `+t.table+` WHERE user_id = $1 AND `+where+` AND edited_at = 0 AND `+open+`
			AND NOT EXISTS (SELECT 1 FROM item_sources s WHERE s.user_id = $1 AND s.item_kind = '`+string(t.kind)+`' AND s.item_id = `+t.table+`.id) RETURNING id`,
			append([]any{userID}, args...)...)
		if err != nil {
			return fmt.Errorf("store: remove derived %s: %w", t.kind, err)
		}
		ids, err := scanIDs(rows)
		if err != nil {
			return err
		}
		for _, id := range ids {
			res.Removed = append(res.Removed, RemovedItem{t.kind, id})
			if err := s.unindexDoc(ctx, tx, t.kind, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeShares deletes the link shares of one message, and the bookmarks
// that nothing else shared, that were not added or edited by hand and whose
// normalised link is not in keep.
func (s *Store) removeShares(ctx context.Context, tx *sql.Tx, userID, chatID, messageID string, keep []string, res *ChangeResult) error {
	rows, err := tx.QueryContext(ctx, `DELETE FROM bookmark_shares WHERE user_id = $1 AND chat_id = $2 AND message_id = $3 RETURNING bookmark_id`,
		userID, chatID, messageID)
	if err != nil {
		return fmt.Errorf("store: remove shares: %w", err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return err
	}
	for _, id := range ids {
		var url string
		var manual bool
		var edited int64
		err := tx.QueryRowContext(ctx, `SELECT normalized_url, manual, edited_at FROM bookmarks WHERE user_id = $1 AND id = $2`, userID, id).Scan(&url, &manual, &edited)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: remove bookmark: %w", err)
		}
		if manual || edited != 0 || slices.Contains(keep, url) {
			continue
		}
		var shares int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bookmark_shares WHERE bookmark_id = $1`, id).Scan(&shares); err != nil {
			return fmt.Errorf("store: remove bookmark: %w", err)
		}
		if shares > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM bookmarks WHERE user_id = $1 AND id = $2`, userID, id); err != nil {
			return fmt.Errorf("store: remove bookmark: %w", err)
		}
		res.Removed = append(res.Removed, RemovedItem{domain.KindBookmark, id})
		if err := s.unindexDoc(ctx, tx, domain.KindBookmark, id); err != nil {
			return err
		}
	}
	return nil
}

// scanIDs reads a one-column result of strings and closes it.
func scanIDs(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// reindexMessage replaces a message's entry in SQLite's message index.
func (s *Store) reindexMessage(ctx context.Context, tx *sql.Tx, userID string, seq int64, folded string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM message_fts WHERE rowid = $1`, -seq); err != nil {
		return fmt.Errorf("store: reindex message: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO message_fts (rowid, body) VALUES ($1, $2)`, -seq, userToken(userID)+" "+folded); err != nil {
		return fmt.Errorf("store: reindex message: %w", err)
	}
	return nil
}

// mediaFree reports whether no record of the user refers to the blob h.
func (s *Store) mediaFree(ctx context.Context, tx *sql.Tx, userID, h string) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM images WHERE user_id = $1 AND (sha256 = $2 OR thumb_sha256 = $2)) +
		(SELECT COUNT(*) FROM voice_memos WHERE user_id = $1 AND sha256 = $2) +
		(SELECT COUNT(*) FROM bookmarks WHERE user_id = $1 AND image_sha256 = $2) +
		(SELECT COUNT(*) FROM files WHERE user_id = $1 AND sha256 = $2)`, userID, h).Scan(&n); err != nil {
		return false, fmt.Errorf("store: media references: %w", err)
	}
	return n == 0, nil
}

// maxPendingAge is how long a change whose message never arrived is kept.
const maxPendingAge = 30 * 24 * time.Hour

// maxPendingChanges is how many such changes one person keeps at most (a
// variable for tests).
var maxPendingChanges = 5000

// keepPendingChange keeps a change whose message is not stored (yet): an
// edit or deletion can overtake its message (offline redelivery, history
// not imported yet). Of two edits the later is kept.
func (s *Store) keepPendingChange(ctx context.Context, tx *sql.Tx, c MessageChange) error {
	now := s.clock()
	if _, err := tx.ExecContext(ctx, `DELETE FROM pending_changes WHERE user_id = $1 AND created_at < $2`,
		c.UserID, ms(now.Add(-maxPendingAge))); err != nil {
		return fmt.Errorf("store: pending change: %w", err)
	}
	// Anyone can send edits and deletions of ids that do not exist: a
	// person keeps a bounded number, and the rest are dropped.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pending_changes WHERE user_id = $1`, c.UserID).Scan(&n); err != nil {
		return fmt.Errorf("store: pending change: %w", err)
	}
	if n >= maxPendingChanges {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO pending_changes (user_id, chat_id, target_id, kind, by_jid, by_me, by_admin, text, at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (user_id, chat_id, target_id, kind) DO UPDATE SET by_jid = excluded.by_jid, by_me = excluded.by_me,
			by_admin = excluded.by_admin, text = excluded.text, at = excluded.at
			WHERE excluded.at >= pending_changes.at`,
		c.UserID, c.ChatID, c.TargetID, c.Kind, c.By, c.ByMe, c.ByAdmin, cleanText(c.Text), ms(c.At), ms(now)); err != nil {
		return fmt.Errorf("store: pending change: %w", err)
	}
	return nil
}

// PendingChanges returns the kept changes of the user that name one of
// the given messages (chat id → message ids), deletions first; the caller
// applies each with ApplyMessageChange, which forgets it.
func (s *Store) PendingChanges(ctx context.Context, userID string, messages map[string][]string) ([]MessageChange, error) {
	if len(messages) == 0 {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString(`SELECT chat_id, target_id, kind, by_jid, by_me, by_admin, text, at FROM pending_changes WHERE user_id = $1 AND chat_id IN `)
	args := []any{userID}
	for chat := range messages {
		args = append(args, chat)
	}
	s.placeholders(&q, 1, len(messages))
	q.WriteString(` ORDER BY kind DESC, at`)
	rows, err := s.r.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: pending changes: %w", err)
	}
	defer rows.Close()
	var out []MessageChange
	for rows.Next() {
		c := MessageChange{UserID: userID}
		var at int64
		if err := rows.Scan(&c.ChatID, &c.TargetID, &c.Kind, &c.By, &c.ByMe, &c.ByAdmin, &c.Text, &at); err != nil {
			return nil, fmt.Errorf("store: pending changes: %w", err)
		}
		if slices.Contains(messages[c.ChatID], c.TargetID) {
			c.At = time.UnixMilli(at).UTC()
			out = append(out, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pending changes: %w", err)
	}
	return out, nil
}

// MessageUnchanged reports, inside the transaction, whether one of the
// user's messages is still stored as it was read: not deleted for everyone
// and not edited since editedAt (nil: never edited). Work made from a
// message checks it before storing what it made, so that a deletion or an
// edit arriving while it ran is not undone.
func (t *Tx) MessageUnchanged(ctx context.Context, userID, chatID, id string, editedAt *time.Time) (bool, error) {
	var deleted, edited sql.NullInt64
	// On PostgreSQL the message is locked until this transaction ends, so
	// that a change made meanwhile (an edit, a deletion, a LID merged into
	// its number, which moves it and what was made from it) waits for what
	// this transaction makes from it, and then sees it; SQLite's one
	// writer already keeps them apart.
	lock := ""
	if t.s.dialect == Postgres {
		lock = " FOR SHARE"
	}
	err := t.tx.QueryRowContext(ctx, `SELECT deleted_at, edited_at FROM messages WHERE user_id = $1 AND chat_id = $2 AND id = $3`+lock,
		userID, chatID, id).Scan(&deleted, &edited)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: message unchanged: %w", err)
	}
	if deleted.Valid {
		return false, nil
	}
	if editedAt == nil {
		return !edited.Valid, nil
	}
	return edited.Valid && edited.Int64 == ms(*editedAt), nil
}
