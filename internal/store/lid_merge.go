package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/synapse-kb/synapse/internal/domain"
)

// A contact WhatsApp addresses by LID ("<digits>@lid") whose phone number
// is not known yet is stored under the LID: a direct chat "<lid>@lid" and
// messages whose sender is the LID. Such LIDs are kept in lid_seen when the
// messages are stored. Once the number is known (a later message carries
// both), MergeLIDs moves what was stored under the LID to the number, so
// that the contact is one chat and one sender.

// noteLIDs records the LIDs that inserted messages were stored under.
func (s *Store) noteLIDs(ctx context.Context, tx *sql.Tx, inserted []*IncomingMessage) error {
	for _, m := range inserted {
		for _, id := range [2]string{m.ChatID, m.From} {
			if !strings.HasSuffix(id, "@lid") {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO lid_seen (user_id, lid) VALUES ($1, $2) ON CONFLICT DO NOTHING`, m.UserID, id); err != nil {
				return fmt.Errorf("store: note lid: %w", err)
			}
		}
	}
	return nil
}

// chatKeyed are the tables with a chat_id column (besides messages and
// media_failures), each with the other columns of its unique key that
// holds chat_id (none: no such key).
var chatKeyed = []struct {
	table string
	key   []string
}{
	{"images", []string{"message_id"}},
	{"voice_memos", []string{"message_id"}},
	{"files", []string{"message_id"}},
	{"bookmark_shares", []string{"bookmark_id", "message_id"}},
	{"summaries", []string{"day"}},
	{"suggestions", []string{"message_id", "kind"}},
	{"item_sources", []string{"item_kind", "item_id", "message_id"}},
	{"item_dismissals", []string{"item_kind", "message_id", "norm"}},
	{"pending_changes", []string{"target_id", "kind"}},
	{"tasks", nil}, {"notes", nil}, {"ideas", nil}, {"locations", nil}, {"events", nil},
}

// senderColumns are the columns naming who sent a message, by table.
var senderColumns = []struct{ table, column string }{
	{"messages", "sender"}, {"images", "sender"}, {"voice_memos", "sender"}, {"bookmark_shares", "sender"},
	{"tasks", "src_from"}, {"notes", "src_from"}, {"ideas", "src_from"}, {"locations", "src_from"},
	{"events", "src_from"}, {"suggestions", "src_from"}, {"item_sources", "src_from"},
}

// MergeLIDs moves what the user has stored under LIDs whose phone numbers
// are now known (lid → phone-number JID) to those numbers: the LID's
// direct chat joins the number's (created when it does not exist), and
// messages and items sent by the LID name the number as their sender. A
// message stored under both is kept once. It returns the LIDs merged; a
// LID nothing was stored under costs one indexed read.
func (s *Store) MergeLIDs(ctx context.Context, userID string, pns map[string]string) ([]string, error) {
	if len(pns) == 0 {
		return nil, nil
	}
	lids := make([]string, 0, len(pns))
	args := []any{userID}
	for lid, pn := range pns {
		if lid == "" || pn == "" || lid == pn {
			continue
		}
		lids = append(lids, lid)
		args = append(args, lid)
	}
	if len(lids) == 0 {
		return nil, nil
	}
	var seen []string
	var q strings.Builder
	q.WriteString(`SELECT lid FROM lid_seen WHERE user_id = $1 AND lid IN `)
	s.placeholders(&q, 1, len(lids))
	rows, err := s.r.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: lids seen: %w", err)
	}
	for rows.Next() {
		var lid string
		if err := rows.Scan(&lid); err != nil {
			rows.Close()
			return nil, err
		}
		seen = append(seen, lid)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(seen) == 0 {
		return nil, err
	}
	err = s.InTx(ctx, func(tx *sql.Tx) error {
		for _, lid := range seen {
			if err := s.mergeLID(ctx, tx, userID, lid, pns[lid]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return seen, nil
}

func (s *Store) mergeLID(ctx context.Context, tx *sql.Tx, userID, lid, pn string) error {
	exec := func(what, q string, args ...any) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: merge lid: %s: %w", what, err)
		}
		return nil
	}
	// The search documents of what came from the LID name it in their
	// filter keys (chat and person): refreshed once it names the number.
	docs, err := thingsFrom(ctx, tx, userID, lid)
	if err != nil {
		return err
	}
	if err := s.moveLID(ctx, tx, exec, userID, lid, pn); err != nil {
		return err
	}
	for _, d := range docs {
		if err := s.refreshFilters(ctx, tx, userID, d.kind, d.ref); err != nil {
			return err
		}
	}
	return nil
}

type thingRef struct {
	kind domain.Kind
	ref  string
}

// thingsFrom lists the user's things that came from id, as the chat they
// came from or as the person who sent them.
func thingsFrom(ctx context.Context, tx *sql.Tx, userID, id string) ([]thingRef, error) {
	var parts []string
	for _, t := range thingSources {
		cond := "chat_id = $2"
		if t.person != "" {
			cond += " OR " + t.person + " = $2"
		}
		parts = append(parts, fmt.Sprintf(`SELECT '%s', %s FROM %s WHERE user_id = $1 AND (%s)`, t.kind, t.ref, t.table, cond))
	}
	rows, err := tx.QueryContext(ctx, strings.Join(parts, " UNION "), userID, id)
	if err != nil {
		return nil, fmt.Errorf("store: merge lid: things: %w", err)
	}
	defer rows.Close()
	var out []thingRef
	for rows.Next() {
		var t thingRef
		if err := rows.Scan(&t.kind, &t.ref); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// moveLID moves what was stored under lid to pn.
func (s *Store) moveLID(ctx context.Context, tx *sql.Tx, exec func(what, q string, args ...any) error, userID, lid, pn string) error {
	var hasChat bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM chats WHERE user_id = $1 AND id = $2)`, userID, lid).Scan(&hasChat); err != nil {
		return fmt.Errorf("store: merge lid: %w", err)
	}
	if hasChat {
		// The number's chat takes the LID chat's name when it has none,
		// its newest time and its settings where it has none.
		if err := exec("chat", `INSERT INTO chats (user_id, id, name, is_group, last_message_at, created_at, read_at, not_kept_since, no_suggestions_since)
			SELECT user_id, $3, name, is_group, last_message_at, created_at, read_at, not_kept_since, no_suggestions_since FROM chats WHERE user_id = $1 AND id = $2
			ON CONFLICT (user_id, id) DO UPDATE SET
				name = CASE WHEN chats.name = '' THEN excluded.name ELSE chats.name END,
				last_message_at = CASE WHEN excluded.last_message_at > chats.last_message_at THEN excluded.last_message_at ELSE chats.last_message_at END,
				read_at = CASE WHEN excluded.read_at > chats.read_at THEN excluded.read_at ELSE chats.read_at END,
				not_kept_since = COALESCE(chats.not_kept_since, excluded.not_kept_since),
				no_suggestions_since = COALESCE(chats.no_suggestions_since, excluded.no_suggestions_since)`, userID, lid, pn); err != nil {
			return err
		}
		// A message stored under both is kept once (its rows under the
		// LID go with it: media failures by cascade, the rest below).
		if err := exec("messages", `DELETE FROM messages WHERE user_id = $1 AND chat_id = $2
			AND id IN (SELECT id FROM messages WHERE user_id = $1 AND chat_id = $3)`, userID, lid, pn); err != nil {
			return err
		}
		// media_failures refers to its message: moved around it.
		type failure struct {
			id, reason string
			at         int64
		}
		var fails []failure
		rows, err := tx.QueryContext(ctx, `SELECT message_id, reason, failed_at FROM media_failures WHERE user_id = $1 AND chat_id = $2`, userID, lid)
		if err != nil {
			return fmt.Errorf("store: merge lid: %w", err)
		}
		for rows.Next() {
			var f failure
			if err := rows.Scan(&f.id, &f.reason, &f.at); err != nil {
				rows.Close()
				return err
			}
			fails = append(fails, f)
		}
		rows.Close()
		if err := exec("media failures", `DELETE FROM media_failures WHERE user_id = $1 AND chat_id = $2`, userID, lid); err != nil {
			return err
		}
		if err := exec("messages", `UPDATE messages SET chat_id = $3 WHERE user_id = $1 AND chat_id = $2`, userID, lid, pn); err != nil {
			return err
		}
		for _, f := range fails {
			if err := exec("media failures", `INSERT INTO media_failures (user_id, chat_id, message_id, reason, failed_at) VALUES ($1, $2, $3, $4, $5)`,
				userID, pn, f.id, f.reason, f.at); err != nil {
				return err
			}
		}
		for _, t := range chatKeyed {
			if len(t.key) > 0 {
				same := make([]string, len(t.key))
				for i, k := range t.key {
					same[i] = "o." + k + " = " + t.table + "." + k
				}
				if err := exec(t.table, `DELETE FROM `+t.table+` WHERE user_id = $1 AND chat_id = $2 AND EXISTS (SELECT 1 FROM `+t.table+` o
					WHERE o.user_id = $1 AND o.chat_id = $3 AND `+strings.Join(same, " AND ")+`)`, userID, lid, pn); err != nil {
					return err
				}
			}
			if err := exec(t.table, `UPDATE `+t.table+` SET chat_id = $3 WHERE user_id = $1 AND chat_id = $2`, userID, lid, pn); err != nil {
				return err
			}
		}
		// Vectors name their message by chat: the moved ones are embedded
		// again by the backfill.
		if err := exec("embeddings", `DELETE FROM embeddings WHERE user_id = $1 AND chat_id = $2`, userID, lid); err != nil {
			return err
		}
		if err := exec("chat", `DELETE FROM chats WHERE user_id = $1 AND id = $2`, userID, lid); err != nil {
			return err
		}
	}
	for _, c := range senderColumns {
		if err := exec(c.table, `UPDATE `+c.table+` SET `+c.column+` = $3 WHERE user_id = $1 AND `+c.column+` = $2`, userID, lid, pn); err != nil {
			return err
		}
	}
	if err := exec("people", `INSERT INTO source_people (user_id, person, name) SELECT user_id, $3, name FROM source_people
		WHERE user_id = $1 AND person = $2 ON CONFLICT DO NOTHING`, userID, lid, pn); err != nil {
		return err
	}
	if err := exec("people", `DELETE FROM source_people WHERE user_id = $1 AND person = $2`, userID, lid); err != nil {
		return err
	}
	return exec("lid seen", `DELETE FROM lid_seen WHERE user_id = $1 AND lid = $2`, userID, lid)
}
