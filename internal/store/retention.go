package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DeleteMessagesBefore deletes messages sent before cutoff, of every user,
// in transactions of at most batch messages (so that ingest is never held
// up for long), and returns how many it deleted. Pinned messages, chats
// and everything extracted from the messages stay.
func (s *Store) DeleteMessagesBefore(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	var total int64
	for {
		var n int
		err := s.InTx(ctx, func(tx *sql.Tx) error {
			// Their search index rows go with them (a trigger on SQLite, a
			// column on PostgreSQL).
			res, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE ts < $1 AND pinned_at IS NULL LIMIT $2)`, ms(cutoff), batch)
			if err != nil {
				return fmt.Errorf("store: delete old messages: %w", err)
			}
			affected, err := res.RowsAffected()
			n = int(affected)
			return err
		})
		if err != nil {
			return total, err
		}
		total += int64(n)
		if n < batch {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// Usage is how much a user stores.
type Usage struct {
	Messages       int   `json:"messages"`
	MessageBytes   int64 `json:"messageBytes"`
	Images         int   `json:"images"`
	ImageBytes     int64 `json:"imageBytes"`
	VoiceMemos     int   `json:"voiceMemos"`
	VoiceMemoBytes int64 `json:"voiceMemoBytes"`
	Bookmarks      int   `json:"bookmarks"`
	Tasks          int   `json:"tasks"`
	Notes          int   `json:"notes"`
	Ideas          int   `json:"ideas"`
	Locations      int   `json:"locations"`
	Events         int   `json:"events"`
	Summaries      int   `json:"summaries"`
	// TotalBytes adds up message text and media (media shared between
	// messages is counted once per message).
	TotalBytes int64 `json:"totalBytes"`
}

// StorageUsage reports what a user stores.
func (s *Store) StorageUsage(ctx context.Context, userID string) (Usage, error) {
	var u Usage
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM messages WHERE user_id = $1),
		(SELECT COALESCE(SUM(LENGTH(text)), 0) FROM messages WHERE user_id = $1),
		(SELECT COUNT(*) FROM images WHERE user_id = $1),
		(SELECT COALESCE(SUM(size), 0) FROM images WHERE user_id = $1),
		(SELECT COUNT(*) FROM voice_memos WHERE user_id = $1),
		(SELECT COALESCE(SUM(size), 0) FROM voice_memos WHERE user_id = $1),
		(SELECT COUNT(*) FROM bookmarks WHERE user_id = $1),
		(SELECT COUNT(*) FROM tasks WHERE user_id = $1),
		(SELECT COUNT(*) FROM notes WHERE user_id = $1),
		(SELECT COUNT(*) FROM ideas WHERE user_id = $1),
		(SELECT COUNT(*) FROM locations WHERE user_id = $1),
		(SELECT COUNT(*) FROM events WHERE user_id = $1),
		(SELECT COUNT(*) FROM summaries WHERE user_id = $1)`, userID).Scan(
		&u.Messages, &u.MessageBytes, &u.Images, &u.ImageBytes, &u.VoiceMemos, &u.VoiceMemoBytes,
		&u.Bookmarks, &u.Tasks, &u.Notes, &u.Ideas, &u.Locations, &u.Events, &u.Summaries)
	if err != nil {
		return Usage{}, fmt.Errorf("store: storage usage: %w", err)
	}
	u.TotalBytes = u.MessageBytes + u.ImageBytes + u.VoiceMemoBytes
	return u, nil
}

// PinMessage pins (or unpins) one of the user's messages: a pinned message
// is kept past retention. A message that is not theirs is ErrNotFound.
func (s *Store) PinMessage(ctx context.Context, userID, chatID, id string, pin bool, at time.Time) (Message, error) {
	q := `UPDATE messages SET pinned_at = NULL WHERE user_id = $1 AND chat_id = $2 AND id = $3`
	args := []any{userID, chatID, id}
	if pin {
		q = `UPDATE messages SET pinned_at = COALESCE(pinned_at, $4) WHERE user_id = $1 AND chat_id = $2 AND id = $3`
		args = append(args, ms(at))
	}
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return Message{}, fmt.Errorf("store: pin message: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Message{}, ErrNotFound
	}
	return s.GetMessage(ctx, userID, chatID, id)
}
