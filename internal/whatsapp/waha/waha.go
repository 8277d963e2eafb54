// Package waha is the engine for teams that already run WAHA (WhatsApp HTTP
// API, https://waha.devlike.pro): each Synapse session is a WAHA session of
// the same name, driven over WAHA's HTTP API, and WAHA reports what happens
// through webhooks that Synapse serves (Engine.ServeHTTP).
//
// Mapping:
//
//   - Connect creates the WAHA session (or updates and starts an existing
//     one) with a webhook for session.status, message.any,
//     message.edited and message.revoked events,
//     signed with HMAC-SHA512; the session's current status is then applied
//     as if it had been reported.
//   - session.status SCAN_QR_CODE: the client fetches the QR code
//     (GET /api/{session}/auth/qr?format=raw) and again every code lifetime
//     (60 s, then 20 s) while pairing, since WAHA does not report rotations;
//     this timer exists only while a QR code is shown. WORKING after pairing
//     is PairSuccess then Connected; WORKING otherwise is Connected. STOPPED
//     or FAILED while pairing is QRTimeout; FAILED otherwise is a
//     Disconnected that does not retry, with WAHA's reason.
//   - message / message.any: the webhook answers 200 only after the message
//     is stored; on failure it answers 503 and WAHA's webhook retries
//     deliver it again. Ids "<fromMe>_<chat>_<id>" keep their last part, so
//     an echo of a message Synapse sent is stored once.
//   - message.edited (editedMessageId, the new body) and message.revoked
//     (revokedMessageId, with the revocation as "after" and the deleted
//     message as "before") become changes to the earlier message, applied
//     as for the whatsmeow engine: only its sender edits it; its sender or,
//     in a group, an admin deletes it.
//   - Status updates, broadcast lists and channels are never stored.
//   - Chat ids "…@c.us" become "…@s.whatsapp.net" (as with the other
//     engines) and back when sending.
//   - Media is downloaded from the URL WAHA gives, with the API key.
//
// WAHA's list of groups differs between its engines; this engine does not
// list groups (Groups returns ErrNotSupported): groups appear as their
// messages arrive.
package waha

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
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

// Options configure the engine.
type Options struct {
	// BaseURL is the WAHA server (WAHA_SERVICE_URL), APIKey its X-Api-Key
	// (WAHA_API_KEY).
	BaseURL string
	APIKey  string
	// WebhookURL returns the URL WAHA posts events to (Synapse's
	// /api/v1/webhooks/waha on this node). It is asked at each Connect.
	WebhookURL func() string
	// WebhookSecret signs webhooks (WAHA's hmac.key); required.
	WebhookSecret []byte
	// QRLifetimes are how long successive QR codes live (WAHA: 60 s, then
	// 20 s).
	QRLifetimes []time.Duration
	HTTP        *http.Client
	Log         *slog.Logger
	Now         func() time.Time
}

// Engine is the WAHA engine. It is safe for concurrent use.
type Engine struct {
	o       Options
	base    *url.URL
	mu      sync.Mutex
	clients map[string]*client // connected clients by session name
	// names serialises starting and stopping one WAHA session, so that an
	// old client's stop cannot land after a new client's start.
	names sync.Map // session name → *sync.Mutex
}

func (e *Engine) nameLock(name string) *sync.Mutex {
	l, _ := e.names.LoadOrStore(name, &sync.Mutex{})
	return l.(*sync.Mutex)
}

var _ whatsapp.Engine = (*Engine)(nil)

// New returns the engine; it contacts WAHA only when a session connects.
func New(o Options) (*Engine, error) {
	u, err := url.Parse(strings.TrimRight(o.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("waha: %q is not an http(s) URL", o.BaseURL)
	}
	if len(o.WebhookSecret) < 16 {
		return nil, errors.New("waha: a webhook secret of at least 16 bytes is required")
	}
	if o.WebhookURL == nil {
		return nil, errors.New("waha: WebhookURL is required")
	}
	if len(o.QRLifetimes) == 0 {
		o.QRLifetimes = []time.Duration{60 * time.Second, 20 * time.Second}
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 60 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			// The API key goes to the WAHA host only, also across redirects.
			if req.URL.Host != u.Host {
				req.Header.Del("X-Api-Key")
			}
			if len(via) >= 10 {
				return errors.New("waha: too many redirects")
			}
			return nil
		}}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Engine{o: o, base: u, clients: map[string]*client{}}, nil
}

// Name implements whatsapp.Engine.
func (e *Engine) Name() string { return "waha" }

// SupportsPairCode implements whatsapp.Engine.
func (e *Engine) SupportsPairCode() bool { return true }

// NewClient implements whatsapp.Engine.
func (e *Engine) NewClient(_ context.Context, s whatsapp.SessionRef, h whatsapp.Handler) (whatsapp.Client, error) {
	if s.ID == "" {
		return nil, errors.New("waha: session id is required")
	}
	log := s.Log
	if log == nil {
		log = e.o.Log.With("session_id", s.ID)
	}
	return &client{e: e, name: s.ID, h: h, log: log}, nil
}

// APIError is an unexpected answer from WAHA.
type APIError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("waha: %s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

// call sends a JSON request to WAHA and decodes a JSON answer into out
// (when not nil).
func (e *Engine) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.base.String()+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.o.APIKey != "" {
		req.Header.Set("X-Api-Key", e.o.APIKey)
	}
	resp, err := e.o.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("waha: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(out); err != nil {
		return fmt.Errorf("waha: %s %s: bad answer: %w", method, path, err)
	}
	return nil
}

func statusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// sessionInfo is WAHA's description of a session.
type sessionInfo struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Me     *me    `json:"me"`
}

type me struct {
	ID       string `json:"id"`
	PushName string `json:"pushName"`
}

func (m *me) account() whatsapp.Account {
	if m == nil {
		return whatsapp.Account{}
	}
	return whatsapp.Account{JID: toJID(m.ID), PushName: m.PushName}
}

func (e *Engine) session(ctx context.Context, name string) (sessionInfo, error) {
	var s sessionInfo
	err := e.call(ctx, http.MethodGet, "/api/sessions/"+url.PathEscape(name), nil, &s)
	return s, err
}

func (e *Engine) register(c *client) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clients[c.name] = c
}

func (e *Engine) unregister(c *client) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.clients[c.name] == c {
		delete(e.clients, c.name)
	}
}

func (e *Engine) client(name string) *client {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clients[name]
}

// toJID turns WAHA's "…@c.us" into Synapse's "…@s.whatsapp.net".
func toJID(id string) string {
	if user, ok := strings.CutSuffix(id, "@c.us"); ok {
		return user + "@s.whatsapp.net"
	}
	return id
}

// toChatID turns a Synapse chat id into WAHA's.
func toChatID(jid string) string {
	if user, ok := strings.CutSuffix(jid, "@s.whatsapp.net"); ok {
		return user + "@c.us"
	}
	return jid
}

// ---------------------------------------------------------------------------
// Webhooks

// maxWebhookBody bounds one webhook (a message with a long text and its raw
// data; media travels by URL).
const maxWebhookBody = 4 << 20

// envelope is a WAHA webhook.
type envelope struct {
	Event   string          `json:"event"`
	Session string          `json:"session"`
	Payload json.RawMessage `json:"payload"`
	Me      *me             `json:"me"`
}

// ServeHTTP receives WAHA's webhooks. It answers 401 to a bad signature and
// 503 when a message could not be stored (WAHA retries), so a message is
// acknowledged to WAHA only once Synapse has it.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if !e.validSignature(body, r.Header.Get("X-Webhook-Hmac"), r.Header.Get("X-Webhook-Hmac-Algorithm")) {
		e.o.Log.Warn("waha webhook with a bad signature refused", "remote", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	c := e.client(env.Session)
	switch env.Event {
	case "session.status":
		var p struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(env.Payload, &p); err != nil {
			http.Error(w, "bad session.status payload", http.StatusBadRequest)
			return
		}
		if c != nil {
			c.onStatus(p.Status, env.Me)
		}
	case "message", "message.any":
		var p payload
		if err := json.Unmarshal(env.Payload, &p); err != nil {
			http.Error(w, "bad message payload: "+err.Error(), http.StatusBadRequest)
			return
		}
		if c == nil {
			// Not running in this process (yet): let WAHA retry.
			http.Error(w, "session not running here", http.StatusServiceUnavailable)
			return
		}
		if msg, ok := convert(&p, env.Me); ok && !c.store(w, r, msg) {
			return
		}
	case "message.edited", "message.revoked":
		var msg whatsapp.Message
		var ok bool
		var err error
		if env.Event == "message.edited" {
			var p editedPayload
			if err = json.Unmarshal(env.Payload, &p); err == nil {
				msg, ok = convertEdit(&p, env.Me)
			}
		} else {
			var p revokedPayload
			if err = json.Unmarshal(env.Payload, &p); err == nil {
				msg, ok = convertRevoke(&p, env.Me)
			}
		}
		if err != nil {
			http.Error(w, "bad "+env.Event+" payload: "+err.Error(), http.StatusBadRequest)
			return
		}
		if c == nil {
			http.Error(w, "session not running here", http.StatusServiceUnavailable)
			return
		}
		if ok && !c.store(w, r, msg) {
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// store hands a message (or a change to one) to Synapse; when it could not
// be stored it answers 503, so WAHA retries, and returns false.
func (c *client) store(w http.ResponseWriter, r *http.Request, msg whatsapp.Message) bool {
	if err := c.h.HandleMessages(r.Context(), []whatsapp.Message{msg}); err != nil {
		c.log.Warn("waha message not stored; WAHA will retry", "id", msg.ID, "err", err)
		http.Error(w, "not stored", http.StatusServiceUnavailable)
		return false
	}
	return true
}

// validSignature checks WAHA's HMAC of the body (hex, SHA-512).
func (e *Engine) validSignature(body []byte, sig, alg string) bool {
	if alg != "" && !strings.EqualFold(alg, "sha512") {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) == 0 {
		return false
	}
	mac := hmac.New(sha512.New, e.o.WebhookSecret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the signature WAHA sends for body (for tests and tools).
func Sign(secret, body []byte) string {
	mac := hmac.New(sha512.New, secret)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
