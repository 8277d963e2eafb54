package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestTagsInTheBrowser: in Chromium, the task list filters by a tag and a
// person from its filter bar and keeps the filter across pages; a tag
// chip filters the list; tags are added and removed on an item; search
// narrows by tag and person; the filtered page passes axe in both colour
// schemes and fits a phone.
func TestTagsInTheBrowser(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testTagsInTheBrowser(t, d) })
	}
}

func testTagsInTheBrowser(t *testing.T, d store.Dialect) {
	axe := axeSource(t)
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	c := newChrome(t, srv.URL)
	c.signUp("Ana", "ana.tags@example.com")
	ana, err := srv.App.Store.UserByEmail(ctx, "ana.tags@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// 60 tasks from Paulo tagged #work (more than a page), 5 from Quitéria
	// tagged #work, 5 from Paulo tagged #home.
	add := func(i int, from, name, text string) {
		src := store.Source{Kind: store.SourceMessage, ChatID: "351910000009@s.whatsapp.net", MessageID: fmt.Sprint("m", i),
			Snapshot: store.Snapshot{From: from, FromName: name, Text: text, Time: time.Now()}}
		if _, err := srv.App.Store.AddExtracted(ctx, ana.ID, src, []store.Extracted{{Kind: domain.KindTask, Title: text}}); err != nil {
			t.Fatal(err)
		}
	}
	paulo, quiteria := "351910000001@s.whatsapp.net", "351910000002@s.whatsapp.net"
	for i := range 60 {
		add(i, paulo, "Paulo", fmt.Sprintf("report %02d #work", i))
	}
	for i := range 5 {
		add(100+i, quiteria, "Quitéria", fmt.Sprintf("review %d #work", i))
		add(200+i, paulo, "Paulo", fmt.Sprintf("garden %d #home", i))
	}

	c.open("/tasks", true)
	c.do("filter by #work and Paulo",
		chromedp.Click(chromedp.CSS(`details.filter-bar summary`)),
		chromedp.SetValue(chromedp.ID("f-tag"), "work"),
		chromedp.SetValue(chromedp.ID("f-person"), paulo),
		chromedp.Click(chromedp.CSS(`.filter-bar form button[type=submit]`)),
	)
	c.until("the filtered list", `location.search.indexOf('tag=work') >= 0 && location.search.indexOf('person=') >= 0 && !!document.querySelector('#live li.task')`)
	tasks := func() int { return int(eval[float64](c, `document.querySelectorAll('#live li.task').length`)) }
	live := c.text("#live")
	if strings.Contains(live, "review") || strings.Contains(live, "garden") || tasks() != 50 {
		t.Fatalf("filtered by #work and Paulo: %d tasks, %q…", tasks(), live[:min(len(live), 300)])
	}
	older := eval[string](c, `document.querySelector('a[rel=next]').getAttribute('href')`)
	if q, err := url.Parse(older); err != nil || q.Query().Get("tag") != "work" || q.Query().Get("person") != paulo || q.Query().Get("cursor") == "" {
		t.Fatalf("the next page forgets the filter: %s", older)
	}
	c.do("next page", chromedp.Click(chromedp.CSS(`a[rel=next]`)))
	c.until("the second page", `location.search.indexOf('cursor=') >= 0 && !!document.querySelector('#live li.task')`)
	if live := c.text("#live"); tasks() != 10 || strings.Contains(live, "review") {
		t.Fatalf("second page: %d tasks %q", tasks(), live)
	}
	if eval[string](c, `document.getElementById('f-tag').value`) != "work" || eval[string](c, `document.getElementById('f-person').value`) != paulo ||
		c.text(".filter-bar summary") != "Filter #work · from Paulo" {
		t.Fatalf("the filter bar does not show the filter on the second page: %q", c.text(".filter-bar summary"))
	}

	// A chip filters by its tag.
	c.open("/tasks?tag=home", true)
	if live := c.text("#live"); tasks() != 5 || strings.Contains(live, "report") {
		t.Fatalf("#home: %d tasks %q", tasks(), live)
	}
	c.a11y("tasks filtered by a tag", axe)
	c.open("/tasks?person="+url.QueryEscape(quiteria), true)
	c.do("click a chip", chromedp.Click(chromedp.CSS(`#live li.task .chip a`)))
	c.until("the list of the chip's tag", `location.search === '?tag=work' && !!document.querySelector('#live li.task')`)

	// Add a tag to an item, then remove it.
	c.open("/tasks?tag=home", true)
	id := eval[string](c, `document.querySelector('#live li.task').id.slice(5)`)
	c.do("add a tag",
		chromedp.SendKeys(chromedp.ID("tag-"+id), "Urgent"),
		chromedp.Click(chromedp.CSS(`#task-`+id+` .tag-add button`)),
	)
	c.until("the new chip", `!!document.querySelector('#task-`+id+` .chip a[href="/tasks?tag=urgent"]') && location.search.indexOf('tag=home') >= 0`)
	if tags, _ := srv.App.Store.ItemTags(ctx, ana.ID, domain.KindTask, id); strings.Join(tags, ",") != "home,urgent" {
		t.Fatalf("stored tags %q", tags)
	}
	c.do("remove it", chromedp.Click(chromedp.CSS(`#task-`+id+` button[aria-label="Remove tag urgent"]`)))
	c.until("the chip gone", `!document.querySelector('#task-`+id+` .chip a[href="/tasks?tag=urgent"]') && !!document.querySelector('#task-`+id+`')`)
	if tags, _ := srv.App.Store.ItemTags(ctx, ana.ID, domain.KindTask, id); strings.Join(tags, ",") != "home" {
		t.Fatalf("stored tags after removing %q", tags)
	}

	// Search narrows by tag and person.
	c.open("/search?q=review", true)
	c.do("search by tag and person",
		chromedp.SetValue(chromedp.ID("search-tag"), "work"),
		chromedp.SetValue(chromedp.ID("search-person"), quiteria),
		chromedp.Click(chromedp.CSS(`form.search-form button[type=submit]`)),
	)
	c.until("results", `location.search.indexOf('person=') >= 0 && document.querySelectorAll('ol.hits li').length === 5`)
	c.open("/search?q=review&tag=work&person="+url.QueryEscape(paulo), true)
	if n := eval[float64](c, `document.querySelectorAll('ol.hits li').length`); n != 0 {
		t.Fatalf("Paulo's reviews: %v", n)
	}

	c.do("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	c.open("/tasks?tag=home", true)
	if eval[bool](c, "document.documentElement.scrollWidth > window.innerWidth + 1") {
		t.Fatalf("the filtered tasks are wider than a phone: %v", eval[float64](c, "document.documentElement.scrollWidth"))
	}
	c.a11y("tasks filtered by a tag on a phone", axe)
	c.screenshot("tags-phone")
	c.scheme("dark")
	c.screenshot("tags-phone-dark")
	c.scheme("light")
	c.clean("tags")
}
