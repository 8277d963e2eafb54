package store

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/synapse-kb/synapse/internal/domain"
	"strings"
	"time"
	"unicode/utf8"
)

// Chat is a direct chat or a group of one user.
type Chat struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	IsGroup       bool       `json:"isGroup"`
	LastMessageAt *time.Time `json:"lastMessageAt,omitempty"`
	// Unread counts the messages others sent since the person last read the
	// chat in Synapse (lists only).
	Unread int `json:"unread"`
	// LastMessage is the newest message still kept (lists only).
	LastMessage *ChatPreview `json:"lastMessage,omitempty"`
	// NotKept is set when the person chose not to keep the chat: its
	// messages are dropped as they arrive.
	NotKept bool `json:"notKept,omitempty"`
	// NoSuggestions is set when the person excluded the chat from
	// suggestions: its messages are not read for promises and requests.
	NoSuggestions bool `json:"noSuggestions,omitempty"`
}

// ChatPreview is what a chat list shows of a chat's newest message.
type ChatPreview struct {
	ID       string    `json:"id"`
	FromName string    `json:"fromName,omitempty"`
	FromMe   bool      `json:"fromMe"`
	Type     string    `json:"type"`
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
}

// maxPreview bounds the text of a preview (bytes, cut at a character).
const maxPreview = 160

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

// chatColumns name a chat by the best name known: the address book's,
// else the push name (or business name) or group subject; scanChat falls
// back to the formatted number.
const chatColumns = `id, COALESCE((SELECT k.name FROM contact_names k WHERE k.user_id = chats.user_id AND k.jid = chats.id), name), is_group, last_message_at,
	not_kept_since IS NOT NULL, no_suggestions_since IS NOT NULL`

func scanChat(row interface{ Scan(...any) error }) (Chat, error) {
	var c Chat
	var last int64
	if err := row.Scan(&c.ID, &c.Name, &c.IsGroup, &last, &c.NotKept, &c.NoSuggestions); err != nil {
		return Chat{}, err
	}
	if c.Name == "" && !c.IsGroup {
		// No name told: the formatted number.
		c.Name = domain.PhoneNumber(c.ID)
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

// RenameChats gives direct chats the user has new names (jid → name, a
// push or business name seen); it creates no chat and renames no group.
// With onlyUnnamed it names only chats that have no name yet.
func (s *Store) RenameChats(ctx context.Context, userID string, names map[string]string, onlyUnnamed bool) error {
	if len(names) == 0 {
		return nil
	}
	q := `UPDATE chats SET name = $3 WHERE user_id = $1 AND id = $2 AND NOT is_group`
	if onlyUnnamed {
		q += ` AND name = ''`
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		for jid, name := range names {
			if _, err := tx.ExecContext(ctx, q, userID, jid, name); err != nil {
				return fmt.Errorf("store: rename chats: %w", err)
			}
		}
		return nil
	})
}

// SetContactNames records address-book names (jid → name) of the user's
// contacts; an empty name forgets one.
func (s *Store) SetContactNames(ctx context.Context, userID string, names map[string]string) error {
	if len(names) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		for jid, name := range names {
			var err error
			if name == "" {
				_, err = tx.ExecContext(ctx, `DELETE FROM contact_names WHERE user_id = $1 AND jid = $2`, userID, jid)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO contact_names (user_id, jid, name) VALUES ($1, $2, $3)
					ON CONFLICT (user_id, jid) DO UPDATE SET name = excluded.name`, userID, jid, name)
			}
			if err != nil {
				return fmt.Errorf("store: contact names: %w", err)
			}
		}
		return nil
	})
}

// GetChat returns one of the user's chats.
func (s *Store) GetChat(ctx context.Context, userID, chatID string) (Chat, error) {
	c, err := scanChat(s.r.QueryRowContext(ctx, `SELECT `+chatColumns+` FROM chats WHERE user_id = $1 AND id = $2`, userID, chatID))
	if err != nil {
		return Chat{}, notFound(err)
	}
	return c, nil
}

// ChatQuery selects chats: a kind, and words that the name or number
// contains (case aside).
type ChatQuery struct {
	Kind ChatKind
	Q    string
}

// ListChats returns the user's chats, most recently active first, each with
// its unread count and newest message.
func (s *Store) ListChats(ctx context.Context, userID string, kind ChatKind, opts ListOptions) (Page[Chat], error) {
	return s.FindChats(ctx, userID, ChatQuery{Kind: kind}, opts)
}

// FindChats returns the user's chats that match q, most recently active
// first, each with its unread count and newest message.
func (s *Store) FindChats(ctx context.Context, userID string, q ChatQuery, opts ListOptions) (Page[Chat], error) {
	limit := opts.limit()
	args := []any{userID}
	where := `user_id = $1`
	switch q.Kind {
	case GroupsOnly:
		where += ` AND is_group = $2`
		args = append(args, true)
	case DirectOnly:
		where += ` AND is_group = $2`
		args = append(args, false)
	}
	if q.Q != "" {
		args = append(args, "%"+likeEscape(strings.ToLower(q.Q))+"%")
		where += fmt.Sprintf(` AND (LOWER(name) LIKE $%d ESCAPE '\' OR id IN (SELECT k.jid FROM contact_names k WHERE k.user_id = $1 AND LOWER(k.name) LIKE $%d ESCAPE '\') OR id LIKE $%d ESCAPE '\')`, len(args), len(args), len(args))
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
	if err := s.chatActivity(ctx, userID, page.Items); err != nil {
		return Page[Chat]{}, err
	}
	return page, nil
}

// chatActivity fills in the unread counts and newest messages of chats, in
// one query: each is an index range of messages (user, chat, ts).
func (s *Store) chatActivity(ctx context.Context, userID string, chats []Chat) error {
	if len(chats) == 0 {
		return nil
	}
	var b strings.Builder
	args := []any{userID, false}
	b.WriteString(`SELECT c.id,
		(SELECT COUNT(*) FROM messages m WHERE m.user_id = c.user_id AND m.chat_id = c.id AND m.ts > c.read_at AND m.from_me = $2),
		COALESCE((SELECT m.seq FROM messages m WHERE m.user_id = c.user_id AND m.chat_id = c.id ORDER BY m.ts DESC, m.seq DESC LIMIT 1), 0)
		FROM chats c WHERE c.user_id = $1 AND c.id IN (`)
	for i, c := range chats {
		if i > 0 {
			b.WriteByte(',')
		}
		args = append(args, c.ID)
		fmt.Fprintf(&b, "$%d", len(args))
	}
	b.WriteByte(')')
	rows, err := s.r.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return fmt.Errorf("store: chat activity: %w", err)
	}
	defer rows.Close()
	unread := make(map[string]int, len(chats))
	seqs := make(map[int64]string, len(chats))
	for rows.Next() {
		var id string
		var n int
		var seq int64
		if err := rows.Scan(&id, &n, &seq); err != nil {
			return err
		}
		unread[id] = n
		if seq != 0 {
			seqs[seq] = id
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	previews := make(map[string]*ChatPreview, len(seqs))
	if len(seqs) > 0 {
		b.Reset()
		args = []any{userID}
		b.WriteString(`SELECT seq, id, ` + senderName + `, from_me, type, text, ts FROM messages WHERE user_id = $1 AND seq IN (`)
		i := 0
		for seq := range seqs {
			if i > 0 {
				b.WriteByte(',')
			}
			i++
			args = append(args, seq)
			fmt.Fprintf(&b, "$%d", len(args))
		}
		b.WriteByte(')')
		rows, err := s.r.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return fmt.Errorf("store: chat previews: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var p ChatPreview
			var seq, ts int64
			if err := rows.Scan(&seq, &p.ID, &p.FromName, &p.FromMe, &p.Type, &p.Text, &ts); err != nil {
				return err
			}
			p.At, p.Text = fromMS(ts), truncate(p.Text, maxPreview)
			previews[seqs[seq]] = &p
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i := range chats {
		chats[i].Unread = unread[chats[i].ID]
		chats[i].LastMessage = previews[chats[i].ID]
	}
	return nil
}

// MarkChatRead records that the person has read the chat up to at (never
// moving the mark back).
func (s *Store) MarkChatRead(ctx context.Context, userID, chatID string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE chats SET read_at = CASE WHEN read_at < $3 THEN $3 ELSE read_at END
		WHERE user_id = $1 AND id = $2`, userID, chatID, ms(at))
	if err != nil {
		return fmt.Errorf("store: mark chat read: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// UnreadMessages returns the newest messages from others in one of the
// user's chats since the person last read it in Synapse (at most limit,
// not deleted). WhatsApp stamps messages to the second, so a message from
// the very second of the last reading counts as unread: a read receipt
// sent twice is harmless, one never sent leaves the sender's ticks grey.
func (s *Store) UnreadMessages(ctx context.Context, userID, chatID string, limit int) ([]Message, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE user_id = $1 AND chat_id = $2 AND NOT from_me AND deleted_at IS NULL
		AND ts >= (SELECT (read_at / 1000) * 1000 FROM chats c WHERE c.user_id = $1 AND c.id = $2)
		ORDER BY ts DESC, seq DESC LIMIT $3`, userID, chatID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unread messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// likeEscape escapes LIKE's wildcards (with \).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// truncate cuts s to at most n bytes at a character boundary, with an
// ellipsis when it cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
