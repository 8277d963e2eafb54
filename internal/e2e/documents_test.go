package e2e_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// TestDocuments: a small document is downloaded as it arrives, a larger
// one when the person asks; both are served byte for byte to their owner
// only.
func TestDocuments(t *testing.T) { eachDialect(t, testDocuments) }

func testDocuments(t *testing.T, d store.Dialect) {
	ws := startWasim(t)
	srv := startMeowApp(t, d, ws, map[string]string{"WHATSAPP_AUTO_DOWNLOAD_BYTES": "200", "WHATSAPP_MAX_MEDIA_BYTES": "4096"})
	c := srv.Client
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000031", PushName: "Ana"})
	carla, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000033", PushName: "Carla"})
	ana, other := c.Register("ana.docs@example.com"), c.Register("other.docs@example.com")
	connectPhone(t, c, ana, anaPhone)
	small := []byte("%PDF-1.4 a small ticket")
	large := bytes.Repeat([]byte("%PDF-1.4 a large contract "), 100)
	smallID, err := carla.SendDocument(anaPhone.Number(), wasim.Document{Data: small, MimeType: "application/pdf", FileName: "ticket.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	largeID, err := carla.SendDocument(anaPhone.Number(), wasim.Document{Data: large, MimeType: "application/pdf", FileName: "contract.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	chat := carla.JID().String()
	media := func(token, id string) *apptest.Response {
		return c.Do("GET", "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages/"+id+"/media", token, nil)
	}
	waitBytes := func(id string, want []byte) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			r := media(ana.Token, id)
			if r.Status == 200 {
				if !bytes.Equal(r.Body, want) {
					t.Fatalf("document %s: %d bytes differ", id, len(r.Body))
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("document %s never served: %d %s", id, r.Status, r.Body)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitBytes(smallID, small)
	waitMessage(t, c, ana.Token, chat, largeID, func(map[string]any) bool { return true })
	time.Sleep(300 * time.Millisecond)
	if r := media(ana.Token, largeID); r.Status != 404 {
		t.Fatalf("a document over the automatic limit was downloaded by itself: %d", r.Status)
	}
	if r := c.Do("POST", "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages/"+largeID+"/download", other.Token, nil); r.Status != 404 {
		t.Fatalf("another user asks for the download: %d", r.Status)
	}
	if r := c.Do("POST", "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages/"+largeID+"/download", ana.Token, nil); r.Status != 202 {
		t.Fatalf("download: %d %s", r.Status, r.Body)
	}
	waitBytes(largeID, large)
	if r := media(other.Token, largeID); r.Status != 404 {
		t.Fatalf("another user gets the document: %d", r.Status)
	}
	if r := media(ana.Token, largeID); r.Header.Get("Content-Type") != "application/octet-stream" || r.Header.Get("Content-Disposition") == "inline" {
		t.Fatalf("a document is served as %q, %q", r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
	}

	// One over WHATSAPP_MAX_MEDIA_BYTES is never kept, and says so.
	hugeID, err := carla.SendDocument(anaPhone.Number(), wasim.Document{Data: bytes.Repeat([]byte("x"), 5000), MimeType: "application/pdf", FileName: "huge.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, c, ana.Token, chat, hugeID, func(map[string]any) bool { return true })
	download := "/api/v1/whatsapp/chats/" + url.PathEscape(chat) + "/messages/" + hugeID + "/download"
	if r := c.Do("POST", download, ana.Token, nil); r.Status != 202 {
		t.Fatalf("download of a too large document: %d %s", r.Status, r.Body)
	}
	waitFor(t, func() bool {
		r := media(ana.Token, hugeID)
		return r.Status == 409 && strings.Contains(string(r.Body), "media-too-large")
	})
	if r := c.Do("POST", download, ana.Token, nil); r.Status != 409 || !strings.Contains(string(r.Body), "WHATSAPP_MAX_MEDIA_BYTES") {
		t.Fatalf("asking again for a too large document: %d %s", r.Status, r.Body)
	}
}
