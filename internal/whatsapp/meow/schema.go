package meow

import (
	"context"
	"database/sql"
	"fmt"
)

// The engine's own table maps a Synapse session id to the JID of its
// whatsmeow device. It has its own version line (synapse_meow_version),
// beside whatsmeow's whatsmeow_version; migrations only ever append.
var migrations = []string{
	// 1: session → device
	`CREATE TABLE synapse_meow_sessions (
		session_id TEXT PRIMARY KEY,
		device_jid TEXT NOT NULL,
		created_at BIGINT NOT NULL
	)`,
	// 2: history sync notifications received and not yet imported
	// (history.go). whatsmeow acknowledges them to the phone at once, so
	// they are kept here until their history is stored.
	`CREATE TABLE synapse_meow_history (
		session_id   TEXT NOT NULL,
		message_id   TEXT NOT NULL,
		notification BYTEA NOT NULL,
		received_at  BIGINT NOT NULL,
		PRIMARY KEY (session_id, message_id)
	)`,
}

// migrate brings the engine's table up to date in one transaction. On
// PostgreSQL an advisory lock keeps two nodes from migrating at once; on
// SQLite the write transaction does.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("meow: migrate: %w", err)
	}
	defer tx.Rollback()
	if d == postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7312948261)`); err != nil {
			return fmt.Errorf("meow: migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS synapse_meow_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("meow: migrate: %w", err)
	}
	var version int
	err = tx.QueryRowContext(ctx, `SELECT version FROM synapse_meow_version`).Scan(&version)
	switch {
	case err == sql.ErrNoRows:
		if _, err := tx.ExecContext(ctx, `INSERT INTO synapse_meow_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("meow: migrate: %w", err)
		}
	case err != nil:
		return fmt.Errorf("meow: migrate: read version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("meow: database schema version %d is newer than this build (%d)", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("meow: migrate to version %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE synapse_meow_version SET version = $1`, len(migrations)); err != nil {
		return fmt.Errorf("meow: migrate: %w", err)
	}
	return tx.Commit()
}
