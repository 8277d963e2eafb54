package sessions

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// statuses are the gauge's labels, in the order of statusIndex.
var statuses = [...]whatsapp.Status{whatsapp.StatusStopped, whatsapp.StatusStarting, whatsapp.StatusScanQR, whatsapp.StatusWorking, whatsapp.StatusFailed}

func statusIndex(s whatsapp.Status) int {
	switch s {
	case whatsapp.StatusStarting:
		return 1
	case whatsapp.StatusScanQR:
		return 2
	case whatsapp.StatusWorking:
		return 3
	case whatsapp.StatusFailed:
		return 4
	}
	return 0
}

func (m *Manager) registerGauge(r prometheus.Registerer) {
	for i, st := range statuses {
		c := &m.gauge[i]
		r.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "synapse_sessions", Help: "Live WhatsApp sessions by status.", ConstLabels: prometheus.Labels{"status": string(st)},
		}, func() float64 { return float64(c.Load()) }))
	}
}

// enter counts a session that was just loaded, in its status. Callers hold
// m.mu.
func (m *Manager) enter(s *session) { m.gauge[statusIndex(s.status)].Add(1) }

// leave stops counting a session that is being forgotten. Callers hold s.mu.
func (m *Manager) leave(s *session) { m.gauge[statusIndex(s.status)].Add(-1) }

// effect says what a transition tells the world.
type effect uint8

const (
	// announce records the new state and publishes it as session.status.
	announce effect = iota
	// mirror only follows a state that another node recorded (or will):
	// nothing is written or published from here.
	mirror
)

// transition moves s to status st for reason w. It is the one place a
// loaded session's status changes: it keeps the synapse_sessions gauge,
// drops a QR code that no longer applies, wakes whoever waits for the
// session and, with announce, records the state (with the session's other
// fields as they are now) and publishes it. After Close nothing is recorded
// or published: the next process restores what was stored. Callers hold
// s.mu.
func (m *Manager) transition(s *session, st whatsapp.Status, w why, e effect) {
	if st != s.status {
		m.gauge[statusIndex(s.status)].Add(-1)
		m.gauge[statusIndex(st)].Add(1)
	}
	s.status, s.reason, s.code, s.retryAt = st, w.text, w.code, time.Time{}
	if st != whatsapp.StatusScanQR {
		s.qr = whatsapp.QR{}
	}
	if e == announce && !m.closed.Load() {
		m.record(store.SessionStateUpdate{UserID: s.userID, SessionID: s.id, State: store.SessionState{
			Status: string(st), Reason: w.text, WantRunning: s.want, JID: s.me.JID, PushName: s.me.PushName, ConnectedAt: s.connectedAt,
		}})
		m.publish(s.userID, domain.EventSessionStatus, s.state(m.o.Engine.Name()))
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
		if !m.tasks.start(m.writeStates) {
			// Closed: nothing is recorded any more.
			m.writing = false
			clear(m.pending)
		}
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
		// Not bounded by m.life: Close waits for these writes.
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
