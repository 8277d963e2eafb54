package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

var newTokenValue = regexp.MustCompile(`id="new-token" type="text" readonly value="(syn_pat_[A-Za-z0-9_-]{43})"`)

// testTokens: Settings lists, makes and revokes personal access tokens; the
// secret is on the page that made it and nowhere after; a token works on
// the API at once and stops at once; nobody revokes another's token.
func testTokens(t *testing.T, srv *apptest.Server) {
	a, b := newBrowser(t, srv), newBrowser(t, srv)
	ua := a.signUp("ana.tokens@example.com")
	b.signUp("bob.tokens@example.com")
	if r := a.get("/settings"); !strings.Contains(r.body, "Personal access tokens") || !strings.Contains(r.body, "You have no tokens.") {
		t.Fatalf("settings:\n%s", r.body)
	}
	if r := a.post("/settings/tokens", url.Values{"token_name": {"no scopes"}, "token_days": {"30"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Tick at least one.") {
		t.Fatalf("no scopes: %d\n%s", r.status, r.body)
	}
	if r := a.post("/settings/tokens", url.Values{"token_name": {"x"}, "token_scope": {"read"}, "token_days": {"3650"}}); r.status != http.StatusNotFound {
		t.Fatalf("lifetime not offered: %d", r.status)
	}
	r := a.post("/settings/tokens", url.Values{"token_name": {"My <assistant>"}, "token_scope": {"read", "write"}, "token_days": {"30"}})
	m := newTokenValue.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil || !strings.Contains(r.body, "My &lt;assistant&gt;") || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("make token: %d %v\n%s", r.status, r.header, r.body)
	}
	secret := m[1]
	if r := a.get("/settings"); strings.Contains(r.body, secret) || !strings.Contains(r.body, "read, write") || !strings.Contains(r.body, "My &lt;assistant&gt;") {
		t.Fatalf("settings after making a token (secret shown again, or token not listed):\n%s", r.body)
	}
	if r := srv.Do("GET", "/api/v1/tasks", secret, nil); r.Status != http.StatusOK {
		t.Fatalf("token on the API: %d %s", r.Status, r.Body)
	}
	list, err := srv.App.Service.AccessTokens(ctx, ua.ID)
	if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || list[0].ExpiresAt == nil {
		t.Fatalf("tokens %+v %v", list, err)
	}
	if r := b.post("/settings/tokens/"+list[0].ID+"/revoke", nil); r.status != http.StatusNotFound {
		t.Fatalf("bob revokes ana's token: %d", r.status)
	}
	if r := a.post("/settings/tokens/"+list[0].ID+"/revoke", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/settings?ok=revoked#tokens" {
		t.Fatalf("revoke: %d %s", r.status, r.header.Get("Location"))
	}
	if r := srv.Do("GET", "/api/v1/tasks", secret, nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("revoked token on the API: %d", r.Status)
	}
	if r := a.get("/settings"); !strings.Contains(r.body, "You have no tokens.") {
		t.Fatalf("revoked token still listed:\n%s", r.body)
	}
}
