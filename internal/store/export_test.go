package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/synapse-kb/synapse/internal/domain"
)

// ForgetFilterKeys makes every search document as it was before migration
// 033 (no filter keys) and, on SQLite, lists it again to be indexed anew,
// as that migration and 042 do.
func (s *Store) ForgetFilterKeys(ctx context.Context) error { return s.SetFilterKeys(ctx, nil) }

// SetFilterKeys gives every search document these filter keys (as an older
// version may have left them) and, on SQLite, lists it to be indexed anew,
// as migrations 033 and 042 do.
func (s *Store) SetFilterKeys(ctx context.Context, keys []string) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == Postgres {
			if keys == nil {
				keys = []string{}
			}
			_, err := tx.ExecContext(ctx, `UPDATE search_docs SET filters = $1`, keys)
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, user_id, kind, ref FROM search_docs`)
		if err != nil {
			return err
		}
		type doc struct {
			id                int64
			userID, kind, ref string
		}
		var docs []doc
		for rows.Next() {
			var d doc
			if err := rows.Scan(&d.id, &d.userID, &d.kind, &d.ref); err != nil {
				return err
			}
			docs = append(docs, d)
		}
		rows.Close()
		for _, d := range docs {
			text, err := docText(ctx, tx, d.userID, domain.Kind(d.kind), d.ref)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid = $1`, -d.id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, body) VALUES ($1, $2)`, -d.id, sqliteDocBody(d.userID, Fold(text), keys)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO search_refilter (doc_id) VALUES ($1)`, d.id); err != nil {
				return err
			}
		}
		return nil
	})
}

// RedoFilterKeys gives the documents their filter keys again as an upgrade
// does: on SQLite by migrating (which indexes the listed documents anew),
// on PostgreSQL by running migration 042's UPDATE again (which makes every
// key anew: tags, people and chats).
func (s *Store) RedoFilterKeys(ctx context.Context) error {
	if s.dialect == SQLite {
		return s.Migrate(ctx)
	}
	ms, err := s.Migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Version != 42 {
			continue
		}
		for _, stmt := range strings.Split(m.SQL, ";") {
			if i := strings.Index(stmt, "UPDATE search_docs"); i >= 0 {
				_, err := s.w.ExecContext(ctx, stmt[i:])
				return err
			}
		}
	}
	return fmt.Errorf("migration 042 has no UPDATE")
}

// FilterKeyDocs counts the user's search documents whose index holds a
// filter key (as search looks it up, without the SQL conditions that
// confirm it).
func (s *Store) FilterKeyDocs(ctx context.Context, userID, key string) (int, error) {
	var n int
	var err error
	if s.dialect == Postgres {
		err = s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_docs WHERE user_id = $1 AND filters @> $2::text[]`, userID, []string{key}).Scan(&n)
	} else {
		err = s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_fts JOIN search_docs d ON d.id = -search_fts.rowid
			WHERE search_fts MATCH $1 AND d.user_id = $2`, `^"`+userToken(userID)+`" AND "`+filterToken(key)+`"`, userID).Scan(&n)
	}
	return n, err
}

// SetMessageWindows replaces how many of the newest messages PostgreSQL
// reads in time order before it asks the words' index (messageProbe,
// messageWindow).
func (s *Store) SetMessageWindows(probe, window int) { s.messageWindows = [2]int{probe, window} }

// SetMaxPendingChanges changes how many early changes a person keeps, for
// a test, and returns a function that restores it.
func SetMaxPendingChanges(n int) func() {
	old := maxPendingChanges
	maxPendingChanges = n
	return func() { maxPendingChanges = old }
}
