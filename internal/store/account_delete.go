package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ownedTables are the tables of the schema (every migration, both
// dialects) whose rows belong to one user through a user_id column, in an
// order that deletes children before their parents. The foreign keys
// cascade too; DeleteUser names each table so that nothing depends on
// that, and TestDeleteUserLeavesNothing checks the catalog for tables this
// list forgets. users itself comes last; cluster_nodes holds no user data.
var ownedTables = []string{
	"webhook_deliveries", "webhook_endpoints", // 021
	"suggestions",                                     // 031
	"media_failures",                                  // 007
	"reminders", "reminder_settings", "self_messages", // 025
	"item_tags", "tag_counts", "source_people", // 030
	"bookmark_shares",
	"embeddings",                      // 028
	"item_sources", "item_dismissals", // 032
	"pending_changes",                // 036
	"lid_seen",                       // 040
	"search_docs",                    // its trigger empties search_fts (SQLite)
	"messages",                       // its trigger empties message_fts (SQLite)
	"images", "voice_memos", "files", // 002, 019
	"bookmarks", "tasks", "notes", "ideas", "locations", "summaries", // 002
	"events",             // 022
	"contact_names",      // 017
	"chats",              // 001
	"refresh_tokens",     // 001
	"web_sessions",       // 003
	"calendar_feeds",     // 023
	"push_subscriptions", // 026
}

// DeleteUser deletes a user and everything of theirs in the database, in
// one transaction: their rows in every Synapse table, their session's lease,
// the whatsmeow device keys and history of their session (when the
// whatsmeow engine's tables exist), the River jobs queued for them that are
// not running, and the cluster events that name them. A job running at the
// moment finishes on its own and finds the user gone. ErrNotFound when
// there is no such user.
func (s *Store) DeleteUser(ctx context.Context, userID string) error {
	if err := s.deleteUser(ctx, userID); err != nil {
		return err
	}
	if s.dialect == SQLite {
		// FTS5 keeps a deleted row's terms (the owner's "u<id>" token
		// among them) in its index segments until they are merged: merge
		// them all now, so that no trace of the user stays in the file.
		// This rewrites both search indexes, holding the writer for as
		// long (docs/OPERATIONS.md).
		for _, t := range []string{"search_fts", "message_fts"} {
			if _, err := s.w.ExecContext(ctx, `INSERT INTO `+t+`(`+t+`) VALUES ('optimize')`); err != nil {
				return fmt.Errorf("store: delete user: optimize %s: %w", t, err)
			}
		}
	}
	return nil
}

func (s *Store) deleteUser(ctx context.Context, userID string) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		var sessionID sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT id FROM whatsapp_sessions WHERE user_id = $1`, userID).Scan(&sessionID); err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("store: delete user: %w", err)
		}
		exec := func(q string, args ...any) error {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("store: delete user: %w", err)
			}
			return nil
		}
		if sessionID.Valid {
			if err := exec(`DELETE FROM session_leases WHERE session_id = $1`, sessionID.String); err != nil {
				return err
			}
			if err := s.deleteDevice(ctx, tx, sessionID.String); err != nil {
				return err
			}
		}
		if err := exec(`DELETE FROM whatsapp_sessions WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, t := range ownedTables {
			if err := exec(`DELETE FROM `+t+` WHERE user_id = $1`, userID); err != nil {
				return err
			}
		}
		if err := s.deleteJobs(ctx, tx, userID); err != nil {
			return err
		}
		switch s.dialect {
		case Postgres:
			err := exec(`DELETE FROM cluster_events WHERE position(convert_to($1, 'UTF8') IN payload) > 0`, userID)
			if err != nil {
				return err
			}
		default:
			if err := exec(`DELETE FROM cluster_events WHERE instr(CAST(payload AS TEXT), $1) > 0`, userID); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, userID)
		if err != nil {
			return fmt.Errorf("store: delete user: %w", err)
		}
		return expectOne(res)
	})
}

// deleteDevice removes the whatsmeow device keys and the imported history
// marks of a session. The engine deletes them when it logs the session out;
// this catches a logout that could not reach the engine. whatsmeow's tables
// hang off whatsmeow_device by foreign keys that cascade.
func (s *Store) deleteDevice(ctx context.Context, tx *sql.Tx, sessionID string) error {
	has, err := s.hasTables(ctx, tx, "synapse_meow_sessions")
	if err != nil || !has {
		return err
	}
	if ok, err := s.hasTables(ctx, tx, "whatsmeow_device"); err != nil {
		return err
	} else if ok {
		if _, err := tx.ExecContext(ctx, `DELETE FROM whatsmeow_device WHERE jid IN
			(SELECT device_jid FROM synapse_meow_sessions WHERE session_id = $1)`, sessionID); err != nil {
			return fmt.Errorf("store: delete device: %w", err)
		}
	}
	for _, t := range []string{"synapse_meow_sessions", "synapse_meow_history"} {
		if ok, err := s.hasTables(ctx, tx, t); err != nil {
			return err
		} else if ok {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE session_id = $1`, sessionID); err != nil {
				return fmt.Errorf("store: delete device: %w", err)
			}
		}
	}
	return nil
}

// deleteJobs removes the River jobs whose arguments name the user (every
// Synapse job carries "user_id"), except those running now.
func (s *Store) deleteJobs(ctx context.Context, tx *sql.Tx, userID string) error {
	if ok, err := s.hasTables(ctx, tx, "river_job"); err != nil || !ok {
		return err
	}
	q := `DELETE FROM river_job WHERE json_extract(args, '$.user_id') = $1 AND state <> 'running'`
	if s.dialect == Postgres {
		q = `DELETE FROM river_job WHERE args->>'user_id' = $1 AND state <> 'running'`
	}
	if _, err := tx.ExecContext(ctx, q, userID); err != nil {
		return fmt.Errorf("store: delete jobs: %w", err)
	}
	return nil
}

// hasTables reports whether the table exists (in the search path).
func (s *Store) hasTables(ctx context.Context, tx *sql.Tx, name string) (bool, error) {
	var ok bool
	q := `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1)`
	if s.dialect == Postgres {
		q = `SELECT to_regclass($1) IS NOT NULL`
	}
	if err := tx.QueryRowContext(ctx, q, name).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: table %s: %w", name, err)
	}
	return ok, nil
}
