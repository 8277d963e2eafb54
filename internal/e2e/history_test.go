package e2e_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// TestHistoryOnLink: a person who links their phone finds the chats it
// sends (as WhatsApp does right after linking) with their names, the
// messages within the history window only, and the knowledge made from
// them; live messages that follow are stored once.
func TestHistoryOnLink(t *testing.T) { eachDialect(t, testHistoryOnLink) }

func testHistoryOnLink(t *testing.T, d store.Dialect) {
	ws := historyWasim(t)
	srv := startMeowApp(t, d, ws, map[string]string{"WHATSAPP_HISTORY_DAYS": "7", "WHATSAPP_MESSAGE_RETENTION_DAYS": "7"})
	c := srv.Client
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000021", PushName: "Ana"})
	carla, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000023", PushName: "Carla"})
	now := time.Now()
	text := func(s string) *waE2E.Message { return &waE2E.Message{Conversation: proto.String(s)} }
	group := "120363000000000021@g.us"
	expired, err := ws.BuildMessage(wasim.MessageRequest{To: anaPhone.Number(), Type: "image", Data: photo(32, 24), MimeType: "image/png", Width: 32, Height: 24})
	if err != nil {
		t.Fatal(err)
	}
	if err := anaPhone.SetHistory(wasim.History{Conversations: []wasim.HistoryConversation{
		{Chat: carla.Number(), Name: "Carla Souza", Messages: []wasim.HistoryMessage{
			{ID: "H-OLD", Time: now.AddDate(0, 0, -30), Message: text("mensagem muito antiga")},
			{ID: "H-LINK", Time: now.Add(-3 * time.Hour), Message: text("Lê isto https://example.org/historia")},
			{ID: "H-ME", FromMe: true, Time: now.Add(-2 * time.Hour), Message: text("Obrigada!")},
			{ID: "H-GONE", Time: now.Add(-90 * time.Minute), Message: expired, MediaGone: 410},
		}},
		{Chat: group, Name: "Família", Messages: []wasim.HistoryMessage{
			{ID: "H-GROUP", From: carla.Number(), PushName: "Carla", Time: now.Add(-time.Hour), Message: text("Jantar no domingo?")},
		}},
		{Chat: "351910000029", Name: "Dora Antiga", Messages: []wasim.HistoryMessage{
			{ID: "H-DORA", Time: now.AddDate(0, 0, -60), Message: text("só fora da janela")},
		}},
		{Chat: anaPhone.Number(), Messages: []wasim.HistoryMessage{
			{ID: "H-SELF", FromMe: true, Time: now.Add(-30 * time.Minute), Message: text("todo: renew my passport")},
		}},
		// A chat the phone has no name for, where only ana wrote: named by
		// the push name the history's PUSH_NAME chunk carries.
		{Chat: "351910000031", Messages: []wasim.HistoryMessage{
			{ID: "H-BRUNO", FromMe: true, Time: now.Add(-4 * time.Hour), Message: text("Até amanhã")},
		}},
	}, PushNames: map[string]string{"351910000031": "Bruno"},
		// One message of each chat in the first chunk, the rest in RECENT
		// chunks of two: chats come in several chunks, as from a real phone.
		BootstrapMessages: 1, ChunkSize: 2}); err != nil {
		t.Fatal(err)
	}
	ana, other := c.Register("ana.history@example.com"), c.Register("other.history@example.com")
	connectPhone(t, c, ana, anaPhone)

	carlaChat := carla.JID().String()
	waitMessage(t, c, ana.Token, carlaChat, "H-LINK", func(map[string]any) bool { return true })
	// In a group too, Carla goes by the name ana's phone gives her chat
	// (its address-book name), not by her push name.
	waitMessage(t, c, ana.Token, group, "H-GROUP", func(m map[string]any) bool { return m["fromName"] == "Carla Souza" })
	names := map[string]string{}
	waitFor(t, func() bool {
		for _, ch := range list(t, c, ana.Token, "/api/v1/whatsapp/chats") {
			names[ch["id"].(string)], _ = ch["name"].(string)
		}
		ok := names[carlaChat] == "Carla Souza" && names[group] == "Família" && names["351910000031@s.whatsapp.net"] == "Bruno"
		if !ok {
			t.Logf("names %v", names)
		}
		return ok
	})
	if _, ok := names["351910000029@s.whatsapp.net"]; ok {
		t.Fatalf("a conversation with nothing inside the window became a chat: %v", names)
	}
	for _, m := range list(t, c, ana.Token, "/api/v1/whatsapp/chats/"+url.PathEscape(carlaChat)+"/messages?limit=100") {
		if m["id"] == "H-OLD" {
			t.Fatalf("a message older than the history window was imported: %v", m)
		}
	}
	// The pipeline ran over the history: a bookmark and a task.
	if b := getList(t, c, "/api/v1/bookmarks", ana.Token, 1); !strings.Contains(b[0]["url"].(string), "example.org/historia") {
		t.Fatalf("bookmark %v", b[0])
	}
	waitFor(t, func() bool { return taskTitles(t, c, ana.Token)["Renew my passport"] })
	// A photo WhatsApp no longer serves is said to be gone, not retried:
	// its media answers 410 media-expired, and asking to download it again
	// too.
	gone := "/api/v1/whatsapp/chats/" + url.PathEscape(carlaChat) + "/messages/H-GONE/"
	waitFor(t, func() bool {
		r := c.Do("GET", gone+"media", ana.Token, nil)
		return r.Status == 410 && strings.Contains(string(r.Body), "media-expired") && mediaGone(t, srv, ana.ID, carlaChat, "H-GONE")
	})
	if r := c.Do("POST", gone+"download", ana.Token, nil); r.Status != 410 || !strings.Contains(string(r.Body), "no longer serves") {
		t.Fatalf("asking for an expired file again: %d %s", r.Status, r.Body)
	}
	if r := c.Do("GET", gone+"media", other.Token, nil); r.Status != 404 {
		t.Fatalf("another user asking for the expired file: %d %s", r.Status, r.Body)
	}

	// The session's status says how far the import went, for a page
	// opened after the progress events.
	waitFor(t, func() bool {
		var st struct {
			History *struct {
				Chats, Messages int
				Done            bool
			} `json:"history"`
		}
		c.Do("GET", "/api/v1/whatsapp/status", ana.Token, nil).JSON(t, &st)
		return st.History != nil && st.History.Done && st.History.Chats == 4 && st.History.Messages == 6
	})

	// Live messages after the history: stored once, like everything else.
	id, err := carla.SendText(anaPhone.Number(), "Chegaste bem?")
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, c, ana.Token, carlaChat, id, func(map[string]any) bool { return true })
	// The phone's name for the chat outranks the push name the live
	// message carries.
	for _, ch := range list(t, c, ana.Token, "/api/v1/whatsapp/chats") {
		if ch["id"] == carlaChat && ch["name"] != "Carla Souza" {
			t.Fatalf("after a live message the chat is named %q, want the phone's name", ch["name"])
		}
	}
	seen := map[string]int{}
	for _, m := range list(t, c, ana.Token, "/api/v1/whatsapp/chats/"+url.PathEscape(carlaChat)+"/messages?limit=100") {
		seen[m["id"].(string)]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("message %s stored %d times", id, n)
		}
	}
	// The name ana gave Carla in her address book names the chat, over the
	// history's and the push name, also after Carla writes again; a
	// contact she never chatted with makes no chat.
	if err := anaPhone.SetContactName(carla.Number(), "Carla (prima)", "Carla"); err != nil {
		t.Fatal(err)
	}
	if err := anaPhone.SetContactName("447700900999", "Nobody Here", ""); err != nil {
		t.Fatal(err)
	}
	chatName := func() string {
		for _, ch := range list(t, c, ana.Token, "/api/v1/whatsapp/chats") {
			if ch["id"] == carlaChat {
				return ch["name"].(string)
			}
		}
		return ""
	}
	waitFor(t, func() bool { return chatName() == "Carla (prima)" })
	id, err = carla.SendText(anaPhone.Number(), "Outra coisa")
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, c, ana.Token, carlaChat, id, func(map[string]any) bool { return true })
	if n := chatName(); n != "Carla (prima)" {
		t.Fatalf("chat renamed to %q by a push name", n)
	}
	for _, ch := range list(t, c, ana.Token, "/api/v1/whatsapp/chats") {
		if strings.Contains(ch["id"].(string), "447700900999") {
			t.Fatalf("a contact without messages made a chat: %v", ch)
		}
	}
	// In the group too, Carla's messages carry the address book's name,
	// also those stored before it was known.
	waitMessage(t, c, ana.Token, group, "H-GROUP", func(m map[string]any) bool { return m["fromName"] == "Carla (prima)" })
	if r := c.Do("GET", "/api/v1/whatsapp/chats?q=prima", ana.Token, nil); r.Status != 200 || !strings.Contains(string(r.Body), carlaChat) {
		t.Fatalf("finding the chat by its address-book name: %d %s", r.Status, r.Body)
	}

	if r := c.Do("GET", "/api/v1/whatsapp/chats/"+url.PathEscape(group)+"/messages", other.Token, nil); r.Status != 404 {
		t.Fatalf("another user reads the imported group: %d", r.Status)
	}
}

func mediaGone(t *testing.T, srv *apptest.Server, userID, chat, id string) bool {
	reason, err := srv.App.Store.MediaFailure(t.Context(), userID, chat, id)
	return err == nil && reason == store.MediaFailedGone
}
