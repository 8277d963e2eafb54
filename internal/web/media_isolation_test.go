package web_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// A message that claims the hash of another person's file (the attack of
// issue 9: a document message carrying the sha256 of a victim's photo and a
// bogus media path) gets no link on its chat page and no bytes from the
// media route; neither tells whether the file exists.
func TestClaimedMediaHashReachesNothing(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	victim, attacker := newBrowser(t, srv), newBrowser(t, srv)
	uv := victim.signUp("victim.media@example.com")
	ua := attacker.signUp("attacker.media@example.com")
	sid := connect(t, srv, uv, "447700900777")
	photo := []byte("\x89PNG\r\n\x1a\n the victim's photo")
	deliver(t, srv, uv, sid, sim.Incoming{Chat: "447700900002", Type: "image", Media: photo, MimeType: "image/png"})
	var im store.Image
	waitFor(t, "the victim's photo stored", func() bool {
		p, _ := srv.App.Store.ListImages(ctx, uv.ID, store.ImageFilter{}, store.ListOptions{})
		if len(p.Items) == 1 {
			im = p.Items[0]
			return true
		}
		return false
	})
	if im.SHA256 != media.Hash(photo) {
		t.Fatalf("stored hash %s", im.SHA256)
	}

	// The attacker's own messages: one claims the victim's hash, one a hash
	// that nobody has.
	chat := "447700900003@s.whatsapp.net"
	claim := func(id, hash string) *store.IncomingMessage {
		return &store.IncomingMessage{UserID: ua.ID, Message: store.Message{ChatID: chat, ID: id, Type: "document", Timestamp: time.Now(),
			Media: &store.Media{Ref: "/v/t62.7119-24/bogus", MimeType: "image/png", FileName: "photo.png", SHA256: hash}}}
	}
	msgs := []*store.IncomingMessage{claim("claims-victims", im.SHA256), claim("claims-nothing", media.Hash([]byte("nobody's")))}
	if err := srv.App.Store.IngestMessages(ctx, msgs, srv.App.Jobs.IngestHook()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"claims-victims", "claims-nothing"} {
		r := attacker.get("/media/messages/" + chat + "/" + id)
		if r.status != http.StatusNotFound || bytes.Contains([]byte(r.body), photo) {
			t.Fatalf("attacker's %s: %d (%d bytes)", id, r.status, len(r.body))
		}
	}
	page := attacker.get("/chats/" + chat)
	if page.status != http.StatusOK || !strings.Contains(page.body, "photo.png") {
		t.Fatalf("chat page: %d\n%s", page.status, page.body)
	}
	if strings.Contains(page.body, "/media/messages/") {
		t.Fatalf("the chat page links media the attacker never downloaded:\n%s", page.body)
	}
	// The victim still gets their photo.
	if r := victim.get("/media/messages/447700900002@s.whatsapp.net/" + im.MessageID); r.status != http.StatusOK || r.body != string(photo) {
		t.Fatalf("victim's photo: %d", r.status)
	}
}
