package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
)

// ErrAlreadyRunning means another synapse serve uses the same data
// directory or database. Sessions are owned by one process: two would
// connect every WhatsApp session twice and fight over it.
var ErrAlreadyRunning = errors.New("another synapse serve is already running against this data directory or database; one process per database is supported")

// instanceLock is held for the life of a serving process: an exclusive
// lock on a file in the data directory and, on PostgreSQL, a session-level
// advisory lock on a dedicated connection. Both go away with the process,
// however it ends.
type instanceLock struct {
	file *os.File
	conn *sql.Conn
}

// instanceLockKey is the first half of the PostgreSQL advisory lock key of a
// serving process; the second is a hash of the schema.
const instanceLockKey = 0x53796e53 // "SynS"

func acquireInstanceLock(ctx context.Context, dataDir string, st *store.Store) (*instanceLock, error) {
	f, err := os.OpenFile(filepath.Join(dataDir, "synapse.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrAlreadyRunning
		}
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	l := &instanceLock{file: f}
	if st.Dialect() == store.Postgres {
		conn, err := st.DB().Conn(ctx)
		if err != nil {
			l.release()
			return nil, fmt.Errorf("lock database: %w", err)
		}
		// The lock is per schema (several Synapses may share a database in
		// different schemas). A process that just died may still hold it
		// until the server notices its connection is gone: wait a little.
		var ok bool
		deadline := time.Now().Add(15 * time.Second)
		for {
			err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema()))`, instanceLockKey).Scan(&ok)
			if err != nil {
				conn.Close()
				l.release()
				return nil, fmt.Errorf("lock database: %w", err)
			}
			if ok || time.Now().After(deadline) {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		if !ok {
			conn.Close()
			l.release()
			return nil, ErrAlreadyRunning
		}
		l.conn = conn
	}
	return l, nil
}

func (l *instanceLock) release() {
	if l.conn != nil {
		_, _ = l.conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, instanceLockKey)
		l.conn.Close()
	}
	if l.file != nil {
		_ = syscall.Flock(int(l.file.Fd()), syscall.LOCK_UN)
		l.file.Close()
	}
}
