package api_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// fuzzDialect is the database fuzz targets run on: PostgreSQL when it is
// reachable (it refuses NUL bytes and invalid UTF-8 that SQLite stores, so
// it finds more), else SQLite.
func fuzzDialect(f *testing.F) store.Dialect {
	if dbtest.PostgresReachable() {
		return store.Postgres
	}
	return store.SQLite
}

// FuzzQueries sends arbitrary path values and query strings to every route
// that reads without a body: the answer is never a server error, and
// errors are problem documents.
func FuzzQueries(f *testing.F) {
	srv := apptest.Start(f, apptest.Options{Dialect: fuzzDialect(f)})
	u := srv.Register("fuzz@example.com")
	var routes []string
	for _, rt := range srv.App.API.Routes() {
		if rt.Method == "GET" && !strings.HasSuffix(rt.Path, "/events") && !strings.HasSuffix(rt.Path, "/ws") && !strings.Contains(rt.Path, "/admin/") {
			routes = append(routes, rt.Path)
		}
	}
	for _, seed := range [][2]string{{"x", "limit=5"}, {"%00", "cursor=%00"}, {"%FF", "q=%FF&kinds=task,%00"}, {"a", "limit=-1&cursor=abc"},
		{"\x00", "from=2026-13-40&to=%00&chatId=%FF"}, {"..", "done=maybe&day=%00"}, {"", "type=%00&force=2"}} {
		f.Add(uint8(0), seed[0], seed[1])
		f.Add(uint8(7), seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, which uint8, param, query string) {
		path := routes[int(which)%len(routes)]
		esc := url.PathEscape(param)
		path = strings.NewReplacer("{chatId}", esc, "{id}", esc, "{userId}", esc).Replace(path)
		for i := 0; i < len(query); i++ {
			if c := query[i]; c <= ' ' || c >= 0x7f || c == '#' {
				return // clients percent-encode these; net/http refuses the raw request line
			}
		}
		req, err := http.NewRequest("GET", srv.URL+path+"?"+query, nil)
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", "Bearer "+u.Token)
		req.Close = true
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusNotImplemented {
			t.Fatalf("GET %s?%s: %d %s", path, query, resp.StatusCode, b)
		}
		ct := resp.Header.Get("Content-Type")
		if resp.StatusCode >= 400 && ct != "application/problem+json" {
			t.Fatalf("GET %s?%s: error %d without a problem document (%s)", path, query, resp.StatusCode, ct)
		}
		if m := internalText.FindString(string(b)); resp.StatusCode >= 400 && m != "" && !strings.Contains(path+"?"+query, m) {
			t.Fatalf("GET %s?%s: the problem shows %q: %s", path, query, m, b)
		}
	})
}
