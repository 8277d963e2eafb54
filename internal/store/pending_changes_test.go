package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestPendingChangesAreBoundedAndFound: a change to a message not stored
// yet is kept until it comes, found by the message's chat and id only,
// and a person keeps a bounded number of them (anyone can send changes to
// ids that do not exist).
func TestPendingChangesAreBoundedAndFound(t *testing.T) {
	defer store.SetMaxPendingChanges(5)()
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		const chat, other = "351910000001@s.whatsapp.net", "351910000002@s.whatsapp.net"
		t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		for i := range 8 {
			c := store.MessageChange{UserID: a.ID, ChatID: chat, TargetID: fmt.Sprintf("T%d", i), Kind: store.ChangeRevoke, By: chat, At: t0}
			if i%2 == 1 {
				c.ChatID, c.By = other, other
			}
			res, err := s.ApplyMessageChange(ctx, c, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Applied {
				t.Fatalf("change %d applied to a message that is not stored", i)
			}
		}
		got, err := s.PendingChanges(ctx, a.ID, map[string][]string{chat: {"T0", "T2", "T6"}})
		if err != nil {
			t.Fatal(err)
		}
		// T6 came after the fifth kept change: dropped.
		if len(got) != 2 || got[0].ChatID != chat || got[1].ChatID != chat {
			t.Fatalf("pending changes of %s: %+v", chat, got)
		}
		got, err = s.PendingChanges(ctx, a.ID, map[string][]string{other: {"T1", "T3", "T2"}})
		if err != nil || len(got) != 2 {
			t.Fatalf("pending changes of %s: %+v %v", other, got, err)
		}
	})
}
