package sessions

import (
	"context"
	"errors"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// sessionHandler connects one client to its session. Events from a client
// that has since been replaced are ignored.
type sessionHandler struct {
	m   *Manager
	s   *session
	gen uint32
}

func (h *sessionHandler) HandleMessages(ctx context.Context, msgs []whatsapp.Message) error {
	// Messages from a replaced client are still real messages: store them.
	return h.m.o.Sink.Ingest(ctx, h.s.userID, msgs)
}

func (h *sessionHandler) HandleEvent(evt whatsapp.Event) {
	m, s := h.m, h.s
	if c, ok := evt.(whatsapp.ChatsUpdated); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.o.Sink.UpsertChats(ctx, s.userID, c.Chats); err != nil {
			m.logger(s).Error("store chats", "err", err)
		}
		return
	}
	if p, ok := evt.(whatsapp.HistoryProgress); ok {
		m.logger(s).Info("history import", "chats", p.Chats, "messages", p.Messages, "progress", p.Progress)
		s.mu.Lock()
		s.history = &p
		s.mu.Unlock()
		m.publish(s.userID, domain.EventHistoryProgress, p)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != h.gen || m.closed.Load() {
		return
	}
	log := m.logger(s)
	switch e := evt.(type) {
	case whatsapp.QR:
		s.qr = e
		if s.status != whatsapp.StatusScanQR {
			m.transition(s, whatsapp.StatusScanQR, noReason, announce)
		} else {
			s.notify()
		}
		if q, err := qrCode(e); err == nil {
			m.publish(s.userID, domain.EventSessionQR, q)
		} else {
			log.Error("render QR code", "err", err)
		}
	case whatsapp.QRTimeout:
		m.drop(s)
		s.want = false
		log.Info("pairing stopped: QR code not scanned in time")
		m.transition(s, whatsapp.StatusStopped, whyQRTimeout, announce)
		m.releaseLater(s)
	case whatsapp.PairSuccess:
		s.me = e.Me
		s.paired = true
		s.history = nil // a newly linked phone sends its history anew
		log.Info("paired", "jid", e.Me.JID)
		m.transition(s, whatsapp.StatusStarting, whyPaired, announce)
	case whatsapp.PairError:
		m.drop(s)
		s.want = false
		log.Warn("pairing failed", "reason", e.Reason)
		m.transition(s, whatsapp.StatusFailed, whyPairFailed, announce)
		m.releaseLater(s)
	case whatsapp.Connected:
		s.me = e.Me
		s.connectedAt = m.o.Now().UTC().Truncate(time.Millisecond)
		s.attempts = 0
		log.Info("connected", "jid", e.Me.JID)
		m.transition(s, whatsapp.StatusWorking, noReason, announce)
		// A new device lists its groups once; afterwards the engine reports
		// group changes as they happen (a restart does not ask again).
		if c := s.client; c != nil && s.paired {
			s.paired = false
			m.tasks.start(func() { m.refreshGroups(s, c) })
		}
		if p, ok := s.client.(whatsapp.Presencer); ok && m.o.SharesPresence != nil {
			m.tasks.start(func() { m.announcePresence(s, p) })
		}
	case whatsapp.Disconnected:
		if e.Retrying {
			log.Info("disconnected; reconnecting", "reason", e.Reason)
			m.transition(s, whatsapp.StatusStarting, whyReconnecting, announce)
			return
		}
		// The session cannot continue (ban, outdated client). It stays
		// wanted, so a restart (after an upgrade, or a ban's end) retries.
		m.drop(s)
		log.Warn("disconnected for good", "reason", e.Reason)
		m.transition(s, whatsapp.StatusFailed, whyEngine(orDefault(e.Code, "refused"), e.Reason), announce)
	case whatsapp.LoggedOut:
		m.drop(s)
		s.want = false
		s.me = whatsapp.Account{}
		s.connectedAt = time.Time{}
		log.Info("logged out by the phone", "reason", e.Reason)
		m.transition(s, whatsapp.StatusStopped, whyEngine("logged-out", e.Reason), announce)
		m.releaseLater(s)
	}
}

// drop detaches a client that reported its own end and makes sure it has
// released everything (Disconnect is idempotent). Callers hold s.mu, so the
// disconnect happens in the background.
func (m *Manager) drop(s *session) {
	if c := s.dropClient(); c != nil {
		m.disconnectLater(c)
	}
}

// releaseLater gives up the session's lease once the state just recorded
// is written. Callers hold s.mu, so it happens in the background.
func (m *Manager) releaseLater(s *session) {
	m.tasks.start(func() { m.release(s) })
}

// refreshGroups records the account's joined groups after it connects.
func (m *Manager) refreshGroups(s *session, c whatsapp.Client) {
	ctx, cancel := context.WithTimeout(m.life, 30*time.Second)
	defer cancel()
	groups, err := c.Groups(ctx)
	if err != nil {
		if !errors.Is(err, whatsapp.ErrNotSupported) && m.life.Err() == nil {
			m.logger(s).Warn("list groups", "err", err)
		}
		return
	}
	if err := m.o.Sink.UpsertChats(ctx, s.userID, groups); err != nil {
		m.logger(s).Error("store groups", "err", err)
	}
}

// announcePresence says "online" for a person who shares their presence,
// once their session connects.
func (m *Manager) announcePresence(s *session, p whatsapp.Presencer) {
	ctx, cancel := context.WithTimeout(m.life, 30*time.Second)
	defer cancel()
	if !m.o.SharesPresence(ctx, s.userID) {
		return
	}
	if err := p.SetOnline(ctx, true); err != nil && m.life.Err() == nil {
		m.logger(s).Warn("announce presence", "err", err)
	}
}

type nopHandler struct{}

func (nopHandler) HandleEvent(whatsapp.Event) {}
func (nopHandler) HandleMessages(context.Context, []whatsapp.Message) error {
	return errors.New("not accepting messages")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
