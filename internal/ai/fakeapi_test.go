package ai

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// testKey is the API key the tests configure; it must never show up in an
// error.
const testKey = "sk-test-Xq7SECRETkey0123456789"

// request is one request the fake API received.
type request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	// For multipart requests:
	Fields   map[string]string
	File     []byte
	FileName string
	FileType string
	// For JSON requests:
	JSON map[string]any
}

// fakeAPI is a local server speaking the OpenAI HTTP API's shapes. Its
// handler gets the index of the request (0 for the first).
type fakeAPI struct {
	t       *testing.T
	srv     *httptest.Server
	handle  func(w http.ResponseWriter, r *http.Request, n int)
	mu      sync.Mutex
	reqs    []request
	baseURL string
}

func newFakeAPI(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.baseURL = f.srv.URL + "/v1"
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	rec := request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
	ct := r.Header.Get("Content-Type")
	switch {
	case len(ct) >= 19 && ct[:19] == "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			f.t.Errorf("fake API: bad multipart body: %v", err)
			http.Error(w, "bad multipart", 400)
			return
		}
		rec.Fields = map[string]string{}
		for k, v := range r.MultipartForm.Value {
			rec.Fields[k] = v[0]
		}
		if fhs := r.MultipartForm.File["file"]; len(fhs) == 1 {
			fh := fhs[0]
			rec.FileName, rec.FileType = fh.Filename, fh.Header.Get("Content-Type")
			file, err := fh.Open()
			if err == nil {
				rec.File, _ = io.ReadAll(file)
				_ = file.Close()
			}
		}
	default:
		rec.Body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(rec.Body))
		if len(rec.Body) > 0 {
			if err := json.Unmarshal(rec.Body, &rec.JSON); err != nil {
				f.t.Errorf("fake API: body is not JSON: %v", err)
			}
		}
	}
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, rec)
	f.mu.Unlock()
	f.handle(w, r, n)
}

func (f *fakeAPI) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

func (f *fakeAPI) config() Config {
	return Config{BaseURL: f.baseURL, APIKey: testKey, Model: "test-model", Timeout: 5 * time.Second}
}

// writeJSON answers with a JSON body and optional header pairs.
func writeJSON(w http.ResponseWriter, status int, body string, header ...string) {
	for i := 0; i+1 < len(header); i += 2 {
		w.Header().Set(header[i], header[i+1])
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// apiError is OpenAI's error envelope. An empty code or param is null.
func apiError(message, typ, param, code string) string {
	env := map[string]any{"message": message, "type": typ, "param": nil, "code": nil}
	if param != "" {
		env["param"] = param
	}
	if code != "" {
		env["code"] = code
	}
	return mustJSON(map[string]any{"error": env})
}

// chatCompletion is a chat completion response as OpenAI sends it.
func chatCompletion(content string) string {
	return mustJSON(map[string]any{
		"id":      "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
		"object":  "chat.completion",
		"created": 1741570283,
		"model":   "gpt-4o-mini-2024-07-18",
		"choices": []any{map[string]any{
			"index": 0,
			"message": map[string]any{
				"role": "assistant", "content": content, "refusal": nil, "annotations": []any{},
			},
			"logprobs":      nil,
			"finish_reason": "stop",
		}},
		"usage": map[string]any{
			"prompt_tokens": 412, "completion_tokens": 96, "total_tokens": 508,
			"prompt_tokens_details":     map[string]any{"cached_tokens": 0, "audio_tokens": 0},
			"completion_tokens_details": map[string]any{"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
		},
		"service_tier":       "default",
		"system_fingerprint": "fp_06737a9306",
	})
}

func mustJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return b.String()
}

// readJSON decodes a request's JSON body.
func readJSON(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }

// dig walks nested JSON maps: dig(m, "response_format", "json_schema", "name").
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// messages returns the role and content of each chat message sent.
func messages(t *testing.T, r request) (roles, contents []string) {
	t.Helper()
	msgs, _ := r.JSON["messages"].([]any)
	for _, m := range msgs {
		role, _ := dig(m, "role").(string)
		content, _ := dig(m, "content").(string)
		roles = append(roles, role)
		contents = append(contents, content)
	}
	return roles, contents
}
