package jobs

import (
	"testing"

	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestOwnSelfChatMessagesQueueNothing: a message Synapse wrote into the
// person's own chat (a reminder, recorded before it is sent) queues no
// analysis or bookmark job when it comes back to be stored; a note the
// person wrote there does, on both databases.
func TestOwnSelfChatMessagesQueueNothing(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, dbtest.Open(t, d), fixtureOptions{})
			const own = "351910000009@s.whatsapp.net"
			reminder := "⏰ Pay the rent http://" + f.site + "/rent"
			if _, err := f.s.AddSelfMessage(f.ctx, f.user.ID, reminders.TextHash(reminder), "task", "t1"); err != nil {
				t.Fatal(err)
			}
			f.ingest(store.Message{ChatID: own, ID: "synapse-1", From: own, FromMe: true, Type: "text", Text: reminder})
			if n, b := len(f.jobs("analyse")), len(f.jobs("bookmarks")); n != 0 || b != 0 {
				t.Fatalf("Synapse's own reminder queued %d analyses and %d bookmark jobs", n, b)
			}
			f.ingest(store.Message{ChatID: own, ID: "mine-1", From: own, FromMe: true, Type: "text", Text: "todo call the bank"})
			if n := len(f.jobs("analyse")); n != 1 {
				t.Fatalf("a note to self queued %d analyses, want 1", n)
			}
		})
	}
}
