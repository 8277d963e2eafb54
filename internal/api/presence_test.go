package api_test

import (
	"net/http"
	"testing"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// TestSharePresenceSetting: presence sharing is off for a new account,
// and what PATCH /api/v1/auth/me sets, GET reads back.
func TestSharePresenceSetting(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	ana := srv.Register("ana.presence.api@example.com")
	var me struct{ SharePresence *bool }
	srv.Do("GET", "/api/v1/auth/me", ana.Token, nil).JSON(t, &me)
	if me.SharePresence == nil || *me.SharePresence {
		t.Fatalf("a new account: sharePresence %v", me.SharePresence)
	}
	for _, on := range []bool{true, false} {
		if r := srv.Do("PATCH", "/api/v1/auth/me", ana.Token, map[string]any{"sharePresence": on}); r.Status != http.StatusOK {
			t.Fatalf("patch: %d %s", r.Status, r.Body)
		}
		me.SharePresence = nil
		srv.Do("GET", "/api/v1/auth/me", ana.Token, nil).JSON(t, &me)
		if me.SharePresence == nil || *me.SharePresence != on {
			t.Fatalf("after setting %v: %v", on, me.SharePresence)
		}
	}
}
