package waha

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// client is one Synapse session as a WAHA session of the same name.
type client struct {
	e    *Engine
	name string
	h    whatsapp.Handler
	log  *slog.Logger

	mu        sync.Mutex
	connected bool // between Connect and Disconnect/Logout
	closed    bool // after Disconnect, Logout or Detach: the client is done
	status    string
	qrGen     int // bumped whenever pairing starts or stops; stale QR timers end
	pairing   bool
	qrCount   int
	qrCode    string
	qrTimer   *time.Timer
	me        whatsapp.Account
}

var _ whatsapp.Client = (*client)(nil)

// webhookEvents are the WAHA events the engine subscribes to.
var webhookEvents = []string{"session.status", "message.any", "message.edited", "message.revoked"}

func (c *client) sessionConfig() map[string]any {
	return map[string]any{
		"webhooks": []map[string]any{{
			"url":    c.e.o.WebhookURL(),
			"events": webhookEvents,
			"hmac":   map[string]string{"key": string(c.e.o.WebhookSecret)},
			// WAHA retries a webhook Synapse could not take (503).
			"retries": map[string]any{"policy": "exponential", "delaySeconds": 2, "attempts": 10},
		}},
		"metadata": map[string]string{"synapse.session": c.name},
	}
}

// Connect implements whatsapp.Client: it creates or updates the WAHA session
// with Synapse's webhook, starts it, and applies its current status.
func (c *client) Connect(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("waha: client was disconnected")
	}
	c.stopQR()
	c.connected, c.status, c.qrCount, c.qrCode = true, "", 0, ""
	c.mu.Unlock()
	lock := c.e.nameLock(c.name)
	lock.Lock()
	defer lock.Unlock()
	c.e.register(c)
	cfg := c.sessionConfig()
	err := c.e.call(ctx, http.MethodPost, "/api/sessions", map[string]any{"name": c.name, "start": true, "config": cfg}, nil)
	if st := statusOf(err); st == http.StatusConflict || st == http.StatusUnprocessableEntity {
		// It exists: point its webhook here and start it.
		if err = c.e.call(ctx, http.MethodPut, "/api/sessions/"+url.PathEscape(c.name), map[string]any{"name": c.name, "config": cfg}, nil); err == nil {
			err = c.e.call(ctx, http.MethodPost, "/api/sessions/"+url.PathEscape(c.name)+"/start", nil, nil)
			if st := statusOf(err); st == http.StatusConflict || st == http.StatusUnprocessableEntity {
				err = nil // already started
			}
		}
	}
	if err != nil {
		c.e.unregister(c)
		return err
	}
	info, err := c.e.session(ctx, c.name)
	if err != nil {
		c.e.unregister(c)
		return err
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		// Disconnected while starting: undo the start.
		c.stopRemoteLocked()
		return nil
	}
	c.onStatus(info.Status, info.Me)
	return nil
}

// onStatus applies a session status WAHA reported.
func (c *client) onStatus(status string, m *me) {
	c.mu.Lock()
	if !c.connected || status == c.status && status != "SCAN_QR_CODE" {
		c.mu.Unlock()
		return
	}
	prev, wasPairing := c.status, c.pairing
	c.status = status
	if m != nil && m.ID != "" {
		c.me = m.account()
	}
	if status != "SCAN_QR_CODE" {
		c.stopQR()
	}
	c.mu.Unlock()

	switch status {
	case "SCAN_QR_CODE":
		c.mu.Lock()
		start := !c.pairing
		c.pairing = true
		gen := c.qrGen
		c.mu.Unlock()
		if start {
			go c.refreshQR(gen)
		}
	case "WORKING":
		me := c.account()
		if wasPairing {
			c.h.HandleEvent(whatsapp.PairSuccess{Me: me})
		}
		c.h.HandleEvent(whatsapp.Connected{Me: me})
	case "STOPPED", "FAILED":
		if wasPairing {
			c.h.HandleEvent(whatsapp.QRTimeout{})
			return
		}
		reason := "The WAHA server stopped the session. Connect again to restart it."
		if status == "FAILED" {
			reason = "The WAHA server reports the session failed; it may need to be linked again: log out and connect."
		}
		if prev == "" && status == "STOPPED" {
			return // just created; starting follows
		}
		c.h.HandleEvent(whatsapp.Disconnected{Reason: reason})
	}
}

// account returns the logged-in account, asking WAHA when the webhook did
// not say.
func (c *client) account() whatsapp.Account {
	c.mu.Lock()
	me := c.me
	c.mu.Unlock()
	if me.JID != "" {
		return me
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if info, err := c.e.session(ctx, c.name); err == nil && info.Me != nil {
		me = info.Me.account()
		c.mu.Lock()
		c.me = me
		c.mu.Unlock()
	}
	return me
}

// stopQR stops fetching QR codes. Callers hold c.mu.
func (c *client) stopQR() {
	c.pairing = false
	c.qrGen++
	if c.qrTimer != nil {
		c.qrTimer.Stop()
		c.qrTimer = nil
	}
}

// refreshQR fetches the current QR code, reports it when it changed, and
// schedules the next fetch at the end of the code's lifetime.
func (c *client) refreshQR(gen int) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	var qr struct {
		Value string `json:"value"`
	}
	err := c.e.call(ctx, http.MethodGet, "/api/"+url.PathEscape(c.name)+"/auth/qr?format=raw", nil, &qr)
	cancel()
	c.mu.Lock()
	if !c.connected || !c.pairing || c.qrGen != gen {
		c.mu.Unlock()
		return
	}
	lifetimes := c.e.o.QRLifetimes
	life := lifetimes[min(c.qrCount, len(lifetimes)-1)]
	var event *whatsapp.QR
	if err != nil {
		c.log.Warn("fetch WAHA QR code", "err", err)
		life = 2 * time.Second
	} else if qr.Value != "" && qr.Value != c.qrCode {
		c.qrCode = qr.Value
		c.qrCount++
		event = &whatsapp.QR{Code: qr.Value, ExpiresAt: c.e.o.Now().Add(life)}
	}
	c.qrTimer = time.AfterFunc(life, func() { c.refreshQR(gen) })
	c.mu.Unlock()
	if event != nil {
		c.h.HandleEvent(*event) // outside c.mu: the handler takes the session's lock
	}
}

// Disconnect implements whatsapp.Client: the WAHA session is stopped and
// keeps its login.
func (c *client) Disconnect() {
	if c.detach() {
		c.stopRemote()
	}
}

// Detach implements whatsapp.Detacher: events stop arriving here, and the
// WAHA session, which another node now drives, keeps running.
func (c *client) Detach() { c.detach() }

// stopRemote stops the WAHA session, unless a newer client of the same
// session (a restart) has taken over since.
func (c *client) stopRemote() {
	lock := c.e.nameLock(c.name)
	lock.Lock()
	defer lock.Unlock()
	c.stopRemoteLocked()
}

// stopRemoteLocked is stopRemote with the session's name lock held.
func (c *client) stopRemoteLocked() {
	if cur := c.e.client(c.name); cur != nil && cur != c {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.e.call(ctx, http.MethodPost, "/api/sessions/"+url.PathEscape(c.name)+"/stop", nil, nil); err != nil && statusOf(err) != http.StatusNotFound {
		c.log.Warn("stop WAHA session", "err", err)
	}
}

// detach ends event delivery for good; it reports whether the client was
// connected.
func (c *client) detach() bool {
	c.mu.Lock()
	was := c.connected
	c.connected, c.closed = false, true
	c.stopQR()
	c.status = ""
	c.mu.Unlock()
	c.e.unregister(c)
	return was
}

// Logout implements whatsapp.Client: the device is unlinked and the WAHA
// session deleted.
func (c *client) Logout(ctx context.Context) error {
	c.detach()
	path := "/api/sessions/" + url.PathEscape(c.name)
	err := c.e.call(ctx, http.MethodPost, path+"/logout", nil, nil)
	if statusOf(err) == http.StatusNotFound {
		err = nil
	}
	if derr := c.e.call(ctx, http.MethodDelete, path, nil, nil); derr != nil && statusOf(derr) != http.StatusNotFound && err == nil {
		err = derr
	}
	return err
}

// PairPhone implements whatsapp.Client.
func (c *client) PairPhone(ctx context.Context, phone string) (string, error) {
	var out struct {
		Code string `json:"code"`
	}
	if err := c.e.call(ctx, http.MethodPost, "/api/"+url.PathEscape(c.name)+"/auth/request-code", map[string]string{"phoneNumber": phone}, &out); err != nil {
		return "", err
	}
	if out.Code == "" {
		return "", errors.New("waha: request-code answered without a code")
	}
	return out.Code, nil
}

// Send implements whatsapp.Client: POST /api/sendText, or /api/sendImage
// and /api/sendFile with the file inline (base64), each with reply_to when
// the message quotes another.
func (c *client) Send(ctx context.Context, o whatsapp.Outgoing) (whatsapp.Message, error) {
	chatID := o.ChatID
	if !strings.Contains(chatID, "@") {
		return whatsapp.Message{}, whatsapp.ErrInvalidChat
	}
	var out struct {
		ID        any        `json:"id"`
		Timestamp int64      `json:"timestamp"`
		Media     *mediaInfo `json:"media"`
	}
	body := map[string]any{"session": c.name, "chatId": toChatID(chatID)}
	if o.ReplyTo != nil {
		body["reply_to"] = o.ReplyTo.ID
	}
	path, typ := "/api/sendText", whatsapp.TypeText
	if a := o.Attachment; a != nil {
		switch a.Type {
		case whatsapp.TypeImage:
			path, typ = "/api/sendImage", whatsapp.TypeImage
		case whatsapp.TypeDocument:
			path, typ = "/api/sendFile", whatsapp.TypeDocument
		default:
			return whatsapp.Message{}, whatsapp.ErrNotSupported
		}
		body["file"] = map[string]any{"mimetype": a.MimeType, "filename": a.FileName, "data": a.Data}
		if o.Text != "" {
			body["caption"] = o.Text
		}
	} else {
		body["text"] = o.Text
	}
	err := c.e.call(ctx, http.MethodPost, path, body, &out)
	if err != nil {
		if st := statusOf(err); st == http.StatusUnprocessableEntity || st == http.StatusConflict {
			return whatsapp.Message{}, fmt.Errorf("%w: %v", whatsapp.ErrNotConnected, err)
		}
		return whatsapp.Message{}, err
	}
	id := ""
	switch v := out.ID.(type) {
	case string:
		id = v
	case map[string]any:
		id, _ = v["_serialized"].(string)
		if id == "" {
			id, _ = v["id"].(string)
		}
	}
	if id == "" {
		return whatsapp.Message{}, errors.New("waha: " + path + " answered without a message id")
	}
	ts := c.e.o.Now().UTC()
	if out.Timestamp > 0 {
		ts = time.Unix(out.Timestamp, 0).UTC()
	}
	me := c.account()
	m := whatsapp.Message{ID: messageID(id), ChatID: chatID, IsGroup: strings.HasSuffix(chatID, "@g.us"),
		From: me.JID, FromName: me.PushName, FromMe: true, Type: typ, Text: o.Text, Timestamp: ts}
	if o.ReplyTo != nil {
		m.ReplyTo = o.ReplyTo.ID
	}
	if a := o.Attachment; a != nil {
		m.Media = &whatsapp.Media{MimeType: a.MimeType, FileName: a.FileName, Size: int64(len(a.Data)), Width: a.Width, Height: a.Height}
		if out.Media != nil && out.Media.Error == nil {
			m.Media.Ref = out.Media.URL
		}
	}
	return m, nil
}

// Groups implements whatsapp.Client: WAHA's group list differs between its
// engines, so groups are learned from their messages instead.
func (c *client) Groups(context.Context) ([]whatsapp.Chat, error) {
	return nil, whatsapp.ErrNotSupported
}

// Download implements whatsapp.Client: the media URL WAHA gave, with the
// API key, refusing more than maxBytes.
func (c *client) Download(ctx context.Context, m *whatsapp.Media, maxBytes int64) ([]byte, error) {
	if m == nil || m.Ref == "" {
		return nil, whatsapp.ErrMediaGone
	}
	u, err := c.e.base.Parse(m.Ref)
	if err != nil {
		return nil, fmt.Errorf("waha: media URL %q: %w", m.Ref, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if c.e.o.APIKey != "" && u.Host == c.e.base.Host {
		req.Header.Set("X-Api-Key", c.e.o.APIKey) // never to another host
	}
	resp, err := c.e.o.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("waha: download media: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, whatsapp.ErrMediaGone
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("waha: download media: %s", resp.Status)
	case resp.ContentLength > maxBytes:
		return nil, whatsapp.ErrMediaTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("waha: download media: %w", err)
	}
	if int64(len(b)) > maxBytes {
		return nil, whatsapp.ErrMediaTooLarge
	}
	return b, nil
}

// HasDevice implements whatsapp.Client: WAHA knows the session's account.
func (c *client) HasDevice() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := c.e.session(ctx, c.name)
	return err == nil && info.Me != nil && info.Me.ID != ""
}
