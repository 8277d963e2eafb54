package e2e_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// TestHistoryImportSurvivesARestart: Synapse stops while it imports a
// large history after linking; started again on the same data, it
// finishes the import without the phone sending anything again: every
// message once, and what was made of them once.
func TestHistoryImportSurvivesARestart(t *testing.T) {
	eachDialect(t, testHistoryImportSurvivesARestart)
}

func testHistoryImportSurvivesARestart(t *testing.T, d store.Dialect) {
	const chats, perChat = 12, 500
	ws := historyWasim(t)
	opts := apptest.Options{Dialect: d, DataDir: t.TempDir(), Env: meowEnv(ws)}
	opts.Env["WHATSAPP_HISTORY_DAYS"] = "30"
	if d == store.Postgres {
		opts.DatabaseURL = dbtest.PostgresDatabaseURL(t)
	}
	srv := apptest.Start(t, opts)
	phone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000061", PushName: "Ana"})
	now := time.Now()
	h := textHistory("4477008", chats, perChat, now, func(c, m int) string {
		if m == 0 {
			return fmt.Sprintf("read https://example.org/history-%d", c)
		}
		return fmt.Sprintf("message %d of chat %d", m, c)
	})
	h.ChunkSize = 500
	if err := phone.SetHistory(h); err != nil {
		t.Fatal(err)
	}
	c := srv.Client
	u := c.Register("ana.restart@example.com")
	connectPhone(t, c, u, phone)
	total := chats * perChat
	count := func(s *apptest.Server) int {
		n, err := s.App.Store.CountMessages(t.Context(), u.ID, now.AddDate(0, 0, -30))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Stop as soon as the import has begun.
	waitFor(t, func() bool { return count(srv) > 0 })
	before := count(srv)
	srv.Stop()
	t.Logf("stopped with %d of %d history messages stored", before, total)

	srv2 := apptest.Start(t, opts)
	srv2.WaitStatus(u, "WORKING")
	// The rest arrives; on a loaded machine (the race detector) slowly,
	// so only a minute without progress fails.
	for last, since := -1, time.Now(); ; time.Sleep(100 * time.Millisecond) {
		n := count(srv2)
		if n == total {
			break
		}
		if n != last {
			last, since = n, time.Now()
		}
		if time.Since(since) > time.Minute {
			t.Fatalf("the import stopped at %d of %d history messages after the restart (%d before it)", n, total, before)
		}
	}
	// Every chat's link became one bookmark, once.
	waitForOr(t, func() bool { return len(list(t, srv2.Client, u.Token, "/api/v1/bookmarks?limit=100")) == chats }, func() string {
		return fmt.Sprintf("%d bookmarks, want %d", len(list(t, srv2.Client, u.Token, "/api/v1/bookmarks?limit=100")), chats)
	})
	if n := len(list(t, srv2.Client, u.Token, "/api/v1/whatsapp/chats?limit=100")); n != chats {
		t.Fatalf("%d chats, want %d", n, chats)
	}
}
