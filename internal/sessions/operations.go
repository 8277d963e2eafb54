package sessions

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Status returns the user's session state as this process knows it.
func (m *Manager) Status(ctx context.Context, userID string) (whatsapp.State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return whatsapp.State{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state(m.o.Engine.Name()), nil
}

// Refresh returns the user's session state like Status, but a session that
// does not run here is first reloaded from the database, where another
// process (the node that ran it) may have changed it. A stored running
// state that no process runs reads as STARTING, waiting for a node to take
// the session over.
func (m *Manager) Refresh(ctx context.Context, userID string) (whatsapp.State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return whatsapp.State{}, err
	}
	s.mu.Lock()
	here := s.client != nil
	s.mu.Unlock()
	if !here {
		m.Flush() // this process's own changes first
		if row, err := m.o.Store.SessionByUser(ctx, userID); err == nil {
			s.mu.Lock()
			if s.client == nil {
				st, reason := whatsapp.Status(row.Status), why{text: row.Reason}
				if st.Running() {
					st, reason = whatsapp.StatusStarting, whyTakeover
				}
				s.want = row.WantRunning
				s.me = whatsapp.Account{JID: row.JID, PushName: row.PushName}
				s.connectedAt = time.Time{}
				m.transition(s, st, reason, mirror)
			}
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state(m.o.Engine.Name()), nil
}

// Locate returns the id of the user's session and whether it runs in this
// process (has a client).
func (m *Manager) Locate(ctx context.Context, userID string) (id string, here bool, err error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return "", false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id, s.client != nil, nil
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
// session changes nothing. When another node holds the session's lease it
// returns an *ElsewhereError.
func (m *Manager) Start(ctx context.Context, userID string) (whatsapp.State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return whatsapp.State{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status.Running() && s.client != nil {
		return s.state(m.o.Engine.Name()), nil
	}
	err = m.launch(ctx, s, noReason)
	return s.state(m.o.Engine.Name()), err
}

// launch creates a client and starts connecting it in the background.
// Callers hold s.mu.
func (m *Manager) launch(ctx context.Context, s *session, reason why) error {
	if m.closed.Load() {
		return whatsapp.ErrClosed
	}
	if err := m.claim(ctx, s); err != nil {
		return err
	}
	if old := s.dropClient(); old != nil {
		m.disconnectLater(old)
	}
	s.want = true
	c, err := m.o.Engine.NewClient(ctx, whatsapp.SessionRef{ID: s.id, UserID: s.userID, Log: m.logger(s)}, &sessionHandler{m: m, s: s, gen: s.gen})
	if err != nil {
		m.transition(s, whatsapp.StatusFailed, whyInternal(m.logger(s), "cannot create client", err), announce)
		return fmt.Errorf("sessions: new client: %w", err)
	}
	s.client = c
	m.transition(s, whatsapp.StatusStarting, reason, announce)
	gen := s.gen
	m.tasks.start(func() { m.connect(s, c, gen) })
	return nil
}

// disconnectLater disconnects a client that was dropped while s.mu is
// held. Close waits for it.
func (m *Manager) disconnectLater(c whatsapp.Client) {
	if !m.tasks.start(c.Disconnect) {
		// Only after Close, which has disconnected every client it knew;
		// a connection must not outlive the manager either way.
		c.Disconnect()
	}
}

// connect runs one connection attempt; on failure it schedules the next with
// jittered exponential back-off. Close cancels an attempt under way.
func (m *Manager) connect(s *session, c whatsapp.Client, gen uint32) {
	ctx, cancel := context.WithTimeout(m.life, time.Minute)
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
	m.transition(s, whatsapp.StatusStarting, whyUnreachable(m.logger(s), err), announce)
	s.retryAt = m.o.Now().Add(d).UTC().Truncate(time.Second)
	m.publish(s.userID, domain.EventSessionStatus, s.state(m.o.Engine.Name()))
	s.retry = time.AfterFunc(d, func() {
		m.tasks.run(func() {
			s.mu.Lock()
			ok := s.gen == gen && s.client == c
			s.retry = nil
			s.mu.Unlock()
			if ok {
				m.connect(s, c, gen)
			}
		})
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
func (m *Manager) Stop(ctx context.Context, userID string) (whatsapp.State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return whatsapp.State{}, err
	}
	s.mu.Lock()
	c := s.dropClient()
	s.want = false
	m.transition(s, whatsapp.StatusStopped, whyStopped, announce)
	st := s.state(m.o.Engine.Name())
	s.mu.Unlock()
	if c != nil {
		c.Disconnect()
	}
	m.release(s)
	return st, nil
}

// Restart stops the session and starts it again. When another node holds
// the session's lease it returns an *ElsewhereError.
func (m *Manager) Restart(ctx context.Context, userID string) (whatsapp.State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return whatsapp.State{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err = m.launch(ctx, s, whyRestarting)
	return s.state(m.o.Engine.Name()), err
}

// Logout unlinks the device from the phone, deletes it, and stops the
// session. The person can pair again afterwards.
func (m *Manager) Logout(ctx context.Context, userID string) (whatsapp.State, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return whatsapp.State{}, err
	}
	s.mu.Lock()
	c := s.dropClient()
	gen := s.gen
	s.mu.Unlock()
	if c == nil {
		c, err = m.o.Engine.NewClient(ctx, whatsapp.SessionRef{ID: s.id, UserID: s.userID, Log: m.logger(s)}, nopHandler{})
		if err != nil {
			return whatsapp.State{}, fmt.Errorf("sessions: logout: %w", err)
		}
	}
	if err := c.Logout(ctx); err != nil {
		m.logger(s).Warn("logout did not reach WhatsApp; the device was deleted locally", "err", err)
	}
	s.mu.Lock()
	if s.gen == gen {
		s.want = false
		s.me = whatsapp.Account{}
		s.connectedAt = time.Time{}
		m.transition(s, whatsapp.StatusStopped, whyLoggedOut, announce)
	}
	st := s.state(m.o.Engine.Name())
	s.mu.Unlock()
	m.release(s)
	return st, nil
}

// QR returns the current pairing code, starting the session if it is not
// running and waiting up to QRWait for the first code. With force, a session
// that is pairing starts over with a fresh pairing. A logged-in session
// returns whatsapp.ErrAlreadyConnected. When another node holds the
// session's lease it returns an *ElsewhereError.
func (m *Manager) QR(ctx context.Context, userID string, force bool) (whatsapp.QRCode, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return whatsapp.QRCode{}, err
	}
	s.mu.Lock()
	switch {
	case s.status == whatsapp.StatusWorking && s.client != nil:
		s.mu.Unlock()
		return whatsapp.QRCode{}, whatsapp.ErrAlreadyConnected
	case force || !s.status.Running() || s.client == nil:
		if err := m.launch(ctx, s, noReason); err != nil {
			s.mu.Unlock()
			return whatsapp.QRCode{}, err
		}
	}
	s.mu.Unlock()
	return m.waitQR(ctx, s)
}

func (m *Manager) waitQR(ctx context.Context, s *session) (whatsapp.QRCode, error) {
	timeout := time.NewTimer(m.o.QRWait)
	defer timeout.Stop()
	for {
		s.mu.Lock()
		switch {
		case s.status == whatsapp.StatusScanQR && s.qr.Code != "":
			q := s.qr
			s.mu.Unlock()
			return qrCode(q)
		case s.status == whatsapp.StatusWorking:
			s.mu.Unlock()
			return whatsapp.QRCode{}, whatsapp.ErrAlreadyConnected
		case s.status == whatsapp.StatusStopped || s.status == whatsapp.StatusFailed:
			err := &whatsapp.StoppedError{Status: s.status, Reason: s.reason}
			s.mu.Unlock()
			return whatsapp.QRCode{}, err
		case !s.retryAt.IsZero():
			// WhatsApp cannot be reached; waiting longer would not help.
			err := &whatsapp.WaitingError{Reason: s.reason, RetryAt: s.retryAt}
			s.mu.Unlock()
			return whatsapp.QRCode{}, err
		}
		ch := s.waitChan()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timeout.C:
			return whatsapp.QRCode{}, whatsapp.ErrQRNotReady
		case <-ctx.Done():
			return whatsapp.QRCode{}, ctx.Err()
		case <-m.life.Done():
			return whatsapp.QRCode{}, whatsapp.ErrClosed
		}
	}
}

// qrCode renders an engine's QR event for the API and session.qr events.
func qrCode(q whatsapp.QR) (whatsapp.QRCode, error) {
	img, err := whatsapp.QRDataURL(q.Code)
	return whatsapp.QRCode{Image: img, Raw: q.Code, ExpiresAt: q.ExpiresAt}, err
}

// PairPhone starts pairing by phone number: it returns the code the person
// types on the phone. The session is started if needed.
func (m *Manager) PairPhone(ctx context.Context, userID, phone string) (string, error) {
	if !m.o.Engine.SupportsPairCode() {
		return "", whatsapp.ErrNotSupported
	}
	if _, err := m.QR(ctx, userID, false); err != nil {
		return "", err
	}
	s, err := m.session(ctx, userID)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	c := s.client
	pairing := s.status == whatsapp.StatusScanQR
	s.mu.Unlock()
	if c == nil || !pairing {
		return "", whatsapp.ErrNotPairing
	}
	return c.PairPhone(ctx, phone)
}

// liveClient returns the client of a logged-in session.
func (m *Manager) liveClient(ctx context.Context, userID string) (whatsapp.Client, error) {
	s, err := m.session(ctx, userID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status != whatsapp.StatusWorking || s.client == nil {
		return nil, whatsapp.ErrNotConnected
	}
	return s.client, nil
}

// Send sends a message from the user's account and stores it; it returns
// the message as stored.
func (m *Manager) Send(ctx context.Context, userID string, out whatsapp.Outgoing) (whatsapp.Message, error) {
	c, err := m.liveClient(ctx, userID)
	if err != nil {
		return whatsapp.Message{}, err
	}
	msg, err := c.Send(ctx, out)
	if err != nil {
		return whatsapp.Message{}, err
	}
	if err := m.o.Sink.Ingest(ctx, userID, []whatsapp.Message{msg}); err != nil {
		return whatsapp.Message{}, fmt.Errorf("sessions: store sent message: %w", err)
	}
	return msg, nil
}

// RequestHistory asks the user's phone for a chat's older messages.
func (m *Manager) RequestHistory(ctx context.Context, userID, chatID string, oldest whatsapp.MessageRef, count int) error {
	c, err := m.liveClient(ctx, userID)
	if err != nil {
		return err
	}
	hr, ok := c.(whatsapp.HistoryRequester)
	if !ok {
		return whatsapp.ErrNotSupported
	}
	return hr.RequestHistory(ctx, chatID, oldest, count)
}

// SetOnline tells WhatsApp that the person is online or not.
func (m *Manager) SetOnline(ctx context.Context, userID string, online bool) error {
	c, err := m.liveClient(ctx, userID)
	if err != nil {
		return err
	}
	p, ok := c.(whatsapp.Presencer)
	if !ok {
		return whatsapp.ErrNotSupported
	}
	return p.SetOnline(ctx, online)
}

// MarkRead sends read receipts for messages of a chat.
func (m *Manager) MarkRead(ctx context.Context, userID, chatID string, msgs []whatsapp.ReadMark) error {
	c, err := m.liveClient(ctx, userID)
	if err != nil {
		return err
	}
	p, ok := c.(whatsapp.Presencer)
	if !ok {
		return whatsapp.ErrNotSupported
	}
	return p.MarkRead(ctx, chatID, msgs)
}

// Download fetches a message's media through the user's logged-in session.
func (m *Manager) Download(ctx context.Context, userID string, media *whatsapp.Media, maxBytes int64) ([]byte, error) {
	if media == nil {
		return nil, errors.New("sessions: download without media")
	}
	c, err := m.liveClient(ctx, userID)
	if err != nil {
		return nil, err
	}
	return c.Download(ctx, media, maxBytes)
}
