package e2e_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// One certificate root for every simulator in this test binary:
// whatsmeow trusts a single root per process.
var (
	rootOnce sync.Once
	rootKey  [32]byte
)

func startWasim(t *testing.T) *wasim.Server {
	rootOnce.Do(func() { copy(rootKey[:], bytes.Repeat([]byte{7}, 32)) })
	s, err := wasim.New(wasim.Options{RootKey: &rootKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// eachDialect runs fn on SQLite and on PostgreSQL.
func eachDialect(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}

// startMeowApp starts Synapse on the whatsmeow engine against ws, with
// extra environment. On PostgreSQL it gets a database of its own:
// whatsmeow's upgrade looks for its tables in every schema of a database.
func startMeowApp(t testing.TB, d store.Dialect, ws *wasim.Server, extra map[string]string) *apptest.Server {
	env := meowEnv(ws)
	for k, v := range extra {
		env[k] = v
	}
	opts := apptest.Options{Dialect: d, DataDir: t.TempDir(), Env: env}
	if d == store.Postgres {
		opts.DatabaseURL = dbtest.PostgresDatabaseURL(t)
	}
	return apptest.Start(t, opts)
}

func meowEnv(ws *wasim.Server) map[string]string {
	return map[string]string{"WHATSAPP_ENGINE": "whatsmeow", "WHATSAPP_SIMULATOR_URL": "http://" + ws.Addr()}
}

// connectPhone pairs the user's session with a simulated phone by QR, as a
// person would: the QR comes from Synapse's API, the phone scans it.
func connectPhone(t testing.TB, c *apptest.Client, u apptest.User, phone *wasim.Phone) {
	t.Helper()
	r := c.Do("GET", "/api/v1/whatsapp/qr", u.Token, nil)
	if r.Status != 200 {
		t.Fatalf("qr: %d %s", r.Status, r.Body)
	}
	var qr struct {
		QR  string `json:"qr"`
		Raw string `json:"raw"`
	}
	r.JSON(t, &qr)
	if !strings.HasPrefix(qr.QR, "data:image/png;base64,") || strings.Count(qr.Raw, ",") < 3 {
		t.Fatalf("qr %q", qr.Raw)
	}
	if err := phone.ScanQR(qr.Raw); err != nil {
		t.Fatal(err)
	}
	c.WaitStatus(u, "WORKING")
}

func photo(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func getList(t *testing.T, c *apptest.Client, path, token string, min int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var l struct {
			Items []map[string]any `json:"items"`
		}
		r := c.Do("GET", path, token, nil)
		if r.Status == 200 && json.Unmarshal(r.Body, &l) == nil && len(l.Items) >= min {
			return l.Items
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: want %d items, have %d (%d %.300s)", path, min, len(l.Items), r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWhatsmeowEndToEnd(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testWhatsmeow(t, d) })
	}
}

func testWhatsmeow(t *testing.T, d store.Dialect) {
	ws := startWasim(t)
	dataDir := t.TempDir()
	opts := apptest.Options{Dialect: d, DataDir: dataDir, Env: meowEnv(ws)}
	if d == store.Postgres {
		// A database of its own: whatsmeow's upgrade looks for its tables
		// in every schema of the database.
		opts.DatabaseURL = dbtest.PostgresDatabaseURL(t)
	}
	srv := apptest.Start(t, opts)
	c := srv.Client

	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000001", PushName: "Ana"})
	brunoPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000002", PushName: "Bruno"})
	carla, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000003", PushName: "Carla"})
	ana, bruno := c.Register("ana@example.com"), c.Register("bruno@example.com")
	connectPhone(t, c, ana, anaPhone)
	var st struct {
		Me struct {
			JID string `json:"jid"`
		} `json:"me"`
		Engine string `json:"engine"`
	}
	c.Do("GET", "/api/v1/whatsapp/status", ana.Token, nil).JSON(t, &st)
	if st.Me.JID != "5511900000001@s.whatsapp.net" || st.Engine != "whatsmeow" {
		t.Fatalf("status %+v", st)
	}

	// Bruno links with a pair code instead of a QR code.
	r := c.Do("POST", "/api/v1/whatsapp/pair-code", bruno.Token, map[string]string{"phone": "+55 11 90000-0002"})
	if r.Status != 200 {
		t.Fatalf("pair-code: %d %s", r.Status, r.Body)
	}
	var pc struct {
		Code string `json:"code"`
	}
	r.JSON(t, &pc)
	if err := brunoPhone.ConfirmPairCode(pc.Code); err != nil {
		t.Fatalf("confirm %q: %v", pc.Code, err)
	}
	c.WaitStatus(bruno, "WORKING")

	// Every kind of message reaches ana, decrypted.
	pic := photo(640, 480)
	voice, err := os.ReadFile("../whatsapp/sim/assets/voice-note.ogg")
	if err != nil {
		t.Fatal(err)
	}
	to := anaPhone.Number()
	mustSend := func(_ string, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustSend(carla.SendText(to, "Olá Ana, tudo bem?"))
	mustSend(carla.SendText(to, "Vê isto https://example.org/artigo"))
	mustSend(carla.SendImage(to, wasim.Image{Data: pic, MimeType: "image/png", Caption: "a foto", Width: 640, Height: 480}))
	mustSend(carla.SendVoice(to, voice, 6))
	mustSend(carla.SendDocument(to, wasim.Document{Data: []byte("%PDF-1.4 tiny"), MimeType: "application/pdf", FileName: "bilhete.pdf"}))
	mustSend(carla.SendLocation(to, wasim.Location{Latitude: 38.7, Longitude: -9.1, Name: "Lisboa"}))
	mustSend(carla.SendContact(to, "Dora", "BEGIN:VCARD\nVERSION:3.0\nFN:Dora\nEND:VCARD"))
	group, err := carla.CreateGroup("Família", to, brunoPhone.Number())
	if err != nil {
		t.Fatal(err)
	}
	mustSend(carla.SendText(group.String(), "Mensagem para o grupo"))

	chat := "351910000003@s.whatsapp.net"
	msgs := getList(t, c, "/api/v1/whatsapp/chats/"+chat+"/messages?limit=50", ana.Token, 7)
	kinds := map[string]bool{}
	for _, m := range msgs {
		kinds[m["type"].(string)] = true
	}
	for _, k := range []string{"text", "image", "voice", "document", "location", "contact"} {
		if !kinds[k] {
			t.Errorf("no %s message in %v", k, kinds)
		}
	}
	gmsgs := getList(t, c, "/api/v1/whatsapp/chats/"+url.PathEscape(group.String())+"/messages", ana.Token, 1)
	if gmsgs[0]["text"] != "Mensagem para o grupo" || gmsgs[0]["fromName"] != "Carla" {
		t.Fatalf("group message %v", gmsgs[0])
	}
	if groups := getList(t, c, "/api/v1/whatsapp/groups", ana.Token, 1); groups[0]["name"] != "Família" {
		t.Fatalf("groups %v", groups)
	}
	// Bruno is in the group too, but sees none of ana's direct chat.
	getList(t, c, "/api/v1/whatsapp/chats/"+url.PathEscape(group.String())+"/messages", bruno.Token, 1)
	// Bruno may have his own chat with Carla (her group set-up), never ana's
	// messages in it.
	if r := c.Do("GET", "/api/v1/whatsapp/chats/"+chat+"/messages", bruno.Token, nil); r.Status != 404 {
		t.Logf("bruno's chat with carla: %s", r.Body)
		if bytes.Contains(r.Body, []byte("Ana")) || bytes.Contains(r.Body, []byte("artigo")) {
			t.Fatalf("bruno sees ana's messages: %s", r.Body)
		}
	}

	// Media downloaded through whatsmeow is byte-identical.
	imgs := getList(t, c, "/api/v1/images", ana.Token, 1)
	r = c.Do("GET", "/api/v1/images/"+imgs[0]["id"].(string)+"/original", ana.Token, nil)
	if r.Status != 200 || !bytes.Equal(r.Body, pic) {
		t.Fatalf("image bytes differ (%d, %d bytes)", r.Status, len(r.Body))
	}
	memos := getList(t, c, "/api/v1/voice-memos", ana.Token, 1)
	r = c.Do("GET", "/api/v1/voice-memos/"+memos[0]["id"].(string)+"/audio", ana.Token, nil)
	if r.Status != 200 || sha256.Sum256(r.Body) != sha256.Sum256(voice) {
		t.Fatalf("voice bytes differ (%d, %d bytes)", r.Status, len(r.Body))
	}
	if l := getList(t, c, "/api/v1/locations", ana.Token, 1); l[0]["name"] != "Lisboa" {
		t.Fatalf("location %v", l[0])
	}

	// Sending reaches the phone.
	r = c.Do("POST", "/api/v1/whatsapp/messages", ana.Token, map[string]string{"chatId": chat, "text": "Tudo ótimo!"})
	if r.Status != 201 {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	waitFor(t, func() bool {
		for _, m := range anaPhone.Sent() {
			if m.Text == "Tudo ótimo!" && strings.HasPrefix(m.Chat, "351910000003") {
				return true
			}
		}
		return false
	})
	r = c.Do("POST", "/api/v1/whatsapp/messages", ana.Token, map[string]string{"chatId": group.String(), "text": "Para o grupo"})
	if r.Status != 201 {
		t.Fatalf("send to group: %d %s", r.Status, r.Body)
	}

	// Restart on the same database: WORKING again without a QR code, and a
	// message sent while Synapse was down arrives.
	srv.Stop()
	mustSend(carla.SendText(to, "enquanto estavas fora"))
	srv2 := apptest.Start(t, opts)
	c2 := srv2.Client
	sse := c2.OpenSSE(ana)
	c2.WaitStatus(ana, "WORKING")
	c2.WaitStatus(bruno, "WORKING")
	for _, e := range sse.Events() {
		if e.Type == "session.qr" {
			t.Fatal("a QR code was shown on restore")
		}
	}
	waitFor(t, func() bool {
		for _, m := range getList(t, c2, "/api/v1/whatsapp/chats/"+chat+"/messages", ana.Token, 1) {
			if m["text"] == "enquanto estavas fora" {
				return true
			}
		}
		return false
	})

	// The phone unlinks: STOPPED with a reason; connecting again works.
	anaPhone.Unlink()
	c2.WaitStatus(ana, "STOPPED")
	var after struct {
		Reason string `json:"reason"`
	}
	c2.Do("GET", "/api/v1/whatsapp/status", ana.Token, nil).JSON(t, &after)
	if after.Reason == "" {
		t.Fatal("no reason after unlink")
	}
	connectPhone(t, c2, ana, anaPhone)
	c2.WaitStatus(bruno, "WORKING")
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	waitForOr(t, ok, func() string { return "condition not met in time" })
}

// waitForOr waits for ok, failing with what describe says when it is not
// met within a minute.
func waitForOr(t *testing.T, ok func() bool, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal(describe())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
