package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// postFile sends the chat composer as a browser does with a file chosen:
// multipart, with the CSRF token in the form.
func (b *browser) postFile(path string, fields map[string]string, fileName string, data []byte) resp {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", b.csrf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if fileName != "" {
		fw, _ := mw.CreateFormFile("file", fileName)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(raw)}
}

// TestChatRepliesAndFiles: on the chat page a person replies to a message
// (the quote shows above the reply, also without script through ?reply=)
// and sends a file chosen in the composer; what cannot be sent is said in
// words, and another person reaches none of it.
func TestChatRepliesAndFiles(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, srv)
	u := b.signUp("replies@example.com")
	b.post("/connect/start", nil)
	if r := b.do("POST", "/connect/sim-scan", url.Values{}, map[string]string{"X-CSRF-Token": b.csrf, "X-Requested-With": "fetch"}); r.status != http.StatusNoContent {
		t.Fatalf("sim scan: %d %s", r.status, r.body)
	}
	waitFor(t, "WORKING", func() bool {
		st, _ := srv.App.Sessions.Status(ctx, u.ID)
		return st.Status == "WORKING"
	})
	chat := "447700900007@s.whatsapp.net"
	if err := srv.App.Store.IngestMessages(ctx, []*store.IncomingMessage{{UserID: u.ID, Message: store.Message{
		ChatID: chat, ID: "q1", From: chat, FromName: "Zoe", Type: "text", Text: "Can you send me the invoice?", Timestamp: time.Now().Add(-time.Minute)}}}, nil); err != nil {
		t.Fatal(err)
	}
	page := b.get("/chats/" + chat + "?reply=q1")
	if !strings.Contains(page.body, `name="replyTo" value="q1"`) || !strings.Contains(page.body, `data-reply="q1"`) || !strings.Contains(page.body, `enctype="multipart/form-data"`) {
		t.Fatalf("chat page replying:\n%s", page.body)
	}
	// A reply, sent by script (the page stays).
	pdf := []byte("%PDF-1.4\n% invoice\n")
	r := b.postFile("/chats/"+chat+"/send", map[string]string{"text": "Here it is", "replyTo": "q1"}, "invoice.pdf", pdf)
	if r.status != http.StatusSeeOther {
		t.Fatalf("send reply with file: %d %s", r.status, r.body)
	}
	page = b.get("/chats/" + chat)
	if !strings.Contains(page.body, `<blockquote class="quote"><a href="#m-q1"><strong>Zoe</strong> <span>Can you send me the invoice?</span></a></blockquote>`) {
		t.Fatalf("the reply shows no quote:\n%s", page.body)
	}
	if !strings.Contains(page.body, "invoice.pdf") || !strings.Contains(page.body, "Here it is") {
		t.Fatalf("the file sent is not in the chat:\n%s", page.body)
	}
	sess, _ := srv.App.Sessions.SessionID(ctx, u.ID)
	sent, err := srv.App.Sim.Sent(sess)
	if err != nil || len(sent) != 1 || sent[0].ReplyTo != "q1" || sent[0].Type != "document" || sent[0].Media == nil || sent[0].Media.FileName != "invoice.pdf" {
		t.Fatalf("the simulated phone got %+v (%v)", sent, err)
	}
	// What cannot be sent is said in words, keeping the draft.
	r = b.do("POST", "/chats/"+chat+"/send", url.Values{"csrf": {b.csrf}, "text": {"a reply to nothing"}, "replyTo": {"nope"}}, map[string]string{"X-Requested-With": "fetch"})
	if r.status != http.StatusBadRequest || r.body != "The message you replied to is no longer here.\n" {
		t.Fatalf("reply to nothing: %d %q", r.status, r.body)
	}
	r = b.postFile("/chats/"+chat+"/send", map[string]string{"text": ""}, "big.bin", bytes.Repeat([]byte{1}, 17<<20))
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "at most 16 MiB") {
		t.Fatalf("a file too large: %d", r.status)
	}
	// Another person reaches neither the chat nor its messages.
	other := newBrowser(t, srv)
	other.signUp("replies-other@example.com")
	if r := other.postFile("/chats/"+chat+"/send", map[string]string{"text": "hi", "replyTo": "q1"}, "", nil); r.status != http.StatusNotFound {
		t.Fatalf("another person's send: %d", r.status)
	}
	if r := other.post("/chats/"+chat+"/older", nil); r.status != http.StatusNotFound {
		t.Fatalf("another person's load older: %d", r.status)
	}
}
