package web_test

import (
	"net/http"
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
	made, err := srv.App.Store.AddExtracted(ctx, u.ID, store.Source{Kind: store.SourceMessage, ChatID: chat, MessageID: "w1"},
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
}
