package web_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// TestSearchPageFiltersAndPages: the search page pages past its first 50
// results, filters by kind and day (a wrong day said in words), and shows
// image hits with their thumbnail, opening the gallery viewer.
func TestSearchPageFiltersAndPages(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, srv)
	u := b.signUp("search.page@example.com")
	for i := range 55 {
		b.post("/tasks", url.Values{"title": {fmt.Sprintf("Paint fence %d", i)}})
	}
	im := &store.Image{ChatID: "447700900009@s.whatsapp.net", MessageID: "img1", Caption: "the fence at dusk", SHA256: "h", MimeType: "image/png", Size: 3, SentAt: time.Now()}
	if ok, err := srv.App.Store.AddImage(ctx, u.ID, im); err != nil || !ok {
		t.Fatalf("image: %v %v", ok, err)
	}
	first := b.get("/search?q=fence")
	if !strings.Contains(first.body, "More than 50 results") {
		t.Fatalf("first page:\n%s", first.body)
	}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(first.body)
	if next == nil {
		t.Fatal("no link to the next page of results")
	}
	second := b.get(html.UnescapeString(next[1]))
	if n := strings.Count(second.body, `<span class="badge">`); n != 6 {
		t.Fatalf("second page has %d hits, want 6:\n%s", n, second.body)
	}
	img := b.get("/search?q=fence&kind=image")
	if !strings.Contains(img.body, `<img class="hit-thumb" src="/media/images/`+im.ID+`/thumbnail"`) || !strings.Contains(img.body, `href="/gallery/`+im.ID+`"`) {
		t.Fatalf("image hit without thumbnail or viewer link:\n%s", img.body)
	}
	if strings.Contains(img.body, "Paint fence") {
		t.Fatal("kind filter let tasks through")
	}
	if r := b.get("/search?q=fence&to=2000-01-01"); !strings.Contains(r.body, "Nothing found for “fence” with these filters") {
		t.Fatalf("old day range:\n%s", r.body)
	}
	if r := b.get("/search?q=fence&from=soon"); r.status != 400 || !strings.Contains(r.body, "From must be a date") {
		t.Fatalf("bad day: %d", r.status)
	}
}
