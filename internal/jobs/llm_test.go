package jobs_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// fakeLLM is an OpenAI-compatible chat completions server. It answers
// item extraction and day summaries with JSON of the schema asked for.
type fakeLLM struct {
	calls        atomic.Int32
	failures     atomic.Int32 // answer 503 this many times first
	suggestCalls atomic.Int32
}

func (f *fakeLLM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer llm-key" {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	f.calls.Add(1)
	if f.failures.Add(-1) >= 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":{"message":"model is loading","type":"server_error"}}`)
		return
	}
	var req struct {
		Model          string `json:"model"`
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name string `json:"name"`
			} `json:"json_schema"`
		} `json:"response_format"`
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "test-model" || req.ResponseFormat.Type != "json_schema" {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	var content string
	all := ""
	for _, m := range req.Messages {
		all += m.Content
	}
	if req.ResponseFormat.JSONSchema.Name == "suggestion" {
		f.suggestCalls.Add(1)
		content = `{"kind":"none","title":null,"due":null}`
		if strings.Contains(all, "grab the invoices") {
			content = `{"kind":"request","title":"Grab the invoices from Marta's office","due":"2031-12-05"}`
		}
	} else if strings.Contains(all, "Lunch with Marta") {
		content = `{"items":[{"kind":"event","title":"Lunch with Marta","body":null,"due":null,"address":null,"latitude":null,"longitude":null,` +
			`"start":"2026-12-15T13:00:00Z","end":"2026-12-15T14:00:00Z","place":"Casa Lucio","people":["Marta"]},` +
			`{"kind":"task","title":"Send the invoice to Marta","body":null,"due":"2026-12-01","address":null,"latitude":null,"longitude":null,` +
			`"start":null,"end":null,"place":null,"people":null}]}`
	} else if strings.Contains(all, "Olá família") {
		content = `{"summary":"A família combinou um almoço no domingo.","language":"pt-BR"}`
	} else {
		content = `{"items":[{"kind":"task","title":"Send the invoice to Marta","body":null,"due":"2026-12-01","address":null,"latitude":null,"longitude":null},` +
			`{"kind":"idea","title":"A podcast about old maps","body":null,"due":null,"address":null,"latitude":null,"longitude":null}]}`
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"chatcmpl-1","object":"chat.completion","created":%d,"model":"test-model",`+
		`"choices":[{"index":0,"message":{"role":"assistant","content":%q},"finish_reason":"stop"}],`+
		`"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}`, time.Now().Unix(), content)
}

func TestLanguageModelAnalysisAndSummaries(t *testing.T) {
	llm := &fakeLLM{}
	llm.failures.Store(1) // the first call fails and is retried
	fake := httptest.NewServer(llm)
	defer fake.Close()
	srv := apptest.Start(t, apptest.Options{Env: map[string]string{
		"LLM_BASE_URL": fake.URL + "/v1", "LLM_API_KEY": "llm-key", "LLM_MODEL": "test-model",
		"WHATSAPP_MESSAGE_RETENTION_DAYS": "36500",
	}})
	a := srv.Register("ana@example.com")
	srv.Connect(a, "5511900000001")
	srv.Deliver(a, map[string]any{"id": "self", "chat": "me", "fromMe": true, "type": "text", "text": "invoice marta, and that maps podcast"})
	tasks := waitJSON(t, srv.Client, "/api/v1/tasks", a.Token, func(l list[store.Task]) bool { return len(l.Items) == 1 })
	if tasks.Items[0].Title != "Send the invoice to Marta" || tasks.Items[0].Due == nil || tasks.Items[0].Source.MessageID != "self" {
		t.Fatalf("task from the model: %+v", tasks.Items[0])
	}
	waitJSON(t, srv.Client, "/api/v1/ideas", a.Token, func(l list[store.Idea]) bool {
		return len(l.Items) == 1 && l.Items[0].Title == "A podcast about old maps"
	})

	day := time.Now().UTC().Add(-24 * time.Hour)
	ts := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, time.UTC)
	srv.Deliver(a, map[string]any{"id": "g1", "chat": "120363999", "group": true, "chatName": "Família", "from": "5511911111111",
		"fromName": "Mãe", "type": "text", "text": "Olá família, almoço no domingo?", "timestamp": ts})
	waitJSON(t, srv.Client, "/api/v1/whatsapp/chats/120363999@g.us/messages", a.Token, func(l list[store.Message]) bool { return len(l.Items) == 1 })
	r := srv.Do("POST", "/api/v1/summaries/generate", a.Token, map[string]string{"day": ts.Format("2006-01-02")})
	expectStatus(t, r, http.StatusAccepted)
	sums := waitJSON(t, srv.Client, "/api/v1/summaries", a.Token, func(l list[store.Summary]) bool { return len(l.Items) == 1 })
	if x := sums.Items[0]; x.Generator != "llm" || x.Text != "A família combinou um almoço no domingo." || x.Language != "pt-BR" {
		t.Fatalf("summary from the model: %+v", x)
	}
	if !strings.Contains(string(sums.Items[0].Stats), `"messageCount":1`) {
		t.Fatalf("the built-in statistics are kept beside the model's text: %s", sums.Items[0].Stats)
	}
	if llm.calls.Load() < 3 {
		t.Fatalf("%d model calls; the failed first one should have been retried", llm.calls.Load())
	}
}

// TestSuggestionsFromTheLanguageModel: with LLM_* set, the model reads
// messages for suggestions: it finds a request the built-in rules miss and
// passes over one they would take.
func TestSuggestionsFromTheLanguageModel(t *testing.T) {
	llm := &fakeLLM{}
	fake := httptest.NewServer(llm)
	defer fake.Close()
	srv := apptest.Start(t, apptest.Options{Env: map[string]string{
		"LLM_BASE_URL": fake.URL + "/v1", "LLM_API_KEY": "llm-key", "LLM_MODEL": "test-model",
	}})
	a := srv.Register("ana@example.com")
	srv.Connect(a, "5511900000001")
	srv.Deliver(a, map[string]any{"id": "m1", "chat": "5511977770001", "type": "text", "text": "can you call me?"})
	srv.Deliver(a, map[string]any{"id": "m2", "chat": "5511977770002", "type": "text", "text": "Would love it if you could grab the invoices from Marta's office"})
	deadline := time.Now().Add(60 * time.Second)
	for llm.suggestCalls.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	open := waitJSON(t, srv.Client, "/api/v1/suggestions?status=open", a.Token, func(l list[store.Suggestion]) bool { return len(l.Items) >= 1 })
	time.Sleep(500 * time.Millisecond) // the first job's write, if any
	open = waitJSON(t, srv.Client, "/api/v1/suggestions?status=open", a.Token, func(l list[store.Suggestion]) bool { return true })
	if len(open.Items) != 1 {
		t.Fatalf("open suggestions: %+v", open.Items)
	}
	g := open.Items[0]
	if g.MessageID != "m2" || g.Kind != "request" || g.Title != "Grab the invoices from Marta's office" || g.Due == nil || g.Due.Year() != 2031 {
		t.Fatalf("suggestion from the model: %+v", g)
	}
}
