package api_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// openStream opens the caller's SSE stream and returns a channel that
// closes when the server ends it.
func openStream(t *testing.T, srv *apptest.Server, token string) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("open stream: %v %v", resp, err)
	}
	ended := make(chan struct{})
	first := make(chan struct{})
	go func() {
		defer close(ended)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		once := false
		for sc.Scan() {
			if !once && strings.HasPrefix(sc.Text(), "data:") {
				once = true
				close(first)
			}
		}
	}()
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		t.Fatal("no first event on the stream")
	}
	return ended
}

func waitEnded(t *testing.T, ended <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ended:
	case <-time.After(30 * time.Second):
		t.Fatalf("the stream outlived %s", what)
	}
}

// TestCredentialsEnd: logging out, changing the password, being disabled
// and being demoted take effect at once, for tokens and live streams; the
// first account of an install is its administrator.
func TestCredentialsEnd(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testCredentialsEnd(t, d) })
	}
}

func testCredentialsEnd(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	admin := srv.Register("admin@example.com")
	ana := srv.Register("ana@example.com")
	var me struct{ IsAdmin bool }
	srv.Do("GET", "/api/v1/auth/me", admin.Token, nil).JSON(t, &me)
	if !me.IsAdmin {
		t.Fatal("the first account is not an administrator")
	}
	srv.Do("GET", "/api/v1/auth/me", ana.Token, nil).JSON(t, &me)
	if me.IsAdmin {
		t.Fatal("the second account is an administrator")
	}

	// Logout ends the log-in's tokens and its stream.
	ended := openStream(t, srv, ana.Token)
	if r := srv.Do("POST", "/api/v1/auth/logout", ana.Token, map[string]string{"refreshToken": ana.Refresh}); r.Status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	waitEnded(t, ended, "its log-out")
	isProblem(t, srv.Do("GET", "/api/v1/auth/me", ana.Token, nil), http.StatusUnauthorized, "unauthorized")

	// A password change ends every other log-in and stream; the caller
	// gets a new log-in.
	r := srv.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "ana@example.com", "password": "correct horse battery"})
	var a1, a2 struct{ AccessToken, RefreshToken string }
	r.JSON(t, &a1)
	srv.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "ana@example.com", "password": "correct horse battery"}).JSON(t, &a2)
	other := openStream(t, srv, a2.AccessToken)
	isProblem(t, srv.Do("POST", "/api/v1/auth/password", a1.AccessToken, map[string]string{"currentPassword": "wrong", "newPassword": "a new long password"}),
		http.StatusUnauthorized, "invalid-credentials")
	isProblem(t, srv.Do("POST", "/api/v1/auth/password", a1.AccessToken, map[string]string{"currentPassword": "correct horse battery", "newPassword": "short"}),
		http.StatusBadRequest, "validation-error")
	r = srv.Do("POST", "/api/v1/auth/password", a1.AccessToken, map[string]string{"currentPassword": "correct horse battery", "newPassword": "a new long password"})
	if r.Status != http.StatusOK {
		t.Fatalf("change password: %d %s", r.Status, r.Body)
	}
	var fresh struct{ AccessToken, RefreshToken string }
	r.JSON(t, &fresh)
	waitEnded(t, other, "the password change")
	for _, tok := range []string{a1.AccessToken, a2.AccessToken} {
		isProblem(t, srv.Do("GET", "/api/v1/auth/me", tok, nil), http.StatusUnauthorized, "unauthorized")
	}
	isProblem(t, srv.Do("POST", "/api/v1/auth/refresh", "", map[string]string{"refreshToken": a2.RefreshToken}), http.StatusUnauthorized, "invalid-refresh-token")
	if r := srv.Do("GET", "/api/v1/auth/me", fresh.AccessToken, nil); r.Status != http.StatusOK {
		t.Fatalf("the new log-in: %d", r.Status)
	}

	// An administrator disables the account: its tokens and streams end,
	// it cannot sign in; enabled again, it signs in.
	stream := openStream(t, srv, fresh.AccessToken)
	if r := srv.Do("PATCH", "/api/v1/admin/users/"+ana.ID, admin.Token, map[string]bool{"disabled": true}); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"disabled":true`) {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	waitEnded(t, stream, "the account being disabled")
	isProblem(t, srv.Do("GET", "/api/v1/whatsapp/status", fresh.AccessToken, nil), http.StatusUnauthorized, "unauthorized")
	isProblem(t, srv.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "ana@example.com", "password": "a new long password"}),
		http.StatusUnauthorized, "invalid-credentials")
	// Another user's id, and the administrator's own account, are refused.
	isProblem(t, srv.Do("PATCH", "/api/v1/admin/users/"+admin.ID, admin.Token, map[string]bool{"disabled": true}), http.StatusConflict, "own-account")
	isProblem(t, srv.Do("PATCH", "/api/v1/admin/users/"+admin.ID, fresh.AccessToken, map[string]bool{"disabled": true}), http.StatusUnauthorized, "")
	if r := srv.Do("PATCH", "/api/v1/admin/users/"+ana.ID, admin.Token, map[string]bool{"disabled": false}); r.Status != http.StatusOK {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "ana@example.com", "password": "a new long password"}); r.Status != http.StatusOK {
		t.Fatalf("login after enabling: %d %s", r.Status, r.Body)
	}

	// A demoted administrator loses the role with the very next request.
	bob := srv.Register("bob@example.com")
	if r := srv.Do("PATCH", "/api/v1/admin/users/"+bob.ID, admin.Token, map[string]bool{"isAdmin": true}); r.Status != http.StatusOK {
		t.Fatalf("promote: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("GET", "/api/v1/admin/users", bob.Token, nil); r.Status != http.StatusOK {
		t.Fatalf("promoted admin: %d", r.Status)
	}
	srv.Do("PATCH", "/api/v1/admin/users/"+bob.ID, admin.Token, map[string]bool{"isAdmin": false})
	isProblem(t, srv.Do("GET", "/api/v1/admin/users", bob.Token, nil), http.StatusForbidden, "forbidden")
}
