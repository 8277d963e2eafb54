package wasim

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"go.mau.fi/whatsmeow/util/keys"
	waLog "go.mau.fi/whatsmeow/util/log"
	"google.golang.org/protobuf/proto"
)

// testRoot is the certificate root of every server in this test binary:
// whatsmeow.WACertPubKey is global, so it is set once.
var testRoot = keys.NewKeyPair()

func TestMain(m *testing.M) {
	whatsmeow.WACertPubKey = *testRoot.Pub
	os.Exit(m.Run())
}

func newServer(t *testing.T, o Options) *Server {
	t.Helper()
	o.RootKey = testRoot.Priv
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// harness is one bare whatsmeow client with its device store and the events
// it emitted.
type harness struct {
	t         *testing.T
	s         *Server
	container *sqlstore.Container
	cli       *whatsmeow.Client
	events    chan any
	backlog   []any // events skipped by wait, kept for later waits
	// fail makes the next n message events fail (handler returns false).
	fail atomic.Int32
}

func clientLog() waLog.Logger {
	if os.Getenv("WASIM_DEBUG") != "" {
		return waLog.Stdout("Client", "DEBUG", false)
	}
	return waLog.Noop
}

func newHarness(t *testing.T, s *Server) *harness {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "wa.db") + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c := sqlstore.NewWithDB(db, "sqlite3", nil)
	if err := c.Upgrade(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, s: s, container: c}
	h.newClient(c.NewDevice())
	return h
}

func (h *harness) newClient(dev *store.Device) {
	evch := make(chan any, 256)
	h.events = evch
	h.backlog = nil
	cli := whatsmeow.NewClient(dev, clientLog())
	tr := &http.Transport{DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, "tcp", h.s.Addr())
	}}
	hc := &http.Client{Transport: tr}
	cli.SetPreLoginHTTPClient(hc)
	cli.SetWebsocketHTTPClient(hc)
	cli.SetMediaHTTPClient(hc)
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	cli.AddEventHandlerWithSuccessStatus(func(evt any) bool {
		if m, ok := evt.(*events.Message); ok && m.Info.Category == "peer" {
			// Peer messages from the phone (app state keys, history
			// sync notifications) show up as their own events.
			return true
		}
		if _, ok := evt.(*events.Message); ok && h.fail.Add(-1) >= 0 {
			return false
		}
		select {
		case evch <- evt:
		default:
		}
		return true
	})
	h.cli = cli
	h.t.Cleanup(cli.Disconnect)
}

// wait returns the next event of type T, failing the test after timeout.
func wait[T any](h *harness, timeout time.Duration) T {
	h.t.Helper()
	// Deadlines only matter when a test fails; the machine may be loaded.
	timeout = max(timeout, 30*time.Second)
	for i, evt := range h.backlog {
		if v, ok := evt.(T); ok {
			h.backlog = append(h.backlog[:i], h.backlog[i+1:]...)
			return v
		}
	}
	deadline := time.After(timeout)
	for {
		select {
		case evt := <-h.events:
			if v, ok := evt.(T); ok {
				return v
			}
			h.backlog = append(h.backlog, evt)
		case <-deadline:
			var zero T
			h.t.Fatalf("timed out waiting for %T", zero)
			return zero
		}
	}
}

// pair links h's client to p by QR code and waits for Connected.
func (h *harness) pair(p *Phone) {
	h.t.Helper()
	qr, err := h.cli.GetQRChannel(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.cli.Connect(); err != nil {
		h.t.Fatal(err)
	}
	item := <-qr
	syncQR(h.cli)
	if item.Event != whatsmeow.QRChannelEventCode {
		h.t.Fatalf("first QR item is %q", item.Event)
	}
	if err := p.ScanQR(item.Code); err != nil {
		h.t.Fatal(err)
	}
	wait[*events.PairSuccess](h, 5*time.Second)
	wait[*events.Connected](h, 10*time.Second)
}

// waitAppStateSynced waits for whatsmeow's full sync of the five app state
// collections, which it starts when the phone shares the keys. Tests wait
// for it before they log out, disconnect or read Store.PushName, which
// whatsmeow does not synchronize with its app state goroutine.
func (h *harness) waitAppStateSynced() {
	h.t.Helper()
	synced := map[appstate.WAPatchName]bool{}
	for len(synced) < len(appstate.AllPatchNames) {
		synced[wait[*events.AppStateSyncComplete](h, 30*time.Second).Name] = true
	}
}

// syncQR orders the QR channel's last send before its later close for the
// race detector (whatsmeow's qrchan sends and closes from different
// goroutines with no synchronization between them): write-locking the
// client's event handler list after receiving a code makes the close, which
// happens in an event handler, come after it.
func syncQR(cli *whatsmeow.Client) { cli.RemoveEventHandler(0) }

func TestQRRotatesAndPairs(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	p, err := s.NewPhone(PhoneOptions{PushName: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, s)
	qr, err := h.cli.GetQRChannel(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := h.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	first := <-qr
	syncQR(h.cli)
	if first.Event != "code" || first.Timeout != 60*time.Second {
		t.Fatalf("first QR item: %+v", first)
	}
	codes := wait[*events.QR](h, 5*time.Second).Codes
	if len(codes) != 6 || codes[0] != first.Code {
		t.Fatalf("want 6 codes starting with the shown one, got %d", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		ref, _, _ := strings.Cut(strings.TrimPrefix(c, "https://wa.me/settings/linked_devices#"), ",")
		if seen[ref] {
			t.Fatalf("repeated ref %s", ref)
		}
		seen[ref] = true
	}
	// A later code (shown after rotation) is as good as the first.
	if err := p.ScanQR(codes[3]); err != nil {
		t.Fatal(err)
	}
	ps := wait[*events.PairSuccess](h, 5*time.Second)
	if ps.ID.User != p.Number() || ps.LID.User != p.LID().User {
		t.Fatalf("paired as %s / %s", ps.ID, ps.LID)
	}
	if item := <-qr; item != whatsmeow.QRChannelSuccess {
		t.Fatalf("QR channel ended with %+v", item)
	}
	wait[*events.Connected](h, 10*time.Second)
	if err := p.ScanQR(codes[0]); err == nil {
		t.Fatal("a used QR code was accepted again")
	}
}

func TestPairingTimeout(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{PairingTimeout: 300 * time.Millisecond})
	h := newHarness(t, s)
	qr, _ := h.cli.GetQRChannel(context.Background())
	if err := h.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	<-qr
	syncQR(h.cli)
	if item := <-qr; item != whatsmeow.QRChannelTimeout {
		t.Fatalf("got %+v, want timeout", item)
	}
}

func TestIncomingMessages(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	h := newHarness(t, s)
	h.pair(me)
	ctx := context.Background()

	if _, err := bob.SendText(me.Number(), "hello"); err != nil {
		t.Fatal(err)
	}
	m := wait[*events.Message](h, 5*time.Second)
	if m.Message.GetConversation() != "hello" || m.Info.Chat != bob.JID() || m.Info.Sender.User != bob.Number() || m.Info.PushName != "Bob" || m.Info.IsFromMe {
		t.Fatalf("text: %+v %v", m.Info, m.Message)
	}

	bob.SendText(me.JID().String(), "see https://example.com/x now")
	m = wait[*events.Message](h, 5*time.Second)
	if et := m.Message.GetExtendedTextMessage(); et.GetText() != "see https://example.com/x now" || et.GetMatchedText() != "https://example.com/x" {
		t.Fatalf("link: %v", m.Message)
	}

	img := bytes.Repeat([]byte("jpegdata"), 5000)
	bob.SendImage(me.Number(), Image{Data: img, Caption: "a cat", Width: 10, Height: 20})
	m = wait[*events.Message](h, 5*time.Second)
	im := m.Message.GetImageMessage()
	if im.GetCaption() != "a cat" || im.GetMimetype() != "image/jpeg" || im.GetWidth() != 10 {
		t.Fatalf("image: %v", im)
	}
	if got, err := h.cli.Download(ctx, im); err != nil || !bytes.Equal(got, img) {
		t.Fatalf("image download: %v (equal %v)", err, bytes.Equal(got, img))
	}

	ogg := []byte("OggS fake opus voice note bytes")
	bob.SendVoice(me.Number(), ogg, 7)
	m = wait[*events.Message](h, 5*time.Second)
	au := m.Message.GetAudioMessage()
	if !au.GetPTT() || au.GetMimetype() != "audio/ogg; codecs=opus" || au.GetSeconds() != 7 {
		t.Fatalf("voice: %v", au)
	}
	if got, err := h.cli.Download(ctx, au); err != nil || !bytes.Equal(got, ogg) {
		t.Fatalf("voice download: %v", err)
	}

	pdf := []byte("%PDF-1.4 fake")
	bob.SendDocument(me.Number(), Document{Data: pdf, MimeType: "application/pdf", FileName: "a.pdf"})
	m = wait[*events.Message](h, 5*time.Second)
	doc := m.Message.GetDocumentMessage()
	if doc.GetFileName() != "a.pdf" || doc.GetMimetype() != "application/pdf" {
		t.Fatalf("document: %v", doc)
	}
	if got, err := h.cli.Download(ctx, doc); err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("document download: %v", err)
	}

	bob.SendLocation(me.Number(), Location{Latitude: 52.52, Longitude: 13.405, Name: "Berlin", Address: "Mitte"})
	m = wait[*events.Message](h, 5*time.Second)
	if loc := m.Message.GetLocationMessage(); loc.GetDegreesLatitude() != 52.52 || loc.GetName() != "Berlin" || loc.GetAddress() != "Mitte" {
		t.Fatalf("location: %v", loc)
	}

	bob.SendContact(me.Number(), "Carol", "BEGIN:VCARD\nFN:Carol\nEND:VCARD")
	m = wait[*events.Message](h, 5*time.Second)
	if c := m.Message.GetContactMessage(); c.GetDisplayName() != "Carol" || !strings.Contains(c.GetVcard(), "FN:Carol") {
		t.Fatalf("contact: %v", c)
	}
}

func TestGroupAndOutgoing(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	carol, _ := s.NewPhone(PhoneOptions{PushName: "Carol"})
	h := newHarness(t, s)
	h.pair(me)
	ctx := context.Background()

	gid, err := bob.CreateGroup("Book club", me.Number(), carol.Number())
	if err != nil {
		t.Fatal(err)
	}
	jg := wait[*events.JoinedGroup](h, 5*time.Second)
	if jg.JID != gid || jg.Name != "Book club" || len(jg.Participants) != 3 {
		t.Fatalf("joined: %+v", jg.GroupInfo)
	}
	bob.SendText(gid.String(), "first")
	carol.SendText(gid.String(), "second")
	bob.SendText(gid.String(), "third")
	for _, want := range []struct {
		text string
		from *Phone
	}{{"first", bob}, {"second", carol}, {"third", bob}} {
		m := wait[*events.Message](h, 5*time.Second)
		for m.Message.GetSenderKeyDistributionMessage() != nil && m.Message.GetConversation() == "" {
			m = wait[*events.Message](h, 5*time.Second)
		}
		if m.Message.GetConversation() != want.text || m.Info.Chat != gid || m.Info.Sender.User != want.from.Number() || !m.Info.IsGroup {
			t.Fatalf("group message: %+v %v", m.Info, m.Message)
		}
	}

	resp, err := h.cli.SendMessage(ctx, bob.JID(), &waE2E.Message{Conversation: proto.String("hi bob")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.cli.SendMessage(ctx, bob.JID(), &waE2E.Message{Conversation: proto.String("again")}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.cli.SendMessage(ctx, gid, &waE2E.Message{Conversation: proto.String("to the group")}); err != nil {
		t.Fatal(err)
	}
	sent := me.Sent()
	if len(sent) != 3 || sent[0].ID != resp.ID || sent[0].Text != "hi bob" || sent[0].Chat != bob.JID().String() ||
		sent[1].Text != "again" || sent[2].Text != "to the group" || sent[2].Chat != gid.String() {
		t.Fatalf("sent: %+v", sent)
	}
	groups, err := h.cli.GetJoinedGroups(ctx)
	if err != nil || len(groups) != 1 || groups[0].Name != "Book club" {
		t.Fatalf("joined groups: %v %v", groups, err)
	}
}

func TestReconnectLogoutAndOfflineQueue(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	h := newHarness(t, s)
	h.pair(me)
	ctx := context.Background()
	jid := h.cli.Store.GetJID()

	// Offline queue: sent while disconnected, delivered on reconnect.
	h.cli.Disconnect()
	bob.SendText(me.Number(), "while you were away")
	dev, err := h.container.GetDevice(ctx, jid)
	if err != nil || dev == nil {
		t.Fatalf("stored device: %v %v", dev, err)
	}
	h.newClient(dev)
	if err := h.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	wait[*events.Connected](h, 10*time.Second)
	if m := wait[*events.Message](h, 5*time.Second); m.Message.GetConversation() != "while you were away" {
		t.Fatalf("queued: %v", m.Message)
	}

	// A message whose handler fails is not acked and comes again on the
	// next connection.
	h.fail.Store(1)
	bob.SendText(me.Number(), "try again")
	deadline := time.Now().Add(5 * time.Second)
	for me.Devices()[0].Pending == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if me.Devices()[0].Pending != 1 {
		t.Fatalf("pending after failed handler: %+v", me.Devices())
	}
	h.cli.Disconnect()
	h.newClient(h.cli.Store)
	h.cli.Connect()
	wait[*events.Connected](h, 10*time.Second)
	if m := wait[*events.Message](h, 5*time.Second); m.Message.GetConversation() != "try again" {
		t.Fatalf("redelivered: %v", m.Message)
	}

	// Live unlink.
	me.Unlink()
	lo := wait[*events.LoggedOut](h, 5*time.Second)
	if lo.OnConnect {
		t.Fatal("live logout reported as on connect")
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if dev, _ := h.container.GetDevice(ctx, jid); dev == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatal("device store not deleted after logout")
		}
	}

	// Unlink while offline: 401 on connect.
	h2 := newHarness(t, s)
	h2.pair(me)
	jid2 := h2.cli.Store.GetJID()
	h2.cli.Disconnect()
	me.Unlink()
	dev2, _ := h2.container.GetDevice(ctx, jid2)
	h2.newClient(dev2)
	if err := h2.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	if lo := wait[*events.LoggedOut](h2, 5*time.Second); !lo.OnConnect || lo.Reason != events.ConnectFailureLoggedOut {
		t.Fatalf("logout on connect: %+v", lo)
	}
}

func TestPairCode(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{})
	h := newHarness(t, s)
	qr, _ := h.cli.GetQRChannel(context.Background())
	if err := h.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	<-qr
	syncQR(h.cli)
	if _, err := h.cli.PairPhone(context.Background(), "+"+me.Number()+"9", true, whatsmeow.PairClientChrome, "Chrome (Linux)"); err == nil {
		t.Fatal("pairing with an unknown number was accepted")
	}
	code, err := h.cli.PairPhone(context.Background(), "+"+me.Number(), true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		t.Fatal(err)
	}
	if err := me.ConfirmPairCode(code); err != nil {
		t.Fatal(err)
	}
	wait[*events.PairSuccess](h, 5*time.Second)
	wait[*events.Connected](h, 10*time.Second)
	if h.cli.Store.GetJID().User != me.Number() {
		t.Fatalf("paired as %s", h.cli.Store.GetJID())
	}
}

func TestControlHTTP(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	base := "http://" + s.Addr()
	call := func(method, path string, body any, want int, out any) {
		t.Helper()
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != want {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var info struct {
		RootPublicKey []byte `json:"rootPublicKey"`
	}
	call("GET", "/control/info", nil, 200, &info)
	if root := s.RootPublicKey(); !bytes.Equal(info.RootPublicKey, root[:]) {
		t.Fatal("root key mismatch")
	}
	var me, bob struct{ Number, JID string }
	call("POST", "/control/phones", map[string]string{"number": "4915112345678", "pushName": "Me"}, 201, &me)
	call("POST", "/control/phones", map[string]string{"pushName": "Bob"}, 201, &bob)
	call("POST", "/control/phones", map[string]string{"number": "4915112345678"}, 409, nil)
	call("GET", "/control/phones/123456789/sent", nil, 404, nil)

	h := newHarness(t, s)
	qr, _ := h.cli.GetQRChannel(context.Background())
	if err := h.cli.Connect(); err != nil {
		t.Fatal(err)
	}
	item := <-qr
	syncQR(h.cli)
	call("POST", "/control/phones/"+me.Number+"/scan", map[string]string{"qr": item.Code}, 200, nil)
	wait[*events.Connected](h, 10*time.Second)

	img := []byte("\x89PNG fake image")
	var sent struct{ ID string }
	call("POST", "/control/phones/"+bob.Number+"/messages", map[string]any{"to": me.Number, "type": "image", "data": img, "mimeType": "image/png", "caption": "hi"}, 200, &sent)
	m := wait[*events.Message](h, 5*time.Second)
	if m.Info.ID != sent.ID || m.Message.GetImageMessage().GetCaption() != "hi" {
		t.Fatalf("image over HTTP: %+v", m.Message)
	}
	if got, err := h.cli.Download(context.Background(), m.Message.GetImageMessage()); err != nil || !bytes.Equal(got, img) {
		t.Fatalf("download: %v", err)
	}
	var grp struct{ JID string }
	call("POST", "/control/phones/"+bob.Number+"/groups", map[string]any{"subject": "G", "members": []string{me.Number}}, 200, &grp)
	if jg := wait[*events.JoinedGroup](h, 5*time.Second); jg.JID.String() != grp.JID {
		t.Fatalf("joined %s, want %s", jg.JID, grp.JID)
	}
	bobJID, _ := types.ParseJID(bob.JID)
	if _, err := h.cli.SendMessage(context.Background(), bobJID, &waE2E.Message{Conversation: proto.String("yo")}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []SentMessage `json:"items"`
	}
	call("GET", "/control/phones/"+me.Number+"/sent", nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0].Text != "yo" || list.Items[0].Chat != bob.JID {
		t.Fatalf("sent: %+v", list.Items)
	}
	call("POST", "/control/media/expire", nil, 204, nil)
	if _, err := h.cli.Download(context.Background(), m.Message.GetImageMessage()); !errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404) {
		t.Fatalf("expired media: %v", err)
	}
	call("POST", "/control/phones/"+me.Number+"/unlink", nil, 200, nil)
	wait[*events.LoggedOut](h, 5*time.Second)
}

// eventually polls cond until it holds, failing the test after a generous
// deadline (it only matters when the test fails).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// deviceReceipts returns the receipts of this type that device sent and
// p's phone received.
func deviceReceipts(p *Phone, device types.JID, typ string) []Receipt {
	var out []Receipt
	for _, r := range receiptsOfType(p, typ) {
		if r.Device == device.String() {
			out = append(out, r)
		}
	}
	return out
}

func receiptsOfType(p *Phone, typ string) []Receipt {
	var out []Receipt
	for _, r := range p.Receipts() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// TestTrafficAndReceipts records what a plain whatsmeow client sends by
// itself: delivery receipts of type "inactive" for every message (it has
// not said it is available), no presence and no chat state; receipts reach
// the sending phone, read receipts only once the client marks messages
// read.
func TestTrafficAndReceipts(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	h := newHarness(t, s)
	h.pair(me)
	ctx := context.Background()
	dev := h.cli.Store.GetJID()

	id1, _ := bob.SendText(me.Number(), "one")
	id2, _ := bob.SendText(me.Number(), "two")
	wait[*events.Message](h, 5*time.Second)
	wait[*events.Message](h, 5*time.Second)
	eventually(t, "two delivery receipts at Bob's phone", func() bool { return len(receiptsOfType(bob, "inactive")) == 2 })
	got := receiptsOfType(bob, "inactive")
	if got[0].IDs[0] != id1 || got[1].IDs[0] != id2 || got[0].From != me.JID().String() || got[0].Device != dev.String() {
		t.Fatalf("delivery receipts: %+v", got)
	}
	tr, err := s.Traffic(dev)
	if err != nil {
		t.Fatal(err)
	}
	var inactive int
	for _, r := range tr.Receipts {
		if r.Attrs["type"] == "inactive" && r.Attrs["to"] == bob.JID().String() {
			inactive++
		}
	}
	if inactive != 2 || len(tr.Presences) != 0 || len(tr.ChatStates) != 0 {
		t.Fatalf("unprompted traffic: %+v", tr)
	}
	if len(receiptsOfType(bob, "read")) != 0 {
		t.Fatal("a read receipt reached the sender before the client marked anything read")
	}

	// Marking read sends one read receipt for both messages.
	if err := h.cli.MarkRead(ctx, []types.MessageID{id1, id2}, time.Now(), bob.JID(), types.EmptyJID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a read receipt at Bob's phone", func() bool { return len(receiptsOfType(bob, "read")) == 1 })
	if r := receiptsOfType(bob, "read")[0]; len(r.IDs) != 2 || r.IDs[0] != id1 || r.IDs[1] != id2 || r.Chat != bob.JID().String() {
		t.Fatalf("read receipt: %+v", r)
	}

	// Presence needs a push name, which the client has not learned here.
	if err := h.cli.SendPresence(ctx, types.PresenceAvailable); !errors.Is(err, whatsmeow.ErrNoPushName) {
		t.Fatalf("presence without push name: %v", err)
	}
	h.cli.Store.PushName = "Me"
	if err := h.cli.SendPresence(ctx, types.PresenceAvailable); err != nil {
		t.Fatal(err)
	}
	if err := h.cli.SendChatPresence(ctx, bob.JID(), types.ChatPresenceComposing, ""); err != nil {
		t.Fatal(err)
	}
	// Once available, delivery receipts are plain ones.
	id3, _ := bob.SendText(me.Number(), "three")
	wait[*events.Message](h, 5*time.Second)
	eventually(t, "an active delivery receipt", func() bool { return len(deviceReceipts(bob, dev, "")) == 1 })
	if r := deviceReceipts(bob, dev, "")[0]; r.IDs[0] != id3 {
		t.Fatalf("delivery receipt: %+v", r)
	}
	tr, _ = me.DeviceTraffic(dev.Device)
	if len(tr.Presences) != 1 || tr.Presences[0].Attrs["type"] != "available" || tr.Presences[0].Attrs["name"] != "Me" {
		t.Fatalf("presences: %+v", tr.Presences)
	}
	if len(tr.ChatStates) != 1 || tr.ChatStates[0].Attrs["to"] != bob.JID().String() || tr.ChatStates[0].Children[0] != "composing" {
		t.Fatalf("chat states: %+v", tr.ChatStates)
	}

	// Over HTTP.
	resp, err := http.Get("http://" + s.Addr() + "/control/devices/" + dev.String() + "/traffic")
	if err != nil {
		t.Fatal(err)
	}
	var overHTTP Traffic
	_ = json.NewDecoder(resp.Body).Decode(&overHTTP)
	resp.Body.Close()
	if len(overHTTP.Presences) != 1 || len(overHTTP.Receipts) != len(tr.Receipts) {
		t.Fatalf("traffic over HTTP: %+v", overHTTP)
	}
	resp, err = http.Get("http://" + s.Addr() + "/control/phones/" + bob.Number() + "/receipts")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Items []Receipt }
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Items) != len(bob.Receipts()) {
		t.Fatalf("receipts over HTTP: %+v", list.Items)
	}
	if _, err := s.Traffic(types.NewJID(me.Number(), types.DefaultUserServer)); !errors.Is(err, ErrUnknownDevice) {
		t.Fatalf("traffic of device 0: %v", err)
	}
}

// nextMessage returns the next message event that carries content (not a
// bare sender-key distribution or a protocol message).
func nextMessage(h *harness) *events.Message {
	h.t.Helper()
	for {
		m := wait[*events.Message](h, 10*time.Second)
		if m.Message.GetSenderKeyDistributionMessage() != nil && m.Message.GetConversation() == "" && m.Message.GetExtendedTextMessage() == nil {
			continue
		}
		if m.Message.GetProtocolMessage() != nil && m.Info.Category == "peer" {
			continue
		}
		return m
	}
}

// TestPhoneMessagesMirrored: what the phone itself sends reaches the
// recipient's linked devices and, as a DeviceSentMessage from the own JID,
// the phone's own linked devices; what a linked device sends reaches the
// recipient's linked devices, the sender's other devices and both phones'
// records.
func TestPhoneMessagesMirrored(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	h := newHarness(t, s)
	h.pair(me)
	h2 := newHarness(t, s)
	h2.pair(me)
	hb := newHarness(t, s)
	hb.pair(bob)
	ctx := context.Background()

	// Typed on my phone, to Bob.
	id, err := me.SendFromPhone(bob.Number(), &waE2E.Message{Conversation: proto.String("from my phone")})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []*harness{h, h2} {
		m := nextMessage(x)
		if m.Info.ID != id || !m.Info.IsFromMe || m.Info.Chat != bob.JID() || m.Info.Sender.User != me.Number() ||
			m.Message.GetConversation() != "from my phone" || m.Info.DeviceSentMeta == nil || m.Info.DeviceSentMeta.DestinationJID != bob.JID().String() {
			t.Fatalf("mirrored: %+v %v", m.Info, m.Message)
		}
	}
	if m := nextMessage(hb); m.Info.ID != id || m.Info.IsFromMe || m.Info.Chat != me.JID() || m.Message.GetConversation() != "from my phone" {
		t.Fatalf("at Bob's device: %+v", m.Info)
	}
	if rc := bob.Received(); len(rc) != 1 || rc[0].ID != id || rc[0].Text != "from my phone" || rc[0].From != me.JID().String() || rc[0].Device != "" {
		t.Fatalf("Bob's phone received: %+v", rc)
	}

	// Message yourself, typed on the phone.
	id, _ = me.SendText(me.Number(), "note to self")
	m := nextMessage(h)
	if m.Info.ID != id || !m.Info.IsFromMe || m.Info.Chat != me.JID() || m.Message.GetConversation() != "note to self" {
		t.Fatalf("note to self: %+v %v", m.Info, m.Message)
	}
	nextMessage(h2)

	// A group message typed on the phone reaches its own devices too.
	gid, _ := me.CreateGroup("Trip", bob.Number())
	wait[*events.JoinedGroup](h, 5*time.Second)
	id, _ = me.SendText(gid.String(), "packing list?")
	if m := nextMessage(h); m.Info.ID != id || !m.Info.IsFromMe || m.Info.Chat != gid || m.Message.GetConversation() != "packing list?" {
		t.Fatalf("own group message: %+v %v", m.Info, m.Message)
	}
	wait[*events.JoinedGroup](h2, 5*time.Second)
	if m := nextMessage(h2); m.Info.ID != id || !m.Info.IsFromMe {
		t.Fatalf("own group message at my other device: %+v", m.Info)
	}
	if m := nextMessage(hb); m.Info.ID != id || m.Info.IsFromMe || m.Info.Chat != gid {
		t.Fatalf("group message at Bob's device: %+v", m.Info)
	}

	// Message yourself from a linked device reaches the phone's record.
	resp, err := h.cli.SendMessage(ctx, me.JID(), &waE2E.Message{Conversation: proto.String("remember the milk")})
	if err != nil {
		t.Fatal(err)
	}
	sent := me.Sent()
	if len(sent) != 1 || sent[0].ID != resp.ID || sent[0].Chat != me.JID().String() || sent[0].Text != "remember the milk" || sent[0].Type != "text" || sent[0].Device != h.cli.Store.GetJID().String() {
		t.Fatalf("self chat from a linked device: %+v", sent)
	}
	if m := nextMessage(h2); m.Info.ID != resp.ID || !m.Info.IsFromMe || m.Message.GetConversation() != "remember the milk" {
		t.Fatalf("self chat at the sibling device: %+v %v", m.Info, m.Message)
	}

	// A reply from a linked device: recorded with the quoted message, passed
	// on to Bob's device and to my other device.
	reply := &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
		Text: proto.String("yes, on it"),
		ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String(id), Participant: proto.String(bob.JID().String()),
			QuotedMessage: &waE2E.Message{Conversation: proto.String("packing list?")}},
	}}
	resp, err = h.cli.SendMessage(ctx, bob.JID(), reply)
	if err != nil {
		t.Fatal(err)
	}
	sent = me.Sent()
	if last := sent[len(sent)-1]; last.ID != resp.ID || last.Chat != bob.JID().String() || last.Text != "yes, on it" || last.QuotedID != id || last.QuotedParticipant != bob.JID().String() {
		t.Fatalf("reply: %+v", last)
	}
	if rc := bob.Received(); rc[len(rc)-1].ID != resp.ID || rc[len(rc)-1].QuotedID != id || rc[len(rc)-1].Device != h.cli.Store.GetJID().String() {
		t.Fatalf("Bob's phone received: %+v", rc[len(rc)-1])
	}
	m = nextMessage(hb)
	if m.Info.ID != resp.ID || m.Info.IsFromMe || m.Info.Sender.User != me.LID().User || m.Info.Sender.Device != h.cli.Store.GetJID().Device ||
		m.Message.GetExtendedTextMessage().GetContextInfo().GetStanzaID() != id {
		t.Fatalf("reply at Bob's device: %+v %v", m.Info, m.Message)
	}
	m = nextMessage(h2)
	if m.Info.ID != resp.ID || !m.Info.IsFromMe || m.Info.Chat.User != bob.LID().User || m.Info.RecipientAlt != bob.JID() {
		t.Fatalf("reply at my other device: %+v", m.Info)
	}
	// Bob's phone reports delivery, and a read once Bob opens the chat.
	receiptFor := func(x *harness, id string, typ types.ReceiptType) *events.Receipt {
		for {
			r := wait[*events.Receipt](x, 10*time.Second)
			if r.MessageIDs[0] == id && r.Type == typ {
				return r
			}
		}
	}
	if r := receiptFor(h, resp.ID, types.ReceiptTypeDelivered); r.IsFromMe || r.Sender.User != bob.LID().User {
		t.Fatalf("delivery receipt: %+v", r)
	}
	bob.MarkRead(resp.ID)
	if r := receiptFor(h, resp.ID, types.ReceiptTypeRead); r.IsFromMe || r.Chat.User != bob.LID().User && r.Chat.User != bob.Number() {
		t.Fatalf("read receipt: %+v", r)
	}
	if r := receiptFor(hb, resp.ID, types.ReceiptTypeRead); !r.IsFromMe || r.Chat != me.JID() {
		t.Fatalf("read receipt at Bob's own device: %+v", r)
	}
	if got := receiptsOfType(me, "read"); len(got) != 1 || got[0].IDs[0] != resp.ID || got[0].From != bob.JID().String() {
		t.Fatalf("read receipts at my phone: %+v", got)
	}

	// A group message from a linked device reaches Bob's device and phone.
	resp, err = h.cli.SendMessage(ctx, gid, &waE2E.Message{Conversation: proto.String("tent and stove")})
	if err != nil {
		t.Fatal(err)
	}
	if m := nextMessage(hb); m.Info.ID != resp.ID || m.Info.Chat != gid || m.Info.Sender.User != me.Number() || m.Message.GetConversation() != "tent and stove" {
		t.Fatalf("group message from a linked device at Bob's device: %+v %v", m.Info, m.Message)
	}
	if m := nextMessage(h2); m.Info.ID != resp.ID || !m.Info.IsFromMe {
		t.Fatalf("group message from a linked device at my other device: %+v", m.Info)
	}
	if rc := bob.Received(); rc[len(rc)-1].ID != resp.ID || rc[len(rc)-1].Chat != gid.String() || rc[len(rc)-1].Text != "tent and stove" {
		t.Fatalf("Bob's phone received: %+v", rc[len(rc)-1])
	}
}

// TestOutgoingMedia: a linked device uploads media (media_conn, POST to the
// media host with the auth token) and sends it; the sender's phone and the
// recipient's phone decrypt it, the recipient's device downloads it.
func TestOutgoingMedia(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	h := newHarness(t, s)
	h.pair(me)
	hb := newHarness(t, s)
	hb.pair(bob)
	ctx := context.Background()

	quoted, _ := bob.SendText(me.Number(), "send me the photo")
	nextMessage(h)
	img := bytes.Repeat([]byte("\xff\xd8 jpeg "), 3000)
	up, err := h.cli.Upload(ctx, img, whatsmeow.MediaImage)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(up.DirectPath, "/v/") || !strings.Contains(up.DirectPath, "?") || !strings.HasPrefix(up.URL, "https://mmg.whatsapp.net/v/") {
		t.Fatalf("upload answer: %+v", up)
	}
	resp, err := h.cli.SendMessage(ctx, bob.JID(), &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
		Caption: proto.String("here"), Mimetype: proto.String("image/jpeg"),
		URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
		FileSHA256: up.FileSHA256, FileLength: &up.FileLength,
		ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String(quoted), Participant: proto.String(bob.JID().String()),
			QuotedMessage: &waE2E.Message{Conversation: proto.String("send me the photo")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	sent := me.Sent()
	if len(sent) != 1 || sent[0].ID != resp.ID || sent[0].Type != "image" || sent[0].Text != "here" || sent[0].MimeType != "image/jpeg" ||
		sent[0].QuotedID != quoted || !bytes.Equal(sent[0].Media, img) {
		t.Fatalf("sent image: %+v (media %d bytes, %s)", sent, len(sent[0].Media), sent[0].MediaError)
	}
	rc := bob.Received()
	if last := rc[len(rc)-1]; last.ID != resp.ID || !bytes.Equal(last.Media, img) {
		t.Fatalf("Bob's phone: %+v", last)
	}
	m := nextMessage(hb)
	for m.Info.ID != resp.ID { // Bob's own message, mirrored to his device, came first
		m = nextMessage(hb)
	}
	if got, err := hb.cli.Download(ctx, m.Message.GetImageMessage()); err != nil || !bytes.Equal(got, img) {
		t.Fatalf("Bob's device download: %v", err)
	}

	pdf := []byte("%PDF-1.7 minutes of the meeting")
	up, err = h.cli.Upload(ctx, pdf, whatsmeow.MediaDocument)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = h.cli.SendMessage(ctx, bob.JID(), &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
		FileName: proto.String("minutes.pdf"), Mimetype: proto.String("application/pdf"),
		URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
		FileSHA256: up.FileSHA256, FileLength: &up.FileLength,
	}})
	if err != nil {
		t.Fatal(err)
	}
	sent = me.Sent()
	if d := sent[len(sent)-1]; d.ID != resp.ID || d.Type != "document" || d.FileName != "minutes.pdf" || !bytes.Equal(d.Media, pdf) {
		t.Fatalf("sent document: %+v", d)
	}

	// The media host refuses uploads without a valid auth token or whose
	// token does not name the file.
	post := func(path string) int {
		r, err := http.Post("http://"+s.Addr()+path, "application/octet-stream", strings.NewReader("data"))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if code := post("/mms/image/abc?auth=forged&token=abc"); code != http.StatusUnauthorized {
		t.Fatalf("forged auth: %d", code)
	}
	if code := post("/mms/image/abc?auth=" + s.mediaAuth() + "&token=abc"); code != http.StatusBadRequest {
		t.Fatalf("wrong token: %d", code)
	}
	// Media can be made to expire (410) or vanish (404).
	if err := s.SetMediaGone(up.DirectPath, http.StatusGone); err != nil {
		t.Fatal(err)
	}
	if _, err := h.cli.Download(ctx, &waE2E.DocumentMessage{DirectPath: &up.DirectPath, MediaKey: up.MediaKey,
		FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256}); !errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410) {
		t.Fatalf("expired media: %v", err)
	}
}

// TestEditsAndRevokes: whatsmeow reports the phone's edits and revokes as
// edits and revokes of the right message, in direct chats (also of the
// phone's own messages, mirrored to its devices) and groups, including an
// admin's revoke of another member's message.
func TestEditsAndRevokes(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	h := newHarness(t, s)
	h.pair(me)
	ctx := context.Background()

	orig, _ := bob.SendText(me.Number(), "see you at 5")
	nextMessage(h)
	editID, err := bob.Edit(me.Number(), orig, "see you at 6")
	if err != nil {
		t.Fatal(err)
	}
	m := nextMessage(h)
	pm := m.Message.GetProtocolMessage()
	if m.Info.ID != editID || !m.IsEdit || m.Info.Edit != types.EditAttributeMessageEdit || pm.GetType() != waE2E.ProtocolMessage_MESSAGE_EDIT ||
		pm.GetKey().GetID() != orig || pm.GetEditedMessage().GetConversation() != "see you at 6" || m.Info.Chat != bob.JID() {
		t.Fatalf("edit: %+v %v", m.Info, m.Message)
	}
	revokeID, _ := bob.Revoke(me.Number(), orig)
	m = nextMessage(h)
	if pm := m.Message.GetProtocolMessage(); m.Info.ID != revokeID || m.Info.Edit != types.EditAttributeSenderRevoke ||
		pm.GetType() != waE2E.ProtocolMessage_REVOKE || pm.GetKey().GetID() != orig || !pm.GetKey().GetFromMe() {
		t.Fatalf("revoke: %+v %v", m.Info, m.Message)
	}

	// My phone edits and revokes its own message: my device sees them from
	// me, in the chat with Bob.
	mine, _ := me.SendText(bob.Number(), "typo hree")
	nextMessage(h)
	me.Edit(bob.Number(), mine, "typo here")
	m = nextMessage(h)
	if pm := m.Message.GetProtocolMessage(); !m.Info.IsFromMe || !m.IsEdit || m.Info.Chat != bob.JID() || pm.GetKey().GetID() != mine ||
		pm.GetEditedMessage().GetConversation() != "typo here" {
		t.Fatalf("own edit: %+v %v", m.Info, m.Message)
	}
	me.Revoke(bob.Number(), mine)
	if m = nextMessage(h); !m.Info.IsFromMe || m.Info.Edit != types.EditAttributeSenderRevoke || m.Message.GetProtocolMessage().GetKey().GetID() != mine {
		t.Fatalf("own revoke: %+v %v", m.Info, m.Message)
	}

	// Groups: the sender edits, the admin revokes someone else's message.
	gid, _ := me.CreateGroup("Team", bob.Number())
	wait[*events.JoinedGroup](h, 5*time.Second)
	g1, _ := bob.SendText(gid.String(), "draft")
	nextMessage(h)
	bob.Edit(gid.String(), g1, "final")
	if m = nextMessage(h); !m.IsEdit || m.Info.Chat != gid || m.Info.Sender.User != bob.Number() || m.Message.GetProtocolMessage().GetKey().GetID() != g1 {
		t.Fatalf("group edit: %+v %v", m.Info, m.Message)
	}
	if _, err := bob.RevokeAsAdmin(gid.String(), me.Number(), g1); !errors.Is(err, ErrNotAdmin) {
		t.Fatalf("revoke by a member who is not admin: %v", err)
	}
	me.RevokeAsAdmin(gid.String(), bob.Number(), g1)
	m = nextMessage(h)
	if pm := m.Message.GetProtocolMessage(); !m.Info.IsFromMe || m.Info.Edit != types.EditAttributeAdminRevoke || pm.GetType() != waE2E.ProtocolMessage_REVOKE ||
		pm.GetKey().GetID() != g1 || pm.GetKey().GetFromMe() || pm.GetKey().GetParticipant() != bob.JID().String() {
		t.Fatalf("admin revoke: %+v %v", m.Info, m.Message)
	}

	// Edits a linked device sends are recorded as edits.
	resp, err := h.cli.SendMessage(ctx, bob.JID(), &waE2E.Message{Conversation: proto.String("helo")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.cli.SendMessage(ctx, bob.JID(), h.cli.BuildEdit(bob.JID(), resp.ID, &waE2E.Message{Conversation: proto.String("hello")})); err != nil {
		t.Fatal(err)
	}
	if _, err := h.cli.SendMessage(ctx, bob.JID(), h.cli.BuildRevoke(bob.JID(), types.EmptyJID, resp.ID)); err != nil {
		t.Fatal(err)
	}
	sent := me.Sent()
	if len(sent) != 3 || sent[1].Type != "edit" || sent[1].Edit != "1" || sent[1].TargetID != resp.ID || sent[1].Text != "hello" ||
		sent[2].Type != "revoke" || sent[2].Edit != "7" || sent[2].TargetID != resp.ID {
		t.Fatalf("sent edits: %+v", sent)
	}
}

// TestStatusAndNewsletters: a contact's status arrives from
// status@broadcast, sender-key encrypted; a followed channel's posts
// arrive in plaintext, and the channel answers whatsmeow's queries.
func TestStatusAndNewsletters(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	h := newHarness(t, s)
	h.pair(me)
	ctx := context.Background()

	id, err := bob.PostStatus(Status{Text: "at the beach", To: []string{me.Number()}})
	if err != nil {
		t.Fatal(err)
	}
	m := nextMessage(h)
	if m.Info.ID != id || m.Info.Chat != types.StatusBroadcastJID || m.Info.Sender.User != bob.Number() || !m.Info.IsGroup ||
		m.Message.GetExtendedTextMessage().GetText() != "at the beach" || m.Message.GetExtendedTextMessage().GetBackgroundArgb() == 0 {
		t.Fatalf("text status: %+v %v", m.Info, m.Message)
	}
	pic := bytes.Repeat([]byte("png"), 500)
	id, _ = bob.PostStatus(Status{Image: &Image{Data: pic, MimeType: "image/png"}, Text: "sunset", To: []string{me.Number()}})
	m = nextMessage(h)
	if m.Info.ID != id || m.Info.Chat != types.StatusBroadcastJID || m.Message.GetImageMessage().GetCaption() != "sunset" {
		t.Fatalf("image status: %+v %v", m.Info, m.Message)
	}
	if got, err := h.cli.Download(ctx, m.Message.GetImageMessage()); err != nil || !bytes.Equal(got, pic) {
		t.Fatalf("status image download: %v", err)
	}
	// My own status reaches my device as mine.
	id, _ = me.PostStatus(Status{Text: "busy", To: []string{bob.Number()}})
	if m = nextMessage(h); m.Info.ID != id || !m.Info.IsFromMe || m.Info.Chat != types.StatusBroadcastJID {
		t.Fatalf("own status: %+v", m.Info)
	}

	// Channels.
	news := s.CreateNewsletter(NewsletterOptions{Name: "Daily News", Description: "headlines"})
	other := s.CreateNewsletter(NewsletterOptions{Name: "Other"})
	if err := me.FollowNewsletter(news.JID().String()); err != nil {
		t.Fatal(err)
	}
	join := wait[*events.NewsletterJoin](h, 5*time.Second)
	if join.ID != news.JID() || join.ThreadMeta.Name.Text != "Daily News" || join.ViewerMeta == nil || join.ViewerMeta.Role != types.NewsletterRoleSubscriber {
		t.Fatalf("join: %+v", join.NewsletterMetadata)
	}
	id, _ = news.Post("rain tomorrow")
	m = nextMessage(h)
	if m.Info.ID != id || m.Info.Chat != news.JID() || m.Info.Sender != news.JID() || m.Info.ServerID == 0 ||
		m.Message.GetExtendedTextMessage().GetText() != "rain tomorrow" {
		t.Fatalf("channel post: %+v %v", m.Info, m.Message)
	}
	other.Post("not followed")
	id, _ = news.PostImage(Image{Data: pic, Caption: "radar", MimeType: "image/png"})
	m = nextMessage(h)
	im := m.Message.GetImageMessage()
	if m.Info.ID != id || im.GetCaption() != "radar" || im.GetMediaKey() != nil {
		t.Fatalf("channel image: %+v %v", m.Info, m.Message)
	}
	if got, err := h.cli.Download(ctx, im); err != nil || !bytes.Equal(got, pic) {
		t.Fatalf("channel image download: %v", err)
	}
	subs, err := h.cli.GetSubscribedNewsletters(ctx)
	if err != nil || len(subs) != 1 || subs[0].ID != news.JID() || subs[0].ThreadMeta.SubscriberCount != 1 {
		t.Fatalf("subscribed: %+v %v", subs, err)
	}
	info, err := h.cli.GetNewsletterInfo(ctx, other.JID())
	if err != nil || info.ThreadMeta.Name.Text != "Other" || info.ViewerMeta != nil {
		t.Fatalf("info: %+v %v", info, err)
	}
	msgs, err := h.cli.GetNewsletterMessages(ctx, news.JID(), &whatsmeow.GetNewsletterMessagesParams{Count: 10})
	if err != nil || len(msgs) != 2 || msgs[0].Message.GetExtendedTextMessage().GetText() != "rain tomorrow" || msgs[1].MessageID != id {
		t.Fatalf("messages: %+v %v", msgs, err)
	}
	// Following from the linked device.
	if err := h.cli.FollowNewsletter(ctx, other.JID()); err != nil {
		t.Fatal(err)
	}
	id, _ = other.Post("now you see me")
	for m = nextMessage(h); m.Info.ID != id; m = nextMessage(h) {
	}
	if m.Info.Chat != other.JID() {
		t.Fatalf("post after following from the device: %+v", m.Info)
	}
}

// TestHistorySync: after pairing the phone shares its app state keys and
// sends its history as WhatsApp does (inline INITIAL_BOOTSTRAP, PUSH_NAME,
// RECENT chunks from the media host, FULL only when asked for), and
// answers on-demand requests for older messages.
func TestHistorySync(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{SyncLinkedDevices: true})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	carol, _ := s.NewPhone(PhoneOptions{PushName: "Carol"})
	gid, _ := bob.CreateGroup("Hikers", me.Number(), carol.Number())
	ctx := context.Background()

	now := time.Now()
	day := 24 * time.Hour
	var dm []HistoryMessage
	for i := range 30 { // one message every 7 days: 13 in the last 90 days
		dm = append(dm, HistoryMessage{ID: fmt.Sprintf("DM%02d", i), FromMe: i%2 == 0, Time: now.Add(-time.Duration(29-i) * 7 * day).Add(-time.Hour),
			Message: &waE2E.Message{Conversation: proto.String(fmt.Sprintf("message %d", i))}})
	}
	photo := bytes.Repeat([]byte("old photo "), 300)
	img, err := s.BuildMessage(MessageRequest{Type: "image", Data: photo, Caption: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	gone, _ := s.BuildMessage(MessageRequest{Type: "image", Data: []byte("expired photo"), Caption: "expired"})
	dm = append(dm,
		HistoryMessage{ID: "IMG1", Time: now.Add(-30 * time.Minute), Message: img},
		HistoryMessage{ID: "IMG2", Time: now.Add(-10 * time.Minute), Message: gone, MediaGone: http.StatusGone})
	err = me.SetHistory(History{
		Conversations: []HistoryConversation{
			{Chat: bob.Number(), Name: "Bob B.", UnreadCount: 2, Archived: true, Messages: dm},
			{Chat: gid.String(), Name: "Hikers", Messages: []HistoryMessage{
				{ID: "G1", From: carol.Number(), Time: now.Add(-3 * day), Message: &waE2E.Message{Conversation: proto.String("trail open?")}},
				{ID: "G2", FromMe: true, Time: now.Add(-2 * day), Message: &waE2E.Message{Conversation: proto.String("yes")}},
			}},
		},
		PushNames:         map[string]string{"4915112345678": "Dora"},
		BootstrapMessages: 3,
		ChunkSize:         4,
	})
	if err != nil {
		t.Fatal(err)
	}

	h := newHarness(t, s)
	h.pair(me)
	// The key share comes first: whatsmeow stores the key.
	eventually(t, "the app state key", func() bool {
		id, _ := h.cli.Store.AppStateKeys.GetLatestAppStateSyncKeyID(ctx)
		return id != nil
	})
	boot := wait[*events.HistorySync](h, 10*time.Second)
	if boot.Data.GetSyncType() != waHistorySync.HistorySync_INITIAL_BOOTSTRAP || boot.Notification.GetInitialHistBootstrapInlinePayload() == nil || boot.Notification.GetDirectPath() != "" {
		t.Fatalf("first sync: %v, inline %d bytes", boot.Data.GetSyncType(), len(boot.Notification.GetInitialHistBootstrapInlinePayload()))
	}
	convs := boot.Data.GetConversations()
	if len(convs) != 2 || convs[0].GetID() != bob.JID().String() || convs[0].GetName() != "Bob B." || convs[0].GetUnreadCount() != 2 ||
		!convs[0].GetArchived() || len(convs[0].GetMessages()) != 3 || convs[1].GetID() != gid.String() || len(convs[1].GetMessages()) != 2 ||
		convs[0].GetEndOfHistoryTransferType() != waHistorySync.Conversation_COMPLETE_BUT_MORE_MESSAGES_REMAIN_ON_PRIMARY {
		t.Fatalf("bootstrap conversations: %v", convs)
	}
	eventually(t, "Carol's LID mapping from the history", func() bool {
		pn, _ := h.cli.Store.LIDs.GetPNForLID(ctx, carol.LID())
		return pn == carol.JID()
	})
	evt, err := h.cli.ParseWebMessage(gid, convs[1].GetMessages()[0].GetMessage())
	if err != nil || evt.Info.ID != "G1" || evt.Info.Sender != carol.JID() || evt.Info.PushName != "Carol" || evt.Message.GetConversation() != "trail open?" {
		t.Fatalf("group history message: %+v %v", evt, err)
	}
	evt, _ = h.cli.ParseWebMessage(types.EmptyJID, convs[0].GetMessages()[2].GetMessage())
	if evt.Info.ID != "IMG2" || evt.Info.Chat != bob.JID() || evt.Info.IsFromMe {
		t.Fatalf("last DM: %+v", evt.Info)
	}
	if _, err := h.cli.Download(ctx, evt.Message.GetImageMessage()); !errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410) {
		t.Fatalf("expired history media: %v", err)
	}
	evt, _ = h.cli.ParseWebMessage(types.EmptyJID, convs[0].GetMessages()[1].GetMessage())
	if got, err := h.cli.Download(ctx, evt.Message.GetImageMessage()); err != nil || !bytes.Equal(got, photo) {
		t.Fatalf("history media: %v", err)
	}

	names := wait[*events.HistorySync](h, 10*time.Second)
	if names.Data.GetSyncType() != waHistorySync.HistorySync_PUSH_NAME || len(names.Data.GetPushnames()) != 3 {
		t.Fatalf("push names: %v %v", names.Data.GetSyncType(), names.Data.GetPushnames())
	}
	// The messages of the last 90 days are DM17…DM29, IMG1 and IMG2; the
	// three newest went in the bootstrap (as did G1 and G2), so 12 recent
	// messages come in chunks of 4, newest chunk first.
	var recent []string
	var lastPath string
	for i := 1; i <= 3; i++ {
		hs := wait[*events.HistorySync](h, 10*time.Second)
		if hs.Data.GetSyncType() != waHistorySync.HistorySync_RECENT || hs.Data.GetChunkOrder() != uint32(i) || hs.Notification.GetDirectPath() == "" ||
			hs.Data.GetProgress() != uint32(100*i/3) {
			t.Fatalf("recent chunk %d: %v order %d progress %d", i, hs.Data.GetSyncType(), hs.Data.GetChunkOrder(), hs.Data.GetProgress())
		}
		for _, c := range hs.Data.GetConversations() {
			for _, m := range c.GetMessages() {
				recent = append(recent, m.GetMessage().GetKey().GetID())
			}
		}
		lastPath = hs.Notification.GetDirectPath()
	}
	if len(recent) != 12 || recent[0] != "DM25" || recent[4] != "DM21" || !slices.Contains(recent, "DM17") || slices.Contains(recent, "DM16") {
		t.Fatalf("recent messages: %v", recent)
	}
	// whatsmeow deletes each history blob from the media host once it has it.
	eventually(t, "the history blob deleted", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.media[mediaPath(lastPath)] == nil
	})
	eventually(t, "hist_sync receipts at the phone", func() bool { return len(receiptsOfType(me, "hist_sync")) == 5 })

	// On demand: the 10 messages before the oldest one the device has.
	oldest := types.MessageInfo{MessageSource: types.MessageSource{Chat: bob.JID(), IsFromMe: false}, ID: "DM17", Timestamp: dm[17].Time}
	resp, err := h.cli.SendPeerMessage(ctx, h.cli.BuildHistorySyncRequest(&oldest, 10))
	if err != nil {
		t.Fatal(err)
	}
	od := wait[*events.HistorySync](h, 10*time.Second)
	if od.Data.GetSyncType() != waHistorySync.HistorySync_ON_DEMAND || od.Notification.GetPeerDataRequestSessionID() != resp.ID || len(od.Data.GetConversations()) != 1 {
		t.Fatalf("on demand: %v %v", od.Data.GetSyncType(), od.Notification)
	}
	msgs := od.Data.GetConversations()[0].GetMessages()
	if len(msgs) != 10 || msgs[0].GetMessage().GetKey().GetID() != "DM07" || msgs[9].GetMessage().GetKey().GetID() != "DM16" {
		t.Fatalf("on-demand messages: %d", len(msgs))
	}
	if len(me.Sent()) != 0 {
		t.Fatalf("peer messages recorded as sent: %+v", me.Sent())
	}

	// A full sync, when the person asks for it on the phone.
	hist := me.historySnapshot()
	hist.FullSync = true
	me.SetHistory(hist)
	h2 := newHarness(t, s)
	h2.pair(me)
	var full []string
	for len(full) < 17 { // DM00…DM16 are older than 90 days
		hs := wait[*events.HistorySync](h2, 10*time.Second)
		if hs.Data.GetSyncType() != waHistorySync.HistorySync_FULL {
			continue
		}
		for _, c := range hs.Data.GetConversations() {
			for _, m := range c.GetMessages() {
				full = append(full, m.GetMessage().GetKey().GetID())
			}
		}
	}
	if len(full) != 17 || !slices.Contains(full, "DM00") || !slices.Contains(full, "DM16") {
		t.Fatalf("full sync: %v", full)
	}
	h.waitAppStateSynced()
	h2.waitAppStateSynced()
}

func TestHistoryOverHTTP(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{SyncLinkedDevices: true})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	body := `{"conversations":[{"chat":"4915100000001","name":"Eve","messages":[
		{"id":"H1","time":"2025-01-02T10:00:00Z","type":"text","text":"hello from the past"},
		{"id":"H2","fromMe":true,"time":"2025-01-02T10:05:00Z","type":"document","data":"JVBERg==","fileName":"a.pdf","mimeType":"application/pdf"}]}],
		"fullSync":true}`
	req, _ := http.NewRequest("PUT", "http://"+s.Addr()+"/control/phones/"+me.Number()+"/history", strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PUT history: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	h := newHarness(t, s)
	h.pair(me)
	boot := wait[*events.HistorySync](h, 10*time.Second)
	convs := boot.Data.GetConversations()
	if len(convs) != 1 || convs[0].GetName() != "Eve" || len(convs[0].GetMessages()) != 2 {
		t.Fatalf("bootstrap: %v", convs)
	}
	evt, _ := h.cli.ParseWebMessage(types.EmptyJID, convs[0].GetMessages()[1].GetMessage())
	if got, err := h.cli.Download(context.Background(), evt.Message.GetDocumentMessage()); err != nil || string(got) != "%PDF" || !evt.Info.IsFromMe {
		t.Fatalf("document from history: %q %v", got, err)
	}
	h.waitAppStateSynced()
}

// TestAppState: the phone's app state (contacts, push name, chat
// settings) reaches a newly linked device in snapshots it verifies, and
// later changes arrive live as patches after server_sync notifications;
// a linked device's own changes are applied and passed on to its siblings.
func TestAppState(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{SyncLinkedDevices: true})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	ctx := context.Background()
	if err := me.SetContactName(bob.Number(), "Bob Builder", "Bob"); err != nil {
		t.Fatal(err)
	}
	if err := me.SetContactName("4915100000009", "Dora Explorer", ""); err != nil {
		t.Fatal(err)
	}
	me.Archive(bob.Number(), true)

	h := newHarness(t, s)
	h.pair(me)
	h.waitAppStateSynced()
	c, err := h.cli.Store.Contacts.GetContact(ctx, bob.JID())
	if err != nil || c.FullName != "Bob Builder" || c.FirstName != "Bob" {
		t.Fatalf("contact from the snapshot: %+v %v", c, err)
	}
	if c, _ := h.cli.Store.Contacts.GetContact(ctx, types.NewJID("4915100000009", types.DefaultUserServer)); c.FullName != "Dora Explorer" {
		t.Fatalf("contact without a WhatsApp phone: %+v", c)
	}
	if h.cli.Store.PushName != "Me" {
		t.Fatalf("push name from the snapshot: %q", h.cli.Store.PushName)
	}
	if cs, err := h.cli.Store.ChatSettings.GetChatSettings(ctx, bob.JID()); err != nil || !cs.Archived {
		t.Fatalf("archived from the snapshot: %+v %v", cs, err)
	}

	// Live changes.
	me.SetContactName(bob.Number(), "Robert Builder", "Robert")
	ce := wait[*events.Contact](h, 10*time.Second)
	if ce.JID != bob.JID() || ce.Action.GetFullName() != "Robert Builder" || ce.FromFullSync {
		t.Fatalf("contact rename: %+v", ce)
	}
	if c, _ := h.cli.Store.Contacts.GetContact(ctx, bob.JID()); c.FullName != "Robert Builder" {
		t.Fatalf("contact store after rename: %+v", c)
	}
	me.SetPushName("Me Myself")
	if pn := wait[*events.PushNameSetting](h, 10*time.Second); pn.Action.GetName() != "Me Myself" || h.cli.Store.PushName != "Me Myself" {
		t.Fatalf("push name setting: %+v", pn)
	}
	me.Pin(bob.Number(), true)
	if pe := wait[*events.Pin](h, 10*time.Second); pe.JID != bob.JID() || !pe.Action.GetPinned() {
		t.Fatalf("pin: %+v", pe)
	}
	until := time.Now().Add(8 * time.Hour)
	me.Mute(bob.Number(), until)
	if me := wait[*events.Mute](h, 10*time.Second); me.JID != bob.JID() || !me.Action.GetMuted() || me.Action.GetMuteEndTimestamp() != until.UnixMilli() {
		t.Fatalf("mute: %+v", me)
	}
	me.Archive(bob.Number(), false)
	if ae := wait[*events.Archive](h, 10*time.Second); ae.JID != bob.JID() || ae.Action.GetArchived() {
		t.Fatalf("unarchive: %+v", ae)
	}
	me.MarkChatAsRead(bob.Number(), false)
	if re := wait[*events.MarkChatAsRead](h, 10*time.Second); re.JID != bob.JID() || re.Action.GetRead() {
		t.Fatalf("mark unread: %+v", re)
	}

	// A linked device archives a chat: the phone applies it, the other
	// device is told.
	h2 := newHarness(t, s)
	h2.pair(me)
	h2.waitAppStateSynced()
	if err := h.cli.SendAppState(ctx, appstate.BuildArchive(bob.JID(), true, time.Time{}, nil)); err != nil {
		t.Fatal(err)
	}
	if ae := wait[*events.Archive](h2, 10*time.Second); ae.JID != bob.JID() || !ae.Action.GetArchived() {
		t.Fatalf("archive from the sibling device: %+v", ae)
	}
	values, err := me.AppState()
	if err != nil {
		t.Fatal(err)
	}
	var archived bool
	for _, v := range values {
		if v.Index[0] == "archive" && v.Index[1] == bob.JID().String() {
			archived = v.Value.GetArchiveChatAction().GetArchived()
		}
	}
	if !archived {
		t.Fatalf("the phone's app state after the device's archive: %+v", values)
	}

	// A patch based on an old version is refused with the missing patches.
	node, ok := me.acceptPatch("regular_low", 1, &waBinary.Node{Tag: "patch", Content: []byte{0x12, 0x00}})
	patches := node.GetChildByTag("patches")
	if ok || node.Attrs["type"] != "error" || node.GetChildByTag("error").Attrs["code"] != "409" || len(patches.GetChildren()) == 0 {
		t.Fatalf("conflict: %v", node)
	}
	// With its contacts known, the device can post a status: the
	// contacts' phones get it.
	resp, err := h.cli.SendMessage(ctx, types.StatusBroadcastJID, &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("on holiday")}})
	if err != nil {
		t.Fatal(err)
	}
	if rc := bob.Received(); len(rc) != 1 || rc[0].ID != resp.ID || rc[0].Chat != types.StatusBroadcastJID.String() || rc[0].Text != "on holiday" {
		t.Fatalf("status from a linked device at Bob's phone: %+v", rc)
	}
	if sent := me.Sent(); len(sent) != 1 || sent[0].Chat != types.StatusBroadcastJID.String() {
		t.Fatalf("status in the phone's record: %+v", sent)
	}
	// Learning its push name does not make whatsmeow send presence.
	tr, _ := me.DeviceTraffic(h.cli.Store.GetJID().Device)
	if len(tr.Presences) != 0 {
		t.Fatalf("presence after learning the push name: %+v", tr.Presences)
	}
}

// TestLIDAddressing: a phone in LID addressing mode writes from its LID
// with sender_pn, its groups use LID addressing (participants by LID with
// their phone numbers); whatsmeow reports both forms and keeps the
// mappings, which usync answers also give.
func TestLIDAddressing(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	carol, _ := s.NewPhone(PhoneOptions{PushName: "Carol", AddressingLID: true})
	h := newHarness(t, s)
	h.pair(me)
	ctx := context.Background()

	id, _ := carol.SendText(me.Number(), "hi from my LID")
	m := nextMessage(h)
	if m.Info.ID != id || m.Info.Chat != carol.LID() || m.Info.Sender.User != carol.LID().User || m.Info.Sender.Server != types.HiddenUserServer ||
		m.Info.SenderAlt.User != carol.Number() || m.Info.PushName != "Carol" {
		t.Fatalf("LID DM: %+v", m.Info)
	}
	eventually(t, "Carol's LID mapping", func() bool {
		pn, _ := h.cli.Store.LIDs.GetPNForLID(ctx, carol.LID())
		return pn == carol.JID()
	})
	resp, err := h.cli.SendMessage(ctx, m.Info.Chat, &waE2E.Message{Conversation: proto.String("hi Carol")})
	if err != nil {
		t.Fatal(err)
	}
	if rc := carol.Received(); len(rc) != 1 || rc[0].ID != resp.ID || rc[0].Text != "hi Carol" || rc[0].From != me.JID().String() {
		t.Fatalf("Carol's phone: %+v", rc)
	}
	if sent := me.Sent(); len(sent) != 1 || sent[0].Chat != carol.JID().String() {
		t.Fatalf("sent to a LID, recorded by phone number: %+v", sent)
	}

	// A group in LID addressing mode.
	gid, _ := carol.CreateGroup("LID group", me.Number(), bob.Number())
	jg := wait[*events.JoinedGroup](h, 10*time.Second)
	if jg.AddressingMode != types.AddressingModeLID || len(jg.Participants) != 3 || jg.OwnerJID != carol.LID() || jg.OwnerPN != carol.JID() {
		t.Fatalf("joined LID group: %+v", jg.GroupInfo)
	}
	for _, p := range jg.Participants {
		if p.JID.Server != types.HiddenUserServer || p.PhoneNumber.Server != types.DefaultUserServer || p.LID != p.JID {
			t.Fatalf("participant: %+v", p)
		}
	}
	eventually(t, "Bob's LID mapping from the group", func() bool {
		pn, _ := h.cli.Store.LIDs.GetPNForLID(ctx, bob.LID())
		return pn == bob.JID()
	})
	id, _ = carol.SendText(gid.String(), "welcome")
	m = nextMessage(h)
	if m.Info.ID != id || m.Info.Chat != gid || m.Info.AddressingMode != types.AddressingModeLID || m.Info.Sender != carol.LID() || m.Info.SenderAlt != carol.JID() {
		t.Fatalf("LID group message from Carol: %+v", m.Info)
	}
	id, _ = bob.SendText(gid.String(), "thanks")
	if m = nextMessage(h); m.Info.ID != id || m.Info.Sender != bob.LID() || m.Info.SenderAlt != bob.JID() || m.Message.GetConversation() != "thanks" {
		t.Fatalf("LID group message from Bob: %+v", m.Info)
	}
	resp, err = h.cli.SendMessage(ctx, gid, &waE2E.Message{Conversation: proto.String("hello all")})
	if err != nil {
		t.Fatal(err)
	}
	if rc := bob.Received(); rc[len(rc)-1].ID != resp.ID || rc[len(rc)-1].Text != "hello all" {
		t.Fatalf("group message from the device at Bob's phone: %+v", rc)
	}

	// usync: LIDs of phone numbers, and contact lookups.
	info, err := h.cli.GetUserInfo(ctx, []types.JID{bob.JID()})
	if err != nil || info[bob.JID()].LID != bob.LID() {
		t.Fatalf("user info: %+v %v", info, err)
	}
	on, err := h.cli.IsOnWhatsApp(ctx, []string{"+" + bob.Number(), "+4915100000077"})
	if err != nil || len(on) != 2 || !on[0].IsIn || on[0].JID != bob.LID() || on[0].PhoneNumber != bob.JID() || on[0].Query != "+"+bob.Number() || on[1].IsIn {
		t.Fatalf("is on WhatsApp: %+v %v", on, err)
	}
}

// TestAppStateKeysOnRequest: without SyncLinkedDevices a device gets no
// key share after pairing; the first server_sync notification makes
// whatsmeow fetch the collection, miss the key and ask the phone for it
// (APP_STATE_SYNC_KEY_REQUEST), which answers with a key share. whatsmeow
// sends peer messages only over an existing Signal session with its
// phone (it never fetches the phone's bundle), which the phone's first
// message to the device creates.
func TestAppStateKeysOnRequest(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	bob, _ := s.NewPhone(PhoneOptions{PushName: "Bob"})
	h := newHarness(t, s)
	h.pair(me)
	ctx := context.Background()
	if id, _ := h.cli.Store.AppStateKeys.GetLatestAppStateSyncKeyID(ctx); id != nil {
		t.Fatal("a key was shared without SyncLinkedDevices")
	}
	me.SendText(me.Number(), "note to self")
	nextMessage(h)
	me.SetContactName(bob.Number(), "Bob Builder", "")
	h.waitAppStateSynced()
	if c, _ := h.cli.Store.Contacts.GetContact(ctx, bob.JID()); c.FullName != "Bob Builder" {
		t.Fatalf("contact after the key request: %+v", c)
	}
}

// TestControlHTTPRoutes exercises the control routes that need no linked
// device: their status codes and effects on the phones.
func TestControlHTTPRoutes(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	base := "http://" + s.Addr() + "/control"
	call := func(method, path, body string, want int) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return b
	}
	call("POST", "/phones", `{"number":"4915100000101","pushName":"Ana"}`, 201)
	call("POST", "/phones", `{"number":"4915100000102","pushName":"Ben","addressingLid":true}`, 201)
	ana, ben := s.Phone("4915100000101"), s.Phone("4915100000102")
	if !ben.lidMode.Load() {
		t.Fatal("addressingLid ignored")
	}
	call("POST", "/phones/4915100000101/contacts", `{"number":"4915100000102","fullName":"Ben B.","firstName":"Ben"}`, 204)
	call("PUT", "/phones/4915100000101/push-name", `{"pushName":"Ana A."}`, 204)
	call("POST", "/phones/4915100000101/chat-settings", `{"chat":"4915100000102","archived":true,"muteUntil":"1969-01-01T00:00:00Z"}`, 204)
	var state struct{ Items []AppStateValue }
	_ = json.Unmarshal(call("GET", "/phones/4915100000101/app-state", "", 200), &state)
	found := map[string]bool{}
	for _, v := range state.Items {
		switch v.Index[0] {
		case "contact":
			found["contact"] = v.Value.GetContactAction().GetFullName() == "Ben B."
		case "setting_pushName":
			found["push name"] = v.Value.GetPushNameSetting().GetName() == "Ana A."
		case "archive":
			found["archive"] = v.Value.GetArchiveChatAction().GetArchived()
		case "mute":
			found["mute"] = v.Value.GetMuteAction().GetMuteEndTimestamp() == -1
		}
	}
	if len(found) != 4 || !found["contact"] || !found["push name"] || !found["archive"] || !found["mute"] {
		t.Fatalf("app state over HTTP: %v", found)
	}
	if ana.PushName() != "Ana A." {
		t.Fatalf("push name: %q", ana.PushName())
	}

	var sent struct{ ID string }
	_ = json.Unmarshal(call("POST", "/phones/4915100000102/messages", `{"to":"4915100000101","text":"hi"}`, 200), &sent)
	var got struct{ Items []RecordedMessage }
	_ = json.Unmarshal(call("GET", "/phones/4915100000101/received", "", 200), &got)
	if len(got.Items) != 1 || got.Items[0].ID != sent.ID || got.Items[0].Text != "hi" {
		t.Fatalf("received: %+v", got.Items)
	}
	call("POST", "/phones/4915100000101/read", `{"ids":["`+sent.ID+`"]}`, 204)
	if r := receiptsOfType(ben, "read"); len(r) != 1 || r[0].IDs[0] != sent.ID {
		t.Fatalf("read receipt: %+v", ben.Receipts())
	}
	call("POST", "/phones/4915100000102/edit", `{"to":"4915100000101","id":"`+sent.ID+`","text":"hello"}`, 200)
	call("POST", "/phones/4915100000102/revoke", `{"to":"4915100000101","id":"`+sent.ID+`"}`, 200)
	_ = json.Unmarshal(call("GET", "/phones/4915100000101/received", "", 200), &got)
	if len(got.Items) != 3 || got.Items[1].Type != "edit" || got.Items[1].Text != "hello" || got.Items[2].Type != "revoke" || got.Items[2].TargetID != sent.ID {
		t.Fatalf("edit and revoke: %+v", got.Items)
	}
	var grp struct{ JID string }
	_ = json.Unmarshal(call("POST", "/phones/4915100000101/groups", `{"subject":"G","members":["4915100000102"]}`, 200), &grp)
	call("POST", "/phones/4915100000102/revoke", `{"to":"`+grp.JID+`","id":"X","sender":"4915100000101"}`, 409)

	call("POST", "/phones/4915100000101/status", `{"text":"hello world","to":["4915100000102"]}`, 200)
	if rc := ben.Received(); rc[len(rc)-1].Chat != "status@broadcast" || rc[len(rc)-1].Text != "hello world" {
		t.Fatalf("status: %+v", rc[len(rc)-1])
	}
	var nl struct{ JID string }
	_ = json.Unmarshal(call("POST", "/newsletters", `{"name":"News"}`, 201), &nl)
	call("POST", "/phones/4915100000101/newsletters", `{"jid":"`+nl.JID+`"}`, 204)
	call("POST", "/phones/4915100000101/newsletters", `{"jid":"1@newsletter"}`, 404)
	call("POST", "/newsletters/"+nl.JID+"/posts", `{"text":"first post"}`, 200)
	call("POST", "/newsletters/1@newsletter/posts", `{"text":"x"}`, 404)
	call("PUT", "/phones/4915100000101/history", `{"conversations":[{"chat":"not a chat"}]}`, 400)
	call("GET", "/devices/4915100000101:9@s.whatsapp.net/traffic", "", 404)
	call("POST", "/media/gone", `{"directPath":"/v/none?x","status":410}`, 404)
	var info struct{ Stats Stats }
	_ = json.Unmarshal(call("GET", "/info", "", 200), &info)
	if info.Stats.Phones != 2 || info.Stats.Groups != 1 || info.Stats.Newsletters != 1 {
		t.Fatalf("stats: %+v", info.Stats)
	}
}

// TestRetryReceiptResends: when a phone cannot decrypt what one of its
// linked devices wrote to it (their Signal sessions went apart), it asks
// for the message again with a retry receipt carrying a fresh prekey
// bundle, as WhatsApp's phone does; whatsmeow resends it in a new session
// and the phone keeps it once.
func TestRetryReceiptResends(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	me, _ := s.NewPhone(PhoneOptions{PushName: "Me"})
	h := newHarness(t, s)
	h.pair(me)
	ctx := context.Background()
	if _, err := h.cli.SendMessage(ctx, me.JID(), &waE2E.Message{Conversation: proto.String("one")}); err != nil {
		t.Fatal(err)
	}
	// The phone loses its session with the device.
	own := h.cli.Store.GetJID()
	me.mu.Lock()
	for id, d := range me.devices {
		if uint16(id) == own.Device {
			_ = me.store.DeleteSession(ctx, d.lidJID().SignalAddress())
		}
	}
	me.mu.Unlock()
	resp, err := h.cli.SendMessage(ctx, me.JID(), &waE2E.Message{Conversation: proto.String("two")})
	if err != nil {
		t.Fatal(err)
	}
	r := wait[*events.Receipt](h, 10*time.Second)
	for r.Type != types.ReceiptTypeRetry || r.MessageIDs[0] != resp.ID {
		t.Logf("receipt %s for %v", r.Type, r.MessageIDs)
		r = wait[*events.Receipt](h, 10*time.Second)
	}
	if !r.IsFromMe || r.Sender.User != me.Number() {
		t.Fatalf("retry receipt: %+v (sent %s, phone %s)", r, resp.ID, me.Number())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var texts []string
		for _, m := range me.Sent() {
			texts = append(texts, m.Text)
		}
		if slices.Equal(texts, []string{"one", "two"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the phone kept %q, want one then two", texts)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The new session works both ways.
	if _, err := h.cli.SendMessage(ctx, me.JID(), &waE2E.Message{Conversation: proto.String("three")}); err != nil {
		t.Fatal(err)
	}
	id, _ := me.SendText(me.Number(), "from the phone")
	if m := nextMessage(h); m.Info.ID != id || m.Message.GetConversation() != "from the phone" {
		t.Fatalf("after the retry: %+v %v", m.Info, m.Message)
	}
	if n := len(me.Sent()); n != 3 {
		t.Fatalf("the phone kept %d messages, want 3", n)
	}
}
