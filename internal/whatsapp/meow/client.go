package meow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// client is one session. Between Connect and Disconnect it owns one
// whatsmeow client; it adds no goroutine or timer of its own except while
// pairing (one goroutine reading the QR channel) and while disconnected (one
// reconnection timer).
type client struct {
	e   *Engine
	id  string
	h   whatsapp.Handler
	log *slog.Logger

	mu        sync.Mutex
	cli       *whatsmeow.Client // nil before Connect and after Disconnect/Logout
	ctx       context.Context   // lives from Connect to Disconnect/Logout
	cancel    context.CancelFunc
	stopped   bool // no events and no reconnects any more
	retry     *time.Timer
	attempts  int
	resetting bool // a reconnection for redelivery is scheduled
	// history imported by this client so far (history.go)
	historyChats    map[string]bool // chats the history import stored, for its progress
	historyMessages int
	historyMu       sync.Mutex // one import at a time
	historyFailures int        // imports failed in a row
}

var _ whatsapp.Client = (*client)(nil)

// Connect implements whatsapp.Client. ctx bounds only the start: the
// connection itself lives until Disconnect.
func (c *client) Connect(ctx context.Context) error {
	c.mu.Lock()
	if c.cli != nil && !c.stopped {
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	dev, err := c.e.storedDevice(ctx, c.id)
	if err != nil {
		return err
	}
	if dev == nil {
		dev = c.e.container.NewDevice()
	}
	cli := c.e.newWAClient(dev, c.log)
	cctx, cancel := context.WithCancel(context.Background())
	cli.BackgroundEventCtx = cctx
	cli.PrePairCallback = func(jid types.JID, _, _ string) bool { return c.prePair(cctx, jid) }
	cli.AddEventHandlerWithSuccessStatus(func(evt any) bool { return c.onEvent(cli, evt) })
	var qr <-chan whatsmeow.QRChannelItem
	if dev.ID == nil {
		if qr, err = cli.GetQRChannel(cctx); err != nil {
			cancel()
			return fmt.Errorf("meow: QR channel: %w", err)
		}
	}
	c.mu.Lock()
	c.cli, c.ctx, c.cancel, c.stopped, c.attempts = cli, cctx, cancel, false, 0
	c.mu.Unlock()
	if qr != nil {
		go c.readQR(cctx, cli, qr)
	}
	if err := cli.ConnectContext(cctx); err != nil {
		c.mu.Lock()
		if c.cli == cli {
			c.cli = nil
		}
		c.mu.Unlock()
		cancel()
		cli.RemoveEventHandlers()
		return fmt.Errorf("meow: connect: %w", err)
	}
	return nil
}

// current reports whether cli is still this session's live client.
// ctxOf is the connection's context (Background before Connect).
func (c *client) ctxOf() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return context.Background()
	}
	return c.ctx
}

func (c *client) current(cli *whatsmeow.Client) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cli == cli && !c.stopped
}

func (c *client) live() (*whatsmeow.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cli == nil || c.stopped {
		return nil, whatsapp.ErrNotConnected
	}
	return c.cli, nil
}

// stop ends the session's client: no events, no reconnects. It returns the
// whatsmeow client to disconnect, if any, and the function that ends its
// context (the socket's lifetime), to call once it is disconnected.
func (c *client) stop() (*whatsmeow.Client, context.CancelFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.retry != nil {
		c.retry.Stop()
		c.retry = nil
	}
	cli, cancel := c.cli, c.cancel
	c.cli, c.cancel = nil, nil
	if cancel == nil {
		cancel = func() {}
	}
	return cli, cancel
}

// Disconnect implements whatsapp.Client.
func (c *client) Disconnect() {
	cli, cancel := c.stop()
	if cli != nil {
		cli.Disconnect()
		cli.RemoveEventHandlers()
	}
	cancel()
}

// Logout implements whatsapp.Client. Without a live connection it connects
// the stored device just long enough to unlink it. The device is deleted
// locally in any case.
func (c *client) Logout(ctx context.Context) error {
	cli, cancel := c.stop()
	defer cancel()
	if cli != nil {
		cli.RemoveEventHandlers()
	}
	var err error
	switch {
	case cli != nil && cli.IsLoggedIn():
		err = cli.Logout(ctx)
	default:
		if cli != nil {
			cli.Disconnect()
		}
		err = c.logoutStored(ctx)
	}
	if dev, derr := c.e.storedDevice(ctx, c.id); derr == nil && dev != nil {
		if derr := dev.Delete(ctx); derr != nil && err == nil {
			err = derr
		}
	}
	if ferr := c.e.forgetDevice(ctx, c.id); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("meow: logout: %w", err)
	}
	return nil
}

// logoutStored connects the stored device, if there is one, and unlinks it.
func (c *client) logoutStored(ctx context.Context) error {
	dev, err := c.e.storedDevice(ctx, c.id)
	if err != nil || dev == nil {
		return err
	}
	cli := c.e.newWAClient(dev, c.log)
	cctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cli.BackgroundEventCtx = cctx
	defer cli.Disconnect()
	if err := cli.ConnectContext(cctx); err != nil {
		return err
	}
	wait := 15 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl))
	}
	if !cli.WaitForConnection(wait) {
		if dev.Deleted {
			return nil // WhatsApp had already unlinked it (failure 401)
		}
		return errors.New("could not log in to unlink the device")
	}
	return cli.Logout(ctx)
}

// PairPhone implements whatsapp.Client.
func (c *client) PairPhone(ctx context.Context, phone string) (string, error) {
	cli, err := c.live()
	if err != nil {
		return "", err
	}
	code, err := cli.PairPhone(ctx, phone, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		return "", fmt.Errorf("meow: pair by phone: %w", err)
	}
	return code, nil
}

// Groups implements whatsapp.Client.
func (c *client) Groups(ctx context.Context) ([]whatsapp.Chat, error) {
	cli, err := c.live()
	if err != nil {
		return nil, err
	}
	if !cli.IsLoggedIn() {
		return nil, whatsapp.ErrNotConnected
	}
	groups, err := cli.GetJoinedGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("meow: list groups: %w", err)
	}
	out := make([]whatsapp.Chat, 0, len(groups))
	for _, g := range groups {
		out = append(out, whatsapp.Chat{ID: g.JID.String(), Name: g.Name, IsGroup: true})
	}
	return out, nil
}

// Download implements whatsapp.Client.
func (c *client) Download(ctx context.Context, m *whatsapp.Media, maxBytes int64) ([]byte, error) {
	if m == nil || m.Ref == "" {
		return nil, errors.New("meow: download: no media reference")
	}
	var ref mediaRef
	if err := json.Unmarshal([]byte(m.Ref), &ref); err != nil || ref.DirectPath == "" {
		return nil, fmt.Errorf("meow: download: bad media reference")
	}
	if maxBytes <= 0 || maxBytes > c.e.o.MaxMediaBytes {
		maxBytes = c.e.o.MaxMediaBytes
	}
	if ref.Size > maxBytes || m.Size > maxBytes {
		return nil, whatsapp.ErrMediaTooLarge
	}
	cli, err := c.live()
	if err != nil {
		return nil, err
	}
	// AES-CBC adds up to 16 bytes of padding and the file ends in a 10-byte MAC.
	data, err := cli.DownloadMediaWithPath(withLimit(ctx, maxBytes+26), ref.DirectPath, ref.FileEncSHA256, ref.FileSHA256,
		ref.MediaKey, whatsmeow.MediaType(ref.MediaType), "", false)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, whatsapp.ErrMediaTooLarge
	case errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404), errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410):
		return nil, whatsapp.ErrMediaGone
	case errors.Is(err, whatsmeow.ErrNotLoggedIn), errors.Is(err, whatsmeow.ErrNotConnected):
		return nil, whatsapp.ErrNotConnected
	case err != nil:
		return nil, fmt.Errorf("meow: download: %w", err)
	case int64(len(data)) > maxBytes:
		return nil, whatsapp.ErrMediaTooLarge
	}
	return data, nil
}

// HasDevice implements whatsapp.Client.
func (c *client) HasDevice() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dev, err := c.e.storedDevice(ctx, c.id)
	if err != nil {
		c.log.Warn("check stored device", "err", err)
		return false
	}
	return dev != nil
}

// prePair records which device the session pairs before whatsmeow stores
// it, so that a crash in between leaves no device without its session.
func (c *client) prePair(ctx context.Context, jid types.JID) bool {
	if err := c.e.saveDeviceJID(ctx, c.id, jid); err != nil {
		c.log.Error("pairing refused: cannot record the device", "err", err)
		return false
	}
	return true
}

// stopAndDisconnect stops the session and closes its connection; it
// reports whether the session was still running.
func (c *client) stopAndDisconnect() bool {
	cli, cancel := c.stop()
	if cli != nil {
		cli.Disconnect()
	}
	cancel()
	return cli != nil
}

// readQR forwards the QR channel's codes as whatsapp.QR events until
// pairing ends.
func (c *client) readQR(ctx context.Context, cli *whatsmeow.Client, ch <-chan whatsmeow.QRChannelItem) {
	for {
		var item whatsmeow.QRChannelItem
		var ok bool
		select {
		case item, ok = <-ch:
		case <-ctx.Done():
			return
		}
		if !ok {
			return
		}
		// whatsmeow's QR channel sends and closes from different goroutines
		// without synchronizing them; write-locking the client's handler
		// list here orders this receive before the close, which runs in an
		// event handler (a no-op otherwise: there is no handler 0).
		cli.RemoveEventHandler(0)
		if !c.current(cli) {
			return
		}
		switch item.Event {
		case whatsmeow.QRChannelEventCode:
			c.h.HandleEvent(whatsapp.QR{Code: item.Code, ExpiresAt: time.Now().Add(item.Timeout)})
		case whatsmeow.QRChannelTimeout.Event:
			// Codes ran out (whatsmeow disconnects) or the pairing socket
			// closed.
			if c.stopAndDisconnect() {
				c.h.HandleEvent(whatsapp.QRTimeout{})
			}
			return
		case whatsmeow.QRChannelErrUnexpectedEvent.Event, whatsmeow.QRChannelScannedWithoutMultidevice.Event:
			if c.stopAndDisconnect() {
				c.h.HandleEvent(whatsapp.PairError{Reason: item.Event})
			}
			return
		}
		// success, error and client-outdated arrive as events too; the
		// event handler reports them.
	}
}
