package meow

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"go.mau.fi/util/dbutil"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/store/sqlstore/upgrades"
	"go.mau.fi/whatsmeow/types"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Options configure the engine.
type Options struct {
	// DB is the Synapse database. whatsmeow's device store lives in it
	// (tables whatsmeow_*, version line whatsmeow_version), beside the
	// engine's own table (synapse_meow_sessions, version line
	// synapse_meow_version). For SQLite see the package doc for the pool it
	// needs.
	DB *sql.DB
	// Dialect is "sqlite" or "postgres".
	Dialect string
	// Log is the engine's logger; sessions log through SessionRef.Log.
	Log *slog.Logger
	// MaxMediaBytes caps every Download, whatever limit the caller passes
	// (default 100 MiB).
	MaxMediaBytes int64
	// Simulator, when set, sends all WhatsApp traffic to a simulator
	// (internal/wasim) instead of WhatsApp. Only for tests, demos and
	// benchmarks; the engine logs a loud warning.
	Simulator *Simulator
	// ReconnectMin and ReconnectMax bound the jittered exponential back-off
	// between reconnection attempts after a lost connection (defaults 2 s
	// and 5 min).
	ReconnectMin, ReconnectMax time.Duration
	// HistoryDays is how far back the history a phone sends a newly linked
	// device is imported (messages older than that are skipped); 0 imports
	// none.
	HistoryDays int
}

// Simulator names a fake WhatsApp server to connect to instead of WhatsApp.
type Simulator struct {
	// Addr is the simulator's host:port; every TLS dial (chat websocket,
	// media host) goes there as plain TCP.
	Addr string
	// RootPublicKey is the simulator's certificate root. It replaces
	// whatsmeow.WACertPubKey, which is global: one process can trust one
	// simulator root.
	RootPublicKey [32]byte
}

type dialect int

const (
	sqlite dialect = iota
	postgres
)

// Engine is the whatsmeow engine: one whatsmeow client per session, device
// keys in the Synapse database. It is safe for concurrent use.
type Engine struct {
	o         Options
	d         dialect
	container *deviceContainer
	sockets   *http.Client // pre-login and websocket connections, shared by all sessions
	media     *http.Client // media downloads, with the per-call size limit
}

var _ whatsapp.Engine = (*Engine)(nil)

var (
	certMu   sync.Mutex
	certRoot *[32]byte // the simulator root set into whatsmeow.WACertPubKey, if any
)

// New opens the device store (migrating whatsmeow's tables and the
// engine's own) and returns the engine.
func New(o Options) (*Engine, error) {
	if o.DB == nil {
		return nil, errors.New("meow: Options.DB is required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxMediaBytes <= 0 {
		o.MaxMediaBytes = 100 << 20
	}
	if o.ReconnectMin <= 0 {
		o.ReconnectMin = 2 * time.Second
	}
	if o.ReconnectMax <= 0 {
		o.ReconnectMax = 5 * time.Minute
	}
	if o.ReconnectMax < o.ReconnectMin {
		o.ReconnectMax = o.ReconnectMin
	}
	e := &Engine{o: o}
	var waDialect string
	switch o.Dialect {
	case "sqlite", "sqlite3":
		e.d, waDialect = sqlite, "sqlite3"
	case "postgres", "postgresql", "pgx":
		e.d, waDialect = postgres, "postgres"
	default:
		return nil, fmt.Errorf("meow: unknown dialect %q (want sqlite or postgres)", o.Dialect)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wrapped, err := dbutil.NewWithDB(o.DB, waDialect)
	if err != nil {
		return nil, fmt.Errorf("meow: whatsmeow store: %w", err)
	}
	wrapped.UpgradeTable = upgrades.Table
	wrapped.VersionTable = "whatsmeow_version"
	e.container = &deviceContainer{
		Container: sqlstore.NewWithWrappedDB(wrapped, newWALogger(o.Log.With("component", "whatsmeow-store"))),
		db:        wrapped,
	}
	if e.d == postgres {
		// whatsmeow's upgrade asks information_schema whether its version
		// table exists in any schema of the database; another schema's
		// would make it skip creating ours. Create it here, in the schema
		// the connection uses, exactly as the upgrade would.
		if _, err := o.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS whatsmeow_version (version INTEGER, compat INTEGER)`); err != nil {
			return nil, fmt.Errorf("meow: prepare whatsmeow store: %w", err)
		}
	}
	if err := e.container.Upgrade(ctx); err != nil {
		return nil, fmt.Errorf("meow: upgrade whatsmeow store: %w", err)
	}
	if err := migrate(ctx, o.DB, e.d); err != nil {
		return nil, err
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	if s := o.Simulator; s != nil {
		if err := trustSimulatorRoot(s.RootPublicKey); err != nil {
			return nil, err
		}
		dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", s.Addr)
		}
		transport = &http.Transport{DialContext: dial, DialTLSContext: dial, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}
		o.Log.Warn("WHATSAPP SIMULATOR IN USE: all WhatsApp traffic goes to a fake server, not to WhatsApp; no real account can connect",
			"simulator", s.Addr, "root_public_key", base64.StdEncoding.EncodeToString(s.RootPublicKey[:]))
	}
	e.sockets = &http.Client{Transport: transport}
	e.media = &http.Client{Transport: &limitTransport{base: transport}}
	return e, nil
}

// trustSimulatorRoot sets whatsmeow.WACertPubKey once per process, before
// any client connects.
func trustSimulatorRoot(root [32]byte) error {
	certMu.Lock()
	defer certMu.Unlock()
	if certRoot != nil {
		if *certRoot != root {
			return errors.New("meow: this process already trusts another simulator root (whatsmeow.WACertPubKey is global)")
		}
		return nil
	}
	whatsmeow.WACertPubKey = root
	certRoot = &root
	return nil
}

// Name implements whatsapp.Engine.
func (e *Engine) Name() string { return "whatsmeow" }

// SupportsPairCode implements whatsapp.Engine.
func (e *Engine) SupportsPairCode() bool { return true }

// NewClient implements whatsapp.Engine. The client holds no connection and
// no goroutine until Connect.
func (e *Engine) NewClient(_ context.Context, s whatsapp.SessionRef, h whatsapp.Handler) (whatsapp.Client, error) {
	if s.ID == "" {
		return nil, errors.New("meow: session id is required")
	}
	log := s.Log
	if log == nil {
		log = e.o.Log.With("session_id", s.ID)
	}
	return &client{e: e, id: s.ID, h: h, log: log}, nil
}

// backoff returns the delay before reconnection attempt n (1-based):
// exponential from ReconnectMin, capped at ReconnectMax, half of it random.
func (e *Engine) backoff(n int) time.Duration {
	d := e.o.ReconnectMin << min(n-1, 20)
	if d > e.o.ReconnectMax || d <= 0 {
		d = e.o.ReconnectMax
	}
	return d/2 + rand.N(d/2+1)
}

// newWAClient makes a whatsmeow client for dev with Synapse's settings.
func (e *Engine) newWAClient(dev *store.Device, log *slog.Logger) *whatsmeow.Client {
	e.container.adopt(dev)
	cli := whatsmeow.NewClient(dev, newWALogger(log))
	cli.SetPreLoginHTTPClient(e.sockets)
	cli.SetWebsocketHTTPClient(e.sockets)
	cli.SetMediaHTTPClient(e.media)
	// Acks only after the handler has stored the message; a failed handler
	// leaves the message unacknowledged, and the decrypted-event buffer
	// keeps its plaintext so that WhatsApp's redelivery can be decrypted
	// again (the Signal ratchet has moved on).
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	// History sync notifications come to the handler as messages, so that
	// one is acknowledged only once its history is stored (history.go).
	cli.ManualHistorySyncDownload = true
	cli.DisableManualHistorySyncReceipt = true
	// Reconnection is the engine's, with jittered exponential back-off.
	cli.EnableAutoReconnect = false
	return cli
}

// deviceJID returns the device JID stored for a session.
func (e *Engine) deviceJID(ctx context.Context, sessionID string) (types.JID, bool, error) {
	var s string
	err := e.o.DB.QueryRowContext(ctx, `SELECT device_jid FROM synapse_meow_sessions WHERE session_id = $1`, sessionID).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return types.JID{}, false, nil
	} else if err != nil {
		return types.JID{}, false, fmt.Errorf("meow: read session device: %w", err)
	}
	jid, err := types.ParseJID(s)
	if err != nil {
		return types.JID{}, false, fmt.Errorf("meow: stored device JID %q: %w", s, err)
	}
	return jid, true, nil
}

// storedDevice returns the session's paired device, or nil.
func (e *Engine) storedDevice(ctx context.Context, sessionID string) (*store.Device, error) {
	jid, ok, err := e.deviceJID(ctx, sessionID)
	if err != nil || !ok {
		return nil, err
	}
	dev, err := e.container.GetDevice(ctx, jid)
	if err != nil {
		return nil, fmt.Errorf("meow: load device: %w", err)
	}
	return dev, nil
}

func (e *Engine) saveDeviceJID(ctx context.Context, sessionID string, jid types.JID) error {
	_, err := e.o.DB.ExecContext(ctx, `INSERT INTO synapse_meow_sessions (session_id, device_jid, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (session_id) DO UPDATE SET device_jid = excluded.device_jid, created_at = excluded.created_at`,
		sessionID, jid.String(), time.Now().Unix())
	if err != nil {
		return fmt.Errorf("meow: save session device: %w", err)
	}
	return nil
}

func (e *Engine) forgetDevice(ctx context.Context, sessionID string) error {
	if _, err := e.o.DB.ExecContext(ctx, `DELETE FROM synapse_meow_sessions WHERE session_id = $1`, sessionID); err != nil {
		return fmt.Errorf("meow: forget session device: %w", err)
	}
	if _, err := e.o.DB.ExecContext(ctx, `DELETE FROM synapse_meow_history WHERE session_id = $1`, sessionID); err != nil {
		return fmt.Errorf("meow: forget session history: %w", err)
	}
	return nil
}
