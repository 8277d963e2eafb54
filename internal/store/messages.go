package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/synapse-kb/synapse/internal/domain"
	"slices"
	"strings"
	"time"
)

// Message is a stored WhatsApp message. Its JSON form is the API's.
type Message struct {
	Seq       int64            `json:"-"`
	ChatID    string           `json:"chatId"`
	ID        string           `json:"id"`
	From      string           `json:"from"`
	FromName  string           `json:"fromName"`
	FromMe    bool             `json:"fromMe"`
	Type      string           `json:"type"`
	Text      string           `json:"text"`
	Timestamp time.Time        `json:"timestamp"`
	Media     *Media           `json:"media,omitempty"`
	Location  *MessageLocation `json:"location,omitempty"`
	Contact   *MessageContact  `json:"contact,omitempty"`
	// ReplyTo is the id of the message of the same chat this one quotes.
	ReplyTo string `json:"replyTo,omitempty"`
	// Mentions are the JIDs the message mentions (@someone).
	Mentions []string `json:"mentions,omitempty"`
	// Forwarded says the sender forwarded the message from elsewhere.
	Forwarded bool `json:"forwarded,omitempty"`
	// EditedAt is when the sender last edited the message.
	EditedAt *time.Time `json:"editedAt,omitempty"`
	// DeletedAt is when the message was deleted for everyone; it then has
	// no text, attachments or search entry left.
	DeletedAt *time.Time `json:"deletedAt,omitempty"`
	// PinnedAt is when the person pinned the message to keep it past
	// retention (nil: not pinned).
	PinnedAt *time.Time `json:"pinnedAt,omitempty"`
}

// Media describes a message's attachment. Ref is the engine's own reference
// for downloading it and is never shown to clients.
type Media struct {
	Ref      string `json:"-"`
	MimeType string `json:"mimeType,omitempty"`
	FileName string `json:"fileName,omitempty"`
	Size     int64  `json:"size,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Seconds  int    `json:"seconds,omitempty"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
}

// MessageLocation is a place shared in a message.
type MessageLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// MessageContact is a contact card shared in a message.
type MessageContact struct {
	DisplayName string `json:"displayName"`
	VCard       string `json:"vcard,omitempty"`
}

// payload is the stored JSON of a message's attachment fields. Unlike the
// API form it keeps the media reference.
type payload struct {
	Media    *storedMedia     `json:"m,omitempty"`
	Location *MessageLocation `json:"l,omitempty"`
	Contact  *MessageContact  `json:"c,omitempty"`
	ReplyTo  string           `json:"r,omitempty"`
	Mentions []string         `json:"mn,omitempty"`
	Forward  bool             `json:"f,omitempty"`
}

type storedMedia struct {
	Ref string `json:"ref,omitempty"`
	Media
}

func encodePayload(m *Message) (sql.NullString, error) {
	if m.Media == nil && m.Location == nil && m.Contact == nil && m.ReplyTo == "" && len(m.Mentions) == 0 && !m.Forwarded {
		return sql.NullString{}, nil
	}
	p := payload{Location: m.Location, Contact: m.Contact, ReplyTo: m.ReplyTo, Mentions: m.Mentions, Forward: m.Forwarded}
	if m.Media != nil {
		p.Media = &storedMedia{Ref: m.Media.Ref, Media: *m.Media}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

func decodePayload(raw sql.NullString, m *Message) error {
	if !raw.Valid || raw.String == "" {
		return nil
	}
	var p payload
	if err := json.Unmarshal([]byte(raw.String), &p); err != nil {
		return fmt.Errorf("store: decode message payload: %w", err)
	}
	m.Location, m.Contact, m.ReplyTo, m.Mentions, m.Forwarded = p.Location, p.Contact, p.ReplyTo, p.Mentions, p.Forward
	if p.Media != nil {
		md := p.Media.Media
		md.Ref = p.Media.Ref
		m.Media = &md
	}
	return nil
}

// senderName names a message's sender by the best name known: the
// person's address book, else the push name the message came with. It
// reads the messages table unaliased.
const senderName = `COALESCE((SELECT k.name FROM contact_names k WHERE k.user_id = messages.user_id AND k.jid = messages.sender), sender_name)`

const messageColumns = `seq, chat_id, id, sender, ` + senderName + `, from_me, type, text, ts, payload, edited_at, deleted_at, pinned_at`

func scanMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var ts int64
	var raw sql.NullString
	var edited, deleted, pinned sql.NullInt64
	if err := row.Scan(&m.Seq, &m.ChatID, &m.ID, &m.From, &m.FromName, &m.FromMe, &m.Type, &m.Text, &ts, &raw, &edited, &deleted, &pinned); err != nil {
		return Message{}, err
	}
	if m.FromName == "" && !m.FromMe {
		m.FromName = domain.PhoneNumber(m.From)
	}
	m.Timestamp = fromMS(ts)
	m.EditedAt, m.DeletedAt, m.PinnedAt = optTime(edited), optTime(deleted), optTime(pinned)
	return m, decodePayload(raw, &m)
}

// IncomingMessage is a message to ingest for a user, with what is known about
// its chat.
type IncomingMessage struct {
	UserID   string
	ChatName string
	IsGroup  bool
	Message
	// Inserted is set by IngestMessages: false when the message was already
	// stored (a redelivery).
	Inserted bool
	// Edited is set for a message whose text its sender changed
	// (ApplyMessageChange): its follow-up work is queued again, except the
	// download of its media.
	Edited bool
	// Prepare fills the fields below; callers may run it ahead of time,
	// outside the ingest transaction, to keep that transaction short.
	prepared bool
	payload  sql.NullString
	folded   string
}

// Prepare computes what storing the message needs (its encoded
// attachments and its folded search text), after turning invalid UTF-8 and
// NUL characters in its text fields into U+FFFD (PostgreSQL refuses them;
// both databases store the same). IngestMessages calls it for messages that
// were not prepared.
func (m *IncomingMessage) Prepare() error {
	if m.prepared {
		return nil
	}
	m.Message.clean()
	m.ChatName = cleanText(m.ChatName)
	raw, err := encodePayload(&m.Message)
	if err != nil {
		return err
	}
	m.payload, m.folded, m.prepared = raw, Fold(messageSearchText(&m.Message)), true
	return nil
}

// IngestHook runs inside the ingest transaction with the messages that were
// new; work it records (River jobs) commits or rolls back with them.
type IngestHook func(ctx context.Context, tx *sql.Tx, inserted []*IncomingMessage) error

const messageInsertChunk = 250

// IngestMessages stores a batch of messages of any users in one transaction:
// chats are created or updated first, then each message is inserted unless
// it is already stored (same user, chat and id), then hook runs with the new
// ones. On return without error everything is durable, and each message's
// Inserted and Seq are set.
func (s *Store) IngestMessages(ctx context.Context, msgs []*IncomingMessage, hook IngestHook) error {
	if len(msgs) == 0 {
		return nil
	}
	for _, m := range msgs {
		if err := m.Prepare(); err != nil {
			return err
		}
	}
	type chatKey struct{ user, chat string }
	chatIdx := make(map[chatKey]int, len(msgs))
	var chats []keyedChat
	for _, m := range msgs {
		m.Inserted = false
		k := chatKey{m.UserID, m.ChatID}
		i, ok := chatIdx[k]
		if !ok {
			i = len(chats)
			chatIdx[k] = i
			chats = append(chats, keyedChat{userID: m.UserID, ChatUpsert: ChatUpsert{ID: m.ChatID}})
		}
		c := &chats[i].ChatUpsert
		if m.ChatName != "" {
			c.Name = m.ChatName
		}
		c.IsGroup = c.IsGroup || m.IsGroup
		if m.Timestamp.After(c.LastMessageAt) {
			c.LastMessageAt = m.Timestamp
		}
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.upsertChats(ctx, tx, chats); err != nil {
			return err
		}
		// Chats the person chose not to keep store nothing.
		keep := msgs
		users := make([]string, 0, 1)
		for _, c := range chats {
			if !slices.Contains(users, c.userID) {
				users = append(users, c.userID)
			}
		}
		dropped, err := s.notKept(ctx, tx, users)
		if err != nil {
			return err
		}
		if dropped != nil {
			keep = make([]*IncomingMessage, 0, len(msgs))
			for _, m := range msgs {
				if !dropped[[2]string{m.UserID, m.ChatID}] {
					keep = append(keep, m)
				}
			}
		}
		var inserted []*IncomingMessage
		for rest := keep; len(rest) > 0; {
			n := min(len(rest), messageInsertChunk)
			got, err := s.insertMessages(ctx, tx, rest[:n])
			if err != nil {
				return err
			}
			inserted = append(inserted, got...)
			rest = rest[n:]
		}
		if err := s.noteLIDs(ctx, tx, inserted); err != nil {
			return err
		}
		for rest := inserted; s.dialect == SQLite && len(rest) > 0; {
			n := min(len(rest), messageInsertChunk)
			if err := s.indexMessages(ctx, tx, rest[:n]); err != nil {
				return err
			}
			rest = rest[n:]
		}
		if hook != nil && len(inserted) > 0 {
			return hook(ctx, tx, inserted)
		}
		return nil
	})
}

func (s *Store) insertMessages(ctx context.Context, tx *sql.Tx, msgs []*IncomingMessage) ([]*IncomingMessage, error) {
	now := ms(s.clock())
	var b strings.Builder
	// On PostgreSQL the search vector is part of the row; on SQLite the
	// index is a separate FTS5 table (indexMessages).
	if s.dialect == Postgres {
		b.WriteString(`INSERT INTO messages (user_id, chat_id, id, sender, sender_name, from_me, type, text, ts, payload, created_at, tsv) VALUES `)
	} else {
		b.WriteString(`INSERT INTO messages (user_id, chat_id, id, sender, sender_name, from_me, type, text, ts, payload, created_at) VALUES `)
	}
	args := make([]any, 0, len(msgs)*11)
	type msgKey struct{ user, chat, id string }
	byKey := make(map[msgKey]*IncomingMessage, len(msgs))
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := m.Prepare(); err != nil {
			return nil, err
		}
		if s.dialect == Postgres {
			p := len(args)
			fmt.Fprintf(&b, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,to_tsvector('simple',$%d))", p+1, p+2, p+3, p+4, p+5, p+6, p+7, p+8, p+9, p+10, p+11, p+12)
			args = append(args, m.UserID, m.ChatID, m.ID, m.From, m.FromName, m.FromMe, m.Type, m.Text, ms(m.Timestamp), m.payload, now, m.folded)
		} else {
			s.placeholders(&b, len(args), 11)
			args = append(args, m.UserID, m.ChatID, m.ID, m.From, m.FromName, m.FromMe, m.Type, m.Text, ms(m.Timestamp), m.payload, now)
		}
		k := msgKey{m.UserID, m.ChatID, m.ID}
		if _, dup := byKey[k]; !dup {
			byKey[k] = m
		}
	}
	b.WriteString(` ON CONFLICT (user_id, chat_id, id) DO NOTHING RETURNING user_id, chat_id, id, seq`)
	rows, err := tx.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: insert messages: %w", err)
	}
	defer rows.Close()
	var inserted []*IncomingMessage
	for rows.Next() {
		var k msgKey
		var seq int64
		if err := rows.Scan(&k.user, &k.chat, &k.id, &seq); err != nil {
			return nil, err
		}
		if m := byKey[k]; m != nil {
			m.Inserted, m.Seq = true, seq
			inserted = append(inserted, m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: insert messages: %w", err)
	}
	return inserted, nil
}

// GetMessage returns one of the user's messages.
func (s *Store) GetMessage(ctx context.Context, userID, chatID, id string) (Message, error) {
	m, err := scanMessage(s.r.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE user_id = $1 AND chat_id = $2 AND id = $3`, userID, chatID, id))
	if err != nil {
		return Message{}, notFound(err)
	}
	return m, nil
}

// OldestMessage returns the oldest message kept of one of the user's
// chats (ErrNotFound when it has none).
func (s *Store) OldestMessage(ctx context.Context, userID, chatID string) (Message, error) {
	m, err := scanMessage(s.r.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE user_id = $1 AND chat_id = $2 ORDER BY ts, seq LIMIT 1`, userID, chatID))
	if err != nil {
		return Message{}, notFound(err)
	}
	return m, nil
}

// ListMessages returns a page of one chat's messages, newest first. A chat
// the user does not have is ErrNotFound.
func (s *Store) ListMessages(ctx context.Context, userID, chatID string, opts ListOptions) (Page[Message], error) {
	if _, err := s.GetChat(ctx, userID, chatID); err != nil {
		return Page[Message]{}, err
	}
	limit := opts.limit()
	args := []any{userID, chatID}
	where := `user_id = $1 AND chat_id = $2`
	if opts.Cursor != "" {
		ts, seq, err := decodeCursor(opts.Cursor)
		if err != nil {
			return Page[Message]{}, err
		}
		var n int64
		if _, err := fmt.Sscan(seq, &n); err != nil {
			return Page[Message]{}, ErrBadCursor
		}
		where += ` AND (ts, seq) < ($3, $4)`
		args = append(args, ts, n)
	}
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT `+messageColumns+` FROM messages WHERE %s
		ORDER BY ts DESC, seq DESC LIMIT $%d`, where, len(args)), args...)
	if err != nil {
		return Page[Message]{}, fmt.Errorf("store: list messages: %w", err)
	}
	defer rows.Close()
	var page Page[Message]
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return Page[Message]{}, err
		}
		page.Items = append(page.Items, m)
	}
	if err := rows.Err(); err != nil {
		return Page[Message]{}, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = encodeCursor(ms(last.Timestamp), fmt.Sprint(last.Seq))
	}
	return page, nil
}

// CountMessages returns how many of the user's messages were sent at or
// after since.
func (s *Store) CountMessages(ctx context.Context, userID string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE user_id = $1 AND ts >= $2`, userID, ms(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count messages: %w", err)
	}
	return n, nil
}

// messageSearchText is what search finds a message by.
func messageSearchText(m *Message) string {
	parts := []string{m.Text, m.FromName}
	if m.Location != nil {
		parts = append(parts, m.Location.Name, m.Location.Address)
	}
	if m.Media != nil && m.Media.FileName != "" {
		parts = append(parts, m.Media.FileName)
	}
	if m.Contact != nil {
		parts = append(parts, m.Contact.DisplayName)
	}
	return strings.Join(parts, " ")
}

// indexMessages adds new messages to SQLite's message index, in bulk.
func (s *Store) indexMessages(ctx context.Context, tx *sql.Tx, msgs []*IncomingMessage) error {
	var b strings.Builder
	args := make([]any, 0, len(msgs)*2)
	b.WriteString(`INSERT INTO message_fts (rowid, body) VALUES `)
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte(',')
		}
		s.placeholders(&b, len(args), 2)
		args = append(args, -m.Seq, userToken(m.UserID)+" "+m.folded)
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("store: index messages: %w", err)
	}
	return nil
}
