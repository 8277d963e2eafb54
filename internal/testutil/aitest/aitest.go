// Package aitest is a local OpenAI-compatible server for tests:
// /v1/embeddings answers deterministic vectors (a hashed bag of words in
// which related words share a concept, so that related phrases are near)
// and /v1/chat/completions answers from the first passage of an Ask
// prompt, citing [1]. It records what it was sent.
package aitest

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// Dim is the dimension of the vectors.
const Dim = 256

// concepts maps words to a shared concept, so that a question and a
// message that use different words for one thing embed near each other.
var concepts = map[string]string{
	"dentist": "teeth", "dental": "teeth", "tooth": "teeth", "teeth": "teeth", "orthodontist": "teeth",
	"car": "car", "vehicle": "car", "automobile": "car", "garage": "car", "mechanic": "car",
	"flight": "fly", "plane": "fly", "airport": "fly", "fly": "fly", "flying": "fly",
	"wifi": "net", "password": "net", "router": "net", "internet": "net",
	"birthday": "party", "party": "party", "celebration": "party", "cake": "party",
}

// Server is the fake provider.
type Server struct {
	*httptest.Server
	mu sync.Mutex
	// Inputs are the texts embedded; Prompts the user messages of Ask's
	// chat requests; Systems their system prompts.
	Inputs, Prompts, Systems []string
	// EmbedRequests counts embeddings requests.
	EmbedRequests int
	// FailEmbeddings makes /v1/embeddings answer 503 while set.
	FailEmbeddings bool
}

// New starts a fake provider until the test ends. Its base URL (for
// EMBEDDINGS_BASE_URL and LLM_BASE_URL) is URL + "/v1".
func New(t testing.TB) *Server {
	s := &Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", s.embeddings)
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// BaseURL is the API root to configure.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Embed is the vector the server answers for text.
func Embed(text string) []float32 {
	v := make([]float32, Dim)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if c, ok := concepts[w]; ok {
			w = "concept:" + c
		} else if len(w) < 4 {
			continue // small words carry little meaning
		}
		h := fnv.New32a()
		h.Write([]byte(w))
		x := h.Sum32()
		v[x%Dim] += 1
		v[(x/Dim)%Dim] += 0.5
	}
	var sum float64
	for _, x := range v {
		sum += float64(x * x)
	}
	if sum == 0 {
		v[0] = 1
		return v
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(sum))
	}
	return v
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Input any    `json:"input"`
		Model string `json:"model"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var in []string
	switch v := req.Input.(type) {
	case string:
		in = []string{v}
	case []any:
		for _, x := range v {
			sx, _ := x.(string)
			in = append(in, sx)
		}
	}
	s.mu.Lock()
	fail := s.FailEmbeddings
	s.EmbedRequests++
	if !fail {
		s.Inputs = append(s.Inputs, in...)
	}
	s.mu.Unlock()
	if fail {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"message":"overloaded","type":"server_error"}}`))
		return
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	out := struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
		Model  string `json:"model"`
	}{Object: "list", Model: req.Model}
	for i, t := range in {
		out.Data = append(out.Data, item{Object: "embedding", Index: i, Embedding: Embed(t)})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

var firstPassage = regexp.MustCompile(`(?s)\[1\][^\n]*\n<<<\n(.*?)\n>>>`)

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var system, user string
	for _, m := range req.Messages {
		switch m.Role {
		case "system":
			system = m.Content
		case "user":
			user = m.Content
		}
	}
	first := ""
	if m := firstPassage.FindStringSubmatch(user); m != nil {
		first = m[1]
	}
	if !strings.Contains(user, "<<<") {
		// Not a question (the analysis or a summary, not recorded): an
		// answer of no use, which the pipeline replaces with its built-in
		// one.
		answer, _ := json.Marshal(map[string]any{"items": []any{}})
		s.reply(w, req.Model, string(answer))
		return
	}
	s.mu.Lock()
	s.Prompts = append(s.Prompts, user)
	s.Systems = append(s.Systems, system)
	s.mu.Unlock()
	// Cites [1], and a number no passage has (which must be dropped).
	answer, _ := json.Marshal(map[string]any{"answer": "According to your messages: " + first + " [1]", "citations": []int{1, 99}})
	s.reply(w, req.Model, string(answer))
}

func (s *Server) reply(w http.ResponseWriter, model, content string) {
	resp := map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]int{"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// Lock and Unlock guard the recorded fields.
func (s *Server) Lock()   { s.mu.Lock() }
func (s *Server) Unlock() { s.mu.Unlock() }

// Sent is everything the server was sent: embedded texts and prompts.
func (s *Server) Sent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.Inputs, "\n") + "\n" + strings.Join(s.Prompts, "\n")
}

// SetFailEmbeddings makes embeddings requests fail (or succeed again).
func (s *Server) SetFailEmbeddings(fail bool) {
	s.mu.Lock()
	s.FailEmbeddings = fail
	s.mu.Unlock()
}
