// Package dbtest gives tests real databases: a fresh SQLite file, or a fresh
// schema on the PostgreSQL server named by SYNAPSE_TEST_POSTGRES_URL (default:
// the local server). Tests needing PostgreSQL skip when it is unreachable,
// unless SYNAPSE_TEST_REQUIRE_ALL=1, in which case they fail.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/synapse-kb/synapse/internal/store"
)

// DefaultPostgresURL is used when SYNAPSE_TEST_POSTGRES_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// RequireAll reports whether tests must not skip for missing infrastructure.
func RequireAll() bool { return os.Getenv("SYNAPSE_TEST_REQUIRE_ALL") == "1" }

// Skip skips the test for a missing dependency, or fails it when
// SYNAPSE_TEST_REQUIRE_ALL=1.
func Skip(t testing.TB, why string) {
	t.Helper()
	if RequireAll() {
		t.Fatalf("SYNAPSE_TEST_REQUIRE_ALL=1 but %s", why)
	}
	t.Skip(why)
}

var (
	pgOnce sync.Once
	pgErr  error
)

func postgresBase() string {
	if v := os.Getenv("SYNAPSE_TEST_POSTGRES_URL"); v != "" {
		return v
	}
	return DefaultPostgresURL
}

// PostgresReachable reports whether the test PostgreSQL server answers
// (with SYNAPSE_TEST_REQUIRE_ALL=1 it must, so callers that fall back to
// SQLite never do then).
func PostgresReachable() bool {
	pgOnce.Do(func() { pgErr = pingPostgres(postgresBase()) })
	return pgErr == nil || RequireAll()
}

func pingPostgres(base string) error {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// postgresReachable returns the test server's URL, skipping (or, with
// SYNAPSE_TEST_REQUIRE_ALL=1, failing) the test when it does not answer.
func postgresReachable(t testing.TB) string {
	t.Helper()
	base := postgresBase()
	pgOnce.Do(func() { pgErr = pingPostgres(base) })
	if pgErr != nil {
		Skip(t, "PostgreSQL is not reachable at "+base+": "+pgErr.Error())
	}
	return base
}

// PostgresURL creates a fresh schema on the test server and returns a URL
// whose connections use it; the schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := postgresReachable(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if os.Getenv("SYNAPSE_TEST_KEEP_SCHEMA") != "" {
			// Kept to be looked at (EXPLAIN a benchmark's queries); drop
			// it by hand.
			t.Logf("schema %s kept (SYNAPSE_TEST_KEEP_SCHEMA)", schema)
			return
		}
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// PostgresDatabaseURL creates a fresh database (not just a schema) on the
// test server and returns its URL; it is dropped when the test ends. For
// components whose schema checks ignore the search path (whatsmeow's asks
// information_schema for table names in every schema).
func PostgresDatabaseURL(t testing.TB) string {
	t.Helper()
	base := postgresReachable(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// SQLitePath returns a database file path in a fresh temporary directory.
func SQLitePath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "synapse.db")
}

// Dialects are the databases every store test runs against.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// Open returns a migrated store of the given dialect, closed when the test
// ends.
func Open(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	s := OpenUnmigrated(t, d, store.Options{})
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// OpenUnmigrated returns an empty store of the given dialect.
func OpenUnmigrated(t testing.TB, d store.Dialect, opts store.Options) *store.Store {
	t.Helper()
	var s *store.Store
	var err error
	switch d {
	case store.SQLite:
		s, err = store.OpenSQLite(SQLitePath(t), opts)
	case store.Postgres:
		s, err = store.OpenPostgres(PostgresURL(t), opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Each runs fn as a subtest against a fresh migrated store of every dialect.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}
