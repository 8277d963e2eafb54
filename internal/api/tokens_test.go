package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// createdToken is the answer of POST /api/v1/tokens.
type createdToken struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
	Token  string   `json:"token"`
}

func makeToken(t *testing.T, srv *apptest.Server, owner apptest.User, name string, scopes ...string) createdToken {
	t.Helper()
	r := srv.Do("POST", "/api/v1/tokens", owner.Token, map[string]any{"name": name, "scopes": scopes})
	if r.Status != http.StatusCreated {
		t.Fatalf("create token %s: %d %s", name, r.Status, r.Body)
	}
	var out createdToken
	r.JSON(t, &out)
	if !strings.HasPrefix(out.Token, "syn_pat_") || len(out.Token) != len("syn_pat_")+43 || out.ID == "" {
		t.Fatalf("created token %+v", out)
	}
	return out
}

// isScopeProblem checks a 403 that names the missing scope.
func isScopeProblem(t *testing.T, r *apptest.Response, scope string) {
	t.Helper()
	isProblem(t, r, http.StatusForbidden, "insufficient-scope")
	if !strings.Contains(string(r.Body), `"requiredScope":"`+scope+`"`) || !strings.Contains(string(r.Body), scope) {
		t.Fatalf("problem does not name the %s scope: %s", scope, r.Body)
	}
	if h := r.Header.Get("WWW-Authenticate"); !strings.Contains(h, `error="insufficient_scope"`) || !strings.Contains(h, `scope="`+scope+`"`) {
		t.Fatalf("WWW-Authenticate %q", h)
	}
}

func TestPersonalAccessTokens(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testPersonalAccessTokens(t, d) })
	}
}

func testPersonalAccessTokens(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	v := newDocValidator(t, srv)
	admin := srv.Register("admin@example.com") // the first account administers the install
	a, b := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	srv.Connect(a, "5511911110001")
	dm := srv.Deliver(a, map[string]any{"id": "A1", "chat": "447700900001", "type": "text", "text": "hello ana"})

	reader := makeToken(t, srv, a, "reader", "read")
	writer := makeToken(t, srv, a, "writer", "write")
	all := makeToken(t, srv, a, "everything", "send", "write", "read", "read")
	if !slices.Equal(all.Scopes, []string{"read", "write", "send"}) {
		t.Fatalf("scopes %v, want read, write, send once each in that order", all.Scopes)
	}
	bTok := makeToken(t, srv, b, "bruno's", "read", "write")
	adminTok := makeToken(t, srv, admin, "admin's", "read", "write", "send")
	secrets := []string{reader.Token, writer.Token, all.Token, bTok.Token}

	runScenarios(t, srv, v, []scenario{
		// Listing: names and scopes, never a secret; only the caller's own.
		{"list", "GET", "/api/v1/tokens", a.Token, nil, 200, []string{"reader", "writer", "everything", `"scopes":["read","write","send"]`}, append([]string{`"token":`, "bruno's"}, secrets...)},
		{"list other", "GET", "/api/v1/tokens", b.Token, nil, 200, []string{"bruno's"}, append([]string{"reader", "writer"}, secrets...)},
		// Validation.
		{"no name", "POST", "/api/v1/tokens", a.Token, map[string]any{"scopes": []string{"read"}}, 400, []string{`"field":"name"`}, nil},
		{"long name", "POST", "/api/v1/tokens", a.Token, map[string]any{"name": strings.Repeat("n", 101), "scopes": []string{"read"}}, 400, []string{`"field":"name"`, "100"}, nil},
		{"no scopes", "POST", "/api/v1/tokens", a.Token, map[string]any{"name": "x"}, 400, []string{`"field":"scopes"`}, nil},
		{"unknown scope", "POST", "/api/v1/tokens", a.Token, map[string]any{"name": "x", "scopes": []string{"read", "admin"}}, 400, []string{`"field":"scopes"`}, nil},
		{"past expiry", "POST", "/api/v1/tokens", a.Token, map[string]any{"name": "x", "scopes": []string{"read"}, "expiresAt": "2001-01-01"}, 400, []string{`"field":"expiresAt"`, "future"}, nil},
		{"bad expiry", "POST", "/api/v1/tokens", a.Token, map[string]any{"name": "x", "scopes": []string{"read"}, "expiresAt": "soon"}, 400, []string{`"field":"expiresAt"`}, nil},
		{"far expiry", "POST", "/api/v1/tokens", a.Token, map[string]any{"name": "x", "scopes": []string{"read"}, "expiresAt": "2999-01-01"}, 400, []string{`"field":"expiresAt"`}, nil},
		{"expiry day", "POST", "/api/v1/tokens", a.Token, map[string]any{"name": "dated", "scopes": []string{"read"}, "expiresAt": time.Now().AddDate(0, 1, 0).Format("2006-01-02")}, 201, []string{`"expiresAt":`, "syn_pat_"}, nil},

		// A read token reads, and cannot write or send.
		{"read: list tasks", "GET", "/api/v1/tasks", reader.Token, nil, 200, []string{`"items"`}, nil},
		{"read: messages", "GET", "/api/v1/whatsapp/chats/" + dm + "/messages", reader.Token, nil, 200, []string{"hello ana"}, nil},
		{"read: me", "GET", "/api/v1/auth/me", reader.Token, nil, 200, []string{"ana@example.com"}, nil},
		{"read: create task", "POST", "/api/v1/tasks", reader.Token, map[string]any{"title": "no"}, 403, []string{"insufficient-scope", `"requiredScope":"write"`}, nil},
		{"read: send", "POST", "/api/v1/whatsapp/messages", reader.Token, map[string]any{"chatId": dm, "text": "no"}, 403, []string{`"requiredScope":"send"`}, nil},
		// A write token writes, and cannot send (nor read: scopes do not imply each other).
		{"write: create task", "POST", "/api/v1/tasks", writer.Token, map[string]any{"title": "made by a program"}, 201, []string{"made by a program"}, nil},
		{"write: send", "POST", "/api/v1/whatsapp/messages", writer.Token, map[string]any{"chatId": dm, "text": "no"}, 403, []string{`"requiredScope":"send"`}, nil},
		{"write: list tasks", "GET", "/api/v1/tasks", writer.Token, nil, 403, []string{`"requiredScope":"read"`}, nil},
		// A send token sends.
		{"send", "POST", "/api/v1/whatsapp/messages", all.Token, map[string]any{"chatId": dm, "text": "sent by a program"}, 201, []string{"sent by a program"}, nil},
		{"read: sees the task", "GET", "/api/v1/tasks", reader.Token, nil, 200, []string{"made by a program"}, nil},
		// Tokens never see or change another person's data.
		{"other's token: tasks", "GET", "/api/v1/tasks", bTok.Token, nil, 200, nil, []string{"made by a program"}},
		{"other's token: messages", "GET", "/api/v1/whatsapp/chats/" + dm + "/messages", bTok.Token, nil, 404, nil, []string{"hello ana"}},

		// No token manages tokens, the account or the install, whatever its scopes.
		{"pat: create token", "POST", "/api/v1/tokens", all.Token, map[string]any{"name": "child", "scopes": []string{"read"}}, 403, []string{`"requiredScope":"session"`, "sign in"}, []string{"syn_pat_"}},
		{"pat: list tokens", "GET", "/api/v1/tokens", all.Token, nil, 403, []string{`"requiredScope":"session"`}, []string{"reader"}},
		{"pat: revoke token", "DELETE", "/api/v1/tokens/" + reader.ID, all.Token, nil, 403, []string{`"requiredScope":"session"`}, nil},
		{"pat: change password", "POST", "/api/v1/auth/password", all.Token, map[string]any{"currentPassword": "correct horse battery", "newPassword": "another long one"}, 403, []string{`"requiredScope":"session"`}, nil},
		{"pat: sign out everywhere", "POST", "/api/v1/auth/signout-everywhere", all.Token, nil, 403, []string{`"requiredScope":"session"`}, nil},
		{"pat: log out", "POST", "/api/v1/auth/logout", all.Token, nil, 403, []string{`"requiredScope":"session"`}, nil},
		{"pat: unlink WhatsApp", "POST", "/api/v1/whatsapp/logout", all.Token, nil, 403, []string{`"requiredScope":"session"`}, nil},
		{"pat: administration", "GET", "/api/v1/admin/users", adminTok.Token, nil, 403, []string{`"requiredScope":"session"`}, []string{"ana@example.com"}},
		{"admin log-in still administers", "GET", "/api/v1/admin/users", admin.Token, nil, 200, []string{"ana@example.com"}, nil},

		// Another person's token id is not found, and stays live.
		{"revoke other's", "DELETE", "/api/v1/tokens/" + reader.ID, b.Token, nil, 404, []string{"not-found"}, nil},
		{"revoke unknown", "DELETE", "/api/v1/tokens/nope", a.Token, nil, 404, []string{"not-found"}, nil},
		{"still live", "GET", "/api/v1/tasks", reader.Token, nil, 200, nil, nil},
	})
	isScopeProblem(t, srv.Do("POST", "/api/v1/tasks", reader.Token, map[string]any{"title": "no"}), "write")
	isScopeProblem(t, srv.Do("POST", "/api/v1/whatsapp/messages", writer.Token, map[string]any{"chatId": dm, "text": "no"}), "send")
	isScopeProblem(t, srv.Do("POST", "/api/v1/tokens", all.Token, map[string]any{"name": "child", "scopes": []string{"read"}}), "session")

	// The query-token routes take a personal access token too (404: no
	// such image, but authenticated), limited to its scopes.
	if r := srv.Do("GET", "/api/v1/images/nope/original?access_token="+reader.Token, "", nil); r.Status != http.StatusNotFound {
		t.Fatalf("query token: %d %s", r.Status, r.Body)
	}
	isScopeProblem(t, srv.Do("GET", "/api/v1/images/nope/original?access_token="+writer.Token, "", nil), "read")

	// Last use: recorded for the tokens that were used, not for the others.
	var list struct {
		Items []struct {
			ID         string     `json:"id"`
			Name       string     `json:"name"`
			LastUsedAt *time.Time `json:"lastUsedAt"`
			ExpiresAt  *time.Time `json:"expiresAt"`
		} `json:"items"`
	}
	before := time.Now()
	srv.Do("GET", "/api/v1/tokens", a.Token, nil).JSON(t, &list)
	used := map[string]*time.Time{}
	for _, it := range list.Items {
		used[it.Name] = it.LastUsedAt
	}
	for _, name := range []string{"reader", "writer", "everything"} {
		if u := used[name]; u == nil || u.After(before) || before.Sub(*u) > time.Minute {
			t.Errorf("%s: last used %v", name, u)
		}
	}
	if used["dated"] != nil {
		t.Errorf("unused token has a last use %v", used["dated"])
	}

	// Revoking works at once: the secret is gone for good, and the stream
	// the token opened ends.
	sse := srv.OpenSSE(apptest.User{Token: reader.Token})
	if _, ok := sse.WaitFor(10*time.Second, func(e apptest.Event) bool { return e.Type == "session.status" }); !ok {
		t.Fatal("a read token's stream got no first event")
	}
	if r := srv.Do("DELETE", "/api/v1/tokens/"+reader.ID, a.Token, nil); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	isProblem(t, srv.Do("GET", "/api/v1/tasks", reader.Token, nil), http.StatusUnauthorized, "unauthorized")
	if _, ok := sse.WaitFor(10*time.Second, func(e apptest.Event) bool {
		return e.Type == "stream.end" && strings.Contains(string(e.Data), "revoked")
	}); !ok {
		t.Fatalf("the revoked token's stream did not end: %+v", sse.Events())
	}
	isProblem(t, srv.Do("DELETE", "/api/v1/tokens/"+reader.ID, a.Token, nil), http.StatusNotFound, "not-found")
	if r := srv.Do("GET", "/api/v1/tokens", a.Token, nil); strings.Contains(string(r.Body), reader.ID) {
		t.Fatalf("revoked token still listed: %s", r.Body)
	}

	// An expired token is refused the moment it expires.
	tok, hash := auth.NewPersonalToken()
	if _, err := srv.App.Store.CreateAccessToken(context.Background(), store.AccessToken{UserID: a.ID, Name: "old", Scopes: []string{"read"},
		ExpiresAt: time.Now().Add(-time.Millisecond)}, hash, 50); err != nil {
		t.Fatal(err)
	}
	isProblem(t, srv.Do("GET", "/api/v1/tasks", tok, nil), http.StatusUnauthorized, "unauthorized")
	// So is a token that never existed, with the right shape.
	fake, _ := auth.NewPersonalToken()
	isProblem(t, srv.Do("GET", "/api/v1/tasks", fake, nil), http.StatusUnauthorized, "unauthorized")

	// A password change leaves the person's tokens working; they are
	// revoked one by one.
	if r := srv.Do("POST", "/api/v1/auth/password", a.Token, map[string]any{"currentPassword": "correct horse battery", "newPassword": "another long one"}); r.Status != http.StatusOK {
		t.Fatalf("password change: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("POST", "/api/v1/tasks", writer.Token, map[string]any{"title": "after the password change"}); r.Status != http.StatusCreated {
		t.Fatalf("token after a password change: %d %s", r.Status, r.Body)
	}

	// At most MaxAccessTokens per person.
	for i := 1; i < 50; i++ {
		makeToken(t, srv, b, fmt.Sprintf("t%d", i), "read")
	}
	isProblem(t, srv.Do("POST", "/api/v1/tokens", b.Token, map[string]any{"name": "one too many", "scopes": []string{"read"}}), http.StatusConflict, "too-many-tokens")

	// A disabled account's tokens stop at once.
	if r := srv.Do("PATCH", "/api/v1/admin/users/"+b.ID, admin.Token, map[string]any{"disabled": true}); r.Status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	isProblem(t, srv.Do("GET", "/api/v1/tasks", bTok.Token, nil), http.StatusUnauthorized, "unauthorized")
}

// TestEveryRouteHasAScopeDecision walks the whole route table: every
// protected route needs a scope, the rules hold, and a token without it
// is refused with a problem naming it while a token with it gets through.
func TestEveryRouteHasAScopeDecision(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	srv.Register("first@example.com")
	u := srv.Register("a@example.com")
	tokens := map[string]createdToken{
		"read":  makeToken(t, srv, u, "r", "read"),
		"write": makeToken(t, srv, u, "w", "write"),
		"send":  makeToken(t, srv, u, "s", "send"),
		"all":   makeToken(t, srv, u, "a", "read", "write", "send"),
	}
	// Routes a token must never reach, by path.
	sessionOnly := []string{"/api/v1/tokens", "/api/v1/auth/password", "/api/v1/auth/signout-everywhere", "/api/v1/auth/logout",
		"/api/v1/whatsapp/logout", "/api/v1/whatsapp/pair-code", "/api/v1/whatsapp/qr"}
	counts := map[string]int{}
	for _, rt := range srv.App.API.Routes() {
		if rt.Auth == "public" {
			if rt.Scope != "" {
				t.Errorf("%s %s is public but has scope %q", rt.Method, rt.Path, rt.Scope)
			}
			continue
		}
		counts[rt.Scope]++
		switch {
		case !slices.Contains([]string{"read", "write", "send", "session"}, rt.Scope):
			t.Errorf("%s %s has no scope decision (%q)", rt.Method, rt.Path, rt.Scope)
		case rt.Auth == "admin" && rt.Scope != "session":
			t.Errorf("administration %s %s is open to tokens with %q", rt.Method, rt.Path, rt.Scope)
		case rt.Method != "GET" && rt.Scope == "read" && rt.Path != "/api/v1/export" && rt.Path != "/api/v1/ask": // POST export and ask only read
			t.Errorf("%s %s changes something with only the read scope", rt.Method, rt.Path)
		case slices.Contains(sessionOnly, strings.TrimPrefix(strings.TrimPrefix(rt.Path, "/api/v1/waha"), "/api/v1/whatsapp")) ||
			slices.Contains(sessionOnly, strings.Replace(rt.Path, "/waha/", "/whatsapp/", 1)) || strings.HasPrefix(rt.Path, "/api/v1/tokens"):
			if rt.Scope != "session" {
				t.Errorf("%s %s is open to tokens with %q", rt.Method, rt.Path, rt.Scope)
			}
		case strings.HasPrefix(rt.Path, "/api/v1/push/subscriptions") && rt.Method != "GET":
			// A subscription is a destination for the person's reminders:
			// only a log-in adds or removes one.
			if rt.Scope != "session" {
				t.Errorf("%s %s is open to tokens with %q", rt.Method, rt.Path, rt.Scope)
			}
		case strings.HasSuffix(rt.Path, "/messages") && rt.Method == "POST" && !strings.HasPrefix(rt.Path, "/api/v1/sim/"):
			if rt.Scope != "send" {
				t.Errorf("sending %s %s needs %q, not send", rt.Method, rt.Path, rt.Scope)
			}
		}
		stream := rt.Path == "/api/v1/events" || rt.Path == "/api/v1/ws"
		for name, tok := range tokens {
			allowed := rt.Scope != "session" && (name == "all" || name == rt.Scope)
			if allowed && stream {
				continue // a stream that opens does not end by itself
			}
			var body any
			if rt.Body {
				body = map[string]any{}
			}
			r := srv.Do(rt.Method, fill(rt.Path), tok.Token, body)
			if allowed {
				if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden {
					t.Errorf("%s %s with a %s token: %d %s", rt.Method, rt.Path, name, r.Status, r.Body)
				}
				continue
			}
			if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), `"requiredScope":"`+rt.Scope+`"`) {
				t.Errorf("%s %s with a %s token: %d %s, want 403 naming %s", rt.Method, rt.Path, name, r.Status, r.Body, rt.Scope)
			}
		}
	}
	if counts["read"] < 20 || counts["write"] < 15 || counts["send"] != 2 || counts["session"] < 15 {
		t.Fatalf("scopes per route look wrong: %v", counts)
	}
}
