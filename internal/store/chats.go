package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Chat is a direct chat or a group of one user.
type Chat struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	IsGroup       bool       `json:"isGroup"`
	LastMessageAt *time.Time `json:"lastMessageAt,omitempty"`
}

// ChatKind filters chat lists.
type ChatKind int

const (
	AllChats ChatKind = iota
	GroupsOnly
	DirectOnly
)

// ChatUpsert is a chat learned from a message or from the engine.
type ChatUpsert struct {
	ID      string
	Name    string // empty keeps the stored name
	IsGroup bool
	// LastMessageAt moves the chat's last activity forward (never back).
	LastMessageAt time.Time
}

const chatColumns = `id, name, is_group, last_message_at`

func scanChat(row interface{ Scan(...any) error }) (Chat, error) {
	var c Chat
	var last int64
	if err := row.Scan(&c.ID, &c.Name, &c.IsGroup, &last); err != nil {
		return Chat{}, err
	}
	if last != 0 {
		t := fromMS(last)
		c.LastMessageAt = &t
	}
	return c, nil
}

// UpsertChats creates or updates chats of one user.
func (s *Store) UpsertChats(ctx context.Context, userID string, chats []ChatUpsert) error {
	if len(chats) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		keyed := make([]keyedChat, len(chats))
		for i, c := range chats {
			keyed[i] = keyedChat{userID, c}
		}
		return s.upsertChats(ctx, tx, keyed)
	})
}

type keyedChat struct {
	userID string
	ChatUpsert
}

const chatUpsertChunk = 300

// upsertChats writes chats with multi-row upserts. Keys must be distinct.
func (s *Store) upsertChats(ctx context.Context, tx *sql.Tx, chats []keyedChat) error {
	now := ms(s.clock())
	for len(chats) > 0 {
		n := min(len(chats), chatUpsertChunk)
		var b strings.Builder
		b.WriteString(`INSERT INTO chats (user_id, id, name, is_group, last_message_at, created_at) VALUES `)
		args := make([]any, 0, n*6)
		for i, c := range chats[:n] {
			if i > 0 {
				b.WriteByte(',')
			}
			s.placeholders(&b, len(args), 6)
			args = append(args, c.userID, c.ID, c.Name, c.IsGroup, ms(c.LastMessageAt), now)
		}
		b.WriteString(` ON CONFLICT (user_id, id) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE chats.name END,
			is_group = excluded.is_group OR chats.is_group,
			last_message_at = CASE WHEN excluded.last_message_at > chats.last_message_at THEN excluded.last_message_at ELSE chats.last_message_at END`)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("store: upsert chats: %w", err)
		}
		chats = chats[n:]
	}
	return nil
}

// GetChat returns one of the user's chats.
func (s *Store) GetChat(ctx context.Context, userID, chatID string) (Chat, error) {
	c, err := scanChat(s.r.QueryRowContext(ctx, `SELECT `+chatColumns+` FROM chats WHERE user_id = $1 AND id = $2`, userID, chatID))
	if err != nil {
		return Chat{}, notFound(err)
	}
	return c, nil
}

// ListChats returns the user's chats, most recently active first.
func (s *Store) ListChats(ctx context.Context, userID string, kind ChatKind, opts ListOptions) (Page[Chat], error) {
	limit := opts.limit()
	args := []any{userID}
	where := `user_id = $1`
	switch kind {
	case GroupsOnly:
		where += ` AND is_group = $2`
		args = append(args, true)
	case DirectOnly:
		where += ` AND is_group = $2`
		args = append(args, false)
	}
	if opts.Cursor != "" {
		last, id, err := decodeCursor(opts.Cursor)
		if err != nil {
			return Page[Chat]{}, err
		}
		where += fmt.Sprintf(` AND (last_message_at, id) < ($%d, $%d)`, len(args)+1, len(args)+2)
		args = append(args, last, id)
	}
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT `+chatColumns+` FROM chats WHERE %s
		ORDER BY last_message_at DESC, id DESC LIMIT $%d`, where, len(args)), args...)
	if err != nil {
		return Page[Chat]{}, fmt.Errorf("store: list chats: %w", err)
	}
	defer rows.Close()
	var page Page[Chat]
	for rows.Next() {
		c, err := scanChat(rows)
		if err != nil {
			return Page[Chat]{}, err
		}
		page.Items = append(page.Items, c)
	}
	if err := rows.Err(); err != nil {
		return Page[Chat]{}, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		var at int64
		if last.LastMessageAt != nil {
			at = ms(*last.LastMessageAt)
		}
		page.NextCursor = encodeCursor(at, last.ID)
	}
	return page, nil
}
