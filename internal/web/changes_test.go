package web_test

import (
	"net/http"
	"net/url"
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
	gone := msg("g1", "")
	gone.Type, gone.Media = "image", &store.Media{Ref: "x", MimeType: "image/jpeg"}
	if err := srv.App.Store.IngestMessages(ctx, []*store.IncomingMessage{msg("e1", "see you at 5"), msg("d1", "my secret plan"), gone}, nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.App.Store.SetMediaFailed(ctx, u.ID, chat, "g1", store.MediaFailedGone); err != nil {
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
	for _, want := range []string{"see you at 6", "Edited", "This message was deleted", "No longer available on WhatsApp"} {
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

// TestDontKeepAChat: from the chat page, a person stops keeping a chat
// (removing what it stored) and keeps it again.
func TestDontKeepAChat(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, srv)
	u := b.signUp("keep@example.com")
	chat := "447700900006@s.whatsapp.net"
	if err := srv.App.Store.IngestMessages(ctx, []*store.IncomingMessage{{UserID: u.ID, Message: store.Message{
		ChatID: chat, ID: "k1", From: chat, Type: "text", Text: "the noisy group's message", Timestamp: time.Now()}}}, nil); err != nil {
		t.Fatal(err)
	}
	if page := b.get("/chats/" + chat); !strings.Contains(page.body, "Don't keep this chat") || !strings.Contains(page.body, "noisy group") {
		t.Fatalf("chat page before: %d", page.status)
	}
	if r := b.post("/chats/"+chat+"/keep", url.Values{"keep": {"0"}, "purge": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("don't keep: %d %s", r.status, r.body)
	}
	page := b.get("/chats/" + chat)
	if !strings.Contains(page.body, "Synapse does not keep this chat") || strings.Contains(page.body, "noisy group") {
		t.Fatalf("chat page after: %d %s", page.status, page.body)
	}
	if r := b.post("/chats/"+chat+"/keep", url.Values{"keep": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("keep again: %d", r.status)
	}
	if page := b.get("/chats/" + chat); strings.Contains(page.body, "Synapse does not keep this chat") {
		t.Fatal("still not kept")
	}
	other := newBrowser(t, srv)
	other.signUp("keep-other@example.com")
	if r := other.post("/chats/"+chat+"/keep", url.Values{"keep": {"0"}}); r.status != http.StatusNotFound {
		t.Fatalf("another person's post: %d", r.status)
	}
}

// TestChatShowsForwarded: a forwarded message is marked "Forwarded" on the
// chat page, as WhatsApp Web does; the others are not.
func TestChatShowsForwarded(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, srv)
	u := b.signUp("forwarded@example.com")
	chat := "447700900006@s.whatsapp.net"
	at := time.Now().Add(-time.Minute)
	fwd := &store.IncomingMessage{UserID: u.ID, Message: store.Message{ChatID: chat, ID: "f1", From: chat, Type: "text", Text: "passa adiante", Timestamp: at, Forwarded: true}}
	own := &store.IncomingMessage{UserID: u.ID, Message: store.Message{ChatID: chat, ID: "o1", From: chat, Type: "text", Text: "palavras minhas", Timestamp: at.Add(time.Second)}}
	if err := srv.App.Store.IngestMessages(ctx, []*store.IncomingMessage{fwd, own}, nil); err != nil {
		t.Fatal(err)
	}
	page := b.get("/chats/" + chat)
	if page.status != 200 {
		t.Fatalf("chat page %d", page.status)
	}
	first, second := strings.Index(page.body, "passa adiante"), strings.Index(page.body, "palavras minhas")
	mark := strings.Index(page.body, "Forwarded</div>")
	if first < 0 || second < 0 || strings.Count(page.body, "Forwarded</div>") != 1 || mark > first || mark < strings.LastIndex(page.body[:first], `id="m-`) {
		t.Fatalf("the forwarded mark is not on the forwarded message alone (at %d; messages at %d and %d)", mark, first, second)
	}
}
