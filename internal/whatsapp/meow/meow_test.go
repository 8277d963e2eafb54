package meow

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"go.mau.fi/util/dbutil"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waVnameCert"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"

	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/wasim"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// testRoot is the certificate root of every simulator in this test binary:
// whatsmeow.WACertPubKey is global.
var testRoot = keys.NewKeyPair()

// sqliteDSN is the SQLite configuration the package doc recommends.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
}

func openSQLite(t testing.TB, maxConns int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(t.TempDir(), "synapse.db")))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	t.Cleanup(func() { db.Close() })
	return db
}

// sqliteConns is the SQLite pool size of the tests: 4, or
// MEOW_TEST_SQLITE_CONNS to try others.
func sqliteConns() int {
	n := 4
	if s := os.Getenv("MEOW_TEST_SQLITE_CONNS"); s != "" {
		fmt.Sscan(s, &n)
	}
	return n
}

func openPostgres(t testing.TB) *sql.DB {
	t.Helper()
	// A database of its own: whatsmeow's upgrade looks for its tables in
	// every schema of the database.
	db, err := sql.Open("pgx", dbtest.PostgresDatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(8)
	t.Cleanup(func() { db.Close() })
	return db
}

type env struct {
	t       *testing.T
	dialect string
	sim     *wasim.Server
	e       *Engine
	db      *sql.DB
	// failFirst makes the handler of clients paired by pair fail their
	// first n HandleMessages calls.
	failFirst int32
}

func testLog() *slog.Logger {
	if os.Getenv("MEOW_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// eachDialect runs fn against a fresh simulator and a fresh database of each
// dialect.
func eachDialect(t *testing.T, fn func(t *testing.T, v *env)) {
	eachDialectWith(t, wasim.Options{}, Options{}, fn)
}

// eachDialectWith is eachDialect with simulator and engine options.
func eachDialectWith(t *testing.T, so wasim.Options, eo Options, fn func(t *testing.T, v *env)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			var db *sql.DB
			if d == "sqlite" {
				db = openSQLite(t, sqliteConns())
			} else {
				db = openPostgres(t)
			}
			fn(t, newEnvWith(t, db, d, so, eo))
		})
	}
}

func newEnv(t *testing.T, db *sql.DB, dialect string) *env {
	return newEnvWith(t, db, dialect, wasim.Options{}, Options{})
}

// newEnvWith is newEnv with simulator and engine options.
func newEnvWith(t *testing.T, db *sql.DB, dialect string, so wasim.Options, eo Options) *env {
	t.Helper()
	so.RootKey = testRoot.Priv
	sim, err := wasim.New(so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	eo.DB, eo.Dialect, eo.Log, eo.ReconnectMin, eo.ReconnectMax = db, dialect, testLog(), 100*time.Millisecond, time.Second
	eo.Simulator = &Simulator{Addr: sim.Addr(), RootPublicKey: sim.RootPublicKey()}
	e, err := New(eo)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, dialect: dialect, sim: sim, e: e, db: db}
}

// recorder is a whatsapp.Handler that keeps everything it is given.
type recorder struct {
	mu      sync.Mutex
	events  []whatsapp.Event
	msgs    []whatsapp.Message
	changed chan struct{}
	fail    atomic.Int32 // fail the next n HandleMessages calls
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) HandleEvent(evt whatsapp.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, evt)
	r.notify()
}

func (r *recorder) HandleMessages(_ context.Context, msgs []whatsapp.Message) error {
	if r.fail.Add(-1) >= 0 {
		return errors.New("store is down")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msgs...)
	r.notify()
	return nil
}

// waitFor waits until cond holds on the recorded state.
func (r *recorder) waitFor(t *testing.T, what string, timeout time.Duration, cond func(events []whatsapp.Event, msgs []whatsapp.Message) bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		ok := cond(r.events, r.msgs)
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("timed out waiting for %s; events: %#v", what, r.events)
		}
	}
}

// event waits for the n-th (1-based) event of type T.
func event[T whatsapp.Event](t *testing.T, r *recorder, n int, timeout time.Duration) T {
	t.Helper()
	var out T
	r.waitFor(t, fmt.Sprintf("event %T #%d", out, n), timeout, func(evts []whatsapp.Event, _ []whatsapp.Message) bool {
		seen := 0
		for _, e := range evts {
			if v, ok := e.(T); ok {
				seen++
				if seen == n {
					out = v
					return true
				}
			}
		}
		return false
	})
	return out
}

func count[T whatsapp.Event](r *recorder) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if _, ok := e.(T); ok {
			n++
		}
	}
	return n
}

// message waits for the message with this id.
func (r *recorder) message(t *testing.T, id string) whatsapp.Message {
	t.Helper()
	var out whatsapp.Message
	r.waitFor(t, "message "+id, 30*time.Second, func(_ []whatsapp.Event, msgs []whatsapp.Message) bool {
		for _, m := range msgs {
			if m.ID == id {
				out = m
				return true
			}
		}
		return false
	})
	return out
}

// pair connects a new client for session id and links it to p by QR.
func (v *env) pair(id string, p *wasim.Phone) (whatsapp.Client, *recorder) {
	v.t.Helper()
	r := newRecorder()
	r.fail.Store(v.failFirst)
	c, err := v.e.NewClient(context.Background(), whatsapp.SessionRef{ID: id, Log: testLog()}, r)
	if err != nil {
		v.t.Fatal(err)
	}
	v.t.Cleanup(c.Disconnect)
	if err := c.Connect(context.Background()); err != nil {
		v.t.Fatal(err)
	}
	qr := event[whatsapp.QR](v.t, r, 1, 30*time.Second)
	if time.Until(qr.ExpiresAt) < 50*time.Second {
		v.t.Fatalf("first QR code expires in %s, want about 60 s", time.Until(qr.ExpiresAt))
	}
	if err := p.ScanQR(qr.Code); err != nil {
		v.t.Fatal(err)
	}
	ps := event[whatsapp.PairSuccess](v.t, r, 1, 30*time.Second)
	conn := event[whatsapp.Connected](v.t, r, 1, 60*time.Second)
	want := p.JID().String()
	if ps.Me.JID != want || conn.Me.JID != want {
		v.t.Fatalf("paired as %q, connected as %q, want %q", ps.Me.JID, conn.Me.JID, want)
	}
	return c, r
}

func TestPairMessagesAndSend(t *testing.T) {
	eachDialect(t, func(t *testing.T, v *env) {
		ctx := context.Background()
		me, _ := v.sim.NewPhone(wasim.PhoneOptions{PushName: "Me"})
		bob, _ := v.sim.NewPhone(wasim.PhoneOptions{PushName: "Bob"})
		c, r := v.pair("s1", me)
		if !c.HasDevice() {
			t.Fatal("HasDevice is false after pairing")
		}

		id, _ := bob.SendText(me.Number(), "hello")
		m := r.message(t, id)
		bobJID := bob.JID().String()
		if m.Type != whatsapp.TypeText || m.Text != "hello" || m.ChatID != bobJID || m.From != bobJID || m.FromName != "Bob" || m.FromMe || m.IsGroup || m.Timestamp.IsZero() {
			t.Fatalf("text: %+v", m)
		}
		r.waitFor(t, "Bob's push name", 30*time.Second, func(evts []whatsapp.Event, _ []whatsapp.Message) bool {
			for _, e := range evts {
				if cu, ok := e.(whatsapp.ChatsUpdated); ok && slices.Contains(cu.Chats, whatsapp.Chat{ID: bobJID, Name: "Bob", Rename: true}) {
					return true
				}
			}
			return false
		})
		id, _ = bob.SendText(me.Number(), "read https://example.org/a")
		if m = r.message(t, id); m.Type != whatsapp.TypeText || m.Text != "read https://example.org/a" {
			t.Fatalf("link: %+v", m)
		}

		img := bytes.Repeat([]byte{0xff, 0xd8, 1, 2, 3}, 4000)
		id, _ = bob.SendImage(me.Number(), wasim.Image{Data: img, Caption: "look", Width: 4, Height: 3})
		m = r.message(t, id)
		if m.Type != whatsapp.TypeImage || m.Text != "look" || m.Media == nil || m.Media.MimeType != "image/jpeg" || m.Media.Size != int64(len(img)) || m.Media.Width != 4 {
			t.Fatalf("image: %+v %+v", m, m.Media)
		}
		if got, err := c.Download(ctx, m.Media, 1<<20); err != nil || !bytes.Equal(got, img) {
			t.Fatalf("image download: %v", err)
		}
		if _, err := c.Download(ctx, m.Media, 100); !errors.Is(err, whatsapp.ErrMediaTooLarge) {
			t.Fatalf("oversized download: %v", err)
		}
		// A sender that understates the size is caught while streaming.
		lying := *m.Media
		lying.Ref = lyingRef(t, m.Media.Ref)
		lying.Size = 10
		if _, err := c.Download(ctx, &lying, 1000); !errors.Is(err, whatsapp.ErrMediaTooLarge) {
			t.Fatalf("understated download: %v", err)
		}

		ogg := []byte("OggS\x00\x02 opus voice")
		id, _ = bob.SendVoice(me.Number(), ogg, 4)
		m = r.message(t, id)
		if m.Type != whatsapp.TypeVoice || m.Media.MimeType != "audio/ogg; codecs=opus" || m.Media.Seconds != 4 {
			t.Fatalf("voice: %+v %+v", m, m.Media)
		}
		if got, err := c.Download(ctx, m.Media, 1<<20); err != nil || !bytes.Equal(got, ogg) {
			t.Fatalf("voice download: %v", err)
		}
		mp3 := []byte("ID3 song")
		id, _ = bob.SendAudio(me.Number(), mp3, "audio/mpeg", 180)
		if m = r.message(t, id); m.Type != whatsapp.TypeAudio || m.Media.Seconds != 180 {
			t.Fatalf("audio: %+v", m)
		}
		mp4 := []byte("....ftypmp42 video")
		id, _ = bob.SendVideo(me.Number(), mp4, "video/mp4", "clip", 9)
		m = r.message(t, id)
		if m.Type != whatsapp.TypeVideo || m.Text != "clip" || m.Media.Seconds != 9 {
			t.Fatalf("video: %+v", m)
		}
		if got, err := c.Download(ctx, m.Media, 1<<20); err != nil || !bytes.Equal(got, mp4) {
			t.Fatalf("video download: %v", err)
		}
		pdf := []byte("%PDF-1.7 report")
		id, _ = bob.SendDocument(me.Number(), wasim.Document{Data: pdf, MimeType: "application/pdf", FileName: "report.pdf", Caption: "Q3"})
		m = r.message(t, id)
		if m.Type != whatsapp.TypeDocument || m.Media.FileName != "report.pdf" || m.Text != "Q3" || m.Media.MimeType != "application/pdf" {
			t.Fatalf("document: %+v %+v", m, m.Media)
		}
		if got, err := c.Download(ctx, m.Media, 1<<20); err != nil || !bytes.Equal(got, pdf) {
			t.Fatalf("document download: %v", err)
		}
		webp := []byte("RIFF....WEBPVP8 sticker")
		id, _ = bob.SendSticker(me.Number(), webp)
		m = r.message(t, id)
		if m.Type != whatsapp.TypeSticker || m.Media.MimeType != "image/webp" {
			t.Fatalf("sticker: %+v", m)
		}
		if got, err := c.Download(ctx, m.Media, 1<<20); err != nil || !bytes.Equal(got, webp) {
			t.Fatalf("sticker download: %v", err)
		}
		id, _ = bob.SendLocation(me.Number(), wasim.Location{Latitude: 48.8584, Longitude: 2.2945, Name: "Tour Eiffel", Address: "Paris"})
		if m = r.message(t, id); m.Type != whatsapp.TypeLocation || m.Location == nil || m.Location.Latitude != 48.8584 || m.Location.Name != "Tour Eiffel" || m.Location.Address != "Paris" {
			t.Fatalf("location: %+v", m)
		}
		id, _ = bob.SendContact(me.Number(), "Dora", "BEGIN:VCARD\nVERSION:3.0\nFN:Dora\nEND:VCARD")
		if m = r.message(t, id); m.Type != whatsapp.TypeContact || m.Contact == nil || m.Contact.DisplayName != "Dora" || m.Contact.VCard == "" {
			t.Fatalf("contact: %+v", m)
		}

		// Groups: a join is a ChatsUpdated; messages carry the group and
		// the sender.
		gid, err := bob.CreateGroup("Climbing", me.Number())
		if err != nil {
			t.Fatal(err)
		}
		r.waitFor(t, "group join", 30*time.Second, func(evts []whatsapp.Event, _ []whatsapp.Message) bool {
			for _, e := range evts {
				if cu, ok := e.(whatsapp.ChatsUpdated); ok && slices.Contains(cu.Chats, whatsapp.Chat{ID: gid.String(), Name: "Climbing", IsGroup: true}) {
					return true
				}
			}
			return false
		})
		id, _ = bob.SendText(gid.String(), "saturday?")
		if m = r.message(t, id); m.ChatID != gid.String() || !m.IsGroup || m.From != bobJID || m.FromName != "Bob" || m.Text != "saturday?" || m.ChatName != "" {
			t.Fatalf("group message: %+v", m)
		}
		groups, err := c.Groups(ctx)
		if err != nil || len(groups) != 1 || groups[0] != (whatsapp.Chat{ID: gid.String(), Name: "Climbing", IsGroup: true}) {
			t.Fatalf("groups: %v %v", groups, err)
		}

		// Outgoing text, to a person and to the group.
		sent, err := c.Send(ctx, whatsapp.Outgoing{ChatID: bobJID, Text: "hi Bob"})
		if err != nil {
			t.Fatal(err)
		}
		if !sent.FromMe || sent.From != me.JID().String() || sent.ChatID != bobJID || sent.Type != whatsapp.TypeText || sent.ID == "" {
			t.Fatalf("sent: %+v", sent)
		}
		if _, err := c.Send(ctx, whatsapp.Outgoing{ChatID: gid.String(), Text: "yes!"}); err != nil {
			t.Fatal(err)
		}
		got := me.Sent()
		if len(got) != 2 || got[0].ID != sent.ID || got[0].Text != "hi Bob" || got[0].Chat != bobJID || got[1].Text != "yes!" || got[1].Chat != gid.String() {
			t.Fatalf("phone saw: %+v", got)
		}
		if _, err := c.Send(ctx, whatsapp.Outgoing{ChatID: "not a jid", Text: "x"}); !errors.Is(err, whatsapp.ErrInvalidChat) {
			t.Fatalf("invalid chat: %v", err)
		}

		id, _ = bob.SendImage(me.Number(), wasim.Image{Data: img})
		m = r.message(t, id)
		v.sim.DeleteMedia()
		if _, err := c.Download(ctx, m.Media, 1<<20); !errors.Is(err, whatsapp.ErrMediaGone) {
			t.Fatalf("expired media: %v", err)
		}
	})
}

// lyingRef returns the media ref with a size of 10 bytes, as a sender that
// understates the size would make it.
func lyingRef(t *testing.T, ref string) string {
	t.Helper()
	var r mediaRef
	if err := json.Unmarshal([]byte(ref), &r); err != nil {
		t.Fatal(err)
	}
	r.Size = 10
	b, _ := json.Marshal(r)
	return string(b)
}

func TestReconnectAndOfflineDelivery(t *testing.T) {
	eachDialect(t, func(t *testing.T, v *env) {
		ctx := context.Background()
		me, _ := v.sim.NewPhone(wasim.PhoneOptions{})
		bob, _ := v.sim.NewPhone(wasim.PhoneOptions{PushName: "Bob"})
		c, _ := v.pair("s1", me)
		c.Disconnect()
		id, _ := bob.SendText(me.Number(), "sent while Synapse was down")

		r := newRecorder()
		c2, err := v.e.NewClient(ctx, whatsapp.SessionRef{ID: "s1"}, r)
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Disconnect()
		if !c2.HasDevice() {
			t.Fatal("HasDevice is false for a stored device")
		}
		if err := c2.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		event[whatsapp.Connected](t, r, 1, 60*time.Second)
		if m := r.message(t, id); m.Text != "sent while Synapse was down" {
			t.Fatalf("offline message: %+v", m)
		}
		if n := count[whatsapp.QR](r); n != 0 {
			t.Fatalf("%d QR codes for a stored device", n)
		}
	})
}

func TestHandlerErrorLeadsToRedelivery(t *testing.T) {
	eachDialect(t, func(t *testing.T, v *env) {
		me, _ := v.sim.NewPhone(wasim.PhoneOptions{})
		bob, _ := v.sim.NewPhone(wasim.PhoneOptions{PushName: "Bob"})
		_, r := v.pair("s1", me)
		r.fail.Store(1)
		id, _ := bob.SendText(me.Number(), "do not lose me")
		if m := r.message(t, id); m.Text != "do not lose me" {
			t.Fatalf("redelivered: %+v", m)
		}
		d := event[whatsapp.Disconnected](t, r, 1, time.Second)
		if !d.Retrying {
			t.Fatalf("disconnect for redelivery: %+v", d)
		}
		event[whatsapp.Connected](t, r, 2, 30*time.Second)
		id2, _ := bob.SendText(me.Number(), "and the next one")
		r.message(t, id2)
		r.mu.Lock()
		defer r.mu.Unlock()
		n := 0
		for _, m := range r.msgs {
			if m.ID == id {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("message stored %d times", n)
		}
	})
}

func TestUnlinkAndPairAgain(t *testing.T) {
	eachDialect(t, func(t *testing.T, v *env) {
		ctx := context.Background()
		me, _ := v.sim.NewPhone(wasim.PhoneOptions{})
		c, r := v.pair("s1", me)
		me.Unlink()
		lo := event[whatsapp.LoggedOut](t, r, 1, 30*time.Second)
		if lo.Reason == "" {
			t.Fatal("LoggedOut without a reason")
		}
		if c.HasDevice() {
			t.Fatal("HasDevice is true after the phone unlinked")
		}
		c.Disconnect()
		c2, _ := v.pair("s1", me)
		if !c2.HasDevice() {
			t.Fatal("no device after pairing again")
		}

		// Unlinked while offline: LoggedOut on connect.
		c2.Disconnect()
		me.Unlink()
		r3 := newRecorder()
		c3, _ := v.e.NewClient(ctx, whatsapp.SessionRef{ID: "s1"}, r3)
		defer c3.Disconnect()
		if err := c3.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		event[whatsapp.LoggedOut](t, r3, 1, 30*time.Second)
		if c3.HasDevice() {
			t.Fatal("HasDevice is true after a 401 on connect")
		}

		// Logout from Synapse unlinks the device on the phone.
		c4, _ := v.pair("s2", me)
		if err := c4.Logout(ctx); err != nil {
			t.Fatal(err)
		}
		if c4.HasDevice() || len(me.Devices()) != 0 {
			t.Fatalf("after logout: HasDevice %v, phone devices %v", c4.HasDevice(), me.Devices())
		}
	})
}

func TestPairByCode(t *testing.T) {
	eachDialect(t, func(t *testing.T, v *env) {
		ctx := context.Background()
		me, _ := v.sim.NewPhone(wasim.PhoneOptions{})
		r := newRecorder()
		c, _ := v.e.NewClient(ctx, whatsapp.SessionRef{ID: "s1"}, r)
		defer c.Disconnect()
		if err := c.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		event[whatsapp.QR](t, r, 1, 30*time.Second)
		code, err := c.PairPhone(ctx, me.Number())
		if err != nil {
			t.Fatal(err)
		}
		if err := me.ConfirmPairCode(code); err != nil {
			t.Fatal(err)
		}
		event[whatsapp.PairSuccess](t, r, 1, 30*time.Second)
		if conn := event[whatsapp.Connected](t, r, 1, 60*time.Second); conn.Me.JID != me.JID().String() {
			t.Fatalf("connected as %s", conn.Me.JID)
		}
	})
}

func TestQRTimeout(t *testing.T) {
	db := openSQLite(t, 4)
	sim, err := wasim.New(wasim.Options{RootKey: testRoot.Priv, PairingTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	e, err := New(Options{DB: db, Dialect: "sqlite", Simulator: &Simulator{Addr: sim.Addr(), RootPublicKey: sim.RootPublicKey()}})
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	c, _ := e.NewClient(context.Background(), whatsapp.SessionRef{ID: "s1"}, r)
	defer c.Disconnect()
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	event[whatsapp.QRTimeout](t, r, 1, 30*time.Second)
	if c.HasDevice() {
		t.Fatal("device stored without pairing")
	}
}

// TestConcurrentPairingsSQLite pairs 20 sessions, 4 at a time, on the
// SQLite pool configuration the package doc recommends.
func TestConcurrentPairingsSQLite(t *testing.T) {
	v := newEnv(t, openSQLite(t, sqliteConns()), "sqlite")
	var failures atomic.Int32
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := pairOnce(v, fmt.Sprintf("s%d", i)); err != nil {
				failures.Add(1)
				t.Errorf("session %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if n := failures.Load(); n != 0 {
		t.Fatalf("%d of 20 pairings failed", n)
	}
}

// pairOnce pairs a new phone with a new session and exchanges a message
// both ways, without failing the test from another goroutine.
func pairOnce(v *env, id string) error {
	ctx := context.Background()
	me, err := v.sim.NewPhone(wasim.PhoneOptions{})
	if err != nil {
		return err
	}
	r := newRecorder()
	c, err := v.e.NewClient(ctx, whatsapp.SessionRef{ID: id}, r)
	if err != nil {
		return err
	}
	defer c.Disconnect()
	if err := c.Connect(ctx); err != nil {
		return err
	}
	// Generous timeouts: the point is that no pairing fails, and on a
	// loaded CI machine under -race a pairing (812 prekeys generated and
	// stored) can take tens of seconds.
	qr, err := waitEvent[whatsapp.QR](r, 60*time.Second)
	if err != nil {
		return err
	}
	if err := me.ScanQR(qr.Code); err != nil {
		return err
	}
	if _, err := waitEvent[whatsapp.Connected](r, 120*time.Second); err != nil {
		return err
	}
	if _, err := me.SendText(me.Number(), "note to self"); err != nil {
		return err
	}
	if _, err := c.Send(ctx, whatsapp.Outgoing{ChatID: me.JID().String(), Text: "hello"}); err != nil {
		return err
	}
	if !c.HasDevice() {
		return errors.New("no device stored")
	}
	return nil
}

func waitEvent[T whatsapp.Event](r *recorder, timeout time.Duration) (T, error) {
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		for _, e := range r.events {
			if v, ok := e.(T); ok {
				r.mu.Unlock()
				return v, nil
			}
			if pe, ok := e.(whatsapp.PairError); ok {
				r.mu.Unlock()
				var zero T
				return zero, fmt.Errorf("pair error: %s", pe.Reason)
			}
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			var zero T
			return zero, fmt.Errorf("timed out waiting for %T", zero)
		}
	}
}

func TestMigrationsVersioned(t *testing.T) {
	eachDialect(t, func(t *testing.T, v *env) {
		// A second engine on the same database migrates nothing again.
		if _, err := New(Options{DB: v.db, Dialect: v.dialect, Simulator: &Simulator{Addr: v.sim.Addr(), RootPublicKey: v.sim.RootPublicKey()}}); err != nil {
			t.Fatal(err)
		}
		var version int
		if err := v.db.QueryRow(`SELECT version FROM synapse_meow_version`).Scan(&version); err != nil || version != len(migrations) {
			t.Fatalf("version %d, %v", version, err)
		}
		var rows int
		if err := v.db.QueryRow(`SELECT count(*) FROM synapse_meow_version`).Scan(&rows); err != nil || rows != 1 {
			t.Fatalf("%d version rows, %v", rows, err)
		}
	})
}

func TestPermanentDisconnects(t *testing.T) {
	v := newEnv(t, openSQLite(t, sqliteConns()), "sqlite")
	ctx := context.Background()
	me, _ := v.sim.NewPhone(wasim.PhoneOptions{})
	c, r := v.pair("s1", me)

	// A second client logging in with the same device replaces the first.
	r2 := newRecorder()
	c2, _ := v.e.NewClient(ctx, whatsapp.SessionRef{ID: "s1"}, r2)
	defer c2.Disconnect()
	if err := c2.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	event[whatsapp.Connected](t, r2, 1, 60*time.Second)
	d := event[whatsapp.Disconnected](t, r, 1, 30*time.Second)
	if d.Retrying || d.Code != "replaced" {
		t.Fatalf("stream replaced: %+v", d)
	}
	c.Disconnect()
	c2.Disconnect()

	for _, tc := range []struct {
		f    wasim.LoginFailure
		want []string
	}{
		{wasim.LoginFailure{Reason: 402, Code: 101, Expire: time.Hour}, []string{"banned", "ban ends"}},
		{wasim.LoginFailure{Reason: 405}, []string{"outdated"}},
		{wasim.LoginFailure{Reason: 499}, []string{"refused"}},
	} {
		me.RefuseLogins(&tc.f)
		r := newRecorder()
		c, _ := v.e.NewClient(ctx, whatsapp.SessionRef{ID: "s1"}, r)
		if err := c.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		d := event[whatsapp.Disconnected](t, r, 1, 30*time.Second)
		for _, w := range tc.want {
			if d.Retrying || !strings.Contains(d.Reason, w) || d.Code != tc.want[0] {
				t.Fatalf("failure %d: %+v, want %q in reason and no retry", tc.f.Reason, d, w)
			}
		}
		c.Disconnect()
		if !c.HasDevice() {
			t.Fatalf("failure %d deleted the device", tc.f.Reason)
		}
	}
}

func TestConvertMapsLIDsToPhoneNumbers(t *testing.T) {
	lid := types.NewJID("123456789012345", types.HiddenUserServer)
	pn := types.NewJID("4915112345678", types.DefaultUserServer)
	resolve := func(j types.JID) (types.JID, bool) { return pn, j == lid }
	evt := &events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: lid, Sender: types.JID{User: lid.User, Server: lid.Server, Device: 3}},
			ID:            "X1", PushName: "Pat", Timestamp: time.Unix(1700000000, 0),
		},
		Message: &waE2E.Message{Conversation: proto.String("hi")},
	}
	m, ok := convertMessage(evt, types.NewJID("1555", types.DefaultUserServer), resolve)
	if !ok || m.ChatID != pn.String() || m.From != pn.String() || m.FromName != "Pat" || m.ChatName != "Pat" || m.Text != "hi" {
		t.Fatalf("%+v", m)
	}
	// A business without a push name is called by its verified name.
	evt.Info.PushName = ""
	evt.Info.VerifiedName = &types.VerifiedName{Details: &waVnameCert.VerifiedNameCertificate_Details{VerifiedName: proto.String("Padaria Lisboa")}}
	if m, _ = convertMessage(evt, types.EmptyJID, resolve); m.FromName != "Padaria Lisboa" || m.ChatName != "Padaria Lisboa" {
		t.Fatalf("business name: %+v", m)
	}
	evt.Info.PushName, evt.Info.VerifiedName = "Pat", nil
	// A group message whose sender is a LID with the phone number beside it.
	g := types.NewJID("120363000000000001", types.GroupServer)
	evt.Info.Chat, evt.Info.IsGroup, evt.Info.SenderAlt = g, true, pn
	evt.Info.Sender = types.NewJID("999999999999999", types.HiddenUserServer)
	m, _ = convertMessage(evt, types.NewJID("1555", types.DefaultUserServer), resolve)
	if m.ChatID != g.String() || m.From != pn.String() || m.ChatName != "" {
		t.Fatalf("%+v", m)
	}
	// Unknown LIDs stay LIDs; kinds Synapse does not keep are skipped.
	evt.Info.SenderAlt = types.EmptyJID
	if m, _ = convertMessage(evt, types.EmptyJID, resolve); m.From != "999999999999999@lid" {
		t.Fatalf("%+v", m)
	}
	// Mentions and the quoted message are kept; a mentioned LID becomes
	// the phone number the device store knows.
	evt.Message = &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("@Pat can you send it?"),
		ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String("Q1"), MentionedJID: []string{lid.String(), "4917000000000@s.whatsapp.net"}}}}
	if m, _ = convertMessage(evt, types.EmptyJID, resolve); m.ReplyTo != "Q1" || len(m.Mentions) != 2 || m.Mentions[0] != pn.String() ||
		m.Mentions[1] != "4917000000000@s.whatsapp.net" || m.Forwarded {
		t.Fatalf("mentions: %+v", m)
	}
	// A broadcast list message is a message in the direct chat with its
	// sender; a Status update and one's own list message are not kept.
	evt.Message = &waE2E.Message{Conversation: proto.String("para a lista")}
	evt.Info.Chat, evt.Info.IsGroup, evt.Info.Sender, evt.Info.SenderAlt = types.NewJID("1700000000", types.BroadcastServer), false, lid, pn
	if m, ok := convertMessage(evt, types.EmptyJID, resolve); !ok || m.ChatID != pn.String() || m.From != pn.String() || m.IsGroup {
		t.Fatalf("broadcast list: %v %+v", ok, m)
	}
	evt.Info.Chat = types.StatusBroadcastJID
	if _, ok := convertMessage(evt, types.EmptyJID, resolve); ok {
		t.Fatal("a Status update was kept")
	}
	evt.Info.Chat, evt.Info.IsFromMe = types.NewJID("1700000000", types.BroadcastServer), true
	if _, ok := convertMessage(evt, types.EmptyJID, resolve); ok {
		t.Fatal("one's own broadcast list message was kept")
	}
	evt.Info.IsFromMe = false
	// A forwarded message (WhatsApp's flag, or a forwarding score alone).
	for _, ci := range []*waE2E.ContextInfo{{IsForwarded: proto.Bool(true)}, {ForwardingScore: proto.Uint32(4)}} {
		evt.Message = &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Caption: proto.String("olha"), Mimetype: proto.String("image/jpeg"), ContextInfo: ci}}
		if m, ok := convertMessage(evt, types.EmptyJID, resolve); !ok || !m.Forwarded || m.Text != "olha" {
			t.Fatalf("forwarded: %v %+v", ok, m)
		}
	}
	evt.Message = &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Text: proto.String("👍")}}
	if _, ok := convertMessage(evt, types.EmptyJID, resolve); ok {
		t.Fatal("a reaction was kept")
	}
}

// queryCounter counts whatsmeow's prekey INSERTs inside and outside a
// database transaction.
type queryCounter struct {
	db              *dbutil.Database
	inside, outside atomic.Int32
}

func (q *queryCounter) QueryTiming(ctx context.Context, method, query string, _ []any, _ int, _ time.Duration, _ error) {
	if method != "Exec" || !strings.HasPrefix(query, "INSERT INTO whatsmeow_pre_keys") {
		return
	}
	if _, tx := q.db.Execable(ctx).(dbutil.Transaction); tx {
		q.inside.Add(1)
	} else {
		q.outside.Add(1)
	}
}
func (*queryCounter) WarnUnsupportedVersion(int, int, int)       {}
func (*queryCounter) PrepareUpgrade(int, int, int)               {}
func (*queryCounter) DoUpgrade(int, int, string, dbutil.TxnMode) {}
func (*queryCounter) Warn(string, ...any)                        {}

// The 812 prekeys of a first login are written in one transaction (one
// commit, not 812 fsyncs between pairing and the first connection), and so
// are the batches a restored device tops up with.
func TestPreKeysWrittenInOneTransaction(t *testing.T) {
	eachDialect(t, func(t *testing.T, v *env) {
		ctx := context.Background()
		q := &queryCounter{db: v.e.container.db}
		v.e.container.db.Log = q
		me, _ := v.sim.NewPhone(wasim.PhoneOptions{})
		c, _ := v.pair("s1", me)
		if in, out := q.inside.Load(), q.outside.Load(); in < 812 || out != 0 {
			t.Fatalf("first login: %d prekey inserts in a transaction, %d outside; want >= 812 and 0", in, out)
		}
		c.Disconnect()

		dev, err := v.e.storedDevice(ctx, "s1")
		if err != nil || dev == nil {
			t.Fatalf("stored device: %v", err)
		}
		v.e.container.adopt(dev)
		before := q.inside.Load()
		got, err := dev.PreKeys.GetOrGenPreKeys(ctx, 50)
		if err != nil || len(got) != 50 {
			t.Fatalf("top-up: %d keys, %v", len(got), err)
		}
		if in, out := q.inside.Load()-before, q.outside.Load(); in != 50 || out != 0 {
			t.Fatalf("top-up: %d prekey inserts in a transaction, %d outside; want 50 and 0", in, out)
		}
	})
}

func TestParseChatID(t *testing.T) {
	for id, want := range map[string]string{
		"+351910000053":                 "351910000053@s.whatsapp.net",
		"351910000053@s.whatsapp.net":   "351910000053@s.whatsapp.net",
		"120363000000000001@g.us":       "120363000000000001@g.us",
		"123456789012345@lid":           "123456789012345@lid",
		"abc@s.whatsapp.net":            "",
		"status@broadcast":              "",
		"120363000000000001@newsletter": "",
		"351910000053:3@s.whatsapp.net": "",
	} {
		got := ""
		if j, err := parseChatID(id); err == nil {
			got = j.String()
		}
		if got != want {
			t.Errorf("parseChatID(%q) = %q, want %q", id, got, want)
		}
	}
}
