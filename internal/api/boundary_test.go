package api_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestHostileText sends NUL bytes, invalid UTF-8 and impossible ids to every
// kind of input: each is refused at the boundary with a 4xx problem, on
// SQLite and on PostgreSQL alike (PostgreSQL refuses NUL bytes in text, so a
// value that reached it would answer 500), and nothing stored is lost.
func TestHostileText(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testHostileText(t, d) })
	}
}

func testHostileText(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	u := srv.Register("ana@example.com")
	r := srv.Do("POST", "/api/v1/tasks", u.Token, map[string]any{"title": "keep me"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create task: %d %s", r.Status, r.Body)
	}
	var task struct{ ID string }
	r.JSON(t, &task)
	nul := "a\u0000b"
	for _, c := range []struct {
		name, method, path string
		token              bool
		body               any
		status             int
	}{
		{"login e-mail", "POST", "/api/v1/auth/login", false, map[string]any{"email": "a\u0000@example.com", "password": "x"}, 401},
		{"login password", "POST", "/api/v1/auth/login", false, map[string]any{"email": "ana@example.com", "password": nul}, 401},
		{"register e-mail", "POST", "/api/v1/auth/register", false, map[string]any{"email": "b\u0000@example.com", "password": "correct horse battery"}, 400},
		{"register name", "POST", "/api/v1/auth/register", false, map[string]any{"email": "c@example.com", "password": "correct horse battery", "name": nul}, 400},
		{"register time zone", "POST", "/api/v1/auth/register", false, map[string]any{"email": "d@example.com", "password": "correct horse battery", "timezone": "Local"}, 400},
		{"refresh", "POST", "/api/v1/auth/refresh", false, map[string]any{"refreshToken": nul}, 401},
		{"profile name", "PATCH", "/api/v1/auth/me", true, map[string]any{"name": nul}, 400},
		{"profile zone Local", "PATCH", "/api/v1/auth/me", true, map[string]any{"timezone": "Local"}, 400},
		{"profile zone misspelt", "PATCH", "/api/v1/auth/me", true, map[string]any{"timezone": "Europe/Lisbn"}, 400},
		{"task title", "POST", "/api/v1/tasks", true, map[string]any{"title": nul}, 400},
		{"task body", "PATCH", "/api/v1/tasks/" + task.ID, true, map[string]any{"body": nul}, 400},
		{"task due", "PATCH", "/api/v1/tasks/" + task.ID, true, map[string]any{"due": nul}, 400},
		{"note", "POST", "/api/v1/notes", true, map[string]any{"title": nul}, 400},
		{"idea", "POST", "/api/v1/ideas", true, map[string]any{"title": "x", "body": nul}, 400},
		{"place", "POST", "/api/v1/locations", true, map[string]any{"name": nul}, 400},
		{"bookmark url", "POST", "/api/v1/bookmarks", true, map[string]any{"url": "https://example.com/\u0000"}, 400},
		{"bookmark title", "POST", "/api/v1/bookmarks", true, map[string]any{"url": "https://example.com/", "title": nul}, 400},
		{"send chat", "POST", "/api/v1/whatsapp/messages", true, map[string]any{"chatId": nul, "text": "hi"}, 400},
		{"send text", "POST", "/api/v1/whatsapp/messages", true, map[string]any{"chatId": "447700900001", "text": nul}, 400},
		{"pair code", "POST", "/api/v1/whatsapp/pair-code", true, map[string]any{"phone": "+44\u00007700900123"}, 400},
		{"cursor NUL", "GET", "/api/v1/tasks?cursor=%00", true, nil, 400},
		{"cursor invalid UTF-8", "GET", "/api/v1/notes?cursor=%FF%FE", true, nil, 400},
		{"chat cursor", "GET", "/api/v1/whatsapp/chats?cursor=%00abc", true, nil, 400},
		{"id NUL", "GET", "/api/v1/tasks/%00", true, nil, 404},
		{"id invalid UTF-8", "DELETE", "/api/v1/notes/%FF", true, nil, 404},
		{"chat id NUL", "GET", "/api/v1/whatsapp/chats/%00/messages", true, nil, 404},
		{"media id", "GET", "/api/v1/images/%00/original", true, nil, 404},
		{"search NUL", "GET", "/api/v1/search?q=%00", true, nil, 400},
		{"search invalid UTF-8", "GET", "/api/v1/search?q=%FF", true, nil, 400},
		{"summary day", "GET", "/api/v1/summaries?day=%00", true, nil, 400},
		{"summaries generate", "POST", "/api/v1/summaries/generate", true, map[string]any{"chatId": nul}, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok := ""
			if c.token {
				tok = u.Token
			}
			r := srv.Do(c.method, c.path, tok, c.body)
			isProblem(t, r, c.status, "")
		})
	}
	r = srv.Do("GET", "/api/v1/tasks/"+task.ID, u.Token, nil)
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte("keep me")) {
		t.Fatalf("the stored task changed: %d %s", r.Status, r.Body)
	}
	// A chat or person filter that is neither a WhatsApp id nor a phone
	// number is a field error on every list and on search.
	for _, path := range []string{"/api/v1/images?chatId=%00", "/api/v1/summaries?chatId=%00", "/api/v1/tasks?chatId=not-a-chat",
		"/api/v1/summaries?chatId=bogus", "/api/v1/search?q=x&chatId=not-a-chat", "/api/v1/voice-memos?chatId=12"} {
		if r := srv.Do("GET", path, u.Token, nil); r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte(`"field":"chatId"`)) {
			t.Errorf("%s: %d %s", path, r.Status, r.Body)
		}
	}
	for _, path := range []string{"/api/v1/search?q=x&person=Bea", "/api/v1/tasks?person=Bea", "/api/v1/locations?person=%40x"} {
		if r := srv.Do("GET", path, u.Token, nil); r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte(`"field":"person"`)) {
			t.Errorf("%s: %d %s", path, r.Status, r.Body)
		}
	}
}
