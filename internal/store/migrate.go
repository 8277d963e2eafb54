package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/synapse-kb/synapse/internal/domain"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migration is one numbered schema change of one dialect.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// migrationLock is the PostgreSQL advisory lock key that serialises
// migrations when several nodes start at once.
const migrationLock = 0x53796e61 // "Syna"

// Migrations lists the embedded migrations of this store's dialect, in order.
func (s *Store) Migrations() ([]Migration, error) {
	dir := "migrations/" + string(s.dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("store: migration %s: name must be NNN_name.sql", name)
		}
		b, err := migrationFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(rest, ".sql"), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	// Numbers are handed out ahead of time to work that lands separately,
	// so a build may lack one (006 before 005 is merged); each is applied
	// once, in order, and a missing one is applied when it arrives.
	for i, m := range out {
		if m.Version < 1 || (i > 0 && m.Version == out[i-1].Version) {
			return nil, fmt.Errorf("store: migration numbers must be positive and unique; found %d twice or out of range", m.Version)
		}
	}
	return out, nil
}

func (s *Store) ensureVersionTable(ctx context.Context) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockMigrations(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS synapse_migrations (
			component  TEXT NOT NULL,
			version    INTEGER NOT NULL,
			name       TEXT NOT NULL,
			applied_at BIGINT NOT NULL,
			PRIMARY KEY (component, version))`)
		if err != nil {
			return fmt.Errorf("store: create synapse_migrations: %w", err)
		}
		return nil
	})
}

// lockMigrations serialises schema changes between processes until tx ends.
// SQLite needs nothing: its write transactions are already exclusive.
func (s *Store) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if s.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("store: lock migrations: %w", err)
	}
	return nil
}

// SchemaVersion returns the newest applied migration (0 on an empty
// database) and the newest one this binary knows (the highest number).
func (s *Store) SchemaVersion(ctx context.Context) (applied, known int, err error) {
	ms, err := s.Migrations()
	if err != nil {
		return 0, 0, err
	}
	if err := s.ensureVersionTable(ctx); err != nil {
		return 0, 0, err
	}
	applied, err = s.appliedVersion(ctx, s.w)
	return applied, newest(ms), err
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) appliedVersion(ctx context.Context, q querier) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM synapse_migrations WHERE component = 'synapse'`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// Migrate applies every pending migration, each in its own transaction. It
// is safe to run from several processes at once.
func (s *Store) Migrate(ctx context.Context) error { return s.MigrateTo(ctx, -1) }

// MigrateTo applies pending migrations up to and including version (-1: all).
// A database newer than this binary is an error: an old binary must not run
// against a schema it does not know.
func (s *Store) MigrateTo(ctx context.Context, version int) error {
	all, err := s.Migrations()
	if err != nil {
		return err
	}
	if err := s.ensureVersionTable(ctx); err != nil {
		return err
	}
	for _, m := range all {
		if version >= 0 && m.Version > version {
			break
		}
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	applied, err := s.appliedVersion(ctx, s.w)
	if err != nil {
		return err
	}
	if applied > newest(all) {
		return fmt.Errorf("store: database schema is at version %d but this binary knows only %d; upgrade synapse", applied, newest(all))
	}
	if s.dialect == SQLite && applied >= refilterVersion {
		return s.refilterPending(ctx)
	}
	return nil
}

// refilterVersion is the migration that lists the SQLite search documents
// to index again with their filter keys.
const refilterVersion = 33

// refilterPending indexes again, with their filter keys, the SQLite search
// documents that migration 033 listed (made before documents held them), a
// batch per transaction; nothing once the list is empty.
func (s *Store) refilterPending(ctx context.Context) error {
	for {
		n := 0
		err := s.InTx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT r.doc_id, d.user_id, d.kind, d.ref FROM search_refilter r
				LEFT JOIN search_docs d ON d.id = r.doc_id ORDER BY r.doc_id LIMIT 500`)
			if err != nil {
				return fmt.Errorf("store: refilter: %w", err)
			}
			type doc struct {
				id                int64
				userID, kind, ref sql.NullString
			}
			var docs []doc
			for rows.Next() {
				var d doc
				if err := rows.Scan(&d.id, &d.userID, &d.kind, &d.ref); err != nil {
					rows.Close()
					return err
				}
				docs = append(docs, d)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, d := range docs {
				if d.userID.Valid { // not deleted since
					if err := s.refreshFilters(ctx, tx, d.userID.String, domain.Kind(d.kind.String), d.ref.String); err != nil {
						return err
					}
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM search_refilter WHERE doc_id = $1`, d.id); err != nil {
					return fmt.Errorf("store: refilter: %w", err)
				}
			}
			n = len(docs)
			return nil
		})
		if err != nil || n == 0 {
			return err
		}
	}
}

// newest is the highest version in ms, which is sorted.
func newest(ms []Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

func (s *Store) apply(ctx context.Context, m Migration) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockMigrations(ctx, tx); err != nil {
			return err
		}
		var done int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM synapse_migrations WHERE component = 'synapse' AND version = $1`, m.Version).Scan(&done)
		if err != nil {
			return fmt.Errorf("store: check migration %d: %w", m.Version, err)
		}
		if done > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("store: migration %03d_%s: %w", m.Version, m.Name, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO synapse_migrations (component, version, name, applied_at) VALUES ('synapse', $1, $2, $3)`,
			m.Version, m.Name, ms(s.clock()))
		if err != nil {
			return fmt.Errorf("store: record migration %d: %w", m.Version, err)
		}
		return nil
	})
}

// Schema describes the tables, columns and indexes of this store's own
// schema, one line each, sorted: two databases with equal Schema have the
// same structure. Tests use it to prove that a fresh install and the upgrade
// path agree.
func (s *Store) Schema(ctx context.Context) ([]string, error) {
	var q string
	switch s.dialect {
	case SQLite:
		q = `SELECT 'table ' || m.name || ' ' || p.name || ' ' || p.type || ' ' || p."notnull" || ' ' || COALESCE(p.dflt_value, '') || ' ' || p.pk
			FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'
			UNION ALL
			SELECT 'index ' || tbl_name || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master WHERE type = 'index'`
	case Postgres:
		q = `SELECT 'table ' || table_name || ' ' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '')
			FROM information_schema.columns WHERE table_schema = current_schema()
			UNION ALL
			SELECT 'index ' || tablename || ' ' || indexname || ' ' || replace(indexdef, current_schema() || '.', '') FROM pg_indexes WHERE schemaname = current_schema()`
	}
	rows, err := s.r.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: read schema: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out, rows.Err()
}
