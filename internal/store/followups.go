package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// Pending names a row, of any user, that still waits for follow-up work of
// the pipeline: a message's media download (ChatID and MessageID), or a
// bookmark's fetch or a voice memo's transcription or analysis (ID).
type Pending struct {
	UserID    string
	ID        string
	ChatID    string
	MessageID string
}

// PendingPage is one bounded step of a scan for pending work. Next resumes
// the scan after the rows this step examined; it is "" when the scan reached
// the end.
type PendingPage struct {
	Items []Pending
	Next  string
}

// The scans below examine at most limit rows each, in key order after the
// cursor, so that a sweep of a large database is a series of short reads.
// Their WHERE clauses repeat the partial indexes' conditions literally (a
// bound parameter would keep SQLite from using them).

// PendingBookmarks lists bookmarks whose preview was neither fetched nor
// given up (status pending).
func (s *Store) PendingBookmarks(ctx context.Context, after string, limit int) (PendingPage, error) {
	return s.pendingByID(ctx, `SELECT user_id, id FROM bookmarks WHERE status = 'pending' AND id > $1 ORDER BY id LIMIT $2`, after, limit)
}

// MemosAwaitingTranscription lists voice memos that wait for a transcript.
func (s *Store) MemosAwaitingTranscription(ctx context.Context, after string, limit int) (PendingPage, error) {
	return s.pendingByID(ctx, `SELECT user_id, id FROM voice_memos WHERE status = 'awaiting_transcription' AND id > $1 ORDER BY id LIMIT $2`, after, limit)
}

// MemosAwaitingAnalysis lists transcribed voice memos whose transcript was
// never analysed (see Tx.SetMemoAnalysed).
func (s *Store) MemosAwaitingAnalysis(ctx context.Context, after string, limit int) (PendingPage, error) {
	return s.pendingByID(ctx, `SELECT user_id, id FROM voice_memos WHERE status = 'transcribed' AND analysed_at IS NULL AND id > $1 ORDER BY id LIMIT $2`, after, limit)
}

func (s *Store) pendingByID(ctx context.Context, q, after string, limit int) (PendingPage, error) {
	rows, err := s.r.QueryContext(ctx, q, after, limit)
	if err != nil {
		return PendingPage{}, fmt.Errorf("store: pending work: %w", err)
	}
	defer rows.Close()
	var p PendingPage
	for rows.Next() {
		var x Pending
		if err := rows.Scan(&x.UserID, &x.ID); err != nil {
			return PendingPage{}, err
		}
		p.Items = append(p.Items, x)
	}
	if err := rows.Err(); err != nil {
		return PendingPage{}, fmt.Errorf("store: pending work: %w", err)
	}
	if len(p.Items) == limit {
		p.Next = p.Items[len(p.Items)-1].ID
	}
	return p, nil
}

// MediaNotDownloaded lists image and voice messages whose media is neither
// recorded (an image or a voice memo) nor recorded as failed for good. It
// examines at most limit such messages, so a page may hold fewer items than
// limit and still have a Next.
func (s *Store) MediaNotDownloaded(ctx context.Context, after string, limit int) (PendingPage, error) {
	var from int64
	if after != "" {
		v, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return PendingPage{}, ErrBadCursor
		}
		from = v
	}
	rows, err := s.r.QueryContext(ctx, `SELECT m.seq, m.user_id, m.chat_id, m.id,
		EXISTS (SELECT 1 FROM images i WHERE i.user_id = m.user_id AND i.chat_id = m.chat_id AND i.message_id = m.id)
		OR EXISTS (SELECT 1 FROM voice_memos v WHERE v.user_id = m.user_id AND v.chat_id = m.chat_id AND v.message_id = m.id)
		OR EXISTS (SELECT 1 FROM media_failures f WHERE f.user_id = m.user_id AND f.chat_id = m.chat_id AND f.message_id = m.id)
		OR m.deleted_at IS NOT NULL
		FROM messages m WHERE m.type IN ('image', 'voice') AND m.seq > $1 ORDER BY m.seq LIMIT $2`, from, limit)
	if err != nil {
		return PendingPage{}, fmt.Errorf("store: media not downloaded: %w", err)
	}
	defer rows.Close()
	var p PendingPage
	n, last := 0, int64(0)
	for rows.Next() {
		var x Pending
		var done bool
		if err := rows.Scan(&last, &x.UserID, &x.ChatID, &x.MessageID, &done); err != nil {
			return PendingPage{}, err
		}
		n++
		if !done {
			p.Items = append(p.Items, x)
		}
	}
	if err := rows.Err(); err != nil {
		return PendingPage{}, fmt.Errorf("store: media not downloaded: %w", err)
	}
	if n == limit {
		p.Next = strconv.FormatInt(last, 10)
	}
	return p, nil
}

// SetMediaFailed records that a message's media can never be downloaded
// (reason says why), so that it is not tried again. Recording it again
// keeps the first reason.
func (t *Tx) SetMediaFailed(ctx context.Context, userID, chatID, messageID, reason string) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO media_failures (user_id, chat_id, message_id, reason, failed_at)
		SELECT user_id, chat_id, id, $4, $5 FROM messages WHERE user_id = $1 AND chat_id = $2 AND id = $3
		ON CONFLICT (user_id, chat_id, message_id) DO NOTHING`, userID, chatID, messageID, reason, ms(t.s.clock()))
	if err != nil {
		return fmt.Errorf("store: set media failed: %w", err)
	}
	return nil
}

// SetMediaFailed is Tx.SetMediaFailed in a transaction of its own.
func (s *Store) SetMediaFailed(ctx context.Context, userID, chatID, messageID, reason string) error {
	return s.WithTx(ctx, func(tx *Tx) error { return tx.SetMediaFailed(ctx, userID, chatID, messageID, reason) })
}

// Reasons a message's media can never be downloaded (media_failures).
const (
	MediaFailedGone     = "gone"      // WhatsApp no longer serves it (expired)
	MediaFailedTooLarge = "too_large" // over WHATSAPP_MAX_MEDIA_BYTES
	MediaFailedOther    = "failed"
)

// MediaFailure returns why a message's media could not be downloaded, or
// ErrNotFound when it was not recorded as failed.
func (s *Store) MediaFailure(ctx context.Context, userID, chatID, messageID string) (string, error) {
	var reason string
	err := s.r.QueryRowContext(ctx, `SELECT reason FROM media_failures WHERE user_id = $1 AND chat_id = $2 AND message_id = $3`,
		userID, chatID, messageID).Scan(&reason)
	if err == sql.ErrNoRows {
		return "", ErrNotFound
	}
	return reason, err
}
