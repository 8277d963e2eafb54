package api_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/testutil/pushtest"
)

// tables lists every table of the schema, from the catalog.
func tables(t *testing.T, db *sql.DB, d store.Dialect) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if d == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if len(out) < 20 {
		t.Fatalf("the catalog lists only %v", out)
	}
	return out
}

// rowsMentioning counts, per table, the rows in which any column holds
// needle (as text), in every table of the schema.
func rowsMentioning(t *testing.T, db *sql.DB, d store.Dialect, needle string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range tables(t, db, d) {
		var q string
		if d == store.Postgres {
			q = fmt.Sprintf(`SELECT COUNT(*) FROM %q r WHERE strpos(r::text, $1) > 0`, table)
		} else {
			rows, err := db.Query(`SELECT name FROM pragma_table_info(?)`, table)
			if err != nil {
				t.Fatal(err)
			}
			var conds []string
			for rows.Next() {
				var c string
				if err := rows.Scan(&c); err != nil {
					t.Fatal(err)
				}
				conds = append(conds, fmt.Sprintf(`instr(CAST(%q AS TEXT), ?1) > 0`, c))
			}
			rows.Close()
			if len(conds) == 0 {
				continue
			}
			q = fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE %s`, table, strings.Join(conds, " OR "))
		}
		var n int
		if err := db.QueryRow(q, needle).Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if n > 0 {
			out[table] = n
		}
	}
	return out
}

// filesOf lists the media files whose path names the user.
func filesOf(t *testing.T, dir, userID string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(p, userID) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

func TestDeleteAccount(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testDeleteAccount(t, d) })
	}
}

// fillAccount gives a user data of every kind: items, a bookmark, chats
// with messages, an image, a voice memo, a document, a place from a
// message, a summary, a web session, a calendar feed, a webhook endpoint and a browser subscribed to Web Push.
func fillAccount(t *testing.T, srv *apptest.Server, u apptest.User, phone, hook string) {
	t.Helper()
	// A webhook endpoint, so that its deliveries are made too.
	if r := srv.Do("POST", "/api/v1/webhooks", u.Token, map[string]any{"url": hook, "events": []string{"message", "task"}}); r.Status != http.StatusCreated {
		t.Fatalf("POST /api/v1/webhooks: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/api/v1/tasks", map[string]any{"title": "Call the plumber", "due": "2030-01-02"}},
		{"/api/v1/notes", map[string]any{"title": "Gate code 4711"}},
		{"/api/v1/ideas", map[string]any{"title": "Herb garden"}},
		{"/api/v1/locations", map[string]any{"name": "Home"}},
		{"/api/v1/calendar-events", map[string]any{"title": "Dentist", "start": "2030-01-02T10:00", "people": []string{"Dr. Reis"}}},
		{"/api/v1/bookmarks", map[string]any{"url": "https://example.org/" + phone}},
		{"/api/v1/calendar-feed", nil},
	} {
		if r := srv.Do("POST", c.path, u.Token, c.body); r.Status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", c.path, r.Status, r.Body)
		}
	}
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	browser := &pushtest.Browser{Endpoint: "https://push.example.org/wpush/" + phone, Private: k, Auth: []byte("0123456789abcdef")}
	if r := srv.Do("POST", "/api/v1/push/subscriptions", u.Token, subscription(browser)); r.Status != http.StatusCreated {
		t.Fatalf("subscribe a browser: %d %s", r.Status, r.Body)
	}
	srv.Connect(u, phone)
	group := srv.Deliver(u, map[string]any{"id": "img-" + phone, "chat": "120363000" + phone[len(phone)-3:], "group": true, "chatName": "Family",
		"from": "351912000002", "fromName": "Dora", "type": "image", "caption": "the cat"})
	srv.Deliver(u, map[string]any{"id": "voice-" + phone, "chat": "351912000001", "chatName": "Carla", "type": "voice"})
	srv.Deliver(u, map[string]any{"id": "doc-" + phone, "chat": "351912000001", "type": "document", "caption": "tickets"})
	srv.Deliver(u, map[string]any{"id": "loc-" + phone, "chat": "351912000001", "type": "location", "latitude": 38.7, "longitude": -9.1, "name": "Lisboa"})
	srv.Deliver(u, map[string]any{"id": "text-" + phone, "chat": "351912000001", "type": "text", "text": "todo: buy milk tomorrow"})
	waitFor(t, func() bool {
		return len(listAll(t, srv, u.Token, "/api/v1/images")) == 1 && len(listAll(t, srv, u.Token, "/api/v1/voice-memos")) == 1
	})
	if _, err := srv.App.Store.PutSummary(context.Background(), u.ID, store.Summary{ChatID: group, ChatName: "Family",
		Day: time.Now().UTC().Format("2006-01-02"), Text: "The cat again.", Generator: "builtin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.App.Store.CreateWebSession(context.Background(), u.ID, []byte("hash-"+u.ID), []byte("csrf"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

func testDeleteAccount(t *testing.T, d store.Dialect) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer hook.Close()
	srv := apptest.Start(t, apptest.Options{Dialect: d, Env: map[string]string{"WEBHOOK_ALLOWED_HOSTS": strings.TrimPrefix(hook.URL, "http://")}})
	admin := srv.Register("admin@example.com") // the first account administers the install
	ana, bruno, carla := srv.Register("ana@example.com"), srv.Register("bruno@example.com"), srv.Register("carla@example.com")
	fillAccount(t, srv, ana, "5511900000001", hook.URL)
	fillAccount(t, srv, bruno, "5511900000002", hook.URL)
	fillAccount(t, srv, carla, "5511900000003", hook.URL)
	db := srv.App.Store.DB()
	mediaDir := filepath.Join(srv.App.Config.DataDir, "media")

	var st struct {
		SessionID string `json:"sessionId"`
	}
	srv.Do("GET", "/api/v1/whatsapp/status", ana.Token, nil).JSON(t, &st)
	// Let the pipeline finish: a job running at deletion finishes on its own.
	waitFor(t, func() bool {
		var n int
		return db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE state IN ('running', 'available', 'retryable', 'pending')`).Scan(&n) == nil && n == 0
	})
	if got := rowsMentioning(t, db, d, ana.ID); len(got) < 15 || got["webhook_endpoints"] == 0 || got["webhook_deliveries"] == 0 {
		t.Fatalf("ana's data is in only %v; the test does not cover enough", got)
	}
	if len(filesOf(t, mediaDir, ana.ID)) == 0 {
		t.Fatal("ana has no media files; the test does not cover them")
	}
	// Search indexes are rewritten by a deletion on SQLite: bruno's rows
	// there are compared by searching.
	tableRows := func(id string) map[string]int {
		m := rowsMentioning(t, db, d, id)
		for k := range m {
			if strings.Contains(k, "_fts") {
				delete(m, k)
			}
		}
		return m
	}
	brunoRows, brunoFiles := tableRows(bruno.ID), filesOf(t, mediaDir, bruno.ID)
	brunoLists := map[string][]any{}
	lists := []string{"/api/v1/tasks", "/api/v1/notes", "/api/v1/ideas", "/api/v1/locations", "/api/v1/calendar-events", "/api/v1/bookmarks", "/api/v1/images",
		"/api/v1/voice-memos", "/api/v1/summaries", "/api/v1/whatsapp/chats", "/api/v1/search?q=milk", "/api/v1/search?q=plumber"}
	for _, p := range lists {
		brunoLists[p] = listAll(t, srv, bruno.Token, p)
	}

	// Refusals change nothing.
	isProblem(t, srv.Do("DELETE", "/api/v1/account", ana.Token, map[string]any{}), http.StatusBadRequest, "validation-error")
	isProblem(t, srv.Do("DELETE", "/api/v1/account", ana.Token, map[string]any{"password": "wrong password"}), http.StatusUnauthorized, "invalid-credentials")
	isProblem(t, srv.Do("DELETE", "/api/v1/account", "", map[string]any{"password": "correct horse battery"}), http.StatusUnauthorized, "unauthorized")
	isProblem(t, srv.Do("DELETE", "/api/v1/admin/users/"+ana.ID, bruno.Token, nil), http.StatusForbidden, "forbidden")
	isProblem(t, srv.Do("DELETE", "/api/v1/admin/users/"+admin.ID, admin.Token, nil), http.StatusConflict, "own-account")
	isProblem(t, srv.Do("DELETE", "/api/v1/admin/users/nobody", admin.Token, nil), http.StatusNotFound, "not-found")
	if r := srv.Do("GET", "/api/v1/auth/me", ana.Token, nil); r.Status != http.StatusOK {
		t.Fatalf("ana after refusals: %d", r.Status)
	}

	// Ana deletes her own account.
	if r := srv.Do("DELETE", "/api/v1/account", ana.Token, map[string]any{"password": "correct horse battery"}); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	isProblem(t, srv.Do("GET", "/api/v1/auth/me", ana.Token, nil), http.StatusUnauthorized, "unauthorized")
	isProblem(t, srv.Do("POST", "/api/v1/auth/refresh", "", map[string]any{"refreshToken": ana.Refresh}), http.StatusUnauthorized, "invalid-refresh-token")
	isProblem(t, srv.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": ana.Email, "password": "correct horse battery"}), http.StatusUnauthorized, "invalid-credentials")

	// An administrator deletes carla's (the same use case without a password).
	if r := srv.Do("DELETE", "/api/v1/admin/users/"+carla.ID, admin.Token, nil); r.Status != http.StatusNoContent {
		t.Fatalf("admin delete: %d %s", r.Status, r.Body)
	}
	isProblem(t, srv.Do("DELETE", "/api/v1/admin/users/"+carla.ID, admin.Token, nil), http.StatusNotFound, "not-found")

	for _, needle := range []string{ana.ID, st.SessionID, ana.Email, carla.ID, carla.Email} {
		if got := rowsMentioning(t, db, d, needle); len(got) > 0 {
			t.Errorf("rows mentioning %q remain: %v", needle, got)
		}
	}
	for _, id := range []string{ana.ID, carla.ID} {
		if got := filesOf(t, mediaDir, id); len(got) > 0 {
			t.Errorf("media files remain: %v", got)
		}
	}

	// Bruno's data is untouched.
	if len(brunoLists["/api/v1/search?q=milk"]) == 0 || len(brunoLists["/api/v1/search?q=plumber"]) == 0 {
		t.Fatal("bruno's search finds nothing; the test does not cover the search indexes")
	}
	if got := tableRows(bruno.ID); !reflect.DeepEqual(got, brunoRows) {
		t.Errorf("bruno's rows changed:\n got %v\nwant %v", got, brunoRows)
	}
	got := filesOf(t, mediaDir, bruno.ID)
	sort.Strings(got)
	sort.Strings(brunoFiles)
	if !reflect.DeepEqual(got, brunoFiles) || len(got) == 0 {
		t.Errorf("bruno's files changed:\n got %v\nwant %v", got, brunoFiles)
	}
	for _, p := range lists {
		if got := listAll(t, srv, bruno.Token, p); !reflect.DeepEqual(got, brunoLists[p]) {
			t.Errorf("bruno's %s changed", p)
		}
	}
	if srv.Status(bruno) != "WORKING" {
		t.Errorf("bruno's session is %s", srv.Status(bruno))
	}
}
