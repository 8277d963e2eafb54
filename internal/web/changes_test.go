package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// TestChatShowsEditsAndDeletions: the chat page shows an edited message's
// new text marked "Edited", and a message deleted for everyone as WhatsApp
// Web does, without its old text.
func TestChatShowsEditsAndDeletions(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, srv)
	u := b.signUp("changes@example.com")
	chat := "447700900004@s.whatsapp.net"
	at := time.Now().Add(-time.Minute)
	msg := func(id, text string) *store.IncomingMessage {
		return &store.IncomingMessage{UserID: u.ID, Message: store.Message{ChatID: chat, ID: id, From: chat, FromName: "Zoe", Type: "text", Text: text, Timestamp: at}}
	}
	if err := srv.App.Store.IngestMessages(ctx, []*store.IncomingMessage{msg("e1", "see you at 5"), msg("d1", "my secret plan")}, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []store.MessageChange{
		{UserID: u.ID, ChatID: chat, TargetID: "e1", Kind: store.ChangeEdit, By: chat, Text: "see you at 6", At: time.Now()},
		{UserID: u.ID, ChatID: chat, TargetID: "d1", Kind: store.ChangeRevoke, By: chat, At: time.Now()},
		// Someone else cannot change Zoe's message.
		{UserID: u.ID, ChatID: chat, TargetID: "e1", Kind: store.ChangeEdit, By: "447700900005@s.whatsapp.net", Text: "forged", At: time.Now()},
	} {
		if _, err := srv.App.Store.ApplyMessageChange(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	page := b.get("/chats/" + chat)
	if page.status != 200 {
		t.Fatalf("chat page %d", page.status)
	}
	for _, want := range []string{"see you at 6", "Edited", "This message was deleted"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("chat page lacks %q", want)
		}
	}
	for _, gone := range []string{"see you at 5", "my secret plan", "forged"} {
		if strings.Contains(page.body, gone) {
			t.Errorf("chat page still shows %q", gone)
		}
	}
}
