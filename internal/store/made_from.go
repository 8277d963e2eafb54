package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/synapse-kb/synapse/internal/domain"
)

// Made is something Synapse made from a message: a task, note, idea,
// place or event (also through the message's voice memo), a bookmark, an image or
// the voice memo itself.
type Made struct {
	MessageID string      `json:"messageId"`
	Kind      domain.Kind `json:"kind"`
	ID        string      `json:"id"`
	Title     string      `json:"title"`
}

// maxMadeFrom bounds the messages one MadeFrom call looks up.
const maxMadeFrom = 500

// MadeFrom returns, for each of the given messages of one of the user's
// chats, what was made from it, in a stable order (kind, then creation).
// Messages with nothing made from them are absent from the map.
func (s *Store) MadeFrom(ctx context.Context, userID, chatID string, messageIDs []string) (map[string][]Made, error) {
	if len(messageIDs) == 0 {
		return nil, nil
	}
	if len(messageIDs) > maxMadeFrom {
		messageIDs = messageIDs[:maxMadeFrom]
	}
	args := []any{userID, chatID}
	in := func(vals []string) string {
		ph := make([]string, len(vals))
		for i, v := range vals {
			args = append(args, v)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		return "(" + strings.Join(ph, ",") + ")"
	}
	ids := in(messageIDs)
	keys := make([]string, len(messageIDs))
	for i, id := range messageIDs {
		keys[i] = "m:" + chatID + "/" + id
	}
	mkeys := in(keys)
	// Items from a voice memo carry its key; the memo carries the message.
	itemsOf := func(table string, kind domain.Kind, title string) string {
		return fmt.Sprintf(`SELECT COALESCE(v.message_id, t.message_id), '%s', t.id, t.%s, t.created_at FROM %s t
			LEFT JOIN voice_memos v ON t.source_key = 'v:' || v.id AND v.user_id = t.user_id
			WHERE t.user_id = $1 AND (t.source_key IN %s OR t.source_key IN
				(SELECT 'v:' || id FROM voice_memos WHERE user_id = $1 AND chat_id = $2 AND message_id IN %s))`,
			kind, title, table, mkeys, ids)
	}
	q := strings.Join([]string{
		itemsOf("tasks", domain.KindTask, "title"),
		itemsOf("notes", domain.KindNote, "title"),
		itemsOf("ideas", domain.KindIdea, "title"),
		itemsOf("locations", domain.KindLocation, "name"),
		itemsOf("events", domain.KindEvent, "title"),
		`SELECT bs.message_id, '` + string(domain.KindBookmark) + `', b.id, CASE WHEN b.title <> '' THEN b.title ELSE b.url END, b.created_at
			FROM bookmark_shares bs JOIN bookmarks b ON b.id = bs.bookmark_id AND b.user_id = bs.user_id
			WHERE bs.user_id = $1 AND bs.chat_id = $2 AND bs.message_id IN ` + ids,
		`SELECT message_id, '` + string(domain.KindImage) + `', id, caption, sent_at FROM images
			WHERE user_id = $1 AND chat_id = $2 AND message_id IN ` + ids,
		`SELECT message_id, '` + string(domain.KindVoiceMemo) + `', id, '', sent_at FROM voice_memos
			WHERE user_id = $1 AND chat_id = $2 AND message_id IN ` + ids,
	}, "\nUNION ALL\n")
	rows, err := s.r.QueryContext(ctx, `SELECT * FROM (`+q+`) x ORDER BY 1, 2, 5, 3`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: made from: %w", err)
	}
	defer rows.Close()
	out := map[string][]Made{}
	for rows.Next() {
		var m Made
		var kind string
		var at int64
		if err := rows.Scan(&m.MessageID, &kind, &m.ID, &m.Title, &at); err != nil {
			return nil, fmt.Errorf("store: made from: %w", err)
		}
		m.Kind = domain.Kind(kind)
		out[m.MessageID] = append(out[m.MessageID], m)
	}
	return out, rows.Err()
}
