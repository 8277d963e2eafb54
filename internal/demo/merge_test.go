package demo

import (
	"testing"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/store"
)

// TestNoDuplicateItems: what three hours of demo traffic says to oneself
// gives no two items that look alike (same kind and title) without
// merging into one (same merge key): the dashboard shows each thing once.
func TestNoDuplicateItems(t *testing.T) {
	now := testNow(t)
	for seed := uint64(1); seed <= 3; seed++ {
		keys := map[string]map[string]string{} // kind and title → merge key → text
		items := 0
		for _, m := range live(testGenerator(t, seed), 2000) {
			if m.chat != self || m.kind != "text" || m.text == "" {
				continue
			}
			for _, it := range knowledge.AnalyseNoteToSelf(m.text, now, now.Location()) {
				x := store.Extracted{Kind: it.Kind, Title: it.Title, Body: it.Body, Due: it.Due, Start: it.Start, Address: it.Address}
				if it.Kind == domain.KindEvent && it.Start == nil {
					continue
				}
				items++
				look := string(it.Kind) + ":" + store.NormText(it.Title)
				if it.Start != nil {
					look += " at " + it.Start.String() // another day's dinner is another dinner
				}
				if keys[look] == nil {
					keys[look] = map[string]string{}
				}
				keys[look][store.MergeKey(x)] = m.text
			}
		}
		for look, byKey := range keys {
			if len(byKey) > 1 {
				t.Errorf("seed %d: %s would show %d times: %v", seed, look, len(byKey), byKey)
			}
		}
		t.Logf("seed %d: %d items, %d distinct", seed, items, len(keys))
	}
}
