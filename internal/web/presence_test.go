package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// TestSettingsSharePresence: presence sharing is off for a new account,
// and Settings turns it on and off again (the box shows what is stored).
func TestSettingsSharePresence(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	ana := newBrowser(t, srv)
	u := ana.signUp("ana.quiet@example.com")
	ctx := context.Background()
	shares := func() bool {
		t.Helper()
		got, err := srv.App.Store.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.SharePresence
	}
	if shares() {
		t.Fatal("a new account shares presence")
	}
	r := ana.get("/settings")
	if !strings.Contains(r.body, `name="sharePresence"`) || strings.Contains(r.body, `value="1" checked`) {
		t.Fatalf("settings: the presence box is missing or ticked:\n%s", r.body)
	}
	ana.post("/settings", url.Values{"name": {"Ana"}, "timezone": {"Europe/Lisbon"}, "sharePresence": {"1"}})
	if !shares() {
		t.Fatal("ticking the box did not turn sharing on")
	}
	if r := ana.get("/settings"); !strings.Contains(r.body, `value="1" checked`) {
		t.Fatal("settings does not show sharing on")
	}
	ana.post("/settings", url.Values{"name": {"Ana"}, "timezone": {"Europe/Lisbon"}})
	if shares() {
		t.Fatal("unticking the box did not turn sharing off")
	}
}
