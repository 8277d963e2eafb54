package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// TestChatLinksWhatWasMade: on the chat page a message links to the task
// and the place made from it; another person's chat page is not theirs.
func TestChatLinksWhatWasMade(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, srv)
	u := b.signUp("made@example.com")
	other := newBrowser(t, srv)
	other.signUp("other.made@example.com")
	chat := "447700900008@s.whatsapp.net"
	if err := srv.App.Store.IngestMessages(ctx, []*store.IncomingMessage{{UserID: u.ID, Message: store.Message{
		ChatID: chat, ID: "w1", From: chat, FromName: "Zoe", Type: "text", Text: "Buy bread at Padaria Lisboa", Timestamp: time.Now().Add(-time.Minute)}}}, nil); err != nil {
		t.Fatal(err)
	}
	made, err := srv.App.Store.AddExtracted(ctx, u.ID, store.Source{Kind: store.SourceMessage, ChatID: chat, MessageID: "w1",
		Snapshot: store.Snapshot{From: chat, FromName: "Zoe", Text: "Buy bread at Padaria Lisboa", Time: time.Now().Add(-time.Minute)}},
		[]store.Extracted{{Kind: domain.KindTask, Title: "Buy bread"}, {Kind: domain.KindLocation, Title: "Padaria Lisboa"}})
	if err != nil || len(made) != 2 {
		t.Fatalf("add: %v %v", made, err)
	}
	task, place := made[0].(store.Task), made[1].(store.Location)
	page := b.get("/chats/" + chat)
	for _, want := range []string{
		`<ul class="made" aria-label="Made from this message">`,
		`<a href="/tasks/` + task.ID + `/edit"><span class="badge">Task</span> Buy bread</a>`,
		`<a href="/locations/` + place.ID + `/edit"><span class="badge">Place</span> Padaria Lisboa</a>`,
	} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("chat page lacks %s:\n%s", want, page.body)
		}
	}
	if r := other.get("/chats/" + chat); r.status != http.StatusNotFound || strings.Contains(r.body, "Buy bread") {
		t.Fatalf("another person opens the chat: %d", r.status)
	}
	// The task keeps the words it came from, shown on its page.
	if r := b.get("/tasks/" + task.ID + "/edit"); !strings.Contains(r.body, `<blockquote class="snapshot" aria-label="What it came from"><p>Buy bread at Padaria Lisboa</p><footer>Zoe · <time`) {
		t.Fatalf("task page without the words it came from:\n%s", r.body)
	}
	// Pinning keeps the message past retention; another person cannot.
	if r := other.post("/chats/"+chat+"/messages/w1/pin", url.Values{"pin": {"1"}}); r.status != http.StatusNotFound {
		t.Fatalf("another person pins: %d", r.status)
	}
	b.post("/chats/"+chat+"/messages/w1/pin", url.Values{"pin": {"1"}})
	if m, err := srv.App.Store.GetMessage(ctx, u.ID, chat, "w1"); err != nil || m.PinnedAt == nil {
		t.Fatalf("not pinned: %+v %v", m, err)
	}
	if r := b.get("/chats/" + chat); !strings.Contains(r.body, "📌 Pinned") || !strings.Contains(r.body, `name="pin" value="0"`) {
		t.Fatalf("chat page does not show the pin:\n%s", r.body)
	}
}
