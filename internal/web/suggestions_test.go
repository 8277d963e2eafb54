package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// TestSuggestionsPage drives the Suggested inbox in Chromium: a request
// arrives live with the menu's count, Accept makes a task with the message
// as its source and Dismiss removes the other, both without reloading the
// page; the chat page excludes a chat from suggestions; the page passes the
// accessibility checks in both colour schemes and fits a phone; another
// person can act on none of it.
func TestSuggestionsPage(t *testing.T) {
	chromium(t)
	axe := axeSource(t)
	srv := apptest.Start(t, apptest.Options{})
	c := newChrome(t, srv.URL)
	c.signUp("Sara", "sara@example.com")
	sara, err := srv.App.Store.UserByEmail(ctx, "sara@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sid := connect(t, srv, sara, "5511900000071")
	deliver(t, srv, sara, sid, sim.Incoming{ID: "s1", Chat: "5511977770001", ChatName: "Carla", Type: "text", Text: "can you send me the report tomorrow?"})
	waitFor(t, "the first suggestion", func() bool {
		n, err := srv.App.Store.CountOpenSuggestions(ctx, sara.ID)
		return err == nil && n == 1
	})

	c.open("/suggestions", true)
	if got := c.text(`nav.main a[href="/suggestions"]`); !strings.Contains(got, "Suggested") || !strings.Contains(got, "1") {
		t.Fatalf("menu entry: %q", got)
	}
	c.markNoReload()
	deliver(t, srv, sara, sid, sim.Incoming{ID: "s2", Chat: "5511977770002", ChatName: "Dani", Type: "text", Text: "Você pode ligar pro síndico?"})
	c.until("the second suggestion, live", `document.querySelectorAll('.suggestions li').length === 2`)
	if !strings.Contains(c.text("#live"), "Send me the report") || !strings.Contains(c.text("#live"), "Ligar pro síndico") {
		t.Fatalf("inbox: %s", c.text("#live"))
	}
	open, err := srv.App.Store.ListSuggestions(ctx, sara.ID, store.SuggestionOpen, store.ListOptions{})
	if err != nil || len(open.Items) != 2 {
		t.Fatalf("open: %+v %v", open, err)
	}
	byMsg := map[string]store.Suggestion{}
	for _, g := range open.Items {
		byMsg[g.MessageID] = g
	}
	if eval[int](c, `document.querySelectorAll('a[href$="#m-s1"]').length`) != 1 {
		t.Error("no link to the source message")
	}
	time.Sleep(1600 * time.Millisecond) // the new item's highlight fades
	c.a11y("the Suggested inbox", axe)

	// Another person can act on none of it.
	b := newBrowser(t, srv)
	b.signUp("other@example.com")
	if r := b.post("/suggestions/"+byMsg["s1"].ID+"/accept", url.Values{}); r.status != 404 {
		t.Errorf("another person's accept: %d", r.status)
	}
	if r := b.post("/suggestions/"+byMsg["s2"].ID+"/dismiss", url.Values{}); r.status != 404 {
		t.Errorf("another person's dismiss: %d", r.status)
	}

	// Accept, then dismiss, without reloading the page.
	c.do("accept", chromedp.Click(chromedp.CSS(`#suggestion-`+byMsg["s1"].ID+` form[action$="/accept"] button`)))
	c.until("the accepted one leaves", `!document.getElementById('suggestion-`+byMsg["s1"].ID+`')`)
	c.do("dismiss", chromedp.Click(chromedp.CSS(`#suggestion-`+byMsg["s2"].ID+` form[action$="/dismiss"] button`)))
	c.until("the dismissed one leaves", `!document.getElementById('suggestion-`+byMsg["s2"].ID+`')`)
	c.until("the empty inbox", `!!document.getElementById('no-suggestions')`)
	if !c.noReload() {
		t.Error("the inbox was reloaded")
	}
	g1, _ := srv.App.Store.GetSuggestion(ctx, sara.ID, byMsg["s1"].ID)
	g2, _ := srv.App.Store.GetSuggestion(ctx, sara.ID, byMsg["s2"].ID)
	if g1.Status != store.SuggestionAccepted || g2.Status != store.SuggestionDismissed {
		t.Fatalf("after the clicks: %+v / %+v", g1, g2)
	}
	task, err := srv.App.Store.GetTask(ctx, sara.ID, g1.TaskID)
	if err != nil || task.Title != "Send me the report" || task.Source.Kind != "message" || task.Source.MessageID != "s1" {
		t.Fatalf("task: %+v %v", task, err)
	}

	// At phone size, dark: it fits.
	c.do("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	deliver(t, srv, sara, sid, sim.Incoming{ID: "s3", Chat: "5511977770003", ChatName: "Elena", Type: "text", Text: "¿Me pasas la dirección de la fiesta del sábado, porfa?"})
	waitFor(t, "the third suggestion", func() bool {
		n, err := srv.App.Store.CountOpenSuggestions(ctx, sara.ID)
		return err == nil && n == 1
	})
	c.open("/suggestions", true)
	c.scheme("dark")
	c.screenshot("suggestions-phone-dark")
	c.scheme("light")
	if eval[bool](c, "document.documentElement.scrollWidth > window.innerWidth + 1") {
		t.Errorf("the inbox is wider than a phone: %v", eval[float64](c, "document.documentElement.scrollWidth"))
	}
	c.do("desktop size", chromedp.EmulateViewport(1280, 900))

	// The chat page excludes the chat from suggestions.
	chat := "5511977770001@s.whatsapp.net"
	c.open("/chats/"+chat, true)
	c.do("exclude", chromedp.Click(chromedp.CSS(`form[action$="/suggestions"] button`)))
	c.until("the chat excluded", `document.querySelector('form.chat-suggest') && document.querySelector('form.chat-suggest').textContent.indexOf('Not read for suggestions') >= 0`)
	ch, err := srv.App.Store.GetChat(ctx, sara.ID, chat)
	if err != nil || !ch.NoSuggestions {
		t.Fatalf("chat: %+v %v", ch, err)
	}
	c.clean("the Suggested inbox")
}
