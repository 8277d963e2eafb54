package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestPinMessage: a person pins one of their messages past retention and
// unpins it; another person's token reaches neither their message nor the
// pin, on both databases.
func TestPinMessage(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			srv := apptest.Start(t, apptest.Options{Dialect: d})
			ana, bruno := srv.Register("ana.pin@example.com"), srv.Register("bruno.pin@example.com")
			const chat = "447700900010@s.whatsapp.net"
			// Old enough for the cutoff below, young enough that the
			// server's own retention job (which may run while the test
			// does) keeps it until it is pinned.
			old := time.Now().AddDate(0, 0, -2)
			if err := srv.App.Store.IngestMessages(ctx, []*store.IncomingMessage{{UserID: ana.ID, Message: store.Message{
				ChatID: chat, ID: "keep-me", From: chat, Type: "text", Text: "Locker 42, code 1234", Timestamp: old}}, {UserID: ana.ID, Message: store.Message{
				ChatID: chat, ID: "let-go", From: chat, Type: "text", Text: "see you", Timestamp: old}}}, nil); err != nil {
				t.Fatal(err)
			}
			path := "/api/v1/whatsapp/chats/" + url.PathEscape(chat) + "/messages/keep-me/pin"
			for _, method := range []string{"PUT", "DELETE"} {
				if r := srv.Do(method, path, bruno.Token, nil); r.Status != http.StatusNotFound {
					t.Fatalf("bruno %s ana's pin: %d %s", method, r.Status, r.Body)
				}
			}
			if r := srv.Do("PUT", "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages/nope/pin", ana.Token, nil); r.Status != http.StatusNotFound {
				t.Fatalf("pin of an unknown message: %d", r.Status)
			}
			r := srv.Do("PUT", path, ana.Token, nil)
			var m store.Message
			r.JSON(t, &m)
			if r.Status != http.StatusOK || m.PinnedAt == nil || m.Text != "Locker 42, code 1234" {
				t.Fatalf("pin: %d %s", r.Status, r.Body)
			}
			if _, err := srv.App.Store.DeleteMessagesBefore(ctx, time.Now().AddDate(0, 0, -1), 100); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.App.Store.GetMessage(ctx, ana.ID, chat, "keep-me"); err != nil {
				t.Fatalf("pinned message expired: %v", err)
			}
			if _, err := srv.App.Store.GetMessage(ctx, ana.ID, chat, "let-go"); err == nil {
				t.Fatal("an unpinned message outlived the retention cutoff")
			}
			r = srv.Do("DELETE", path, ana.Token, nil)
			m = store.Message{}
			r.JSON(t, &m)
			if r.Status != http.StatusOK || m.PinnedAt != nil {
				t.Fatalf("unpin: %d %s", r.Status, r.Body)
			}
		})
	}
}
