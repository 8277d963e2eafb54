package e2e_test

import (
	"bytes"
	"encoding/json"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// TestSendReplyPhotoFile: through the API, against the protocol simulator,
// a person replies quoting a message, sends a photo with a caption and a
// file; the other phone sees each as WhatsApp shows them (the quote, the
// decrypted photo and file), Synapse stores them, and the send limit and
// another person's ids are refused in words.
func TestSendReplyPhotoFile(t *testing.T) { eachDialect(t, testSendReplyPhotoFile) }

func testSendReplyPhotoFile(t *testing.T, d store.Dialect) {
	ws := startWasim(t)
	srv := startMeowApp(t, d, ws, nil)
	c := srv.Client
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000031", PushName: "Ana"})
	carla, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000033", PushName: "Carla"})
	ana, other := c.Register("ana.send@example.com"), c.Register("other.send@example.com")
	connectPhone(t, c, ana, anaPhone)
	chat := carla.JID().String()

	askID, err := carla.SendText(anaPhone.Number(), "Mandas-me a foto do recibo?")
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, c, ana.Token, chat, askID, func(map[string]any) bool { return true })

	send := func(token string, body map[string]any, want int) map[string]any {
		t.Helper()
		r := c.Do("POST", "/api/v1/whatsapp/messages", token, body)
		if r.Status != want {
			t.Fatalf("send %v: %d %s", body["text"], r.Status, r.Body)
		}
		var m map[string]any
		if want == 201 {
			r.JSON(t, &m)
		}
		return m
	}
	// A reply quoting Carla's question.
	reply := send(ana.Token, map[string]any{"chatId": chat, "text": "Claro, já mando", "replyTo": askID}, 201)
	if reply["replyTo"] != askID {
		t.Fatalf("stored reply %v", reply)
	}
	// A photo with a caption, and a PDF.
	pic := photo(40, 30)
	img := send(ana.Token, map[string]any{"chatId": chat, "text": "o recibo", "attachment": map[string]any{"fileName": "recibo.png", "data": pic}}, 201)
	if img["type"] != "image" || img["text"] != "o recibo" {
		t.Fatalf("stored photo %v", img)
	}
	pdf := []byte("%PDF-1.4\n% a receipt\n")
	doc := send(ana.Token, map[string]any{"chatId": chat, "attachment": map[string]any{"fileName": "../../recibo final.pdf", "mimeType": "application/pdf", "data": pdf}}, 201)
	if doc["type"] != "document" {
		t.Fatalf("stored file %v", doc)
	}

	// What Carla's phone shows.
	var got []wasim.RecordedMessage
	waitFor(t, func() bool {
		got = got[:0]
		for _, m := range carla.Received() {
			if m.From == anaPhone.JID().String() {
				got = append(got, m)
			}
		}
		return len(got) >= 3
	})
	if got[0].Type != "text" || got[0].Text != "Claro, já mando" || got[0].QuotedID != askID || got[0].QuotedParticipant != chat {
		t.Fatalf("the reply as Carla sees it: %+v", got[0])
	}
	if got[1].Type != "image" || got[1].Text != "o recibo" || got[1].MimeType != "image/png" || !bytes.Equal(got[1].Media, pic) {
		t.Fatalf("the photo as Carla sees it: %+v (media error %q)", got[1].ID, got[1].MediaError)
	}
	if got[2].Type != "document" || got[2].FileName != "recibo final.pdf" || got[2].MimeType != "application/pdf" || !bytes.Equal(got[2].Media, pdf) {
		t.Fatalf("the file as Carla sees it: %+v (media error %q)", got[2].FileName, got[2].MediaError)
	}
	// Synapse keeps its own copy of the photo it sent.
	waitFor(t, func() bool {
		r := c.Do("GET", "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages/"+url.PathEscape(img["id"].(string))+"/media", ana.Token, nil)
		return r.Status == 200 && bytes.Equal(r.Body, pic)
	})

	// Another person can neither quote ana's messages nor reach her chat.
	r := c.Do("POST", "/api/v1/whatsapp/messages", other.Token, map[string]any{"chatId": chat, "text": "hi", "replyTo": askID})
	if r.Status != 400 || !strings.Contains(string(r.Body), "replyTo") {
		t.Fatalf("another person's reply: %d %s", r.Status, r.Body)
	}
	// Bad input is named.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"chatId": chat, "text": "x", "replyTo": "NOPE"}, "replyTo"},
		{map[string]any{"chatId": chat, "attachment": map[string]any{"data": []byte{}}}, "attachment"},
		{map[string]any{"chatId": chat, "attachment": map[string]any{"fileName": "a\nb.txt", "data": []byte("x")}}, "attachment.fileName"},
		{map[string]any{"chatId": chat}, "text"},
		{map[string]any{"chatId": chat, "attachment": map[string]any{"fileName": "a.txt", "data": "!!!not base64"}}, "attachment.data"},
	} {
		r := c.Do("POST", "/api/v1/whatsapp/messages", ana.Token, tc.body)
		if r.Status != 400 || !strings.Contains(string(r.Body), `"`+tc.field+`"`) || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%v: %d %s", tc.body, r.Status, r.Body)
		}
	}
	// The send limit: bursts of 10, then 429 with Retry-After. The
	// requests go at once: one after the other, each waiting for WhatsApp,
	// a slow machine would refill the bucket (one every 2 s) as fast.
	var wg sync.WaitGroup
	statuses := make(chan *apptest.Response, 14)
	for i := range 14 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- c.Do("POST", "/api/v1/whatsapp/messages", ana.Token, map[string]any{"chatId": chat, "text": "ping " + strings.Repeat("!", i)})
		}()
	}
	wg.Wait()
	close(statuses)
	limited := 0
	for r := range statuses {
		switch r.Status {
		case 429:
			if r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), "send-rate-limited") {
				t.Fatalf("limited without saying when: %v %s", r.Header, r.Body)
			}
			limited++
		case 201:
		default:
			t.Fatalf("send: %d %s", r.Status, r.Body)
		}
	}
	if limited == 0 {
		t.Fatal("14 messages at once were all sent")
	}
}

// TestLoadOlderMessages: a chat page's "load older messages" asks the
// phone (an on-demand history request) and the older messages within the
// history window arrive; those outside it do not.
func TestLoadOlderMessages(t *testing.T) { eachDialect(t, testLoadOlderMessages) }

func testLoadOlderMessages(t *testing.T, d store.Dialect) {
	rootOnce.Do(func() { copy(rootKey[:], bytes.Repeat([]byte{7}, 32)) })
	ws, err := wasim.New(wasim.Options{RootKey: &rootKey, SyncLinkedDevices: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	srv := startMeowApp(t, d, ws, map[string]string{"WHATSAPP_HISTORY_DAYS": "7", "WHATSAPP_MESSAGE_RETENTION_DAYS": "7"})
	c := srv.Client
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000041", PushName: "Ana"})
	carla, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000043", PushName: "Carla"})
	now := time.Now()
	text := func(s string) *waE2E.Message { return &waE2E.Message{Conversation: proto.String(s)} }
	// The phone sends the last day by itself; older days only when asked.
	if err := anaPhone.SetHistory(wasim.History{RecentDays: 1, BootstrapMessages: 2, Conversations: []wasim.HistoryConversation{
		{Chat: carla.Number(), Name: "Carla", Messages: []wasim.HistoryMessage{
			{ID: "O-FAR", Time: now.AddDate(0, 0, -20), Message: text("há muito tempo")},
			{ID: "O-5D", Time: now.AddDate(0, 0, -5), Message: text("há cinco dias")},
			{ID: "O-3D", Time: now.AddDate(0, 0, -3), Message: text("há três dias"), FromMe: true},
			{ID: "O-2H", Time: now.Add(-2 * time.Hour), Message: text("hoje cedo")},
			{ID: "O-1H", Time: now.Add(-time.Hour), Message: text("agora há pouco")},
		}},
	}}); err != nil {
		t.Fatal(err)
	}
	ana, other := c.Register("ana.older@example.com"), c.Register("other.older@example.com")
	connectPhone(t, c, ana, anaPhone)
	chat := carla.JID().String()
	path := "/api/v1/whatsapp/chats/" + url.PathEscape(chat)
	waitMessage(t, c, ana.Token, chat, "O-2H", func(map[string]any) bool { return true })
	for _, m := range list(t, c, ana.Token, path+"/messages?limit=100") {
		if m["id"] == "O-3D" || m["id"] == "O-5D" {
			t.Fatalf("the phone sent older days by itself: %v", m["id"])
		}
	}
	if r := c.Do("POST", path+"/history", other.Token, nil); r.Status != 404 {
		t.Fatalf("another person's chat: %d %s", r.Status, r.Body)
	}
	if r := c.Do("POST", path+"/history", ana.Token, nil); r.Status != 202 {
		t.Fatalf("load older: %d %s", r.Status, r.Body)
	}
	waitMessage(t, c, ana.Token, chat, "O-5D", func(m map[string]any) bool { return m["text"] == "há cinco dias" })
	waitMessage(t, c, ana.Token, chat, "O-3D", func(m map[string]any) bool { return m["fromMe"] == true })
	seen := map[string]int{}
	for _, m := range list(t, c, ana.Token, path+"/messages?limit=100") {
		seen[m["id"].(string)]++
	}
	if seen["O-FAR"] != 0 || seen["O-2H"] != 1 || seen["O-1H"] != 1 {
		t.Fatalf("after loading older messages: %v", seen)
	}
}

// TestLIDThenPhoneNumber: a contact WhatsApp moves between phone-number and
// LID addressing stays one chat and one sender, in a direct chat and in a
// group.
func TestLIDThenPhoneNumber(t *testing.T) { eachDialect(t, testLIDThenPhoneNumber) }

func testLIDThenPhoneNumber(t *testing.T, d store.Dialect) {
	ws := startWasim(t)
	srv := startMeowApp(t, d, ws, nil)
	c := srv.Client
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000051", PushName: "Ana"})
	carla, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000053", PushName: "Carla", AddressingLID: true})
	bruno, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000054", PushName: "Bruno"})
	ana := c.Register("ana.lid@example.com")
	connectPhone(t, c, ana, anaPhone)
	chat := carla.JID().String()

	first, err := carla.SendText(anaPhone.Number(), "escrevo do meu LID")
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, c, ana.Token, chat, first, func(m map[string]any) bool { return m["from"] == chat })
	carla.SetAddressingLID(false)
	second, err := carla.SendText(anaPhone.Number(), "e agora do meu número")
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, c, ana.Token, chat, second, func(m map[string]any) bool { return m["from"] == chat })
	carla.SetAddressingLID(true)
	// A group in LID addressing mode, created by Carla.
	gid, err := carla.CreateGroup("Viagem", anaPhone.Number(), bruno.Number())
	if err != nil {
		t.Fatal(err)
	}
	inGroup, err := carla.SendText(gid.String(), "no grupo, do LID")
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, c, ana.Token, gid.String(), inGroup, func(m map[string]any) bool { return m["from"] == chat })
	carla.SetAddressingLID(false)
	third, err := carla.SendText(anaPhone.Number(), "de novo pelo número")
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, c, ana.Token, chat, third, func(map[string]any) bool { return true })

	direct := 0
	for _, ch := range list(t, c, ana.Token, "/api/v1/whatsapp/chats") {
		id := ch["id"].(string)
		if strings.HasSuffix(id, "@lid") {
			t.Fatalf("a chat under a LID: %v", ch)
		}
		if !strings.HasSuffix(id, "@g.us") {
			direct++
		}
	}
	if direct != 1 {
		t.Fatalf("%d direct chats for one contact", direct)
	}
	if n := len(list(t, c, ana.Token, "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages?limit=100")); n != 3 {
		t.Fatalf("the contact's chat holds %d messages, want 3", n)
	}
	// Writing to the contact's LID keeps the message in the same chat.
	r := c.Do("POST", "/api/v1/whatsapp/messages", ana.Token, map[string]any{"chatId": carla.LID().String(), "text": "respondo ao teu LID"})
	if r.Status != 201 || !strings.Contains(string(r.Body), `"chatId":"`+chat+`"`) {
		t.Fatalf("sending to the LID: %d %s", r.Status, r.Body)
	}
	for _, ch := range list(t, c, ana.Token, "/api/v1/whatsapp/chats") {
		if strings.HasSuffix(ch["id"].(string), "@lid") {
			t.Fatalf("sending to a LID made a chat under it: %v", ch)
		}
	}
}

// TestLIDKnownOnlyLater: a contact whose number WhatsApp withholds writes
// from their LID and is stored under it; once a message names both their
// number and LID, what was stored under the LID joins the number's chat
// and sender, and no LID chat is left.
func TestLIDKnownOnlyLater(t *testing.T) { eachDialect(t, testLIDKnownOnlyLater) }

func testLIDKnownOnlyLater(t *testing.T, d store.Dialect) {
	ws := startWasim(t)
	srv := startMeowApp(t, d, ws, nil)
	c := srv.Client
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000061", PushName: "Ana"})
	dora, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000063", PushName: "Dora", AddressingLID: true})
	dora.SetHidePhoneNumber(true)
	ana := c.Register("ana.lidlater@example.com")
	connectPhone(t, c, ana, anaPhone)
	lidChat, chat := dora.LID().String(), dora.JID().String()

	first, err := dora.SendText(anaPhone.Number(), "olá, sou a Dora https://example.org/dora")
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, c, ana.Token, lidChat, first, func(m map[string]any) bool { return m["from"] == lidChat })

	dora.SetHidePhoneNumber(false)
	dora.SetAddressingLID(false)
	second, err := dora.SendText(anaPhone.Number(), "agora pelo número")
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, c, ana.Token, chat, second, func(map[string]any) bool { return true })
	waitMessage(t, c, ana.Token, chat, first, func(m map[string]any) bool { return m["from"] == chat })
	for _, ch := range list(t, c, ana.Token, "/api/v1/whatsapp/chats") {
		if strings.HasSuffix(ch["id"].(string), "@lid") {
			t.Fatalf("a chat under a LID is left: %v", ch)
		}
	}
	if r := c.Do("GET", "/api/v1/whatsapp/chats/"+url.PathEscape(lidChat)+"/messages", ana.Token, nil); r.Status != 404 {
		t.Fatalf("the LID chat's messages: %d %s", r.Status, r.Body)
	}
	// The bookmark from the first message now opens it in the number's chat.
	waitFor(t, func() bool {
		b, err := json.Marshal(getList(t, c, "/api/v1/bookmarks", ana.Token, 1)[0])
		return err == nil && strings.Contains(string(b), chat) && !strings.Contains(string(b), lidChat)
	})
}
