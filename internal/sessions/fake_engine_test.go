package sessions_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// scripted is an engine whose clients do nothing by themselves: a test
// plays their events through the handler they were given. Connect fails
// while failConnect is set and, while blockConnect is set, waits for its
// context to end. After closed is set, every call to the engine or its
// clients is counted as a use after Close.
type scripted struct {
	mu       sync.Mutex
	handlers map[string]whatsapp.Handler // by session id: the newest client's

	failConnect  atomic.Bool
	connectErr   atomic.Value // error: what a failing Connect returns
	blockConnect atomic.Bool
	closed       atomic.Bool
	afterClose   atomic.Int32
}

func newScripted() *scripted { return &scripted{handlers: map[string]whatsapp.Handler{}} }

func (e *scripted) use() {
	if e.closed.Load() {
		e.afterClose.Add(1)
	}
}

func (e *scripted) Name() string           { return "scripted" }
func (e *scripted) SupportsPairCode() bool { return false }
func (e *scripted) NewClient(_ context.Context, s whatsapp.SessionRef, h whatsapp.Handler) (whatsapp.Client, error) {
	e.use()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.handlers[s.ID] = h
	return &scriptedClient{e: e}, nil
}

// emit plays an event to the newest client of the session.
func (e *scripted) emit(sessionID string, evt whatsapp.Event) {
	e.mu.Lock()
	h := e.handlers[sessionID]
	e.mu.Unlock()
	h.HandleEvent(evt)
}

type scriptedClient struct{ e *scripted }

func (c *scriptedClient) Connect(ctx context.Context) error {
	c.e.use()
	if c.e.blockConnect.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	if c.e.failConnect.Load() {
		if err, ok := c.e.connectErr.Load().(error); ok {
			return err
		}
		return errors.New("network unreachable")
	}
	return nil
}
func (c *scriptedClient) Disconnect()                  { c.e.use() }
func (c *scriptedClient) Logout(context.Context) error { c.e.use(); return nil }
func (c *scriptedClient) HasDevice() bool              { return true }
func (c *scriptedClient) PairPhone(context.Context, string) (string, error) {
	return "", whatsapp.ErrNotSupported
}
func (c *scriptedClient) Send(context.Context, whatsapp.Outgoing) (whatsapp.Message, error) {
	return whatsapp.Message{}, whatsapp.ErrNotSupported
}
func (c *scriptedClient) Groups(context.Context) ([]whatsapp.Chat, error) {
	c.e.use()
	return nil, whatsapp.ErrNotSupported
}
func (c *scriptedClient) Download(context.Context, *whatsapp.Media, int64) ([]byte, error) {
	return nil, whatsapp.ErrNotSupported
}

type nopSink struct{}

func (nopSink) Ingest(context.Context, string, []whatsapp.Message) error   { return nil }
func (nopSink) UpsertChats(context.Context, string, []whatsapp.Chat) error { return nil }
