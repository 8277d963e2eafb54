package sim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

type clientState int

const (
	idle clientState = iota
	connecting
	pairing
	connected
	closed
)

// client is one session's simulated connection. An idle connected client
// owns no goroutine: a delivery goroutine exists only while the phone has
// messages queued for it, and a timer only while a QR code is showing.
type client struct {
	e   *Engine
	ref whatsapp.SessionRef
	h   whatsapp.Handler

	// emit serialises "change state, then tell the handler", so that the
	// handler sees events in the order the state changed (a late QR code
	// never follows a successful pairing). It is never held by Disconnect,
	// which the manager calls with its own lock held.
	emit sync.Mutex

	mu         sync.Mutex
	state      clientState
	dev        *device
	qr         string
	qrIndex    int
	qrTimer    *time.Timer
	pairCode   string
	pending    []whatsapp.Message
	delivering bool
}

// Connect implements whatsapp.Client.
func (c *client) Connect(context.Context) error {
	c.mu.Lock()
	if c.state == closed {
		c.mu.Unlock()
		return errors.New("sim: client is closed")
	}
	if c.state != idle {
		c.mu.Unlock()
		return nil
	}
	c.state = connecting
	c.mu.Unlock()
	dev, err := c.e.loadDevice(c.ref.ID)
	if err != nil {
		c.setIdle()
		return err
	}
	switch {
	case dev == nil:
		c.emit.Lock()
		defer c.emit.Unlock()
		c.mu.Lock()
		var evt whatsapp.Event
		if c.state == connecting {
			c.state = pairing
			c.qrIndex = 0
			evt = c.nextQR()
		}
		c.mu.Unlock()
		if evt != nil {
			c.h.HandleEvent(evt)
		}
	case dev.Unlinked:
		_ = c.e.deleteDevice(c.ref.ID)
		c.setIdle()
		c.emit.Lock()
		defer c.emit.Unlock()
		c.h.HandleEvent(whatsapp.LoggedOut{Reason: "The phone unlinked this device. Scan a new QR code to connect again."})
	default:
		return c.login(dev)
	}
	return nil
}

func (c *client) setIdle() {
	c.mu.Lock()
	if c.state != closed {
		c.state = idle
	}
	c.mu.Unlock()
}

// login connects a paired device and hands over what the phone has queued.
// Reading the queue and becoming connected happen under the queue's lock, so
// a message the phone sends meanwhile is either in what was read or offered
// after: never neither.
func (c *client) login(dev *device) error {
	files, err := c.e.sessionFiles(c.ref.ID)
	if err != nil {
		c.setIdle()
		return err
	}
	files.mu.Lock()
	pending, err := files.pending()
	if err != nil {
		files.mu.Unlock()
		c.setIdle()
		return fmt.Errorf("sim: read queue: %w", err)
	}
	c.mu.Lock()
	if c.state == closed {
		c.mu.Unlock()
		files.mu.Unlock()
		return nil
	}
	c.state = connected
	c.dev = dev
	c.pending = pending
	c.mu.Unlock()
	files.mu.Unlock()
	c.emit.Lock()
	c.h.HandleEvent(whatsapp.Connected{Me: whatsapp.Account{JID: dev.JID, PushName: dev.PushName}})
	c.emit.Unlock()
	c.offer(nil)
	return nil
}

// nextQR makes the next code current, arms its expiry and returns the event
// to emit: the code, or QRTimeout after the last one. Callers hold c.emit
// and c.mu.
func (c *client) nextQR() whatsapp.Event {
	timeouts := c.e.o.QRTimeouts
	if c.qrIndex >= len(timeouts) {
		c.state = idle
		c.qr = ""
		return whatsapp.QRTimeout{}
	}
	// The shape of a WhatsApp QR payload: ref, noise key, identity key and
	// ADV secret.
	c.qr = "2@" + randomB64(24) + "," + randomB64(32) + "," + randomB64(32) + "," + randomB64(32)
	d := timeouts[c.qrIndex]
	c.qrIndex++
	c.qrTimer = time.AfterFunc(d, c.rotateQR)
	return whatsapp.QR{Code: c.qr, ExpiresAt: c.e.o.Now().Add(d)}
}

func (c *client) rotateQR() {
	c.emit.Lock()
	defer c.emit.Unlock()
	c.mu.Lock()
	var evt whatsapp.Event
	if c.state == pairing {
		evt = c.nextQR()
	}
	c.mu.Unlock()
	if evt != nil {
		c.h.HandleEvent(evt)
	}
}

func (c *client) stopQR() {
	if c.qrTimer != nil {
		c.qrTimer.Stop()
		c.qrTimer = nil
	}
	c.qr = ""
	c.pairCode = ""
}

// Disconnect implements whatsapp.Client.
func (c *client) Disconnect() {
	c.mu.Lock()
	c.state = closed
	c.stopQR()
	c.pending = nil
	c.mu.Unlock()
}

// Logout implements whatsapp.Client: the device is removed.
func (c *client) Logout(context.Context) error {
	c.Disconnect()
	return c.e.deleteDevice(c.ref.ID)
}

// PairPhone implements whatsapp.Client: the returned code is what the
// person would type on the phone; the simulated phone confirms it through
// Engine.ConfirmPairCode.
func (c *client) PairPhone(_ context.Context, phone string) (string, error) {
	digits := onlyDigits(phone)
	if len(digits) < 7 || len(digits) > 15 {
		return "", fmt.Errorf("%w: phone number must have 7 to 15 digits with country code", whatsapp.ErrInvalidChat)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != pairing {
		return "", whatsapp.ErrNotPairing
	}
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTVWXYZ"
	b := []byte(randomHex(4))
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	c.pairCode = string(b[:4]) + "-" + string(b[4:8])
	return c.pairCode, nil
}

// Send implements whatsapp.Client: the message is recorded as sent (the
// simulated phone's Sent list), an attachment kept in the media directory
// so that it downloads like any other.
func (c *client) Send(_ context.Context, out whatsapp.Outgoing) (whatsapp.Message, error) {
	chat, isGroup, err := NormalizeChat(out.ChatID, false)
	if err != nil {
		return whatsapp.Message{}, err
	}
	c.mu.Lock()
	if c.state != connected {
		c.mu.Unlock()
		return whatsapp.Message{}, whatsapp.ErrNotConnected
	}
	me := c.dev.JID
	c.mu.Unlock()
	m := whatsapp.Message{
		ID: "3EB0" + strings.ToUpper(randomHex(10)), ChatID: chat, IsGroup: isGroup, From: me, FromMe: true,
		Type: whatsapp.TypeText, Text: out.Text, Timestamp: c.e.o.Now().UTC().Truncate(time.Second),
	}
	if out.ReplyTo != nil {
		m.ReplyTo = out.ReplyTo.ID
	}
	if a := out.Attachment; a != nil {
		if a.Type != whatsapp.TypeImage && a.Type != whatsapp.TypeDocument {
			return whatsapp.Message{}, whatsapp.ErrNotSupported
		}
		ref, err := c.e.keepMedia(a.Data)
		if err != nil {
			return whatsapp.Message{}, err
		}
		m.Type = a.Type
		m.Media = &whatsapp.Media{Ref: ref, MimeType: a.MimeType, FileName: a.FileName, Size: int64(len(a.Data)),
			SHA256: ref, Width: a.Width, Height: a.Height}
	}
	if err := c.e.recordSent(c.ref.ID, m); err != nil {
		return whatsapp.Message{}, err
	}
	return m, nil
}

// Groups implements whatsapp.Client.
func (c *client) Groups(context.Context) ([]whatsapp.Chat, error) {
	c.mu.Lock()
	ok := c.state == connected
	c.mu.Unlock()
	if !ok {
		return nil, whatsapp.ErrNotConnected
	}
	dev, err := c.e.loadDevice(c.ref.ID)
	if err != nil || dev == nil {
		return nil, whatsapp.ErrNotConnected
	}
	out := make([]whatsapp.Chat, 0, len(dev.Groups))
	for id, name := range dev.Groups {
		out = append(out, whatsapp.Chat{ID: id, Name: name, IsGroup: true})
	}
	return out, nil
}

// Download implements whatsapp.Client.
func (c *client) Download(_ context.Context, m *whatsapp.Media, maxBytes int64) ([]byte, error) {
	c.mu.Lock()
	ok := c.state == connected
	c.mu.Unlock()
	if !ok {
		return nil, whatsapp.ErrNotConnected
	}
	if m == nil || !validMediaRef(m.Ref) {
		return nil, whatsapp.ErrMediaGone
	}
	path := filepath.Join(c.e.o.Dir, "media", m.Ref)
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, whatsapp.ErrMediaGone
	}
	if err != nil {
		return nil, err
	}
	if st.Size() > maxBytes {
		return nil, whatsapp.ErrMediaTooLarge
	}
	return os.ReadFile(path)
}

// HasDevice implements whatsapp.Client.
func (c *client) HasDevice() bool {
	d, err := c.e.loadDevice(c.ref.ID)
	return err == nil && d != nil && !d.Unlinked
}

// offer queues messages for delivery to the device, starting the delivery
// goroutine if none runs.
func (c *client) offer(msgs []whatsapp.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != connected {
		return // delivered from the queue file on the next login
	}
	c.pending = append(c.pending, msgs...)
	if !c.delivering && len(c.pending) > 0 {
		c.delivering = true
		go c.deliver()
	}
}

// deliver hands queued messages to the handler in batches and records each
// batch's acknowledgement once the handler has stored it. A failed batch is
// offered again after a pause, as WhatsApp retries.
func (c *client) deliver() {
	files, err := c.e.sessionFiles(c.ref.ID)
	if err != nil {
		c.ref.Log.Error("sim: open queue", "err", err)
		c.mu.Lock()
		c.delivering = false
		c.mu.Unlock()
		return
	}
	failures := 0
	for {
		c.mu.Lock()
		if c.state != connected || len(c.pending) == 0 {
			c.delivering = false
			c.pending = nil
			c.mu.Unlock()
			return
		}
		n := min(len(c.pending), c.e.o.DeliveryBatch)
		batch := c.pending[:n:n]
		c.mu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		err := c.h.HandleMessages(ctx, batch)
		cancel()
		if err != nil {
			failures++
			c.ref.Log.Warn("sim: device did not store messages; will redeliver", "err", err, "messages", n)
			time.Sleep(min(time.Duration(failures)*200*time.Millisecond, 5*time.Second))
			continue
		}
		failures = 0
		c.mu.Lock()
		stillConnected := c.state == connected
		if stillConnected {
			c.pending = c.pending[n:]
		}
		c.mu.Unlock()
		// The handler stored them: that is the device's acknowledgement,
		// whatever happens to the connection afterwards.
		files.mu.Lock()
		err = files.ack(batch)
		files.mu.Unlock()
		if err != nil {
			c.ref.Log.Error("sim: record acknowledgement", "err", err)
		}
	}
}
