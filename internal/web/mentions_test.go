package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// TestBrowserMentions: in headless Chromium, a task said in two notes to
// self shows "mentioned 2 times", which opens its two source messages;
// splitting the second off makes two tasks. Another person finds neither
// the page nor the split.
func TestBrowserMentions(t *testing.T) {
	chromium(t)
	srv := apptest.Start(t, apptest.Options{})
	c := newChrome(t, srv.URL)
	c.signUp("Ana", "ana.mentions@example.com")
	u, err := srv.App.Store.UserByEmail(ctx, "ana.mentions@example.com")
	if err != nil {
		t.Fatal(err)
	}
	const me = "351910000001@s.whatsapp.net"
	t0 := time.Now().Add(-time.Hour)
	var taskID string
	for i, id := range []string{"n1", "n2"} {
		src := store.Source{Kind: store.SourceMessage, ChatID: me, MessageID: id,
			Snapshot: store.Snapshot{From: me, FromName: "Ana", Text: "Renew the passport " + strings.Repeat("!", i), Time: t0.Add(time.Duration(i) * time.Minute)}}
		out, err := srv.App.Store.AddExtracted(ctx, u.ID, src, []store.Extracted{{Kind: domain.KindTask, Title: "Renew the passport"}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			taskID = out[0].(store.Task).ID
		}
	}
	c.open("/tasks", true)
	if got := c.text(`#task-` + taskID + ` [data-mentions]`); got != "mentioned 2 times" {
		t.Fatalf("mentions link: %q", got)
	}
	c.do("open the mentions", chromedp.Click(chromedp.CSS(`#task-`+taskID+` [data-mentions]`)))
	c.until("the sources page", "location.pathname.startsWith('/sources/tasks/') && document.querySelectorAll('#sources li').length === 2")
	if !strings.Contains(c.text("#sources"), "Renew the passport !") || !strings.Contains(c.text("#sources"), "first mention") {
		t.Fatalf("sources: %s", c.text("#sources"))
	}
	c.screenshot("mentions")

	other := newBrowser(t, srv)
	other.signUp("bruno.mentions@example.com")
	if r := other.get("/sources/tasks/" + taskID); r.status != http.StatusNotFound || strings.Contains(r.body, "passport") {
		t.Fatalf("another person opens the mentions: %d", r.status)
	}
	if r := other.post("/sources/tasks/"+taskID+"/split", url.Values{"chat": {me}, "message": {"n2"}}); r.status != http.StatusNotFound {
		t.Fatalf("another person splits: %d", r.status)
	}

	c.do("split the second", chromedp.Click(chromedp.CSS(`#sources li[data-source="n2"] form.split button`)))
	c.until("the split", "document.querySelectorAll('#sources li').length === 1 && document.body.innerText.includes('Split off')")
	c.open("/tasks", true)
	if n := eval[int](c, `document.querySelectorAll('#live li[id^="task-"]').length`); n != 2 {
		t.Fatalf("%d tasks after the split", n)
	}
	if n := eval[int](c, `document.querySelectorAll('[data-mentions]').length`); n != 0 {
		t.Fatalf("still mentioned twice after the split: %d links", n)
	}
}
