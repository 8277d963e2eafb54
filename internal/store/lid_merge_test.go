package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestMergeLIDs: what was stored under a contact's LID before their number
// was known joins the number's chat and sender once it is known; another
// user's rows under the same LID stay theirs.
func TestMergeLIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		const lid, pn, group = "99887766@lid", "351910000053@s.whatsapp.net", "120363000009@g.us"
		t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		first := msg(a.ID, lid, "L1", t0, "escrevo do meu LID")
		first.FromName = "Carla"
		dup := msg(a.ID, lid, "BOTH", t0.Add(time.Minute), "chegou duas vezes")
		inGroup := msg(a.ID, group, "G1", t0.Add(2*time.Minute), "no grupo")
		inGroup.From, inGroup.IsGroup = lid, true
		others := msg(b.ID, lid, "L1", t0, "of user b")
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{first, dup, inGroup, others}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddExtracted(ctx, a.ID, store.Source{Kind: store.SourceMessage, ChatID: lid, MessageID: "L1",
			Snapshot: store.Snapshot{From: lid, FromName: "Carla", Text: "escrevo do meu LID"}},
			[]store.Extracted{{Kind: domain.KindTask, Title: "Ler o LID"}}); err != nil {
			t.Fatal(err)
		}
		// Nothing is known under a number yet: nothing to merge for it.
		if got, err := s.MergeLIDs(ctx, a.ID, map[string]string{"11@lid": pn}); err != nil || len(got) != 0 {
			t.Fatalf("merge of an unseen lid: %v %v", got, err)
		}
		later := msg(a.ID, pn, "P1", t0.Add(3*time.Minute), "agora com o número")
		dupPN := msg(a.ID, pn, "BOTH", t0.Add(time.Minute), "chegou duas vezes")
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{later, dupPN}, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.MergeLIDs(ctx, a.ID, map[string]string{lid: pn})
		if err != nil || len(got) != 1 || got[0] != lid {
			t.Fatalf("merge: %v %v", got, err)
		}
		if _, err := s.GetChat(ctx, a.ID, lid); err == nil {
			t.Fatal("the LID chat is still there")
		}
		page, err := s.ListMessages(ctx, a.ID, pn, store.ListOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]int{}
		for _, m := range page.Items {
			ids[m.ID]++
			if !m.FromMe && m.From != pn {
				t.Fatalf("message %s from %q, want %q", m.ID, m.From, pn)
			}
		}
		if len(ids) != 3 || ids["L1"] != 1 || ids["BOTH"] != 1 || ids["P1"] != 1 {
			t.Fatalf("messages in the number's chat: %v", ids)
		}
		g, err := s.GetMessage(ctx, a.ID, group, "G1")
		if err != nil || g.From != pn {
			t.Fatalf("group message sender %q (%v), want %q", g.From, err, pn)
		}
		tasks, err := s.ListTasks(ctx, a.ID, store.TaskFilter{}, store.ListOptions{Limit: 10})
		if err != nil || len(tasks.Items) != 1 {
			t.Fatalf("tasks %v %v", tasks.Items, err)
		}
		if tk := tasks.Items[0]; tk.Source.ChatID != pn || tk.Source.Snapshot.From != pn {
			t.Fatalf("task source chat %q from %q, want %q", tk.Source.ChatID, tk.Source.Snapshot.From, pn)
		}
		// Search narrowed to the number's chat or person finds the task
		// (its filter keys named the LID), the LID's nothing.
		task := "task:" + tasks.Items[0].ID
		for _, o := range []store.SearchOptions{{ChatID: pn}, {Person: pn}, {ChatID: lid}, {Person: lid}} {
			want := []string{task}
			if o.ChatID == lid || o.Person == lid {
				want = nil
			}
			o.Kinds = []domain.Kind{domain.KindTask}
			if got := searchIDs(t, s, a.ID, "ler", o); !slices.Equal(got, want) {
				t.Errorf("search %+v after the merge: %v, want %v", o, got, want)
			}
		}
		// A merge made by an earlier version left the task's keys naming
		// the LID; the upgrade makes them again.
		if err := s.SetFilterKeys(ctx, []string{"c:" + lid, "p:" + lid}); err != nil {
			t.Fatal(err)
		}
		if got := searchIDs(t, s, a.ID, "ler", store.SearchOptions{Person: pn}); len(got) != 0 {
			t.Fatalf("stale keys not set: %v", got)
		}
		if err := s.RedoFilterKeys(ctx); err != nil {
			t.Fatal(err)
		}
		for _, o := range []store.SearchOptions{{ChatID: pn}, {Person: pn}} {
			if got := searchIDs(t, s, a.ID, "ler", o); !slices.Equal(got, []string{task}) {
				t.Errorf("search %+v after the upgrade: %v, want %v", o, got, []string{task})
			}
		}
		// Done once: a second merge finds nothing.
		if got, err := s.MergeLIDs(ctx, a.ID, map[string]string{lid: pn}); err != nil || len(got) != 0 {
			t.Fatalf("second merge: %v %v", got, err)
		}
		// The other user's LID chat is untouched.
		if _, err := s.GetMessage(ctx, b.ID, lid, "L1"); err != nil {
			t.Fatalf("user b's message under the LID: %v", err)
		}
	})
}
