package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// FuzzForms posts arbitrary form bodies and path values to every form of
// the web UI, signed in and with a valid CSRF token, on PostgreSQL when it
// is reachable (it refuses NUL bytes and invalid UTF-8): no answer is a
// server error or shows an internal error.
func FuzzForms(f *testing.F) {
	d := store.SQLite
	if dbtest.PostgresReachable() {
		d = store.Postgres
	}
	srv := apptest.Start(f, apptest.Options{Dialect: d})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) string {
		res, err := c.Get(srv.URL + path)
		if err != nil {
			f.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	csrf := formCSRF.FindStringSubmatch(get("/signup"))[1]
	res, err := c.PostForm(srv.URL+"/signup", url.Values{"csrf": {csrf}, "email": {"fuzz@example.com"}, "password": {password}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		f.Fatalf("sign up: %v %v", res, err)
	}
	res.Body.Close()
	token := metaCSRF.FindStringSubmatch(get("/"))[1]
	routes := []string{"/tasks", "/tasks/{id}", "/tasks/{id}/toggle", "/tasks/{id}/delete", "/notes", "/ideas/{id}", "/locations", "/locations/{id}",
		"/bookmarks", "/bookmarks/{id}", "/settings", "/settings/password", "/summaries/generate", "/connect/pair-code", "/connect/start",
		"/chats/{id}/send", "/chats/{id}/keep", "/chats/{id}/messages/{id}/download", "/chats/{id}/simulate", "/chats/simulate", "/admin/users/{id}/disable", "/session/{id}"}
	for _, seed := range [][2]string{{"x", "title=a&body=b&due=2026-13-40&due_time=25:00"}, {"%00", "name=%00&latitude=NaN&longitude=1e999"},
		{"%FF", "url=%FF&title=%00"}, {"a", "timezone=Local&name="}, {"", "current=%00&new=%FF%FE"}, {"447700900001@s.whatsapp.net", "text=%00&type=location"},
		{"..", "day=%00&chat=%FF"}, {"x", "phone=%2B%00"}} {
		f.Add(uint8(0), seed[0], seed[1])
		f.Add(uint8(5), seed[0], seed[1])
		f.Add(uint8(16), seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, which uint8, id, form string) {
		path := strings.ReplaceAll(routes[int(which)%len(routes)], "{id}", url.PathEscape(id))
		req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader("csrf="+url.QueryEscape(token)+"&"+form))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable && res.StatusCode != http.StatusNotImplemented {
			t.Fatalf("POST %s %q: %d\n%.400s", path, form, res.StatusCode, b)
		}
		if m := internals.FindString(string(b)); m != "" {
			t.Fatalf("POST %s %q shows %q", path, form, m)
		}
	})
}
