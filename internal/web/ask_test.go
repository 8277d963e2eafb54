package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/synapse-kb/synapse/internal/testutil/aitest"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// TestAskInBrowser: in Chromium, a person asks a question from the Ask
// page with the keyboard alone, reads the answer with its numbered
// source, and following the source opens the chat at the exact message;
// the page passes axe in light and dark and fits a 390 px phone. Another
// person's message with the same words is never a source.
func TestAskInBrowser(t *testing.T) {
	chromium(t)
	fake := aitest.New(t)
	srv := apptest.Start(t, apptest.Options{Env: map[string]string{
		"LLM_BASE_URL": fake.BaseURL(), "LLM_MODEL": "test-llm",
		"EMBEDDINGS_BASE_URL": fake.BaseURL(), "EMBEDDINGS_MODEL": "test-embed"}})
	other := newBrowser(t, srv)
	bruno := other.signUp("bruno.askweb@example.com")
	bsid := connect(t, srv, bruno, "+4915550009")
	deliver(t, srv, bruno, bsid, sim.Incoming{Chat: "+44 7700 900009", ChatName: "Zed", Type: "text", Text: "Bruno's passport is in the red drawer"})

	c := newChrome(t, srv.URL)
	c.signUp("Ana", "ana.askweb@example.com")
	ana, err := srv.App.Store.UserByEmail(ctx, "ana.askweb@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sid := connect(t, srv, ana, "+4915550008")
	ids := deliver(t, srv, ana, sid,
		sim.Incoming{Chat: "+44 7700 900001", ChatName: "Bea", Type: "text", Text: "Hi Ana!"},
		sim.Incoming{Chat: "+44 7700 900001", ChatName: "Bea", Type: "text", Text: "Your passport is in the blue folder on the shelf"},
		sim.Incoming{Chat: "+44 7700 900001", ChatName: "Bea", Type: "text", Text: "Talk later"})
	waitFor(t, "embeddings", func() bool {
		n, err := srv.App.Store.CountEmbeddings(ctx, ana.ID)
		return err == nil && n >= 3
	})

	c.open("/ask", true)
	c.do("ask with the keyboard",
		chromedp.Focus(chromedp.ID("ask-q")),
		chromedp.SendKeys(chromedp.ID("ask-q"), "Where is my passport?"),
		chromedp.Focus(chromedp.CSS(`form.ask-form button[type=submit]`)),
		chromedp.KeyEvent("\r"),
	)
	c.until("the answer", "!!document.querySelector('.ask-answer .answer')")
	answer := c.text(".ask-answer")
	if !strings.Contains(answer, "blue folder") || strings.Contains(answer, "red drawer") {
		t.Fatalf("answer: %s", answer)
	}
	if got := c.text(".citations"); !strings.Contains(got, "blue folder") || strings.Contains(got, "red drawer") || !strings.Contains(got, "Bea") {
		t.Fatalf("sources: %s", got)
	}
	if v := eval[string](c, "document.getElementById('ask-q').value"); v != "Where is my passport?" {
		t.Fatalf("the question is not kept in the box: %q", v)
	}
	c.a11y("/ask (answered)", axeSource(t))
	c.screenshot("ask")

	// The mark [1] leads to the source; the source opens the message.
	c.do("follow the mark", chromedp.Click(chromedp.CSS(`.ask-answer a.cite`)))
	c.until("the source in view", "location.hash === '#cite-1'")
	c.do("open the source", chromedp.Click(chromedp.CSS(`#cite-1 h3 a`)))
	c.until("the chat at the message", "location.pathname.startsWith('/chats/') && location.hash === '#m-"+ids[1]+"'")
	if !eval[bool](c, "!!document.getElementById('m-"+ids[1]+"') && document.getElementById('m-"+ids[1]+"').textContent.includes('blue folder')") {
		t.Fatal("the cited message is not on the chat page")
	}
	c.clean("asking")

	// A phone-sized screen: nothing wider than the page.
	c.do("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	c.open("/ask", true)
	if eval[bool](c, "document.documentElement.scrollWidth > window.innerWidth + 1") {
		t.Fatalf("the Ask page is wider than a phone: %v", eval[float64](c, "document.documentElement.scrollWidth"))
	}

	// Without the form's CSRF token nothing is asked; a bad day is said
	// in words.
	r := other.post("/ask", url.Values{"question": {"passport"}, "from": {"soon"}})
	if r.status != 400 || !strings.Contains(r.body, "From must be a date") {
		t.Fatalf("bad day: %d", r.status)
	}
	r = other.post("/ask", url.Values{"question": {"passport"}})
	if r.status != 200 || !strings.Contains(r.body, "red drawer") || strings.Contains(r.body, "blue folder") {
		t.Fatalf("bruno's own answer: %d", r.status)
	}
}
