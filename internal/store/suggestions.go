package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
)

// Suggestion statuses.
const (
	SuggestionOpen      = "open"
	SuggestionAccepted  = "accepted"
	SuggestionDismissed = "dismissed"
	// SuggestionAnswered is a request the person answered in its chat
	// (replied to it, or wrote in the direct chat after it): it leaves the
	// inbox by itself.
	SuggestionAnswered = "answered"
)

// ValidSuggestionStatus reports whether s is a status a list may filter on.
func ValidSuggestionStatus(s string) bool {
	switch s {
	case SuggestionOpen, SuggestionAccepted, SuggestionDismissed, SuggestionAnswered:
		return true
	}
	return false
}

// Suggestion is a promise the person made or a request made to them, found
// in one of their chats and waiting for them to accept it (a task is made)
// or dismiss it. Its JSON form is the API's.
type Suggestion struct {
	ID string `json:"id"`
	// Kind is promise (the person said they would do it) or request
	// (someone asked them to).
	Kind       string     `json:"kind"`
	Title      string     `json:"title"`
	Due        *time.Time `json:"due,omitempty"`
	DueHasTime bool       `json:"dueHasTime"`
	ChatID     string     `json:"chatId"`
	MessageID  string     `json:"messageId"`
	// Snapshot is the message as it was: who, when, what.
	Snapshot Snapshot `json:"snapshot"`
	// Status is open, accepted, dismissed or answered.
	Status string `json:"status"`
	// TaskID is the task an accepted suggestion became.
	TaskID    string     `json:"taskId,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	DecidedAt *time.Time `json:"decidedAt,omitempty"`
}

const suggestionColumns = `id, kind, title, due_at, due_has_time, chat_id, message_id, src_from, src_from_name, src_text, src_at,
	status, task_id, created_at, decided_at`

func scanSuggestion(row scanner) (Suggestion, error) {
	var g Suggestion
	var due, decided sql.NullInt64
	var at, created int64
	err := row.Scan(&g.ID, &g.Kind, &g.Title, &due, &g.DueHasTime, &g.ChatID, &g.MessageID, &g.Snapshot.From, &g.Snapshot.FromName,
		&g.Snapshot.Text, &at, &g.Status, &g.TaskID, &created, &decided)
	g.Due, g.DecidedAt = optTime(due), optTime(decided)
	g.Snapshot.Time, g.CreatedAt = fromMS(at), fromMS(created)
	return g, err
}

// NewSuggestion is a suggestion found by analysis, before it is stored.
type NewSuggestion struct {
	Kind       string
	Title      string
	Due        *time.Time
	DueHasTime bool
	ChatID     string
	MessageID  string
	Snapshot   Snapshot
	// Status is open, or answered for a request the person had answered
	// before it was analysed.
	Status string
}

// AddSuggestion stores a suggestion unless the same message already gave
// one of its kind, whatever became of it: a dismissed suggestion is never
// made again by analysing its message again. It reports whether it stored
// one.
func (s *Store) AddSuggestion(ctx context.Context, userID string, n NewSuggestion) (Suggestion, bool, error) {
	status := n.Status
	if status == "" {
		status = SuggestionOpen
	}
	g, err := scanSuggestion(s.w.QueryRowContext(ctx, `INSERT INTO suggestions (id, user_id, kind, title, due_at, due_has_time, chat_id, message_id,
		src_from, src_from_name, src_text, src_at, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (user_id, chat_id, message_id, kind) DO NOTHING RETURNING `+suggestionColumns,
		NewID(), userID, n.Kind, n.Title, optMS(n.Due), n.DueHasTime && n.Due != nil, n.ChatID, n.MessageID,
		n.Snapshot.From, n.Snapshot.FromName, n.Snapshot.Text, ms(n.Snapshot.Time), status, ms(s.clock())))
	if errors.Is(err, sql.ErrNoRows) {
		return Suggestion{}, false, nil
	}
	if err != nil {
		if isForeignKeyViolation(err) {
			return Suggestion{}, false, ErrNotFound
		}
		return Suggestion{}, false, fmt.Errorf("store: add suggestion: %w", err)
	}
	return g, true, nil
}

// GetSuggestion returns one of the user's suggestions.
func (s *Store) GetSuggestion(ctx context.Context, userID, id string) (Suggestion, error) {
	g, err := scanSuggestion(s.r.QueryRowContext(ctx, `SELECT `+suggestionColumns+` FROM suggestions WHERE user_id = $1 AND id = $2`, userID, id))
	return g, notFound(err)
}

// ListSuggestions lists the user's suggestions of one status (all when
// empty), newest first.
func (s *Store) ListSuggestions(ctx context.Context, userID, status string, o ListOptions) (Page[Suggestion], error) {
	where, args := `user_id = $1`, []any{userID}
	if status != "" {
		args = append(args, status)
		where += ` AND status = $2`
	}
	return listKeyset(ctx, s, `SELECT `+suggestionColumns+` FROM suggestions`, where, "created_at", args, o,
		func(r interface{ Scan(...any) error }) (Suggestion, error) { return scanSuggestion(r) },
		func(g Suggestion) (int64, string) { return ms(g.CreatedAt), g.ID })
}

// CountOpenSuggestions counts the user's open suggestions.
func (s *Store) CountOpenSuggestions(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM suggestions WHERE user_id = $1 AND status = $2`, userID, SuggestionOpen).Scan(&n)
	return n, err
}

// taskOrdinal keys the task an accepted suggestion becomes among the items
// of its message, apart from what the analyser made of it.
func taskOrdinal(kind string) int {
	if kind == "request" {
		return 1001
	}
	return 1000
}

// AcceptSuggestion makes a task of one of the user's suggestions, in one
// transaction: the task (title and due date as given, else the
// suggestion's) has the message as its source, and the suggestion becomes
// accepted and names it. A suggestion accepted before is returned as it is,
// with its task (fresh false).
func (s *Store) AcceptSuggestion(ctx context.Context, userID, id string, title string, due *time.Time, dueHasTime bool, keepDue bool) (g Suggestion, t Task, fresh bool, err error) {
	err = s.InTx(ctx, func(tx *sql.Tx) error {
		fresh = false
		now := ms(s.clock())
		cur, err := scanSuggestion(tx.QueryRowContext(ctx, `SELECT `+suggestionColumns+` FROM suggestions WHERE user_id = $1 AND id = $2`, userID, id))
		if err != nil {
			return notFound(err)
		}
		if cur.Status == SuggestionAccepted {
			g = cur
			t, err = scanTask(tx.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE user_id = $1 AND id = $2`, userID, cur.TaskID))
			if errors.Is(err, sql.ErrNoRows) {
				err = nil // the person deleted the task since
			}
			return err
		}
		// Claim it: of two accepts at once, one makes the task.
		res, err := tx.ExecContext(ctx, `UPDATE suggestions SET status = $3, decided_at = $4 WHERE user_id = $1 AND id = $2 AND status <> $3`,
			userID, id, SuggestionAccepted, now)
		if err != nil {
			return fmt.Errorf("store: accept suggestion: %w", err)
		}
		if err := expectOne(res); err != nil {
			return err
		}
		if title == "" {
			title = cur.Title
		}
		if keepDue {
			due, dueHasTime = cur.Due, cur.DueHasTime
		}
		body := cur.Snapshot.Text
		if body == title {
			body = ""
		}
		src := Source{Kind: SourceMessage, ChatID: cur.ChatID, MessageID: cur.MessageID, Snapshot: cur.Snapshot}
		// Accepting is the person's choice: the task is made even when an
		// extracted task of the same words exists or was deleted (no merge).
		it := Extracted{Kind: domain.KindTask, Title: title, Body: body, Due: due, DueHasTime: dueHasTime}
		v, err := s.insertNewItem(ctx, tx, userID, src, taskOrdinal(cur.Kind), it, false)
		if err != nil {
			return err
		}
		if v != nil {
			if err := s.insertSource(ctx, tx, userID, domain.KindTask, v.(Task).ID, src, MergeKey(it)); err != nil {
				return err
			}
		}
		if v == nil {
			// A task of this suggestion exists already (accepted, then
			// the suggestion's status changed): use it.
			t, err = scanTask(tx.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE user_id = $1 AND source_key = $2 AND ordinal = $3`,
				userID, src.key(), taskOrdinal(cur.Kind)))
			if err != nil {
				return fmt.Errorf("store: accept suggestion: %w", err)
			}
		} else {
			t, fresh = v.(Task), true
		}
		if _, err := tx.ExecContext(ctx, `UPDATE suggestions SET task_id = $3 WHERE user_id = $1 AND id = $2`, userID, id, t.ID); err != nil {
			return fmt.Errorf("store: accept suggestion: %w", err)
		}
		g, err = scanSuggestion(tx.QueryRowContext(ctx, `SELECT `+suggestionColumns+` FROM suggestions WHERE user_id = $1 AND id = $2`, userID, id))
		return err
	})
	return g, t, fresh, err
}

// DismissSuggestion dismisses one of the user's suggestions for good; an
// accepted one stays accepted (its task is the person's to delete).
func (s *Store) DismissSuggestion(ctx context.Context, userID, id string) (Suggestion, error) {
	if _, err := s.w.ExecContext(ctx, `UPDATE suggestions SET status = $3, decided_at = $4 WHERE user_id = $1 AND id = $2 AND status <> $5`,
		userID, id, SuggestionDismissed, ms(s.clock()), SuggestionAccepted); err != nil {
		return Suggestion{}, fmt.Errorf("store: dismiss suggestion: %w", err)
	}
	return s.GetSuggestion(ctx, userID, id)
}

// AnswerRequests marks answered the open requests of one chat that the
// person's message at answeredAt answers: in a direct chat every request
// sent before it; in a group only the one it replies to (replyTo). It
// returns the suggestions it changed.
func (s *Store) AnswerRequests(ctx context.Context, userID, chatID string, group bool, replyTo string, answeredAt time.Time) ([]Suggestion, error) {
	where := `user_id = $1 AND chat_id = $2 AND kind = 'request' AND status = $3 AND src_at <= $4`
	args := []any{userID, chatID, SuggestionOpen, ms(answeredAt)}
	if group {
		if replyTo == "" {
			return nil, nil
		}
		where += ` AND message_id = $5`
		args = append(args, replyTo)
	}
	var out []Suggestion
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT `+suggestionColumns+` FROM suggestions WHERE `+where, args...)
		if err != nil {
			return fmt.Errorf("store: answer requests: %w", err)
		}
		for rows.Next() {
			g, err := scanSuggestion(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := ms(s.clock())
		for i := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE suggestions SET status = $3, decided_at = $4 WHERE user_id = $1 AND id = $2`,
				userID, out[i].ID, SuggestionAnswered, now); err != nil {
				return fmt.Errorf("store: answer requests: %w", err)
			}
			out[i].Status = SuggestionAnswered
			t := fromMS(now)
			out[i].DecidedAt = &t
		}
		return nil
	})
	return out, err
}

// AnsweredSince reports whether the person answered, in one of their
// chats, the message id sent at sentAt: in a direct chat by any message of
// theirs after it, in a group by a reply to it.
func (s *Store) AnsweredSince(ctx context.Context, userID, chatID, id string, group bool, sentAt time.Time) (bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE user_id = $1 AND chat_id = $2 AND from_me = $3 AND ts >= $4
		ORDER BY ts LIMIT 500`, userID, chatID, true, ms(sentAt))
	if err != nil {
		return false, fmt.Errorf("store: answered: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return false, err
		}
		if m.ID == id {
			continue
		}
		if !group || m.ReplyTo == id {
			return true, nil
		}
	}
	return false, rows.Err()
}

// SetChatSuggestions records whether the person's chat is read for
// suggestions (on) or excluded from them.
func (s *Store) SetChatSuggestions(ctx context.Context, userID, chatID string, on bool) (Chat, error) {
	q := `UPDATE chats SET no_suggestions_since = NULL WHERE user_id = $1 AND id = $2`
	args := []any{userID, chatID}
	if !on {
		q = `UPDATE chats SET no_suggestions_since = COALESCE(no_suggestions_since, $3) WHERE user_id = $1 AND id = $2`
		args = append(args, ms(s.clock()))
	}
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return Chat{}, fmt.Errorf("store: chat suggestions: %w", err)
	}
	if err := expectOne(res); err != nil {
		return Chat{}, err
	}
	return s.GetChat(ctx, userID, chatID)
}

// dropSuggestions deletes the user's suggestions matching where (its
// parameters from $2). An edited message's open suggestions go (the edit
// is read again); so do those of a message deleted for everyone, and every
// one but the accepted of a purged chat. What the person decided on an
// edited message stays decided.
func dropSuggestions(ctx context.Context, tx *sql.Tx, userID, where string, args ...any) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM suggestions WHERE user_id = $1 AND `+where, append([]any{userID}, args...)...); err != nil {
		return fmt.Errorf("store: drop suggestions: %w", err)
	}
	return nil
}
