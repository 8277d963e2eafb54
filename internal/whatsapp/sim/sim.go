// Package sim is a simulated WhatsApp in process, for `synapse demo`, tests
// and benchmarks. From the session manager's point of view it behaves like
// WhatsApp: pairing codes that rotate and expire, a simulated phone per
// session that scans them, chats and groups, incoming messages of every kind
// (with real image and audio bytes), outgoing text, and the phone unlinking
// the device.
//
// Like WhatsApp, the simulated phone keeps every message it sends to the
// linked device until the device acknowledges it, and redelivers the
// unacknowledged ones when the device connects again. That queue and the
// record of acknowledgements live in files in the engine's directory,
// outside Synapse's database, so that a crash test can check that every
// acknowledged message was stored and nothing was lost.
package sim

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Options configure the engine.
type Options struct {
	// Dir holds the simulated phones' state (devices, queues, media).
	Dir string
	// QRTimeouts are the lifetimes of successive QR codes; pairing stops
	// after the last. Default: 60 s, then five of 20 s, as WhatsApp does.
	QRTimeouts []time.Duration
	// DeliveryBatch is how many queued messages the phone hands over at once
	// (default 256), as WhatsApp does when a device comes back online.
	DeliveryBatch int
	Log           *slog.Logger
	Now           func() time.Time
}

// Engine is the sim engine. It is safe for concurrent use.
type Engine struct {
	o       Options
	mu      sync.Mutex
	clients map[string]*client // the current client of each session
	files   sync.Map           // session id → *sessionFiles
}

// New returns a sim engine keeping its state under o.Dir.
func New(o Options) (*Engine, error) {
	if len(o.QRTimeouts) == 0 {
		o.QRTimeouts = []time.Duration{60 * time.Second, 20 * time.Second, 20 * time.Second, 20 * time.Second, 20 * time.Second, 20 * time.Second}
	}
	if o.DeliveryBatch <= 0 {
		o.DeliveryBatch = 256
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	for _, d := range []string{"devices", "queue", "media", "sent"} {
		if err := os.MkdirAll(filepath.Join(o.Dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
	}
	return &Engine{o: o, clients: map[string]*client{}}, nil
}

// Name implements whatsapp.Engine.
func (e *Engine) Name() string { return "sim" }

// SupportsPairCode implements whatsapp.Engine.
func (e *Engine) SupportsPairCode() bool { return true }

// NewClient implements whatsapp.Engine. A new client replaces the session's
// previous one.
func (e *Engine) NewClient(_ context.Context, s whatsapp.SessionRef, h whatsapp.Handler) (whatsapp.Client, error) {
	if s.ID == "" || !validSessionID(s.ID) {
		return nil, fmt.Errorf("sim: invalid session id %q", s.ID)
	}
	c := &client{e: e, ref: s, h: h}
	e.mu.Lock()
	old := e.clients[s.ID]
	e.clients[s.ID] = c
	e.mu.Unlock()
	if old != nil {
		old.Disconnect()
	}
	return c, nil
}

func validSessionID(id string) bool {
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return len(id) <= 64
}

func (e *Engine) current(sessionID string) *client {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clients[sessionID]
}

// device is the stored pairing of a session's simulated phone.
type device struct {
	JID      string    `json:"jid"`
	PushName string    `json:"pushName"`
	PairedAt time.Time `json:"pairedAt"`
	// Unlinked marks a device the phone removed while it was offline: the
	// next connection is refused, as WhatsApp refuses it.
	Unlinked bool              `json:"unlinked,omitempty"`
	Groups   map[string]string `json:"groups,omitempty"` // id → subject
}

func (e *Engine) devicePath(sid string) string {
	return filepath.Join(e.o.Dir, "devices", sid+".json")
}

func (e *Engine) loadDevice(sid string) (*device, error) {
	b, err := os.ReadFile(e.devicePath(sid))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sim: read device: %w", err)
	}
	var d device
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("sim: decode device: %w", err)
	}
	return &d, nil
}

func (e *Engine) saveDevice(sid string, d *device) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	tmp := e.devicePath(sid) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("sim: write device: %w", err)
	}
	return os.Rename(tmp, e.devicePath(sid))
}

func (e *Engine) deleteDevice(sid string) error {
	err := os.Remove(e.devicePath(sid))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// sessionFiles are a session's phone queue (every message the phone sent to
// the device, one JSON line each) and acknowledgement log (one key per
// line). The files are opened for each use, so that thousands of idle
// sessions hold no file descriptors. Callers hold mu around every method.
type sessionFiles struct {
	mu    sync.Mutex
	queue string
	acks  string
}

func (e *Engine) sessionFiles(sid string) (*sessionFiles, error) {
	if f, ok := e.files.Load(sid); ok {
		return f.(*sessionFiles), nil
	}
	f, _ := e.files.LoadOrStore(sid, &sessionFiles{
		queue: filepath.Join(e.o.Dir, "queue", sid+".jsonl"),
		acks:  filepath.Join(e.o.Dir, "queue", sid+".acks"),
	})
	return f.(*sessionFiles), nil
}

// Close forgets per-session state. Clients must be disconnected first.
func (e *Engine) Close() {
	e.files.Range(func(k, _ any) bool {
		e.files.Delete(k)
		return true
	})
}

func appendFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func msgKey(m *whatsapp.Message) string { return m.ChatID + " " + m.ID }

// queued is one line of the phone's queue.
type queued struct {
	whatsapp.Message
}

// enqueue appends messages to the phone's queue before they are offered to
// the device. A plain write survives the process being killed; the queue is
// test infrastructure, so it does not pay for fsync.
func (f *sessionFiles) enqueue(msgs []whatsapp.Message) error {
	var buf []byte
	for i := range msgs {
		b, err := json.Marshal(queued{msgs[i]})
		if err != nil {
			return err
		}
		buf = append(append(buf, b...), '\n')
	}
	return appendFile(f.queue, buf)
}

func (f *sessionFiles) ack(msgs []whatsapp.Message) error {
	var buf []byte
	for i := range msgs {
		buf = append(append(buf, msgKey(&msgs[i])...), '\n')
	}
	return appendFile(f.acks, buf)
}

// pending reads the queue and returns, in order, the messages never
// acknowledged (each key once). When everything was acknowledged and the
// files have grown large, they are emptied.
func (f *sessionFiles) pending() ([]whatsapp.Message, error) {
	acked, err := readAcks(f.acks)
	if err != nil {
		return nil, err
	}
	q, err := os.Open(f.queue)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer q.Close()
	var out []whatsapp.Message
	seen := map[string]bool{}
	sc := bufio.NewScanner(q)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var m queued
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue // a line cut short by a crash
		}
		k := msgKey(&m.Message)
		if acked[k] > 0 {
			acked[k]--
			continue
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, m.Message)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		if st, err := q.Stat(); err == nil && st.Size() > 4<<20 {
			_ = os.Truncate(f.queue, 0)
			_ = os.Truncate(f.acks, 0)
		}
	}
	return out, nil
}

// readAcks counts acknowledgements per key (a message delivered twice is
// acknowledged twice).
func readAcks(path string) (map[string]int, error) {
	acked := map[string]int{}
	a, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return acked, nil
	}
	if err != nil {
		return nil, err
	}
	defer a.Close()
	sc := bufio.NewScanner(a)
	for sc.Scan() {
		acked[sc.Text()]++
	}
	return acked, sc.Err()
}

// Acknowledged returns the keys ("<chat id> <message id>") of every message
// the device acknowledged for a session, read from the log outside the
// database. Crash tests compare it with what was stored.
func (e *Engine) Acknowledged(sessionID string) ([]string, error) {
	return ReadAcknowledged(e.o.Dir, sessionID)
}

// ReadAcknowledged reads a session's acknowledgement log from an engine
// directory, also while no engine runs.
func ReadAcknowledged(dir, sessionID string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "queue", sessionID+".acks"))
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if sc.Text() != "" {
			out = append(out, sc.Text())
		}
	}
	return out, sc.Err()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomB64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
