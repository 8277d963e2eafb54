package waha_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/waha"
	"github.com/synapse-kb/synapse/internal/whatsapp/waha/wahatest"
)

var ctx = context.Background()

const secret = "the webhook secret of this test"

// recorder is a whatsapp.Handler keeping what it receives.
type recorder struct {
	mu     sync.Mutex
	events []whatsapp.Event
	msgs   []whatsapp.Message
	fail   atomic.Int32
}

func (r *recorder) HandleEvent(e whatsapp.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) HandleMessages(_ context.Context, msgs []whatsapp.Message) error {
	if r.fail.Load() > 0 {
		r.fail.Add(-1)
		return errors.New("disk full")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msgs...)
	return nil
}

func waitFor[T whatsapp.Event](t *testing.T, r *recorder, n int) T {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r.mu.Lock()
		var seen []T
		for _, e := range r.events {
			if x, ok := e.(T); ok {
				seen = append(seen, x)
			}
		}
		r.mu.Unlock()
		if len(seen) >= n {
			return seen[n-1]
		}
		if time.Now().After(deadline) {
			var zero T
			t.Fatalf("no %T #%d; events %v", zero, n, r.events)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *recorder) message(id string) (whatsapp.Message, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.msgs {
		if m.ID == id {
			return m, true
		}
	}
	return whatsapp.Message{}, false
}

type env struct {
	fake *wahatest.Server
	e    *waha.Engine
	hook *httptest.Server
}

func newEnv(t *testing.T) *env {
	fake := wahatest.New("api-key")
	t.Cleanup(fake.Close)
	v := &env{fake: fake}
	v.hook = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { v.e.ServeHTTP(w, r) }))
	t.Cleanup(v.hook.Close)
	e, err := waha.New(waha.Options{BaseURL: fake.URL, APIKey: "api-key", WebhookSecret: []byte(secret),
		WebhookURL: func() string { return v.hook.URL }, QRLifetimes: []time.Duration{300 * time.Millisecond, 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	v.e = e
	return v
}

func (v *env) connect(t *testing.T, id string) (whatsapp.Client, *recorder) {
	t.Helper()
	r := &recorder{}
	c, err := v.e.NewClient(ctx, whatsapp.SessionRef{ID: id}, r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Disconnect)
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	return c, r
}

func TestPairReceiveSend(t *testing.T) {
	v := newEnv(t)
	c, r := v.connect(t, "s1")

	// QR codes come from WAHA and follow its rotations.
	q1 := waitFor[whatsapp.QR](t, r, 1)
	if q1.Code != v.fake.QR("s1") || time.Until(q1.ExpiresAt) <= 0 {
		t.Fatalf("first QR %+v, WAHA shows %q", q1, v.fake.QR("s1"))
	}
	v.fake.RotateQR("s1")
	if q2 := waitFor[whatsapp.QR](t, r, 2); q2.Code != v.fake.QR("s1") || q2.Code == q1.Code {
		t.Fatalf("rotated QR %q, WAHA shows %q", q2.Code, v.fake.QR("s1"))
	}
	code, err := c.PairPhone(ctx, "5511900000001")
	if err != nil || code != "ABCD-0001" {
		t.Fatalf("pair code %q %v", code, err)
	}

	if err := v.fake.Scan("s1", "5511900000001", "Ana"); err != nil {
		t.Fatal(err)
	}
	ps := waitFor[whatsapp.PairSuccess](t, r, 1)
	conn := waitFor[whatsapp.Connected](t, r, 1)
	if ps.Me.JID != "5511900000001@s.whatsapp.net" || conn.Me != (whatsapp.Account{JID: "5511900000001@s.whatsapp.net", PushName: "Ana"}) {
		t.Fatalf("paired as %+v, connected as %+v", ps.Me, conn.Me)
	}
	if !c.HasDevice() {
		t.Fatal("HasDevice false after pairing")
	}

	// Every kind of message.
	photo := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 1}, 1000)
	voice := []byte("OggS fake opus")
	cases := []struct {
		payload map[string]any
		check   func(m whatsapp.Message) bool
	}{
		{map[string]any{"id": "false_351910000003@c.us_T1", "from": "351910000003@c.us", "body": "Olá Ana", "_data": map[string]any{"notifyName": "Carla"}},
			func(m whatsapp.Message) bool {
				return m.ID == "T1" && m.Type == whatsapp.TypeText && m.Text == "Olá Ana" && m.ChatID == "351910000003@s.whatsapp.net" &&
					m.From == "351910000003@s.whatsapp.net" && m.FromName == "Carla" && !m.IsGroup && !m.Forwarded
			}},
		// Forwarded: WEBJS says it at the top of _data, NOWEB in the
		// context of the message's content.
		{map[string]any{"id": "false_351910000003@c.us_W1", "from": "351910000003@c.us", "body": "corrente", "_data": map[string]any{"isForwarded": true}},
			func(m whatsapp.Message) bool { return m.Forwarded && m.Text == "corrente" }},
		{map[string]any{"id": "false_351910000003@c.us_W2", "from": "351910000003@c.us", "body": "corrente",
			"_data": map[string]any{"message": map[string]any{"extendedTextMessage": map[string]any{"text": "corrente", "contextInfo": map[string]any{"forwardingScore": 2}}}}},
			func(m whatsapp.Message) bool { return m.Forwarded }},
		{map[string]any{"id": "false_120363000000000001@g.us_G1_351910000003@c.us", "from": "120363000000000001@g.us", "participant": "351910000003@c.us", "body": "para o grupo"},
			func(m whatsapp.Message) bool {
				return m.ID == "G1" && m.IsGroup && m.ChatID == "120363000000000001@g.us" && m.From == "351910000003@s.whatsapp.net"
			}},
		{map[string]any{"id": "false_351910000003@c.us_I1", "from": "351910000003@c.us", "body": "a foto", "hasMedia": true,
			"media": map[string]any{"url": v.fake.AddFile(photo, "image/jpeg"), "mimetype": "image/jpeg"}},
			func(m whatsapp.Message) bool {
				if m.Type != whatsapp.TypeImage || m.Text != "a foto" || m.Media == nil {
					return false
				}
				got, err := c.Download(ctx, m.Media, 1<<20)
				_, tooBig := c.Download(ctx, m.Media, 100)
				return err == nil && bytes.Equal(got, photo) && errors.Is(tooBig, whatsapp.ErrMediaTooLarge)
			}},
		{map[string]any{"id": "false_351910000003@c.us_V1", "from": "351910000003@c.us", "hasMedia": true,
			"media": map[string]any{"url": v.fake.AddFile(voice, "audio/ogg; codecs=opus"), "mimetype": "audio/ogg; codecs=opus"}},
			func(m whatsapp.Message) bool {
				return m.Type == whatsapp.TypeVoice && m.Media.MimeType == "audio/ogg; codecs=opus"
			}},
		{map[string]any{"id": "false_351910000003@c.us_D1", "from": "351910000003@c.us", "hasMedia": true,
			"media": map[string]any{"url": v.fake.AddFile([]byte("%PDF"), "application/pdf"), "mimetype": "application/pdf", "filename": "bilhete.pdf"}},
			func(m whatsapp.Message) bool {
				return m.Type == whatsapp.TypeDocument && m.Media.FileName == "bilhete.pdf"
			}},
		{map[string]any{"id": "false_351910000003@c.us_L1", "from": "351910000003@c.us", "location": map[string]any{"latitude": "38.7223", "longitude": -9.1393, "description": "Lisboa"}},
			func(m whatsapp.Message) bool {
				return m.Type == whatsapp.TypeLocation && m.Location.Latitude == 38.7223 && m.Location.Longitude == -9.1393 && m.Location.Name == "Lisboa"
			}},
		{map[string]any{"id": "false_351910000003@c.us_C1", "from": "351910000003@c.us", "vCards": []string{"BEGIN:VCARD\nVERSION:3.0\nFN:Dora\nEND:VCARD"}},
			func(m whatsapp.Message) bool {
				return m.Type == whatsapp.TypeContact && m.Contact.DisplayName == "Dora"
			}},
	}
	for _, tc := range cases {
		if code, err := v.fake.Deliver("s1", tc.payload); err != nil || code != 200 {
			t.Fatalf("deliver %v: %d %v", tc.payload["id"], code, err)
		}
		id := tc.payload["id"].(string)
		id = strings.Split(id, "_")[2]
		m, ok := r.message(id)
		if !ok || !tc.check(m) {
			t.Fatalf("message %s: %+v (media %+v)", id, m, m.Media)
		}
	}
	// Nothing to keep (a reaction, an empty message): accepted, not stored.
	if code, _ := v.fake.Deliver("s1", map[string]any{"id": "false_x@c.us_E1", "from": "x@c.us", "body": ""}); code != 200 {
		t.Fatalf("empty message answered %d", code)
	}
	if _, ok := r.message("E1"); ok {
		t.Fatal("an empty message was stored")
	}

	// A message that cannot be stored is refused, and WAHA's retry lands it.
	r.fail.Store(2)
	before := v.fake.Deliveries("message.any")
	if code, _ := v.fake.Deliver("s1", map[string]any{"id": "false_351910000003@c.us_R1", "from": "351910000003@c.us", "body": "again"}); code != 200 {
		t.Fatalf("retried delivery ended with %d", code)
	}
	if _, ok := r.message("R1"); !ok || v.fake.Deliveries("message.any")-before != 3 {
		t.Fatalf("retried message stored %v after %d attempts", ok, v.fake.Deliveries("message.any")-before)
	}

	// Sending goes to WAHA with its chat id, and comes back as the message
	// WAHA echoes (stored once: same id).
	sent, err := c.Send(ctx, whatsapp.Outgoing{ChatID: "351910000003@s.whatsapp.net", Text: "Tudo ótimo!"})
	if err != nil || !sent.FromMe || sent.From != "5511900000001@s.whatsapp.net" || sent.ID == "" {
		t.Fatalf("send: %+v %v", sent, err)
	}
	if s := v.fake.Sent(); len(s) != 1 || s[0].ChatID != "351910000003@c.us" || s[0].Text != "Tudo ótimo!" {
		t.Fatalf("WAHA received %+v", s)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if echo, ok := r.message(sent.ID); ok {
			if !echo.FromMe || echo.ChatID != "351910000003@s.whatsapp.net" || echo.Text != "Tudo ótimo!" {
				t.Fatalf("echo %+v", echo)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("WAHA's echo of the sent message did not arrive")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := c.Send(ctx, whatsapp.Outgoing{ChatID: "not-a-chat", Text: "x"}); !errors.Is(err, whatsapp.ErrInvalidChat) {
		t.Fatalf("bad chat: %v", err)
	}
	if _, err := c.Groups(ctx); !errors.Is(err, whatsapp.ErrNotSupported) {
		t.Fatalf("groups: %v", err)
	}

	// WAHA fails the session: reported as a disconnection that does not retry.
	v.fake.SetStatus("s1", "FAILED")
	if d := waitFor[whatsapp.Disconnected](t, r, 1); d.Retrying || !strings.Contains(d.Reason, "failed") {
		t.Fatalf("disconnected %+v", d)
	}
}

func TestRestartKeepsLoginAndStopLogout(t *testing.T) {
	v := newEnv(t)
	c, r := v.connect(t, "s2")
	waitFor[whatsapp.QR](t, r, 1)
	_ = v.fake.Scan("s2", "5511900000002", "Bruno")
	waitFor[whatsapp.Connected](t, r, 1)

	// Disconnect stops the WAHA session; no events follow.
	c.Disconnect()
	if st := v.fake.Status("s2"); st != "STOPPED" {
		t.Fatalf("WAHA status after Disconnect: %s", st)
	}
	n := len(r.events)
	time.Sleep(200 * time.Millisecond)
	if len(r.events) != n {
		t.Fatalf("events after Disconnect: %v", r.events[n:])
	}

	// A new client for the same session logs in without a QR code.
	c2, r2 := v.connect(t, "s2")
	if conn := waitFor[whatsapp.Connected](t, r2, 1); conn.Me.PushName != "Bruno" {
		t.Fatalf("reconnected as %+v", conn.Me)
	}
	for _, e := range r2.events {
		if _, ok := e.(whatsapp.QR); ok {
			t.Fatal("QR code on reconnect")
		}
	}

	// Logout unlinks and deletes the WAHA session.
	if err := c2.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if st := v.fake.Status("s2"); st != "" {
		t.Fatalf("WAHA session still exists (%s) after Logout", st)
	}
	if c2.HasDevice() {
		t.Fatal("HasDevice after Logout")
	}
}

func TestQRTimeout(t *testing.T) {
	v := newEnv(t)
	_, r := v.connect(t, "s3")
	waitFor[whatsapp.QR](t, r, 1)
	v.fake.SetStatus("s3", "FAILED") // WAHA gives up after its QR codes
	waitFor[whatsapp.QRTimeout](t, r, 1)
}

// Webhooks are accepted only with the right signature.
func TestWebhookSignature(t *testing.T) {
	v := newEnv(t)
	body := []byte(`{"event":"session.status","session":"nobody","payload":{"status":"WORKING"}}`)
	post := func(sig string) int {
		req, _ := http.NewRequest("POST", v.hook.URL, bytes.NewReader(body))
		if sig != "" {
			req.Header.Set("X-Webhook-Hmac", sig)
			req.Header.Set("X-Webhook-Hmac-Algorithm", "sha512")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post(""); c != 401 {
		t.Fatalf("unsigned: %d", c)
	}
	if c := post(waha.Sign([]byte("another secret entirely"), body)); c != 401 {
		t.Fatalf("wrong key: %d", c)
	}
	if c := post(waha.Sign([]byte(secret), body)); c != 200 {
		t.Fatalf("signed: %d", c)
	}
}

func TestWrongAPIKey(t *testing.T) {
	fake := wahatest.New("right")
	defer fake.Close()
	e, _ := waha.New(waha.Options{BaseURL: fake.URL, APIKey: "wrong", WebhookSecret: []byte(secret), WebhookURL: func() string { return "http://127.0.0.1:1" }})
	c, _ := e.NewClient(ctx, whatsapp.SessionRef{ID: "s"}, &recorder{})
	var ae *waha.APIError
	if err := c.Connect(ctx); !errors.As(err, &ae) || ae.Status != 401 {
		t.Fatalf("connect with a wrong key: %v", err)
	}
}
