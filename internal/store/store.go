// Package store is Synapse's system of record: users, tokens, WhatsApp
// sessions, chats and messages, on SQLite (the embedded default) or
// PostgreSQL. It is plain SQL over database/sql; every method on data a user
// owns takes that user's id and treats another user's row as not found.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"               // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect is the SQL database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is safe for concurrent use.
type Store struct {
	dialect Dialect
	// messageWindows replace messageProbe and messageWindow when set
	// (tests).
	messageWindows [2]int
	// w takes every write. On SQLite it is a single connection, so writers
	// queue in Go instead of failing with SQLITE_BUSY (the PocketBase
	// "non-concurrent DB" pattern); River shares it.
	w *sql.DB
	// r serves reads. On SQLite it is a separate read-only pool, which WAL
	// lets run beside the writer; on PostgreSQL it is the same pool as w.
	r   *sql.DB
	now func() time.Time
}

// Options tune Open. The zero value is fine.
type Options struct {
	// MaxReaders bounds SQLite's read pool (default 8).
	MaxReaders int
	// MaxConns bounds PostgreSQL's pool (default 32).
	MaxConns int
	// Now replaces the clock (tests).
	Now func() time.Time
}

// OpenSQLite opens (creating if needed) the SQLite database at path.
func OpenSQLite(path string, opts Options) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create database directory: %w", err)
	}
	// The database holds password hashes and WhatsApp device keys: only
	// the owner may read it, whatever the directory allows. SQLite creates
	// its -wal and -shm files with the database file's mode.
	if err := restrictSQLiteFiles(path, true); err != nil {
		return nil, err
	}
	// All SQLite settings live here:
	//  - WAL lets readers run beside the single writer;
	//  - synchronous(FULL) makes a commit durable before it returns, even
	//    across power loss: a message is acknowledged to WhatsApp only after
	//    that (group commit keeps the fsync cost per batch, not per message);
	//  - busy_timeout covers other processes (synapse migrate, user add)
	//    touching the file;
	//  - foreign_keys gives ON DELETE CASCADE from users;
	//  - _txlock=immediate takes the write lock at BEGIN, so a transaction
	//    never fails half-way on lock upgrade.
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)"
	w, err := sql.Open("sqlite", base+"&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Readers map the database file (up to 1 GiB of it) instead of
	// copying each page they read through a read call into a private
	// cache of 2 MB: a search reading a few thousand messages scattered
	// over the file took 27 ms, 10 ms mapped. The mapped pages are the
	// operating system's file cache, shared by every connection, and count
	// in the process's resident memory while they are in it.
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)&_pragma=mmap_size(1073741824)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	n := opts.MaxReaders
	if n <= 0 {
		n = 8
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s := &Store{dialect: SQLite, w: w, r: r, now: opts.Now}
	if err := s.ping(); err != nil {
		s.Close()
		return nil, err
	}
	if err := restrictSQLiteFiles(path, false); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// restrictSQLiteFiles makes the database at path and its companion files
// readable and writable by their owner alone: it creates the database file
// with mode 0600 when create is set and it does not exist, and takes group
// and other permissions away from any of them that has some (a database
// made by an older version, or copied in).
func restrictSQLiteFiles(path string, create bool) error {
	if create {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
		} else if !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("store: create database file: %w", err)
		}
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&^0o077); err != nil {
				return fmt.Errorf("store: restrict permissions of %s: %w", filepath.Base(p), err)
			}
		}
	}
	return nil
}

// OpenPostgres connects to PostgreSQL at dsn (postgres://…).
func OpenPostgres(dsn string, opts Options) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 32
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{dialect: Postgres, w: db, r: db, now: opts.Now}
	if err := s.ping(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("store: connect to %s: %w", s.dialect, err)
	}
	return nil
}

// Close closes the pools.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		if rerr := s.r.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// Dialect reports which database this is.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB is the write pool (and, on PostgreSQL, the only pool), for components
// that keep their own tables in the same database: River and the whatsmeow
// device store.
func (s *Store) DB() *sql.DB { return s.w }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

func (s *Store) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// InTx runs fn in a write transaction, committing if it returns nil. Other
// packages use WithTx, whose Tx also offers the Store's write methods.
func (s *Store) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		// A panic in fn must not leave the transaction (on SQLite, the one
		// write connection) open.
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// placeholders appends a row of n bind parameters, numbered from first+1,
// in the dialect's syntax: "(?,?,…)" on SQLite, whose named-parameter
// lookup is quadratic in a statement's parameter count, and "($1,$2,…)" on
// PostgreSQL.
func (s *Store) placeholders(b *strings.Builder, first, n int) {
	b.WriteByte('(')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if s.dialect == SQLite {
			b.WriteByte('?')
		} else {
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(first + i + 1))
		}
	}
	b.WriteByte(')')
}

// ms converts a time to the unix milliseconds stored in the database.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts stored unix milliseconds back; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func nullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

func toNullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new 26-character id that sorts by creation time
// (48 bits of milliseconds, then 80 random bits).
func NewID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err)
	}
	return idEncoding.EncodeToString(b[:])
}

// NewSecretID returns a new 26-character id made of 128 random bits, for ids
// that must be unguessable (sessions).
func NewSecretID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return idEncoding.EncodeToString(b[:])
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either database.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || lite.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// isForeignKeyViolation reports whether err is a foreign-key failure (the
// referenced user is gone).
func isForeignKeyViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23503"
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
