package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
)

// Summary is the summary of one group's day.
type Summary struct {
	ID        string          `json:"id"`
	ChatID    string          `json:"chatId"`
	ChatName  string          `json:"chatName"`
	Day       string          `json:"day"` // YYYY-MM-DD in the user's time zone
	Language  string          `json:"language,omitempty"`
	Text      string          `json:"text"`
	Stats     json.RawMessage `json:"stats,omitempty"`
	Generator string          `json:"generator"` // "builtin" or "llm"
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

const summaryColumns = `id, chat_id, chat_name, day, language, text, stats, generator, created_at, updated_at`

func scanSummary(row scanner) (Summary, error) {
	var x Summary
	var stats string
	var created, updated int64
	err := row.Scan(&x.ID, &x.ChatID, &x.ChatName, &x.Day, &x.Language, &x.Text, &stats, &x.Generator, &created, &updated)
	x.Stats = json.RawMessage(stats)
	x.CreatedAt, x.UpdatedAt = fromMS(created), fromMS(updated)
	return x, err
}

// PutSummary stores the summary of a group's day, replacing an earlier one
// of the same (user, group, day).
func (s *Store) PutSummary(ctx context.Context, userID string, x Summary) (out Summary, err error) {
	err = s.WithTx(ctx, func(tx *Tx) error {
		out, err = tx.PutSummary(ctx, userID, x)
		return err
	})
	return out, err
}

// PutSummary is Store.PutSummary in this transaction.
func (t *Tx) PutSummary(ctx context.Context, userID string, x Summary) (Summary, error) {
	if len(x.Stats) == 0 {
		x.Stats = json.RawMessage("{}")
	}
	now := ms(t.s.clock())
	out, err := scanSummary(t.tx.QueryRowContext(ctx, `INSERT INTO summaries (id, user_id, chat_id, chat_name, day, language, text, stats, generator, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		ON CONFLICT (user_id, chat_id, day) DO UPDATE SET chat_name = excluded.chat_name, language = excluded.language,
			text = excluded.text, stats = excluded.stats, generator = excluded.generator, updated_at = excluded.updated_at
		RETURNING `+summaryColumns, NewID(), userID, x.ChatID, x.ChatName, x.Day, x.Language, x.Text, string(x.Stats), x.Generator, now))
	if err != nil {
		return Summary{}, fmt.Errorf("store: put summary: %w", err)
	}
	return out, t.s.indexDoc(ctx, t.tx, userID, domain.KindSummary, out.ID, out.CreatedAt, out.ChatName+" "+out.Text)
}

// SummaryFilter narrows a summary list.
type SummaryFilter struct {
	ChatID string
	Day    string
}

// ListSummaries returns the user's summaries, most recently made first.
func (s *Store) ListSummaries(ctx context.Context, userID string, f SummaryFilter, o ListOptions) (Page[Summary], error) {
	where, args := `user_id = $1`, []any{userID}
	if f.ChatID != "" {
		args = append(args, f.ChatID)
		where += fmt.Sprintf(` AND chat_id = $%d`, len(args))
	}
	if f.Day != "" {
		args = append(args, f.Day)
		where += fmt.Sprintf(` AND day = $%d`, len(args))
	}
	return listKeyset(ctx, s, `SELECT `+summaryColumns+` FROM summaries`, where, "created_at", args, o,
		func(r interface{ Scan(...any) error }) (Summary, error) { return scanSummary(r) },
		func(x Summary) (int64, string) { return ms(x.CreatedAt), x.ID })
}

// GetSummary returns one of the user's summaries.
func (s *Store) GetSummary(ctx context.Context, userID, id string) (Summary, error) {
	x, err := scanSummary(s.r.QueryRowContext(ctx, `SELECT `+summaryColumns+` FROM summaries WHERE user_id = $1 AND id = $2`, userID, id))
	return x, notFound(err)
}

// SummaryExists reports whether a group's day has a summary.
func (s *Store) SummaryExists(ctx context.Context, userID, chatID, day string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM summaries WHERE user_id = $1 AND chat_id = $2 AND day = $3`, userID, chatID, day).Scan(&n)
	return n > 0, err
}

// ChatActivity is how many messages a chat had in a period.
type ChatActivity struct {
	ChatID   string
	Name     string
	Messages int
}

// GroupActivity lists the user's groups with messages sent in [from, to).
func (s *Store) GroupActivity(ctx context.Context, userID string, from, to time.Time) ([]ChatActivity, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT m.chat_id, c.name, COUNT(*) FROM messages m JOIN chats c ON c.user_id = m.user_id AND c.id = m.chat_id
		WHERE m.user_id = $1 AND m.ts >= $2 AND m.ts < $3 AND c.is_group = $4 GROUP BY m.chat_id, c.name ORDER BY m.chat_id`,
		userID, ms(from), ms(to), true)
	if err != nil {
		return nil, fmt.Errorf("store: group activity: %w", err)
	}
	defer rows.Close()
	var out []ChatActivity
	for rows.Next() {
		var a ChatActivity
		if err := rows.Scan(&a.ChatID, &a.Name, &a.Messages); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// MessagesBetween returns up to limit of a chat's messages sent in
// [from, to), oldest first.
func (s *Store) MessagesBetween(ctx context.Context, userID, chatID string, from, to time.Time, limit int) ([]Message, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE user_id = $1 AND chat_id = $2 AND ts >= $3 AND ts < $4
		ORDER BY ts, seq LIMIT $5`, userID, chatID, ms(from), ms(to), limit)
	if err != nil {
		return nil, fmt.Errorf("store: messages between: %w", err)
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

// ListSummariesByDay returns the user's summaries by the day they
// summarise, latest day first (an export's day notes follow this order).
func (s *Store) ListSummariesByDay(ctx context.Context, userID string, o ListOptions) (Page[Summary], error) {
	return listKeyset(ctx, s, `SELECT `+summaryColumns+` FROM summaries`, `user_id = $1`, summaryDayKey, []any{userID}, o,
		func(r interface{ Scan(...any) error }) (Summary, error) { return scanSummary(r) },
		func(x Summary) (int64, string) { return dayNumber(x.Day), x.ID })
}

// summaryDayKey is a summary's day as the number YYYYMMDD, in both dialects.
const summaryDayKey = `CAST(REPLACE(day, '-', '') AS BIGINT)`

func dayNumber(day string) int64 {
	n, _ := strconv.ParseInt(strings.ReplaceAll(day, "-", ""), 10, 64)
	return n
}
