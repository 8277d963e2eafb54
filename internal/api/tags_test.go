package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// seedTagged gives a user 12 items of every kind made from messages in
// chats c0/c1 from people p0/p1/p2, every third one tagged #work by a
// hashtag; images and voice memos were sent an hour apart from t0. It
// returns the id of the first item of each kind.
func seedTagged(t *testing.T, srv *apptest.Server, userID string, t0 time.Time) map[domain.Kind]string {
	t.Helper()
	ctx := context.Background()
	st := srv.App.Store
	first := map[domain.Kind]string{}
	for i := range 12 {
		text := fmt.Sprint("walk ", i)
		if i%3 == 0 {
			text += " #work"
		}
		chat, from := fmt.Sprintf("c%d@g.us", i%2), fmt.Sprintf("p%d@s.whatsapp.net", i%3)
		at := t0.Add(time.Duration(i) * time.Hour)
		src := store.Source{Kind: store.SourceMessage, ChatID: chat, MessageID: fmt.Sprint("m", i),
			Snapshot: store.Snapshot{From: from, FromName: "Person " + from[:2], Text: text, Time: at}}
		out, err := st.AddExtracted(ctx, userID, src, []store.Extracted{
			{Kind: domain.KindTask, Title: text}, {Kind: domain.KindNote, Title: text}, {Kind: domain.KindIdea, Title: text},
			{Kind: domain.KindLocation, Title: text}, {Kind: domain.KindEvent, Title: text, Start: &at},
		})
		if err != nil {
			t.Fatal(err)
		}
		im := &store.Image{ChatID: chat, MessageID: src.MessageID, Sender: from, Caption: text, SHA256: "h" + src.MessageID, MimeType: "image/png", SentAt: at}
		if _, err := st.AddImage(ctx, userID, im); err != nil {
			t.Fatal(err)
		}
		v := &store.VoiceMemo{ChatID: chat, MessageID: "v" + src.MessageID, Sender: from, SHA256: "h", MimeType: "audio/ogg", SentAt: at}
		if _, err := st.AddVoiceMemo(ctx, userID, v); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetTranscript(ctx, userID, v.ID, text, "en"); err != nil {
			t.Fatal(err)
		}
		bm, _, err := st.ShareBookmark(ctx, userID, fmt.Sprintf("https://e.com/%d", i), fmt.Sprintf("e.com/%d", i),
			store.BookmarkShare{ChatID: chat, MessageID: src.MessageID, Sender: from, SharedAt: at, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first[domain.KindTask] = out[0].(store.Task).ID
			first[domain.KindNote] = out[1].(store.Note).ID
			first[domain.KindIdea] = out[2].(store.Idea).ID
			first[domain.KindLocation] = out[3].(store.Location).ID
			first[domain.KindEvent] = out[4].(store.Event).ID
			first[domain.KindImage], first[domain.KindVoiceMemo], first[domain.KindBookmark] = im.ID, v.ID, bm.ID
		}
	}
	return first
}

type taggedItem struct {
	ID   string   `json:"id"`
	Tags []string `json:"tags"`
}

// walkList pages through a list with limit=2 and returns every item.
func walkList(t *testing.T, srv *apptest.Server, token, path string) []taggedItem {
	t.Helper()
	var all []taggedItem
	cursor := ""
	for range 20 {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		r := srv.Do("GET", path+sep+"limit=2&cursor="+url.QueryEscape(cursor), token, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		var p struct {
			Items      []taggedItem `json:"items"`
			NextCursor string       `json:"nextCursor"`
		}
		r.JSON(t, &p)
		all = append(all, p.Items...)
		if cursor = p.NextCursor; cursor == "" {
			return all
		}
	}
	t.Fatalf("%s: paging does not end", path)
	return nil
}

var taggedLists = []struct {
	path string
	kind domain.Kind
}{
	{"/api/v1/tasks", domain.KindTask}, {"/api/v1/notes", domain.KindNote}, {"/api/v1/ideas", domain.KindIdea},
	{"/api/v1/locations", domain.KindLocation}, {"/api/v1/calendar-events", domain.KindEvent}, {"/api/v1/bookmarks", domain.KindBookmark},
	{"/api/v1/images", domain.KindImage}, {"/api/v1/voice-memos", domain.KindVoiceMemo},
}

// TestTagFiltersOnEveryList: every list filters by tag, chat and person
// (and dates) through the API and pages through the result; another
// person sees none of it; bad filters are problems naming the parameter.
func TestTagFiltersOnEveryList(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			srv := apptest.Start(t, apptest.Options{Dialect: d})
			ana, bruno := srv.Register("ana.tags@example.com"), srv.Register("bruno.tags@example.com")
			t0 := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Hour)
			seedTagged(t, srv, ana.ID, t0)
			yesterday, tomorrow := t0.AddDate(0, 0, -1).Format("2006-01-02"), time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
			// Items 0 and 6 have #work, came from c0 and were sent by p0.
			filter := "tag=WORK&chatId=c0@g.us&person=p0@s.whatsapp.net&from=" + yesterday + "&to=" + tomorrow
			for _, l := range taggedLists {
				got := walkList(t, srv, ana.Token, l.path+"?"+filter)
				if len(got) != 2 {
					t.Errorf("%s?%s: %d items %+v", l.path, filter, len(got), got)
					continue
				}
				for _, it := range got {
					if !reflect.DeepEqual(it.Tags, []string{"work"}) {
						t.Errorf("%s: item tags %q", l.path, it.Tags)
					}
				}
				if all := walkList(t, srv, ana.Token, l.path); len(all) != 12 {
					t.Errorf("%s unfiltered: %d items", l.path, len(all))
				}
				if other := walkList(t, srv, bruno.Token, l.path+"?"+filter); len(other) != 0 {
					t.Errorf("bruno sees %d of ana's %s", len(other), l.path)
				}
				if none := walkList(t, srv, ana.Token, l.path+"?tag=work&to=2000-01-01"); len(none) != 0 {
					t.Errorf("%s before 2000: %d items", l.path, len(none))
				}
				for _, c := range []struct{ query, field string }{
					{"tag=" + url.QueryEscape("two words"), "tag"},
					{"tag=" + strings.Repeat("x", 51), "tag"},
					{"person=" + url.QueryEscape("p\x01"), "person"},
					{"chatId=" + url.QueryEscape("c\x01"), "chatId"},
					{"from=yesterday", "from"},
					{"from=2026-02-01&to=2026-01-01", "to"},
				} {
					r := srv.Do("GET", l.path+"?"+c.query, ana.Token, nil)
					if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(r.Body), `"`+c.field+`"`) {
						t.Errorf("%s?%s: %d %s", l.path, c.query, r.Status, r.Body)
					}
				}
			}
			// Images are dated by when they were sent: hours 3 to 9 hold
			// #work items 3, 6 and 9.
			from, to := url.QueryEscape(t0.Add(3*time.Hour).Format(time.RFC3339)), url.QueryEscape(t0.Add(10*time.Hour).Format(time.RFC3339))
			if got := walkList(t, srv, ana.Token, "/api/v1/images?tag=work&from="+from+"&to="+to); len(got) != 3 {
				t.Errorf("images sent in hours 3–9 with #work: %d", len(got))
			}

			// Search by tag and by person.
			var hits struct {
				Items []struct{ Kind string }
			}
			srv.Do("GET", "/api/v1/search?q=walk&sort=newest&limit=200&tag=work&person=p0@s.whatsapp.net&chatId=c0@g.us", ana.Token, nil).JSON(t, &hits)
			if len(hits.Items) != 14 { // items 0 and 6 × seven kinds (the bookmarks' pages were never fetched)
				t.Errorf("search by tag, person and chat: %d hits %+v", len(hits.Items), hits.Items)
			}
			r := srv.Do("GET", "/api/v1/search?q=walk&person="+url.QueryEscape("p\x01"), ana.Token, nil)
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"person"`) {
				t.Errorf("search with a bad person: %d %s", r.Status, r.Body)
			}
			r = srv.Do("GET", "/api/v1/search?q=walk&tag=a.b", ana.Token, nil)
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"tag"`) {
				t.Errorf("search with a bad tag: %d %s", r.Status, r.Body)
			}
			srv.Do("GET", "/api/v1/search?q=walk&tag=work", bruno.Token, nil).JSON(t, &hits)
			if len(hits.Items) != 0 {
				t.Errorf("bruno finds ana's tagged items: %+v", hits.Items)
			}
		})
	}
}

// TestManualTags: every item's tags are set, added and removed by hand
// through the API, show in the item's JSON and in GET /api/v1/tags, and
// another person's token finds nothing (404).
func TestManualTags(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			srv := apptest.Start(t, apptest.Options{Dialect: d})
			ana, bruno := srv.Register("ana.mtags@example.com"), srv.Register("bruno.mtags@example.com")
			first := seedTagged(t, srv, ana.ID, time.Now().UTC().Add(-time.Hour))
			tagsOf := func(r *apptest.Response) []string {
				t.Helper()
				var b struct {
					Tags []string `json:"tags"`
				}
				if err := json.Unmarshal(r.Body, &b); err != nil {
					t.Fatalf("%s: %v", r.Body, err)
				}
				return b.Tags
			}
			for _, l := range taggedLists {
				item := l.path + "/" + first[l.kind]
				base := item + "/tags"
				// "work" was a hashtag already: it stays first, with its origin.
				r := srv.Do("PUT", base, ana.Token, map[string]any{"tags": []string{"Home", "work", "#Café", "home"}})
				if r.Status != http.StatusOK || !reflect.DeepEqual(tagsOf(r), []string{"work", "home", "café"}) {
					t.Fatalf("PUT %s: %d %s", base, r.Status, r.Body)
				}
				r = srv.Do("POST", base, ana.Token, map[string]any{"tags": []string{"urgent"}})
				if r.Status != http.StatusOK || !reflect.DeepEqual(tagsOf(r), []string{"work", "home", "café", "urgent"}) {
					t.Fatalf("POST %s: %d %s", base, r.Status, r.Body)
				}
				r = srv.Do("DELETE", base+"/"+url.PathEscape("café"), ana.Token, nil)
				if r.Status != http.StatusOK || !reflect.DeepEqual(tagsOf(r), []string{"work", "home", "urgent"}) {
					t.Fatalf("DELETE %s/café: %d %s", base, r.Status, r.Body)
				}
				r = srv.Do("GET", item, ana.Token, nil)
				if r.Status != http.StatusOK || !reflect.DeepEqual(tagsOf(r), []string{"work", "home", "urgent"}) {
					t.Fatalf("GET %s: %d %s", item, r.Status, r.Body)
				}
				for _, c := range []struct {
					method string
					path   string
					body   any
				}{{"GET", base, nil}, {"PUT", base, map[string]any{"tags": []string{"x"}}}, {"POST", base, map[string]any{"tags": []string{"x"}}},
					{"DELETE", base + "/home", nil}, {"PUT", l.path + "/nope/tags", map[string]any{"tags": []string{}}}} {
					tok := bruno.Token
					if strings.Contains(c.path, "/nope/") {
						tok = ana.Token
					}
					if r := srv.Do(c.method, c.path, tok, c.body); r.Status != http.StatusNotFound {
						t.Fatalf("%s %s as another: %d %s", c.method, c.path, r.Status, r.Body)
					}
				}
				for _, bad := range [][]string{{"two words"}, {strings.Repeat("é", 51)}} {
					r := srv.Do("PUT", base, ana.Token, map[string]any{"tags": bad})
					if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(r.Body), `"tags"`) {
						t.Fatalf("PUT %q: %d %s", bad, r.Status, r.Body)
					}
				}
				many := make([]string, 21)
				for i := range many {
					many[i] = fmt.Sprint("t", i)
				}
				if r := srv.Do("PUT", base, ana.Token, map[string]any{"tags": many}); r.Status != http.StatusBadRequest {
					t.Fatalf("21 tags: %d %s", r.Status, r.Body)
				}
				if r := srv.Do("POST", base, ana.Token, map[string]any{"tags": many[:18]}); r.Status != http.StatusBadRequest {
					t.Fatalf("3 + 18 tags: %d %s", r.Status, r.Body)
				}
			}
			var counts struct {
				Items []store.TagCount `json:"items"`
			}
			srv.Do("GET", "/api/v1/tags", ana.Token, nil).JSON(t, &counts)
			want := map[string]int{"work": 32, "home": 8, "urgent": 8}
			got := map[string]int{}
			for _, c := range counts.Items {
				got[c.Tag] = c.Count
			}
			if !reflect.DeepEqual(got, want) || counts.Items[0].Tag != "work" {
				t.Fatalf("tags %+v, want %v", counts.Items, want)
			}
			srv.Do("GET", "/api/v1/tags", bruno.Token, nil).JSON(t, &counts)
			if len(counts.Items) != 0 {
				t.Fatalf("bruno's tags: %+v", counts.Items)
			}
			var people struct {
				Items []store.Person `json:"items"`
			}
			srv.Do("GET", "/api/v1/people", ana.Token, nil).JSON(t, &people)
			if len(people.Items) != 3 || people.Items[0].ID != "p0@s.whatsapp.net" || people.Items[0].Name != "Person p0" {
				t.Fatalf("people %+v", people.Items)
			}
			srv.Do("GET", "/api/v1/people", bruno.Token, nil).JSON(t, &people)
			if len(people.Items) != 0 {
				t.Fatalf("bruno's people %+v", people.Items)
			}
		})
	}
}

// TestExportCarriesTags: the archive's JSON lists each item's tags, and
// the vault's day notes carry them in their front matter and inline.
func TestExportCarriesTags(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			srv := apptest.Start(t, apptest.Options{Dialect: d})
			ana := srv.Register("ana.etags@example.com")
			first := seedTagged(t, srv, ana.ID, time.Now().UTC().Add(-time.Hour))
			if r := srv.Do("POST", "/api/v1/tasks/"+first[domain.KindTask]+"/tags", ana.Token, map[string]any{"tags": []string{"2026", "home"}}); r.Status != http.StatusOK {
				t.Fatalf("tag: %d %s", r.Status, r.Body)
			}
			r := srv.Do("GET", "/api/v1/export", ana.Token, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("export: %d", r.Status)
			}
			files := unzip(t, r.Body)
			var tasks []taggedItem
			if err := json.Unmarshal(files["data/tasks.json"], &tasks); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, tk := range tasks {
				if tk.ID == first[domain.KindTask] {
					found = reflect.DeepEqual(tk.Tags, []string{"work", "2026", "home"})
				}
			}
			if !found {
				t.Fatalf("tasks.json lacks the task's tags: %s", files["data/tasks.json"][:min(len(files["data/tasks.json"]), 400)])
			}
			var day string
			for name, b := range files {
				if strings.HasPrefix(name, "vault/") && strings.HasSuffix(name, ".md") && strings.Contains(string(b), "walk 0 #work #home") {
					day = string(b)
				}
			}
			if !strings.Contains(day, `tags: [synapse, "2026", "home", "work"]`) || strings.Contains(day, "#2026") {
				t.Fatalf("vault note:\n%s", day)
			}
		})
	}
}
