package ai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestProviderErrors(t *testing.T) {
	t.Parallel()
	type want struct {
		retryable  bool
		retryAfter time.Duration // checked when hasAfter
		hasAfter   bool
		contains   []string
	}
	tests := []struct {
		name   string
		status int
		header []string
		body   string
		want   want
	}{
		{"429 with Retry-After seconds", 429, []string{"Retry-After", "7"},
			apiError("Rate limit reached for gpt-4o-mini in organization org-abc on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.", "requests", "", "rate_limit_exceeded"),
			want{true, 7 * time.Second, true, []string{"HTTP 429", "Rate limit reached", "rate_limit_exceeded"}}},
		{"429 with retry-after-ms", 429, []string{"Retry-After", "2", "Retry-After-Ms", "1500"},
			apiError("Rate limit reached", "requests", "", "rate_limit_exceeded"),
			want{true, 1500 * time.Millisecond, true, nil}},
		{"429 with only ratelimit reset headers", 429,
			[]string{"X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "1m30s", "X-Ratelimit-Reset-Tokens", "6ms"},
			apiError("Rate limit reached for gpt-4o-mini on tokens per min (TPM)", "tokens", "", "rate_limit_exceeded"),
			want{true, 90 * time.Second, true, nil}},
		{"500", 500, nil,
			apiError("The server had an error while processing your request. Sorry about that!", "server_error", "", ""),
			want{true, 0, false, []string{"HTTP 500", "server had an error"}}},
		{"502 with an HTML page", 502, nil, "<html><body><h1>502 Bad Gateway</h1>\n</body></html>",
			want{true, 0, false, []string{"HTTP 502", "502 Bad Gateway"}}},
		{"401", 401, nil,
			apiError("Incorrect API key provided: sk-test-***********************6789. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "", "invalid_api_key"),
			want{false, 0, false, []string{"HTTP 401 Unauthorized", "Incorrect API key provided", "invalid_api_key", "model test-model"}}},
		{"403", 403, nil, apiError("Project does not have access to model `test-model`", "invalid_request_error", "", "model_not_found"),
			want{false, 0, false, []string{"HTTP 403", "does not have access"}}},
		{"404 unknown model", 404, nil,
			apiError("The model `test-model` does not exist or you do not have access to it.", "invalid_request_error", "", "model_not_found"),
			want{false, 0, false, []string{"HTTP 404", "does not exist", "model_not_found"}}},
		{"404 from Ollama", 404, nil, `{"error":"model \"test-model\" not found, try pulling it first"}`,
			want{false, 0, false, []string{"HTTP 404", "try pulling it first"}}},
		{"400 context too long (no fallback)", 400, nil,
			apiError("This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.", "invalid_request_error", "messages", "context_length_exceeded"),
			want{false, 0, false, []string{"HTTP 400", "maximum context length", "param=messages"}}},
		{"422 from a FastAPI server", 422, nil, `{"detail":[{"loc":["body","model"],"msg":"field required","type":"value_error.missing"}]}`,
			want{false, 0, false, []string{"HTTP 422", "field required"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
				ct := "application/json"
				if strings.HasPrefix(tc.body, "<") {
					ct = "text/html"
				}
				for i := 0; i+1 < len(tc.header); i += 2 {
					w.Header().Set(tc.header[i], tc.header[i+1])
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			an, err := NewAnalyser(api.config())
			if err != nil {
				t.Fatal(err)
			}
			_, err = an.ExtractItems(context.Background(), "remind me to call Bob", time.Now(), time.UTC)
			if err == nil {
				t.Fatal("no error")
			}
			if n := len(api.requests()); n != 1 {
				t.Errorf("server got %d requests, want exactly 1 (no client retries, no fallback)", n)
			}
			var pe *ProviderError
			if !errors.As(err, &pe) || pe.StatusCode != tc.status {
				t.Fatalf("err = %#v, want a *ProviderError with status %d", err, tc.status)
			}
			if got := IsRetryable(err); got != tc.want.retryable {
				t.Errorf("IsRetryable = %v, want %v (err: %v)", got, tc.want.retryable, err)
			}
			d, ok := RetryAfter(err)
			if ok != tc.want.hasAfter || d != tc.want.retryAfter {
				t.Errorf("RetryAfter = %v, %v; want %v, %v", d, ok, tc.want.retryAfter, tc.want.hasAfter)
			}
			msg := err.Error()
			for _, s := range append(tc.want.contains, api.srv.Listener.Addr().String(), "extract items") {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not mention %q", msg, s)
				}
			}
		})
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", now.Add(2*time.Minute).Format(http.TimeFormat))
	if d, ok := parseRetryAfter(h, now); !ok || d != 2*time.Minute {
		t.Errorf("HTTP date: %v, %v; want 2m, true", d, ok)
	}
	h.Set("Retry-After", now.Add(-time.Minute).Format(http.TimeFormat))
	if d, ok := parseRetryAfter(h, now); !ok || d != 0 {
		t.Errorf("past HTTP date: %v, %v; want 0, true", d, ok)
	}
	h = http.Header{}
	h.Set("X-Ratelimit-Reset", fmt.Sprint(now.Add(30*time.Second).Unix()))
	if d, ok := parseRetryAfter(h, now); !ok || d != 30*time.Second {
		t.Errorf("unix reset: %v, %v; want 30s, true", d, ok)
	}
	if _, ok := parseRetryAfter(http.Header{"Retry-After": {"soon"}}, now); ok {
		t.Error("garbage Retry-After was understood")
	}
}

// A server slower than the client's timeout gives a retryable timeout, fast.
func TestTimeout(t *testing.T) {
	t.Parallel()
	slow := func(w http.ResponseWriter, r *http.Request, n int) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	clients := map[string]func(cfg Config) (func(ctx context.Context) error, error){
		"transcribe": func(cfg Config) (func(ctx context.Context) error, error) {
			tr, err := NewTranscriber(cfg)
			return func(ctx context.Context) error {
				_, err := tr.Transcribe(ctx, strings.NewReader("audio"), "a.ogg", "audio/ogg")
				return err
			}, err
		},
		"extract items": func(cfg Config) (func(ctx context.Context) error, error) {
			an, err := NewAnalyser(cfg)
			return func(ctx context.Context) error {
				_, err := an.ExtractItems(ctx, "note this", time.Now(), nil)
				return err
			}, err
		},
	}
	for name, mk := range clients {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, slow)
			cfg := api.config()
			cfg.Timeout = 150 * time.Millisecond
			call, err := mk(cfg)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = call(context.Background())
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v with a 150ms timeout", took)
			}
			var pe *ProviderError
			if !errors.As(err, &pe) || !pe.Timeout || !IsRetryable(err) {
				t.Fatalf("err = %v, want a retryable timeout", err)
			}
			if !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), name) {
				t.Errorf("error %q should say it timed out during %s", err, name)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	an, err := NewAnalyser(Config{BaseURL: "http://" + addr + "/v1", Model: "m", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = an.ExtractItems(context.Background(), "x", time.Now(), nil)
	if err == nil || !IsRetryable(err) {
		t.Fatalf("err = %v, want a retryable connection error", err)
	}
	if _, ok := RetryAfter(err); ok {
		t.Error("RetryAfter reported a wait for a connection error")
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not name the provider %s", err, addr)
	}
}

func TestCallerCancelled(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) { <-r.Context().Done() })
	an, _ := NewAnalyser(api.config())
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := an.ExtractItems(ctx, "x", time.Now(), nil)
	if !errors.Is(err, context.Canceled) || !IsRetryable(err) {
		t.Errorf("err = %v, want a retryable context.Canceled", err)
	}
}

// The API key is sent to the provider, and never appears in an error or a
// log line, even when the provider echoes it back.
func TestAPIKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	bodies := []struct {
		status int
		ct     string
		body   string
	}{
		{401, "application/json", apiError("Incorrect API key provided: "+testKey+".", "invalid_request_error", "", "invalid_api_key")},
		{500, "text/plain", "upstream said: Authorization: Bearer " + testKey},
		{400, "application/json", apiError("bad request", "invalid_request_error", testKey, testKey)},
		{200, "application/json", `{"choices":"` + testKey + `"}`},
		{200, "application/json", chatCompletion("not json, but " + testKey)},
	}
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, b := range bodies {
		api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
				t.Errorf("Authorization = %q", got)
			}
			w.Header().Set("Content-Type", b.ct)
			w.WriteHeader(b.status)
			_, _ = io.WriteString(w, b.body)
		})
		cfg := api.config()
		cfg.Logger = logger
		an, _ := NewAnalyser(cfg)
		_, err := an.ExtractItems(context.Background(), "x", time.Now(), nil)
		if err == nil {
			t.Fatalf("status %d: no error", b.status)
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(s, testKey) || strings.Contains(s, "SECRETkey") {
				t.Errorf("status %d: error leaks the API key: %s", b.status, s)
			}
		}
	}
	tr, _ := NewTranscriber(Config{BaseURL: "http://127.0.0.1:1/v1", APIKey: testKey, Model: "m", Logger: logger})
	if _, err := tr.Transcribe(context.Background(), strings.NewReader("a"), "a.ogg", "audio/ogg"); err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("transport error = %v", err)
	}
	if strings.Contains(logs.String(), testKey) {
		t.Errorf("logs leak the API key: %s", logs.String())
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg     Config
		new     string
		setting string
	}{
		{Config{Model: "whisper-1"}, "transcriber", "TRANSCRIBE_BASE_URL"},
		{Config{BaseURL: "ftp://x/v1", Model: "whisper-1"}, "transcriber", "TRANSCRIBE_BASE_URL"},
		{Config{BaseURL: "http://x/v1"}, "transcriber", "TRANSCRIBE_MODEL"},
		{Config{Model: "m"}, "analyser", "LLM_BASE_URL"},
		{Config{BaseURL: "http://x/v1", Model: " "}, "analyser", "LLM_MODEL"},
		{Config{BaseURL: "http:///v1", Model: "m"}, "summariser", "LLM_BASE_URL"},
		{Config{BaseURL: "http://x/v1"}, "summariser", "LLM_MODEL"},
	}
	for _, tc := range tests {
		var err error
		switch tc.new {
		case "transcriber":
			_, err = NewTranscriber(tc.cfg)
		case "analyser":
			_, err = NewAnalyser(tc.cfg)
		default:
			_, err = NewSummariser(tc.cfg)
		}
		if !errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), tc.setting) {
			t.Errorf("New %s(%+v) = %v, want ErrNotConfigured naming %s", tc.new, tc.cfg, err, tc.setting)
		}
	}
	if _, err := NewAnalyser(Config{BaseURL: "http://user:pw@x/v1", Model: "m", Timeout: -1}); err == nil {
		t.Error("negative timeout accepted")
	}
}

func TestResponseTooLarge(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.Copy(w, io.LimitReader(zeros{}, maxResponseBytes+10))
	})
	an, _ := NewAnalyser(api.config())
	_, err := an.ExtractItems(context.Background(), "x", time.Now(), nil)
	if !errors.Is(err, ErrResponseTooLarge) || IsRetryable(err) {
		t.Errorf("err = %v, want a permanent ErrResponseTooLarge", err)
	}
}
