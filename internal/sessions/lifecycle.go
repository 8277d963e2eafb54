package sessions

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Restore reconnects every session that was running (and logged in) before
// the process stopped, in random order (so that nodes restarting together
// split the sessions between them instead of racing for the same ones), at
// most RestoreRate per second, each after a random jitter. It returns when
// all have been started or scheduled, ctx ends, or the manager closes;
// Close waits for those still scheduled.
func (m *Manager) Restore(ctx context.Context) (int, error) {
	rows, err := m.o.Store.SessionsToRestore(ctx)
	if err != nil {
		return 0, fmt.Errorf("sessions: list sessions to restore: %w", err)
	}
	rand.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	lim := rate.NewLimiter(rate.Inf, 1)
	var jitter time.Duration
	if m.o.RestoreRate > 0 {
		lim = rate.NewLimiter(rate.Limit(m.o.RestoreRate), max(1, int(m.o.RestoreRate)))
		jitter = time.Duration(float64(time.Second) / m.o.RestoreRate)
	}
	// The wait for the limiter also ends at Close.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(m.life, cancel)
	defer stop()
	m.o.Log.Info("restoring sessions", "count", len(rows), "rate_per_second", m.o.RestoreRate)
	n := 0
	for _, row := range rows {
		if err := lim.Wait(ctx); err != nil {
			if m.closed.Load() {
				return n, whatsapp.ErrClosed
			}
			return n, err
		}
		if jitter > 0 {
			d := rand.N(jitter)
			started := m.tasks.start(func() {
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-t.C:
					m.restoreOne(row.UserID)
				case <-m.life.Done():
				}
			})
			if !started {
				return n, whatsapp.ErrClosed
			}
		} else {
			m.restoreOne(row.UserID)
		}
		n++
	}
	return n, nil
}

func (m *Manager) restoreOne(userID string) {
	ctx, cancel := context.WithTimeout(m.life, 30*time.Second)
	defer cancel()
	s, err := m.session(ctx, userID)
	if err != nil {
		if !errors.Is(err, whatsapp.ErrClosed) && m.life.Err() == nil {
			m.o.Log.Error("restore session", "user_id", userID, "err", err)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return
	}
	var elsewhere *ElsewhereError
	if err := m.launch(ctx, s, whyRestored); err != nil && !errors.As(err, &elsewhere) && !errors.Is(err, whatsapp.ErrClosed) {
		m.logger(s).Error("restore session", "err", err)
	}
}

// LocalSession identifies a session running in this process.
type LocalSession struct {
	ID, UserID string
}

// Running lists the sessions this process runs (a client exists): in a
// cluster, the leases it must keep renewing.
func (m *Manager) Running() []LocalSession {
	var out []LocalSession
	for _, s := range m.all() {
		s.mu.Lock()
		if s.client != nil {
			out = append(out, LocalSession{ID: s.id, UserID: s.userID})
		}
		s.mu.Unlock()
	}
	return out
}

// Relinquish stops running a session whose lease another node took (this
// node was cut off for longer than the lease). Nothing is recorded: the new
// owner records the session's state. A client that can detach (WAHA) only
// detaches, since its session now belongs to the other node.
func (m *Manager) Relinquish(userID string) {
	m.mu.Lock()
	s := m.byUser[userID]
	m.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	c := s.dropClient()
	m.transition(s, whatsapp.StatusStopped, whyElsewhere, mirror)
	s.mu.Unlock()
	if c != nil {
		m.logger(s).Warn("another node took over the session; disconnecting here")
		if d, ok := c.(whatsapp.Detacher); ok {
			d.Detach()
		} else {
			c.Disconnect()
		}
	}
}

// Adopt starts a session whose node died, unless another node wins its
// lease first.
func (m *Manager) Adopt(userID string) {
	m.restoreOne(userID)
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
	m.leave(s)
	s.mu.Unlock()
	if c != nil {
		c.Disconnect()
	}
}

// Close disconnects every session without changing what is stored, so that
// the next process restores them. State changes made before are written.
// It returns once every goroutine the manager started has ended; afterwards
// operations return whatsapp.ErrClosed and nothing more is started. Calling
// it again does nothing.
func (m *Manager) Close() {
	m.once.Do(m.close)
}

func (m *Manager) close() {
	m.closed.Store(true)
	m.end()
	var wg sync.WaitGroup
	for _, s := range m.all() {
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
	m.Flush()
	m.tasks.join()
}
