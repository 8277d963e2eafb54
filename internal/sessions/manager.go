// Package sessions is the session state machine of one process: one
// WhatsApp session per user, each with its status, QR code and live engine
// client. Manager implements whatsapp.Sessions for a single process; in a
// cluster, internal/cluster wraps it in a router that runs each operation on
// the node that holds the session's lease, which the Manager takes through
// the narrow Leases interface. The Manager never knows which engine it
// drives, nor whether other nodes exist.
package sessions

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Store is the persistence the manager needs.
type Store interface {
	EnsureSession(ctx context.Context, userID, newID string) (store.Session, error)
	SessionByUser(ctx context.Context, userID string) (store.Session, error)
	SaveSessionStates(ctx context.Context, updates []store.SessionStateUpdate) error
	SessionsToRestore(ctx context.Context) ([]store.Session, error)
}

// Sink stores what sessions receive (the ingester).
type Sink interface {
	// Ingest returns once msgs are durable.
	Ingest(ctx context.Context, userID string, msgs []whatsapp.Message) error
	UpsertChats(ctx context.Context, userID string, chats []whatsapp.Chat) error
}

// Options configure a Manager.
type Options struct {
	Engine    whatsapp.Engine
	Store     Store
	Sink      Sink
	Publisher realtime.Publisher
	Log       *slog.Logger
	// RestoreRate is how many sessions per second Restore reconnects; 0
	// lifts the ceiling. Each start is also delayed by a random jitter of up
	// to one interval, so that nodes restarting together do not align.
	RestoreRate float64
	// QRWait is how long QR waits for a code after starting (default 20 s).
	QRWait time.Duration
	// BackoffMin and BackoffMax bound the jittered exponential back-off
	// between failed connection attempts (defaults 2 s and 5 min).
	BackoffMin, BackoffMax time.Duration
	// Metrics, when set, receives the synapse_sessions gauge.
	Metrics prometheus.Registerer
	Now     func() time.Time
	// Leases, when set, decides which node of a cluster runs each session;
	// nil means this process runs them all.
	Leases Leases
	// SharesPresence reports whether a person turned presence sharing on:
	// their session then says "online" when it connects. Nil: nobody.
	SharesPresence func(ctx context.Context, userID string) bool
}

// Manager owns one session per user and drives the engine. All methods are
// safe for concurrent use; after Close, none starts anything.
type Manager struct {
	o      Options
	leases Leases
	mu     sync.Mutex
	byUser map[string]*session
	closed atomic.Bool
	once   sync.Once
	gauge  [5]atomic.Int64 // loaded sessions per status; see transition

	// life ends at Close: it bounds connection attempts and wakes
	// goroutines that wait, so that Close can join them (tasks).
	life  context.Context
	end   context.CancelFunc
	tasks tasks

	// State changes are recorded by a writer that exists only while some
	// are pending, many sessions' changes per transaction (a restart of a
	// thousand sessions is two thousand changes).
	writeMu sync.Mutex
	pending map[string]store.SessionStateUpdate // by session id; the latest wins
	writing bool
	written *sync.Cond
}

// session is one user's live state. It is kept small: a process holds tens
// of thousands of them, and an idle one owns no goroutine or timer.
type session struct {
	mu          sync.Mutex
	id, userID  string
	status      whatsapp.Status
	reason      string
	code        string    // reason code
	retryAt     time.Time // when a failed connection is retried
	want        bool      // WantRunning as stored
	me          whatsapp.Account
	connectedAt time.Time
	history     *whatsapp.HistoryProgress // the last history progress reported
	qr          whatsapp.QR
	client      whatsapp.Client
	gen         uint32 // bumped whenever client is replaced; stale events are ignored
	attempts    uint8  // failed connection attempts in a row
	paired      bool   // paired in this process: list groups once connected
	retry       *time.Timer
	changed     chan struct{} // closed on the next change, when someone waits
}

var _ whatsapp.Sessions = (*Manager)(nil)

// New returns a manager; call Restore to bring back sessions that were
// running before a restart, and Close to stop.
func New(o Options) *Manager {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.QRWait <= 0 {
		o.QRWait = 20 * time.Second
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = 2 * time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 5 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Manager{o: o, leases: o.Leases, byUser: map[string]*session{}, pending: map[string]store.SessionStateUpdate{}}
	if m.leases == nil {
		m.leases = soleNode{}
	}
	m.life, m.end = context.WithCancel(context.Background())
	m.tasks.idle = sync.NewCond(&m.tasks.mu)
	m.written = sync.NewCond(&m.writeMu)
	if o.Metrics != nil {
		m.registerGauge(o.Metrics)
	}
	return m
}

// Engine returns the engine the manager drives.
func (m *Manager) Engine() whatsapp.Engine { return m.o.Engine }

// session returns the user's live session, loading (or creating) its row.
func (m *Manager) session(ctx context.Context, userID string) (*session, error) {
	if m.closed.Load() {
		return nil, whatsapp.ErrClosed
	}
	m.mu.Lock()
	s := m.byUser[userID]
	m.mu.Unlock()
	if s != nil {
		return s, nil
	}
	row, err := m.o.Store.EnsureSession(ctx, userID, store.NewSecretID())
	if err != nil {
		return nil, err
	}
	s = &session{id: row.ID, userID: userID, status: whatsapp.StatusStopped, want: row.WantRunning,
		me: whatsapp.Account{JID: row.JID, PushName: row.PushName}}
	// A stored status of a running state is stale: nothing runs until
	// started or restored.
	if !whatsapp.Status(row.Status).Running() {
		s.reason = row.Reason
		if whatsapp.Status(row.Status) == whatsapp.StatusFailed {
			s.status = whatsapp.StatusFailed
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev := m.byUser[userID]; prev != nil {
		return prev, nil
	}
	m.byUser[userID] = s
	m.enter(s)
	return s, nil
}

// all returns every loaded session.
func (m *Manager) all() []*session {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*session, 0, len(m.byUser))
	for _, s := range m.byUser {
		out = append(out, s)
	}
	return out
}

func (m *Manager) logger(s *session) *slog.Logger {
	return m.o.Log.With("user_id", s.userID, "session_id", s.id)
}

// state returns the API view. Callers hold s.mu.
func (s *session) state(engine string) whatsapp.State {
	st := whatsapp.State{Status: s.status, Reason: s.reason, ReasonCode: s.code, SessionID: s.id, Engine: engine}
	if !s.retryAt.IsZero() {
		t := s.retryAt
		st.RetryAt = &t
	}
	if s.me.JID != "" && (s.status == whatsapp.StatusWorking || s.status == whatsapp.StatusStarting) {
		me := s.me
		st.Me = &me
	}
	if s.status == whatsapp.StatusWorking && !s.connectedAt.IsZero() {
		t := s.connectedAt
		st.ConnectedAt = &t
	}
	if s.history != nil {
		h := *s.history
		st.History = &h
	}
	return st
}

// notify wakes everyone waiting for this session to change. Callers hold s.mu.
func (s *session) notify() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// waitChan returns a channel closed at the session's next change. Callers
// hold s.mu.
func (s *session) waitChan() <-chan struct{} {
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// dropClient detaches the current client so that its later events are
// ignored, and returns it. Callers hold s.mu.
func (s *session) dropClient() whatsapp.Client {
	c := s.client
	s.client = nil
	s.gen++
	s.attempts = 0
	if s.retry != nil {
		s.retry.Stop()
		s.retry = nil
	}
	return c
}

// Live returns the live state of every session this process has loaded, by
// user id. For administrators.
func (m *Manager) Live() map[string]whatsapp.State {
	all := m.all()
	out := make(map[string]whatsapp.State, len(all))
	for _, s := range all {
		s.mu.Lock()
		out[s.userID] = s.state(m.o.Engine.Name())
		s.mu.Unlock()
	}
	return out
}
