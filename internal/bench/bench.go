// Package bench measures Synapse: ingest throughput, realtime latency, query
// latency and memory per session. `synapse bench` runs these and prints
// results; docs/PERFORMANCE.md records them with their commands.
package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/synapse-kb/synapse/internal/ingest"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// Env is where a benchmark runs: a database (empty DatabaseURL: a fresh
// SQLite file under Dir) and a scratch directory.
type Env struct {
	DatabaseURL string
	Dir         string
	Out         io.Writer
	Log         *slog.Logger
	dropSchemas *[]string
}

// NewEnv returns an Env; call Cleanup when done.
func NewEnv(databaseURL, dir string, out io.Writer, log *slog.Logger) Env {
	return Env{DatabaseURL: databaseURL, Dir: dir, Out: out, Log: log, dropSchemas: new([]string)}
}

func (e Env) openStore(ctx context.Context) (*store.Store, error) {
	var s *store.Store
	var err error
	if e.DatabaseURL != "" {
		url, err := e.scratchSchema(ctx)
		if err != nil {
			return nil, err
		}
		s, err = store.OpenPostgres(url, store.Options{MaxConns: 16})
		if err != nil {
			return nil, err
		}
	} else {
		s, err = store.OpenSQLite(filepath.Join(e.Dir, "bench.db"), store.Options{})
	}
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// scratchSchema creates an empty schema for one run on the PostgreSQL
// server, dropped by Env.Cleanup, and returns a URL that uses it.
func (e Env) scratchSchema(ctx context.Context) (string, error) {
	db, err := sql.Open("pgx", e.DatabaseURL)
	if err != nil {
		return "", err
	}
	defer db.Close()
	name := fmt.Sprintf("synapse_bench_%d", time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", fmt.Errorf("create scratch schema: %w", err)
	}
	*e.dropSchemas = append(*e.dropSchemas, name)
	u, err := url.Parse(e.DatabaseURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Cleanup drops the scratch schemas a run made.
func (e Env) Cleanup() {
	if e.dropSchemas == nil || len(*e.dropSchemas) == 0 {
		return
	}
	db, err := sql.Open("pgx", e.DatabaseURL)
	if err != nil {
		return
	}
	defer db.Close()
	for _, name := range *e.dropSchemas {
		_, _ = db.Exec("DROP SCHEMA " + name + " CASCADE")
	}
	*e.dropSchemas = nil
}

func (e Env) printf(format string, args ...any) {
	fmt.Fprintf(e.Out, format, args...)
}

// stack is a store, sim engine, ingester and sessions wired as in
// serve, without HTTP.
type stack struct {
	store *store.Store
	sim   *sim.Engine
	ing   *ingest.Ingester
	m     *sessions.Manager
	hub   *realtime.Hub
}

func (e Env) newStack(ctx context.Context) (*stack, error) {
	s, err := e.openStore(ctx)
	if err != nil {
		return nil, err
	}
	log := e.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	eng, err := sim.New(sim.Options{Dir: filepath.Join(e.Dir, "sim"), Log: log})
	if err != nil {
		s.Close()
		return nil, err
	}
	hub := realtime.NewHub(4096, log)
	ing := ingest.New(ingest.Options{Store: s, Publisher: hub, Log: log})
	ing.Start()
	m := sessions.New(sessions.Options{Engine: eng, Store: s, Sink: ing, Publisher: hub, Log: log, QRWait: time.Minute})
	return &stack{store: s, sim: eng, ing: ing, m: m, hub: hub}, nil
}

func (st *stack) close() {
	st.m.Close()
	st.ing.Close()
	st.sim.Close()
	st.store.Close()
}

// pairUsers creates n users and pairs each one's simulated phone.
func (st *stack) pairUsers(ctx context.Context, n int) ([]string, error) {
	return st.pairUsersFrom(ctx, 0, n)
}

// pairUsersFrom is pairUsers numbering users from first.
func (st *stack) pairUsersFrom(ctx context.Context, first, n int) ([]string, error) {
	users := make([]string, n)
	for j := range n {
		i := first + j
		u, err := st.store.CreateUser(ctx, store.User{Email: fmt.Sprintf("bench%06d@example.com", i), Name: "bench", PasswordHash: "x"})
		if err != nil {
			return nil, err
		}
		users[j] = u.ID
		q, err := st.m.QR(ctx, u.ID, false)
		if err != nil {
			return nil, fmt.Errorf("pair %d: %w", i, err)
		}
		sid, _ := st.m.SessionID(ctx, u.ID)
		if _, err := st.sim.Scan(sid, sim.ScanOptions{Code: q.Raw, Phone: fmt.Sprintf("1555%07d", i)}); err != nil {
			return nil, fmt.Errorf("scan %d: %w", i, err)
		}
	}
	for _, u := range users {
		if err := st.waitWorking(ctx, u); err != nil {
			return nil, err
		}
	}
	return users, nil
}

func (st *stack) waitWorking(ctx context.Context, userID string) error {
	for {
		s, err := st.m.Status(ctx, userID)
		if err != nil {
			return err
		}
		if s.Status == whatsapp.StatusWorking {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// percentiles returns p50, p99 and max of ds.
func percentiles(ds []time.Duration) (p50, p99, maxd time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	return at(0.50), at(0.99), ds[len(ds)-1]
}

// CPUProfile writes a CPU profile to path until the returned stop is
// called; an empty path profiles nothing.
func CPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// TempDir makes a scratch directory for a run.
func TempDir() (string, func(), error) {
	dir, err := os.MkdirTemp("", "synapse-bench-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
