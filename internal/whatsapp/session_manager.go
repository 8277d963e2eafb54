package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/store"
)

// SessionStore is the persistence the manager needs.
type SessionStore interface {
	EnsureSession(ctx context.Context, userID, newID string) (store.Session, error)
	SessionByUser(ctx context.Context, userID string) (store.Session, error)
	SaveSessionStates(ctx context.Context, updates []store.SessionStateUpdate) error
	SessionsToRestore(ctx context.Context) ([]store.Session, error)
}

// MessageSink stores what sessions receive (the ingester).
type MessageSink interface {
	// Ingest returns once msgs are durable.
	Ingest(ctx context.Context, userID string, msgs []Message) error
	UpsertChats(ctx context.Context, userID string, chats []Chat) error
}

// ManagerOptions configure a Manager.
type ManagerOptions struct {
	Engine    Engine
	Store     SessionStore
	Sink      MessageSink
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
	Metrics                prometheus.Registerer
	Now                    func() time.Time
	// Cluster, when set, shares sessions among the nodes of one database;
	// nil means this process owns them all.
	Cluster Cluster
}

// Manager owns one session per user and drives the engine. All methods are
// safe for concurrent use.
type Manager struct {
	o      ManagerOptions
	mu     sync.Mutex
	byUser map[string]*session
	closed atomic.Bool
	counts [5]atomic.Int64 // live sessions per status, for metrics

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
	status      Status
	reason      string
	want        bool // WantRunning as stored
	me          Account
	connectedAt time.Time
	qr          QR
	client      Client
	gen         uint32 // bumped whenever client is replaced; stale events are ignored
	attempts    uint8  // failed connection attempts in a row
	paired      bool   // paired in this process: list groups once connected
	retry       *time.Timer
	changed     chan struct{} // closed on the next change, when someone waits
}

// State is a session's status as the API shows it.
type State struct {
	Status      Status     `json:"status"`
	Reason      string     `json:"reason,omitempty"`
	SessionID   string     `json:"sessionId"`
	Me          *Account   `json:"me,omitempty"`
	ConnectedAt *time.Time `json:"connectedAt,omitempty"`
	Engine      string     `json:"engine"`
}

// NewManager returns a manager; call Restore to bring back sessions that
// were running before a restart.
func NewManager(o ManagerOptions) *Manager {
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
	m := &Manager{o: o, byUser: map[string]*session{}, pending: map[string]store.SessionStateUpdate{}}
	m.written = sync.NewCond(&m.writeMu)
	if o.Metrics != nil {
		for i, st := range []Status{StatusStopped, StatusStarting, StatusScanQR, StatusWorking, StatusFailed} {
			c := &m.counts[i]
			o.Metrics.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "synapse_sessions", Help: "Live WhatsApp sessions by status.", ConstLabels: prometheus.Labels{"status": string(st)},
			}, func() float64 { return float64(c.Load()) }))
		}
	}
	return m
}

func statusIndex(s Status) int {
	switch s {
	case StatusStarting:
		return 1
	case StatusScanQR:
		return 2
	case StatusWorking:
		return 3
	case StatusFailed:
		return 4
	}
	return 0
}

// Engine returns the engine the manager drives.
func (m *Manager) Engine() Engine { return m.o.Engine }

// session returns the user's live session, loading (or creating) its row.
func (m *Manager) session(ctx context.Context, userID string) (*session, error) {
	if m.closed.Load() {
		return nil, ErrClosed
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
	s = &session{id: row.ID, userID: userID, status: StatusStopped, want: row.WantRunning,
		me: Account{JID: row.JID, PushName: row.PushName}}
	// A stored status of a running state is stale: nothing runs until
	// started or restored.
	if !Status(row.Status).Running() {
		s.reason = row.Reason
		if Status(row.Status) == StatusFailed {
			s.status = StatusFailed
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev := m.byUser[userID]; prev != nil {
		return prev, nil
	}
	m.byUser[userID] = s
	m.counts[statusIndex(s.status)].Add(1)
	return s, nil
}

func (m *Manager) logger(s *session) *slog.Logger {
	return m.o.Log.With("user_id", s.userID, "session_id", s.id)
}

// state returns the API view. Callers hold s.mu.
func (s *session) state(engine string) State {
	st := State{Status: s.status, Reason: s.reason, SessionID: s.id, Engine: engine}
	if s.me.JID != "" && (s.status == StatusWorking || s.status == StatusStarting) {
		me := s.me
		st.Me = &me
	}
	if s.status == StatusWorking && !s.connectedAt.IsZero() {
		t := s.connectedAt
		st.ConnectedAt = &t
	}
	return st
}

// setStatus changes status and reason, persists them and notifies the user.
// Callers hold s.mu.
func (m *Manager) setStatus(s *session, st Status, reason string) {
	if st != s.status {
		m.counts[statusIndex(s.status)].Add(-1)
		m.counts[statusIndex(st)].Add(1)
	}
	s.status, s.reason = st, reason
	if st != StatusScanQR {
		s.qr = QR{}
	}
	if !m.closed.Load() {
		m.record(store.SessionStateUpdate{UserID: s.userID, SessionID: s.id, State: store.SessionState{
			Status: string(st), Reason: reason, WantRunning: s.want, JID: s.me.JID, PushName: s.me.PushName, ConnectedAt: s.connectedAt,
		}})
		m.publish(s.userID, realtime.TypeSessionStatus, s.state(m.o.Engine.Name()))
	}
	s.notify()
}

// record queues a session's state to be written, starting the writer if
// none runs.
func (m *Manager) record(u store.SessionStateUpdate) {
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	m.pending[u.SessionID] = u
	if !m.writing {
		m.writing = true
		go m.writeStates()
	}
}

// writeStates writes pending states until there are none.
func (m *Manager) writeStates() {
	for {
		m.writeMu.Lock()
		if len(m.pending) == 0 {
			m.writing = false
			m.written.Broadcast()
			m.writeMu.Unlock()
			return
		}
		batch := make([]store.SessionStateUpdate, 0, len(m.pending))
		for _, u := range m.pending {
			batch = append(batch, u)
		}
		clear(m.pending)
		m.writeMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := m.o.Store.SaveSessionStates(ctx, batch); err != nil {
			m.o.Log.Error("save session states", "sessions", len(batch), "err", err)
		}
		cancel()
	}
}

// Flush waits until every state change so far is written.
func (m *Manager) Flush() {
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	for m.writing {
		m.written.Wait()
	}
}

func (m *Manager) publish(userID, typ string, data any) {
	if m.o.Publisher != nil {
		m.o.Publisher.Publish(userID, typ, data)
	}
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
func (s *session) dropClient() Client {
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

// Status returns the user's session state.
func (m *Manager) Status(ctx context.Context, userID string) (State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return State{}, err
	}
	if node := m.elsewhere(ctx, s); node != "" {
		st, err := m.forwardState(ctx, node, RemoteRequest{Op: OpStatus, UserID: userID})
		if err == nil || !errors.Is(err, ErrNodeUnavailable) {
			return st, err
		}
		// Its node is gone: answer from the database until another node
		// takes the session over.
		m.logger(s).Warn("the session's node cannot be reached; answering from the database", "node", node, "err", err)
	}
	if m.o.Cluster != nil {
		m.refresh(ctx, s)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state(m.o.Engine.Name()), nil
}

// refresh reloads a session that does not run here from the database: in a
// cluster, another node may have changed it since this one loaded it.
func (m *Manager) refresh(ctx context.Context, s *session) {
	m.Flush() // this node's own changes first
	row, err := m.o.Store.SessionByUser(ctx, s.userID)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return
	}
	st := Status(row.Status)
	if st.Running() {
		// Its node stopped; another takes it over within a lease.
		st, row.Reason = StatusStarting, "waiting for a node to take the session over"
	}
	if st != s.status {
		m.counts[statusIndex(s.status)].Add(-1)
		m.counts[statusIndex(st)].Add(1)
	}
	s.status, s.reason, s.want = st, row.Reason, row.WantRunning
	s.me = Account{JID: row.JID, PushName: row.PushName}
	s.connectedAt = time.Time{}
}

// SessionID returns the id of the user's session.
func (m *Manager) SessionID(ctx context.Context, userID string) (string, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return "", err
	}
	return s.id, nil
}

// Start connects the user's session: with a stored device it logs in,
// otherwise it starts pairing (QR codes follow as events). Starting a running
// session changes nothing.
func (m *Manager) Start(ctx context.Context, userID string) (State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return State{}, err
	}
	s.mu.Lock()
	if s.status.Running() && s.client != nil {
		defer s.mu.Unlock()
		return s.state(m.o.Engine.Name()), nil
	}
	err = m.launch(ctx, s, "")
	st := s.state(m.o.Engine.Name())
	s.mu.Unlock()
	if node := ownerOf(err); node != "" {
		return m.forwardState(ctx, node, RemoteRequest{Op: OpStart, UserID: userID})
	}
	return st, err
}

// ownerOf returns the node named by launch's ownedElsewhere error, or "".
func ownerOf(err error) string {
	var oe *ownedElsewhere
	if errors.As(err, &oe) {
		return oe.node
	}
	return ""
}

// launch creates a client and starts connecting it in the background.
// Callers hold s.mu.
func (m *Manager) launch(ctx context.Context, s *session, reason string) error {
	if m.closed.Load() {
		return ErrClosed
	}
	if err := m.claim(ctx, s); err != nil {
		return err
	}
	if old := s.dropClient(); old != nil {
		go old.Disconnect()
	}
	s.want = true
	c, err := m.o.Engine.NewClient(ctx, SessionRef{ID: s.id, UserID: s.userID, Log: m.logger(s)}, &sessionHandler{m: m, s: s, gen: s.gen})
	if err != nil {
		m.setStatus(s, StatusFailed, "cannot create client: "+err.Error())
		return fmt.Errorf("whatsapp: new client: %w", err)
	}
	s.client = c
	m.setStatus(s, StatusStarting, reason)
	go m.connect(s, c, s.gen)
	return nil
}

// connect runs one connection attempt; on failure it schedules the next with
// jittered exponential back-off.
func (m *Manager) connect(s *session, c Client, gen uint32) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	err := c.Connect(ctx)
	cancel()
	if err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen || m.closed.Load() {
		return
	}
	if s.attempts < 30 {
		s.attempts++
	}
	d := m.backoff(int(s.attempts))
	m.logger(s).Warn("connect failed; will retry", "err", err, "attempt", s.attempts, "retry_in", d.Round(time.Second))
	m.setStatus(s, StatusStarting, fmt.Sprintf("cannot connect (%v); retrying in %s", err, d.Round(time.Second)))
	s.retry = time.AfterFunc(d, func() {
		s.mu.Lock()
		ok := s.gen == gen && s.client == c
		s.retry = nil
		s.mu.Unlock()
		if ok {
			m.connect(s, c, gen)
		}
	})
}

// backoff returns the delay before attempt n (1-based): exponential from
// BackoffMin, capped at BackoffMax, with "equal jitter" (half fixed, half
// random) so that many sessions failing together spread out.
func (m *Manager) backoff(n int) time.Duration {
	d := m.o.BackoffMin << min(n-1, 20)
	if d > m.o.BackoffMax || d <= 0 {
		d = m.o.BackoffMax
	}
	return d/2 + rand.N(d/2+1)
}

// Stop disconnects the session and keeps its device, so that Start logs in
// again without a QR code.
func (m *Manager) Stop(ctx context.Context, userID string) (State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return State{}, err
	}
	if node := m.elsewhere(ctx, s); node != "" {
		return m.forwardState(ctx, node, RemoteRequest{Op: OpStop, UserID: userID})
	}
	s.mu.Lock()
	c := s.dropClient()
	s.want = false
	m.setStatus(s, StatusStopped, "stopped")
	st := s.state(m.o.Engine.Name())
	s.mu.Unlock()
	if c != nil {
		c.Disconnect()
	}
	m.release(s)
	return st, nil
}

// Restart stops the session and starts it again.
func (m *Manager) Restart(ctx context.Context, userID string) (State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return State{}, err
	}
	if node := m.elsewhere(ctx, s); node != "" {
		return m.forwardState(ctx, node, RemoteRequest{Op: OpRestart, UserID: userID})
	}
	s.mu.Lock()
	err = m.launch(ctx, s, "restarting")
	st := s.state(m.o.Engine.Name())
	s.mu.Unlock()
	if node := ownerOf(err); node != "" {
		return m.forwardState(ctx, node, RemoteRequest{Op: OpRestart, UserID: userID})
	}
	return st, err
}

// Logout unlinks the device from the phone, deletes it, and stops the
// session. The person can pair again afterwards.
func (m *Manager) Logout(ctx context.Context, userID string) (State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return State{}, err
	}
	if node := m.elsewhere(ctx, s); node != "" {
		return m.forwardState(ctx, node, RemoteRequest{Op: OpLogout, UserID: userID})
	}
	s.mu.Lock()
	c := s.dropClient()
	gen := s.gen
	s.mu.Unlock()
	if c == nil {
		c, err = m.o.Engine.NewClient(ctx, SessionRef{ID: s.id, UserID: s.userID, Log: m.logger(s)}, nopHandler{})
		if err != nil {
			return State{}, fmt.Errorf("whatsapp: logout: %w", err)
		}
	}
	if err := c.Logout(ctx); err != nil {
		m.logger(s).Warn("logout did not reach WhatsApp; the device was deleted locally", "err", err)
	}
	s.mu.Lock()
	if s.gen == gen {
		s.want = false
		s.me = Account{}
		s.connectedAt = time.Time{}
		m.setStatus(s, StatusStopped, "logged out")
	}
	st := s.state(m.o.Engine.Name())
	s.mu.Unlock()
	m.release(s)
	return st, nil
}

// QR returns the current pairing code, starting the session if it is not
// running and waiting up to QRWait for the first code. With force, a session
// that is pairing starts over with a fresh pairing. A logged-in session
// returns ErrAlreadyConnected.
func (m *Manager) QR(ctx context.Context, userID string, force bool) (QRCode, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return QRCode{}, err
	}
	if node := m.elsewhere(ctx, s); node != "" {
		return m.forwardQR(ctx, node, userID, force)
	}
	s.mu.Lock()
	switch {
	case s.status == StatusWorking && s.client != nil:
		s.mu.Unlock()
		return QRCode{}, ErrAlreadyConnected
	case force || !s.status.Running() || s.client == nil:
		if err := m.launch(ctx, s, ""); err != nil {
			s.mu.Unlock()
			if node := ownerOf(err); node != "" {
				return m.forwardQR(ctx, node, userID, force)
			}
			return QRCode{}, err
		}
	}
	s.mu.Unlock()
	return m.waitQR(ctx, s)
}

func (m *Manager) forwardQR(ctx context.Context, node, userID string, force bool) (QRCode, error) {
	resp, err := m.o.Cluster.Forward(ctx, node, RemoteRequest{Op: OpQR, UserID: userID, Force: force})
	if err != nil {
		return QRCode{}, err
	}
	if resp.QR == nil {
		return QRCode{}, fmt.Errorf("whatsapp: node %s answered qr without a code", node)
	}
	return *resp.QR, nil
}

func (m *Manager) waitQR(ctx context.Context, s *session) (QRCode, error) {
	timeout := time.NewTimer(m.o.QRWait)
	defer timeout.Stop()
	for {
		s.mu.Lock()
		switch {
		case s.status == StatusScanQR && s.qr.Code != "":
			q := QRCode{Raw: s.qr.Code, ExpiresAt: s.qr.ExpiresAt}
			s.mu.Unlock()
			return q.withImage()
		case s.status == StatusWorking:
			s.mu.Unlock()
			return QRCode{}, ErrAlreadyConnected
		case s.status == StatusStopped || s.status == StatusFailed:
			err := &StoppedError{Status: s.status, Reason: s.reason}
			s.mu.Unlock()
			return QRCode{}, err
		}
		ch := s.waitChan()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timeout.C:
			return QRCode{}, ErrQRNotReady
		case <-ctx.Done():
			return QRCode{}, ctx.Err()
		}
	}
}

// PairPhone starts pairing by phone number: it returns the code the person
// types on the phone. The session is started if needed.
func (m *Manager) PairPhone(ctx context.Context, userID, phone string) (string, error) {
	if !m.o.Engine.SupportsPairCode() {
		return "", ErrNotSupported
	}
	s, err := m.session(ctx, userID)
	if err != nil {
		return "", err
	}
	if node := m.elsewhere(ctx, s); node != "" {
		resp, err := m.o.Cluster.Forward(ctx, node, RemoteRequest{Op: OpPair, UserID: userID, Phone: phone})
		return resp.Code, err
	}
	if _, err := m.QR(ctx, userID, false); err != nil {
		return "", err
	}
	s.mu.Lock()
	c := s.client
	pairing := s.status == StatusScanQR
	s.mu.Unlock()
	if c == nil || !pairing {
		return "", ErrNotPairing
	}
	return c.PairPhone(ctx, phone)
}

// liveClient returns the client of a logged-in session.
func (m *Manager) liveClient(ctx context.Context, userID string) (Client, *session, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status != StatusWorking || s.client == nil {
		return nil, s, ErrNotConnected
	}
	return s.client, s, nil
}

// SendText sends a text from the user's account and stores it; it returns
// the message as stored.
func (m *Manager) SendText(ctx context.Context, userID, chatID, text string) (Message, error) {
	c, s, err := m.liveClient(ctx, userID)
	if errors.Is(err, ErrNotConnected) {
		if node := m.elsewhere(ctx, s); node != "" {
			resp, err := m.o.Cluster.Forward(ctx, node, RemoteRequest{Op: OpSend, UserID: userID, ChatID: chatID, Text: text})
			if err != nil {
				return Message{}, err
			}
			if resp.Message == nil {
				return Message{}, fmt.Errorf("whatsapp: node %s answered send without a message", node)
			}
			return *resp.Message, nil
		}
	}
	if err != nil {
		return Message{}, err
	}
	msg, err := c.SendText(ctx, chatID, text)
	if err != nil {
		return Message{}, err
	}
	if err := m.o.Sink.Ingest(ctx, userID, []Message{msg}); err != nil {
		return Message{}, fmt.Errorf("whatsapp: store sent message: %w", err)
	}
	return msg, nil
}

// Download fetches a message's media through the user's logged-in session.
func (m *Manager) Download(ctx context.Context, userID string, media *Media, maxBytes int64) ([]byte, error) {
	c, s, err := m.liveClient(ctx, userID)
	if errors.Is(err, ErrNotConnected) {
		if node := m.elsewhere(ctx, s); node != "" {
			resp, err := m.o.Cluster.Forward(ctx, node, RemoteRequest{Op: OpDownload, UserID: userID, Media: media, MaxBytes: maxBytes})
			return resp.Data, err
		}
	}
	if err != nil {
		return nil, err
	}
	return c.Download(ctx, media, maxBytes)
}

// Restore reconnects every session that was running (and logged in) before
// the process stopped, at most RestoreRate per second, each after a random
// jitter. It returns when all have been started or ctx ends.
func (m *Manager) Restore(ctx context.Context) (int, error) {
	rows, err := m.o.Store.SessionsToRestore(ctx)
	if err != nil {
		return 0, fmt.Errorf("whatsapp: list sessions to restore: %w", err)
	}
	if m.o.Cluster != nil {
		// Nodes restarting together then split the sessions between them
		// instead of racing for the same ones in the same order.
		rand.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	lim := rate.NewLimiter(rate.Inf, 1)
	var jitter time.Duration
	if m.o.RestoreRate > 0 {
		lim = rate.NewLimiter(rate.Limit(m.o.RestoreRate), max(1, int(m.o.RestoreRate)))
		jitter = time.Duration(float64(time.Second) / m.o.RestoreRate)
	}
	m.o.Log.Info("restoring sessions", "count", len(rows), "rate_per_second", m.o.RestoreRate)
	n := 0
	for _, row := range rows {
		if err := lim.Wait(ctx); err != nil {
			return n, err
		}
		if jitter > 0 {
			d := rand.N(jitter)
			time.AfterFunc(d, func() { m.restoreOne(row.UserID) })
		} else {
			m.restoreOne(row.UserID)
		}
		n++
	}
	return n, nil
}

func (m *Manager) restoreOne(userID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := m.session(ctx, userID)
	if err != nil {
		if !errors.Is(err, ErrClosed) {
			m.o.Log.Error("restore session", "user_id", userID, "err", err)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return
	}
	if err := m.launch(ctx, s, "reconnecting after restart"); err != nil && ownerOf(err) == "" && !errors.Is(err, ErrClosed) {
		m.logger(s).Error("restore session", "err", err)
	}
}

// Forget stops a session without recording anything (its user is being
// deleted).
func (m *Manager) Forget(userID string) {
	m.mu.Lock()
	s := m.byUser[userID]
	delete(m.byUser, userID)
	m.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	c := s.dropClient()
	m.counts[statusIndex(s.status)].Add(-1)
	s.mu.Unlock()
	if c != nil {
		c.Disconnect()
	}
}

// Close disconnects every session without changing what is stored, so that
// the next process restores them. State changes made before are written.
func (m *Manager) Close() {
	m.closed.Store(true)
	defer m.Flush()
	m.mu.Lock()
	all := make([]*session, 0, len(m.byUser))
	for _, s := range m.byUser {
		all = append(all, s)
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range all {
		s.mu.Lock()
		c := s.dropClient()
		s.mu.Unlock()
		if c != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.Disconnect()
			}()
		}
	}
	wg.Wait()
}

// Live returns the live state of every session this process has loaded, by
// user id. For administrators.
func (m *Manager) Live() map[string]State {
	m.mu.Lock()
	all := make([]*session, 0, len(m.byUser))
	for _, s := range m.byUser {
		all = append(all, s)
	}
	m.mu.Unlock()
	out := make(map[string]State, len(all))
	for _, s := range all {
		s.mu.Lock()
		out[s.userID] = s.state(m.o.Engine.Name())
		s.mu.Unlock()
	}
	return out
}

// sessionHandler connects one client to its session. Events from a client
// that has since been replaced are ignored.
type sessionHandler struct {
	m   *Manager
	s   *session
	gen uint32
}

func (h *sessionHandler) HandleMessages(ctx context.Context, msgs []Message) error {
	// Messages from a replaced client are still real messages: store them.
	return h.m.o.Sink.Ingest(ctx, h.s.userID, msgs)
}

func (h *sessionHandler) HandleEvent(evt Event) {
	m, s := h.m, h.s
	if c, ok := evt.(ChatsUpdated); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.o.Sink.UpsertChats(ctx, s.userID, c.Chats); err != nil {
			m.logger(s).Error("store chats", "err", err)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != h.gen || m.closed.Load() {
		return
	}
	log := m.logger(s)
	switch e := evt.(type) {
	case QR:
		s.qr = e
		if s.status != StatusScanQR {
			m.setStatus(s, StatusScanQR, "")
		} else {
			s.notify()
		}
		if q, err := (QRCode{Raw: e.Code, ExpiresAt: e.ExpiresAt}).withImage(); err == nil {
			m.publish(s.userID, realtime.TypeSessionQR, q)
		} else {
			log.Error("render QR code", "err", err)
		}
	case QRTimeout:
		dropAndDisconnect(s)
		go m.release(s)
		s.want = false
		log.Info("pairing stopped: QR code not scanned in time")
		m.setStatus(s, StatusStopped, "QR code was not scanned in time")
	case PairSuccess:
		s.me = e.Me
		s.paired = true
		log.Info("paired", "jid", e.Me.JID)
		m.setStatus(s, StatusStarting, "paired; logging in")
	case PairError:
		dropAndDisconnect(s)
		go m.release(s)
		s.want = false
		log.Warn("pairing failed", "reason", e.Reason)
		m.setStatus(s, StatusFailed, "pairing failed: "+e.Reason)
	case Connected:
		s.me = e.Me
		s.connectedAt = m.o.Now().UTC().Truncate(time.Millisecond)
		s.attempts = 0
		log.Info("connected", "jid", e.Me.JID)
		m.setStatus(s, StatusWorking, "")
		// A new device lists its groups once; afterwards the engine reports
		// group changes as they happen (a restart does not ask again).
		if c := s.client; c != nil && s.paired {
			s.paired = false
			go m.refreshGroups(s, c)
		}
	case Disconnected:
		if e.Retrying {
			log.Info("disconnected; reconnecting", "reason", e.Reason)
			m.setStatus(s, StatusStarting, "reconnecting: "+e.Reason)
			return
		}
		// The session cannot continue (ban, outdated client). It stays
		// wanted, so a restart (after an upgrade, or a ban's end) retries.
		dropAndDisconnect(s)
		log.Warn("disconnected for good", "reason", e.Reason)
		m.setStatus(s, StatusFailed, e.Reason)
	case LoggedOut:
		dropAndDisconnect(s)
		go m.release(s)
		s.want = false
		s.me = Account{}
		s.connectedAt = time.Time{}
		log.Info("logged out by the phone", "reason", e.Reason)
		m.setStatus(s, StatusStopped, e.Reason)
	}
}

// dropAndDisconnect detaches a client that reported its own end and makes
// sure it has released everything (Disconnect is idempotent). Callers hold
// s.mu, so it runs in the background.
func dropAndDisconnect(s *session) {
	if c := s.dropClient(); c != nil {
		go c.Disconnect()
	}
}

// refreshGroups records the account's joined groups after it connects.
func (m *Manager) refreshGroups(s *session, c Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	groups, err := c.Groups(ctx)
	if err != nil {
		if !errors.Is(err, ErrNotSupported) {
			m.logger(s).Warn("list groups", "err", err)
		}
		return
	}
	if err := m.o.Sink.UpsertChats(ctx, s.userID, groups); err != nil {
		m.logger(s).Error("store groups", "err", err)
	}
}

type nopHandler struct{}

func (nopHandler) HandleEvent(Event) {}
func (nopHandler) HandleMessages(context.Context, []Message) error {
	return errors.New("not accepting messages")
}
