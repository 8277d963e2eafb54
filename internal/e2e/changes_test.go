package e2e_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// TestNothingStale: against the protocol simulator, through the API, a
// message edited by its sender and one deleted for everyone change what
// Synapse keeps as WhatsApp Web would show them, with the search index and
// what was made of them; Status updates and channel posts never appear.
func TestNothingStale(t *testing.T) { eachDialect(t, testNothingStale) }

func testNothingStale(t *testing.T, d store.Dialect) {
	ws := startWasim(t)
	srv := startMeowApp(t, d, ws, nil)
	c := srv.Client
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000011", PushName: "Ana"})
	carla, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000013", PushName: "Carla"})
	ana, other := c.Register("ana@example.com"), c.Register("other@example.com")
	connectPhone(t, c, ana, anaPhone)
	must := func(id string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	to, self := anaPhone.Number(), anaPhone.Number()
	chat := carla.JID().String()
	selfChat := anaPhone.JID().String()

	// What Carla sends, and what ana writes to herself.
	editedID := must(carla.SendText(to, "Reunião amanhã no escritório"))
	linkID := must(carla.SendText(to, "Lê isto https://example.org/artigo-apagado"))
	placeID := must(carla.SendLocation(to, wasim.Location{Latitude: 38.7, Longitude: -9.1, Name: "Lisboa"}))
	imageID := must(carla.SendImage(to, wasim.Image{Data: photo(64, 48), MimeType: "image/png", Caption: "foto apagada", Width: 64, Height: 48}))
	noteID := must(anaPhone.SendText(self, "todo: buy bread"))
	keptID := must(anaPhone.SendText(self, "todo: call the plumber"))

	// Status updates and channel posts are never kept.
	must(carla.PostStatus(wasim.Status{Text: "status secreto", To: []string{to}}))
	// Someone who only posts Status updates makes no chat, not even
	// through the push name their Status carries.
	dora, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000019", PushName: "Dora Status"})
	must(dora.PostStatus(wasim.Status{Text: "status da Dora", To: []string{to}}))
	channel := ws.CreateNewsletter(wasim.NewsletterOptions{Name: "Notícias"})
	if err := anaPhone.FollowNewsletter(channel.JID().String()); err != nil {
		t.Fatal(err)
	}
	must(channel.Post("post do canal"))

	getList(t, c, "/api/v1/bookmarks", ana.Token, 1)
	getList(t, c, "/api/v1/locations", ana.Token, 1)
	images := getList(t, c, "/api/v1/images", ana.Token, 1)
	tasks := getList(t, c, "/api/v1/tasks", ana.Token, 2)
	var keptTask string
	for _, tk := range tasks {
		if tk["title"] != "Buy bread" {
			keptTask = tk["id"].(string)
		}
	}
	// The person changes the plumber task by hand: it is theirs now.
	if r := c.Do("PATCH", "/api/v1/tasks/"+keptTask, ana.Token, map[string]any{"title": "Call the plumber (Rui)"}); r.Status != 200 {
		t.Fatalf("patch task: %d %s", r.Status, r.Body)
	}

	// Edits.
	must(carla.Edit(to, editedID, "Encontro sexta no café"))
	must(anaPhone.Edit(self, noteID, "todo: buy oranges"))
	m := waitMessage(t, c, ana.Token, chat, editedID, func(m map[string]any) bool { return m["editedAt"] != nil })
	if m["text"] != "Encontro sexta no café" {
		t.Fatalf("edited message %v", m)
	}
	if hits := search(t, c, ana.Token, "Encontro"); len(hits) != 1 {
		t.Fatalf("search for the new text: %v", hits)
	}
	if hits := search(t, c, ana.Token, "escritório"); len(hits) != 0 {
		t.Fatalf("search still finds the old text: %v", hits)
	}
	waitFor(t, func() bool {
		titles := taskTitles(t, c, ana.Token)
		return titles["Buy oranges"] && !titles["Buy bread"] && titles["Call the plumber (Rui)"]
	})

	// Deletions for everyone.
	must(carla.Revoke(to, linkID))
	must(carla.Revoke(to, placeID))
	must(carla.Revoke(to, imageID))
	must(anaPhone.Revoke(self, keptID))
	m = waitMessage(t, c, ana.Token, chat, imageID, func(m map[string]any) bool { return m["deletedAt"] != nil })
	if m["text"] != "" || m["media"] != nil {
		t.Fatalf("deleted message keeps %v", m)
	}
	waitMessage(t, c, ana.Token, chat, linkID, func(m map[string]any) bool { return m["deletedAt"] != nil && m["text"] == "" })
	waitMessage(t, c, ana.Token, selfChat, keptID, func(m map[string]any) bool { return m["deletedAt"] != nil })
	if n := len(list(t, c, ana.Token, "/api/v1/bookmarks")); n != 0 {
		t.Fatalf("the bookmark of a deleted message stays (%d)", n)
	}
	if n := len(list(t, c, ana.Token, "/api/v1/locations")); n != 0 {
		t.Fatalf("the place of a deleted message stays (%d)", n)
	}
	if n := len(list(t, c, ana.Token, "/api/v1/images")); n != 0 {
		t.Fatalf("the image of a deleted message stays (%d)", n)
	}
	if r := c.Do("GET", "/api/v1/images/"+images[0]["id"].(string)+"/original", ana.Token, nil); r.Status != 404 {
		t.Fatalf("a deleted image is still served: %d", r.Status)
	}
	for _, q := range []string{"apagado", "apagada", "Lisboa", "plumber"} {
		hits := search(t, c, ana.Token, q)
		for _, h := range hits {
			if h["kind"] == "message" {
				t.Fatalf("search %q finds a deleted message: %v", q, hits)
			}
		}
	}
	// The task the person edited stays although its message is gone.
	if titles := taskTitles(t, c, ana.Token); !titles["Call the plumber (Rui)"] || !titles["Buy oranges"] {
		t.Fatalf("tasks after the deletion: %v", titles)
	}

	// A deletion and an edit that overtake their message (as after a
	// phone's offline queue or before a history chunk) apply when it
	// arrives: nothing of the deleted one, the edited one as edited.
	must(carla.Revoke(to, "OOO-GONE"))
	must(carla.Edit(to, "OOO-EDIT", "Afinal é às 18h"))
	time.Sleep(500 * time.Millisecond)
	must(carla.SendText(to, "Apaga https://example.org/antes-do-tempo", wasim.SendOptions{ID: "OOO-GONE"}))
	must(carla.SendText(to, "É às 17h", wasim.SendOptions{ID: "OOO-EDIT"}))
	waitMessage(t, c, ana.Token, chat, "OOO-EDIT", func(m map[string]any) bool { return m["text"] == "Afinal é às 18h" && m["editedAt"] != nil })
	waitMessage(t, c, ana.Token, chat, "OOO-GONE", func(m map[string]any) bool { return m["deletedAt"] != nil && m["text"] == "" })
	time.Sleep(time.Second)
	if n := len(list(t, c, ana.Token, "/api/v1/bookmarks")); n != 0 {
		t.Fatalf("a message deleted before it arrived made a bookmark (%d)", n)
	}
	if hits := search(t, c, ana.Token, "antes"); len(hits) != 0 {
		t.Fatalf("search finds a message deleted before it arrived: %v", hits)
	}

	// Nothing of the Status update or the channel anywhere.
	for _, path := range []string{"/api/v1/whatsapp/chats"} {
		r := c.Do("GET", path, ana.Token, nil)
		if r.Status != 200 || containsAny(string(r.Body), "status@broadcast", "@newsletter", "status secreto", "post do canal", "Notícias", "351910000019", "Dora") {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
	}
	for _, q := range []string{"secreto", "canal"} {
		if hits := search(t, c, ana.Token, q); len(hits) != 0 {
			t.Fatalf("search %q: %v", q, hits)
		}
	}
	// A quiet device: Synapse received and stored all of this without
	// telling anyone that ana read it, typed or was online, so her phone
	// keeps its notifications (delivery receipts are WhatsApp's own).
	devices := anaPhone.Devices()
	if len(devices) == 0 {
		t.Fatal("no linked device")
	}
	for _, dev := range devices {
		jid, err := types.ParseJID(dev.JID)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := ws.Traffic(jid)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Presences) != 0 || len(tr.ChatStates) != 0 {
			t.Fatalf("the device announced itself: presences %v, chat states %v", tr.Presences, tr.ChatStates)
		}
		delivered := 0
		for _, r := range tr.Receipts {
			switch r.Attrs["type"] {
			case "read", "read-self", "played", "played-self":
				t.Fatalf("the device sent a %s receipt: %v", r.Attrs["type"], r)
			case "":
				// A plain delivery receipt comes from an active device:
				// the phone would stop notifying.
				t.Fatalf("the device sent an active delivery receipt: %v", r)
			case "inactive", "sender":
				// Delivery: "inactive" is what a device that never said it
				// is online sends, so the phone still notifies.
				delivered++
			}
		}
		if delivered == 0 {
			t.Fatalf("no delivery receipt at all (is the traffic recorded?): %+v", tr)
		}
	}

	// Another person sees none of it, and cannot change the chat.
	if r := c.Do("GET", "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages", other.Token, nil); r.Status != 404 {
		t.Fatalf("another user reads the chat: %d", r.Status)
	}
	for _, r := range []*apptest.Response{
		c.Do("PATCH", "/api/v1/whatsapp/chats/"+url.PathEscape(chat), other.Token, map[string]any{"keep": false, "purge": true}),
		c.Do("POST", "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/purge", other.Token, nil),
	} {
		if r.Status != 404 {
			t.Fatalf("another user changes the chat: %d %s", r.Status, r.Body)
		}
	}
	if r := c.Do("PATCH", "/api/v1/whatsapp/chats/"+url.PathEscape(chat), ana.Token, map[string]any{"purge": true}); r.Status != 400 {
		t.Fatalf("keep missing: %d %s", r.Status, r.Body)
	}
	if r := c.Do("PATCH", "/api/v1/whatsapp/chats/"+url.PathEscape(chat), ana.Token, map[string]any{"keep": true, "purge": true}); r.Status != 400 || !strings.Contains(string(r.Body), "purge") {
		t.Fatalf("purge with keep true: %d %s", r.Status, r.Body)
	}

	// "Don't keep this chat": what it stored goes, what it sends is dropped.
	keptNote := must(carla.SendText(to, "Lembra-me de ligar ao Rui https://example.org/fica"))
	waitMessage(t, c, ana.Token, chat, keptNote, func(map[string]any) bool { return true })
	getList(t, c, "/api/v1/bookmarks", ana.Token, 1)
	r := c.Do("PATCH", "/api/v1/whatsapp/chats/"+url.PathEscape(chat), ana.Token, map[string]any{"keep": false, "purge": true})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"notKept":true`) {
		t.Fatalf("not keeping the chat: %d %s", r.Status, r.Body)
	}
	if n := len(list(t, c, ana.Token, "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages")); n != 0 {
		t.Fatalf("%d messages kept after the purge", n)
	}
	if n := len(list(t, c, ana.Token, "/api/v1/bookmarks")); n != 0 {
		t.Fatalf("%d bookmarks kept after the purge", n)
	}
	dropped := must(carla.SendText(to, "isto não fica"))
	marker := must(anaPhone.SendText(self, "marker after the dropped one"))
	waitMessage(t, c, ana.Token, selfChat, marker, func(map[string]any) bool { return true })
	time.Sleep(200 * time.Millisecond)
	if hits := search(t, c, ana.Token, "fica"); len(hits) != 0 {
		t.Fatalf("a chat not kept stored %s: %v", dropped, hits)
	}
	// Sending to it still sends (and answers with what was sent), and
	// keeps nothing.
	r = c.Do("POST", "/api/v1/whatsapp/messages", ana.Token, map[string]any{"chatId": chat, "text": "enviado mas não guardado"})
	if r.Status != 201 || !strings.Contains(string(r.Body), "enviado mas não guardado") {
		t.Fatalf("sending to a chat not kept: %d %s", r.Status, r.Body)
	}
	waitFor(t, func() bool {
		for _, m := range carla.Received() {
			if m.Text == "enviado mas não guardado" {
				return true
			}
		}
		return false
	})
	if n := len(list(t, c, ana.Token, "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages")); n != 0 {
		t.Fatalf("%d messages kept in a chat not kept, after sending to it", n)
	}
	if r := c.Do("PATCH", "/api/v1/whatsapp/chats/"+url.PathEscape(chat), ana.Token, map[string]any{"keep": true}); r.Status != 200 {
		t.Fatalf("keeping the chat again: %d %s", r.Status, r.Body)
	}
	again := must(carla.SendText(to, "e agora fica"))
	waitMessage(t, c, ana.Token, chat, again, func(map[string]any) bool { return true })
}

func waitMessage(t *testing.T, c *apptest.Client, token, chat, id string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	var last map[string]any
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var l struct {
			Items []map[string]any `json:"items"`
		}
		if r := c.Do("GET", "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages?limit=100", token, nil); r.Status == 200 {
			_ = json.Unmarshal(r.Body, &l)
		}
		for _, m := range l.Items {
			if m["id"] == id {
				last = m
				if ok(m) {
					return m
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("message %s of %s never became as expected; last %v", id, chat, last)
	return nil
}

func list(t *testing.T, c *apptest.Client, token, path string) []map[string]any {
	t.Helper()
	var l struct {
		Items []map[string]any `json:"items"`
	}
	r := c.Do("GET", path, token, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &l); err != nil {
		t.Fatal(err)
	}
	return l.Items
}

func search(t *testing.T, c *apptest.Client, token, q string) []map[string]any {
	t.Helper()
	var res struct {
		Results []map[string]any `json:"results"`
		Items   []map[string]any `json:"items"`
	}
	r := c.Do("GET", "/api/v1/search?q="+url.QueryEscape(q), token, nil)
	if r.Status != 200 {
		t.Fatalf("search %q: %d %s", q, r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &res); err != nil {
		t.Fatal(err)
	}
	if res.Results != nil {
		return res.Results
	}
	return res.Items
}

func taskTitles(t *testing.T, c *apptest.Client, token string) map[string]bool {
	out := map[string]bool{}
	for _, tk := range list(t, c, token, "/api/v1/tasks") {
		out[tk["title"].(string)] = true
	}
	return out
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
