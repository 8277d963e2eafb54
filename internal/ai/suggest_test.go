package ai

import (
	"context"
	"net/http"
	"testing"

	"github.com/synapse-kb/synapse/internal/knowledge"
)

// TestSuggestFollowsTheRules: the model's answer is kept when it fits who
// wrote the message; a promise in someone else's words, a request in the
// person's, "none" and a group message not addressed to the person give
// nothing (the last without a request).
func TestSuggestFollowsTheRules(t *testing.T) {
	t.Parallel()
	answers := []string{
		`{"kind":"promise","title":"  Send   the file ","due":"2026-03-11"}`,
		`{"kind":"promise","title":"Send the file","due":null}`,
		`{"kind":"request","title":"Call Ana","due":null}`,
		`{"kind":"none","title":null,"due":null}`,
	}
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, chatCompletion(answers[n%len(answers)]))
	})
	an, err := NewAnalyser(api.config())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sg, ok, err := an.Suggest(ctx, knowledge.Said{Text: "I'll send you the file tomorrow", FromMe: true}, now, berlin)
	if err != nil || !ok || sg.Kind != knowledge.SuggestPromise || sg.Title != "Send the file" || sg.Due == nil || sg.DueHasTime {
		t.Fatalf("promise: %+v %v %v", sg, ok, err)
	}
	for i, m := range []knowledge.Said{{Text: "I'll send you the file"}, {Text: "can you call Ana?", FromMe: true}, {Text: "hi"}} {
		if sg, ok, err := an.Suggest(ctx, m, now, berlin); err != nil || ok {
			t.Errorf("answer %d: %+v %v %v", i+1, sg, ok, err)
		}
	}
	if _, ok, err := an.Suggest(ctx, knowledge.Said{Text: "can someone bring ice?", Group: true}, now, berlin); ok || err != nil {
		t.Errorf("group message to nobody: %v %v", ok, err)
	}
	if n := len(api.requests()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}
