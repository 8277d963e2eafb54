package e2e_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/whatsapp/waha/wahatest"
)

// The waha engine end to end through Synapse's API, against a fake WAHA
// speaking WAHA's HTTP API and signed webhooks: pair, receive every kind
// of message (media downloaded from WAHA into the pipeline), send, restart
// without a QR code, and two users who never see each other's data.
func TestWAHAEndToEnd(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testWAHA(t, d) })
	}
}

func testWAHA(t *testing.T, d store.Dialect) {
	fake := wahatest.New("waha-key")
	t.Cleanup(fake.Close)
	opts := apptest.Options{Dialect: d, DataDir: t.TempDir(),
		Env: map[string]string{"WHATSAPP_ENGINE": "waha", "WAHA_SERVICE_URL": fake.URL, "WAHA_API_KEY": "waha-key"}}
	if d == store.Postgres {
		opts.DatabaseURL = dbtest.PostgresURL(t)
	}
	srv := apptest.Start(t, opts)
	c := srv.Client
	ana, bruno := c.Register("ana@example.com"), c.Register("bruno@example.com")

	pair := func(u apptest.User, phone, name string) string {
		t.Helper()
		r := c.Do("GET", "/api/v1/whatsapp/qr", u.Token, nil)
		if r.Status != 200 {
			t.Fatalf("qr: %d %s", r.Status, r.Body)
		}
		var st struct {
			SessionID string `json:"sessionId"`
		}
		c.Do("GET", "/api/v1/whatsapp/status", u.Token, nil).JSON(t, &st)
		var qr struct {
			Raw string `json:"raw"`
		}
		r.JSON(t, &qr)
		if qr.Raw != fake.QR(st.SessionID) {
			t.Fatalf("QR %q, WAHA shows %q", qr.Raw, fake.QR(st.SessionID))
		}
		if err := fake.Scan(st.SessionID, phone, name); err != nil {
			t.Fatal(err)
		}
		c.WaitStatus(u, "WORKING")
		return st.SessionID
	}
	anaSession := pair(ana, "5511900000001", "Ana")
	brunoSession := pair(bruno, "5511900000002", "Bruno")

	pic := photo(320, 240)
	deliver := func(session string, p map[string]any) {
		t.Helper()
		if code, err := fake.Deliver(session, p); err != nil || code != 200 {
			t.Fatalf("deliver: %d %v", code, err)
		}
	}
	carla := "351910000003@c.us"
	deliver(anaSession, map[string]any{"from": carla, "body": "Olá Ana, vê https://example.org/artigo", "_data": map[string]any{"notifyName": "Carla"}})
	deliver(anaSession, map[string]any{"from": carla, "body": "a foto", "hasMedia": true,
		"media": map[string]any{"url": fake.AddFile(pic, "image/png"), "mimetype": "image/png"}})
	deliver(anaSession, map[string]any{"from": carla, "location": map[string]any{"latitude": 38.7, "longitude": -9.1, "description": "Lisboa"}})
	deliver(brunoSession, map[string]any{"from": carla, "body": "só para o Bruno"})

	chat := "351910000003@s.whatsapp.net"
	msgs := getList(t, c, "/api/v1/whatsapp/chats/"+chat+"/messages", ana.Token, 3)
	kinds := map[string]bool{}
	for _, m := range msgs {
		kinds[m["type"].(string)] = true
		if m["text"] == "só para o Bruno" {
			t.Fatal("ana sees bruno's message")
		}
	}
	if !kinds["text"] || !kinds["image"] || !kinds["location"] {
		t.Fatalf("kinds %v", kinds)
	}
	imgs := getList(t, c, "/api/v1/images", ana.Token, 1)
	r := c.Do("GET", "/api/v1/images/"+imgs[0]["id"].(string)+"/original", ana.Token, nil)
	if r.Status != 200 || !bytes.Equal(r.Body, pic) {
		t.Fatalf("image downloaded from WAHA differs (%d, %d bytes)", r.Status, len(r.Body))
	}
	if r := c.Do("GET", "/api/v1/images/"+imgs[0]["id"].(string)+"/original", bruno.Token, nil); r.Status != 404 {
		t.Fatalf("bruno reads ana's image: %d", r.Status)
	}
	if l := getList(t, c, "/api/v1/locations", ana.Token, 1); l[0]["name"] != "Lisboa" {
		t.Fatalf("location %v", l[0])
	}
	getList(t, c, "/api/v1/bookmarks", ana.Token, 1)
	if bm := getList(t, c, "/api/v1/bookmarks", bruno.Token, 0); len(bm) != 0 {
		t.Fatalf("bruno has ana's bookmarks: %v", bm)
	}

	// Sending reaches WAHA with its chat id.
	if r := c.Do("POST", "/api/v1/whatsapp/messages", ana.Token, map[string]string{"chatId": chat, "text": "Tudo ótimo!"}); r.Status != 201 {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	sentAs := func(kind, text string) *wahatest.Sent {
		for _, s := range fake.Sent() {
			if s.Session == anaSession && s.ChatID == carla && s.Kind == kind && s.Text == text {
				return &s
			}
		}
		t.Fatalf("WAHA received %+v", fake.Sent())
		return nil
	}
	sentAs("text", "Tudo ótimo!")
	// A photo with a caption goes through sendImage, inline.
	wpic := photo(20, 10)
	if r := c.Do("POST", "/api/v1/whatsapp/messages", ana.Token, map[string]any{"chatId": chat, "text": "olha",
		"attachment": map[string]any{"fileName": "x.png", "data": wpic}}); r.Status != 201 {
		t.Fatalf("send photo: %d %s", r.Status, r.Body)
	}
	if s := sentAs("image", "olha"); s.MimeType != "image/png" || !slices.Equal(s.Data, wpic) || s.FileName != "x.png" {
		t.Fatalf("WAHA received the photo as %+v", s.MimeType)
	}

	// Edits and deletions for everyone, as WAHA reports them: only the
	// sender's edit changes the text; a revocation leaves a tombstone and
	// takes the bookmark that only that message made.
	event := func(name string, p map[string]any) {
		t.Helper()
		if code, err := fake.DeliverEvent(anaSession, name, p); err != nil || code != 200 {
			t.Fatalf("%s: %d %v", name, code, err)
		}
	}
	deliver(anaSession, map[string]any{"id": "false_" + carla + "_W-EDIT", "from": carla, "body": "Reunião às 10h"})
	deliver(anaSession, map[string]any{"id": "false_" + carla + "_W-GONE", "from": carla, "body": "vê https://example.org/apagado"})
	getList(t, c, "/api/v1/bookmarks", ana.Token, 2)
	event("message.edited", map[string]any{"id": "true_" + carla + "_W-E0", "from": "5511900000001@c.us", "to": carla, "fromMe": true,
		"timestamp": 1, "body": "não é minha", "editedMessageId": "W-EDIT"})
	event("message.edited", map[string]any{"id": "false_" + carla + "_W-E1", "from": carla, "timestamp": 2,
		"body": "Reunião às 11h", "editedMessageId": "W-EDIT"})
	event("message.revoked", map[string]any{"revokedMessageId": "W-GONE",
		"after":  map[string]any{"id": "false_" + carla + "_W-R1", "from": carla, "timestamp": 3},
		"before": map[string]any{"id": "false_" + carla + "_W-GONE", "from": carla, "body": "vê https://example.org/apagado"}})
	var edited, gone map[string]any
	for _, m := range getList(t, c, "/api/v1/whatsapp/chats/"+chat+"/messages?limit=100", ana.Token, 1) {
		switch m["id"] {
		case "W-EDIT":
			edited = m
		case "W-GONE":
			gone = m
		}
	}
	if edited == nil || edited["text"] != "Reunião às 11h" || edited["editedAt"] == nil {
		t.Fatalf("edited message %v", edited)
	}
	if gone == nil || gone["deletedAt"] == nil || gone["text"] != "" {
		t.Fatalf("deleted message %v", gone)
	}
	for _, b := range getList(t, c, "/api/v1/bookmarks", ana.Token, 1) {
		if strings.Contains(b["url"].(string), "apagado") {
			t.Fatalf("the deleted message's bookmark stayed: %v", b)
		}
	}

	// Restart: the sessions come back without a QR code.
	srv.Stop()
	srv2 := apptest.Start(t, opts)
	sse := srv2.OpenSSE(ana)
	srv2.WaitStatus(ana, "WORKING")
	srv2.WaitStatus(bruno, "WORKING")
	if n := countQR(sse); n != 0 {
		t.Fatalf("%d QR codes after restart", n)
	}
	deliver(anaSession, map[string]any{"from": carla, "body": "depois do reinício"})
	getListWith(t, srv2.Client, "/api/v1/whatsapp/chats/"+chat+"/messages", ana.Token, "depois do reinício")

	// Logging out deletes the WAHA session.
	if r := srv2.Do("POST", "/api/v1/whatsapp/logout", ana.Token, nil); r.Status != 200 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	if st := fake.Status(anaSession); st != "" {
		t.Fatalf("WAHA session after logout: %s", st)
	}
}
