package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestSearchPagesAndFilters: /api/v1/search pages with nextCursor through
// every match, filters by kind and day, says which filter is wrong, and
// never shows one person another's hits, on both databases.
func TestSearchPagesAndFilters(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			srv := apptest.Start(t, apptest.Options{Dialect: d})
			ana, bruno := srv.Register("ana.search@example.com"), srv.Register("bruno.search@example.com")
			for i := range 12 {
				if r := srv.Do("POST", "/api/v1/tasks", ana.Token, map[string]any{"title": fmt.Sprintf("Paint fence %d", i)}); r.Status != http.StatusCreated {
					t.Fatalf("task: %d %s", r.Status, r.Body)
				}
			}
			srv.Do("POST", "/api/v1/notes", ana.Token, map[string]any{"title": "Fence colours"})
			srv.Do("POST", "/api/v1/notes", bruno.Token, map[string]any{"title": "Bruno's fence"})
			type page struct {
				Items []struct {
					Kind, ID, Title string
				}
				NextCursor string
			}
			walk := func(token, query string) []string {
				t.Helper()
				var titles []string
				cursor := ""
				for range 10 {
					r := srv.Do("GET", "/api/v1/search?"+query+"&limit=5&cursor="+url.QueryEscape(cursor), token, nil)
					if r.Status != http.StatusOK {
						t.Fatalf("search %s: %d %s", query, r.Status, r.Body)
					}
					var p page
					r.JSON(t, &p)
					for _, it := range p.Items {
						titles = append(titles, it.Title)
					}
					if cursor = p.NextCursor; cursor == "" {
						return titles
					}
				}
				t.Fatal("paging does not end")
				return nil
			}
			for _, q := range []string{"q=fence", "q=fence&sort=newest"} {
				got := walk(ana.Token, q)
				if len(got) != 13 || strings.Contains(strings.Join(got, "|"), "Bruno") {
					t.Fatalf("%s: %d hits %v", q, len(got), got)
				}
			}
			if got := walk(ana.Token, "q=fence&kinds=note"); len(got) != 1 || got[0] != "Fence colours" {
				t.Fatalf("kind filter: %v", got)
			}
			if got := walk(ana.Token, "q=fence&to=2000-01-01"); len(got) != 0 {
				t.Fatalf("day filter: %v", got)
			}
			if got := walk(bruno.Token, "q=fence"); len(got) != 1 {
				t.Fatalf("bruno's search: %v", got)
			}
			for _, c := range []struct{ query, field string }{
				{"q=fence&from=yesterday", "from"},
				{"q=fence&from=2026-02-01&to=2026-01-01", "to"},
				{"q=fence&kinds=gossip", "kinds"},
				{"q=fence&sort=weird", "sort"},
			} {
				r := srv.Do("GET", "/api/v1/search?"+c.query, ana.Token, nil)
				if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), c.field) || r.Header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("%s: %d %s", c.query, r.Status, r.Body)
				}
			}
			if r := srv.Do("GET", "/api/v1/search?q=fence&cursor=bogus", ana.Token, nil); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "invalid-cursor") {
				t.Fatalf("bogus cursor: %d %s", r.Status, r.Body)
			}

			// A chat or person may be given as a phone number, as people
			// write them; it is that number's chat or person.
			srv.Connect(ana, "447700900100")
			bea := srv.Deliver(ana, map[string]any{"id": "F1", "chat": "447700900001", "type": "text", "text": "the fence is painted"})
			srv.Deliver(ana, map[string]any{"id": "F2", "chat": "447700900002", "type": "text", "text": "which fence?"})
			waitUntilThat(t, "both messages are found", func() bool { return len(walk(ana.Token, "q=fence&kinds=message")) == 2 })
			for _, q := range []string{"chatId=" + url.QueryEscape(bea), "chatId=" + url.QueryEscape("+44 7700 900001"), "chatId=447700900001",
				"person=" + url.QueryEscape("+44 (7700) 900-001"), "chatId=447700900001&from=2026-01-01&to=2026-01-01"} {
				want := []string{"+447700900001"} // a message hit is titled by its chat
				if strings.Contains(q, "from=") {
					want = nil
				}
				if got := walk(ana.Token, "q=fence&kinds=message&"+q); !slices.Equal(got, want) {
					t.Errorf("%s: %v, want %v", q, got, want)
				}
			}
		})
	}
}
