package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/openai/openai-go/v3/option"
)

// settingNames are the environment variables behind a Config, for errors.
type settingNames struct{ baseURL, model string }

var (
	transcribeSettings = settingNames{"TRANSCRIBE_BASE_URL", "TRANSCRIBE_MODEL"}
	llmSettings        = settingNames{"LLM_BASE_URL", "LLM_MODEL"}
)

// provider is what every client shares: the validated settings, the options
// for the OpenAI client library, and error classification.
type provider struct {
	name    string // host[:port] of the base URL, for messages
	model   string
	apiKey  string // only for redaction and the Authorization header
	timeout time.Duration
	log     *slog.Logger
	opts    []option.RequestOption
}

func newProvider(cfg Config, names settingNames, defaultTimeout time.Duration) (*provider, error) {
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, fmt.Errorf("%w: %s is not set", ErrNotConfigured, names.baseURL)
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %s is not an http(s) URL", ErrNotConfigured, names.baseURL)
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, fmt.Errorf("%w: %s is not set", ErrNotConfigured, names.model)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: timeout must not be negative", ErrNotConfigured)
	}
	p := &provider{
		name:    u.Host, // never u.User: the URL may carry credentials
		model:   cfg.Model,
		apiKey:  cfg.APIKey,
		timeout: cfg.Timeout,
		log:     cfg.Logger,
	}
	if p.timeout == 0 {
		p.timeout = defaultTimeout
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	p.opts = []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithHTTPClient(hc),
		// The durable job system retries; the library must not.
		option.WithMaxRetries(0),
		option.WithMiddleware(p.middleware),
	}
	if cfg.APIKey != "" {
		p.opts = append(p.opts, option.WithAPIKey(cfg.APIKey))
	}
	return p, nil
}

// call runs one request under the per-request timeout and turns any failure
// into a *ProviderError naming op.
func (p *provider) call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	rctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	err := fn(rctx)
	if err == nil {
		return nil
	}
	return p.classify(ctx, op, err)
}

func (p *provider) classify(ctx context.Context, op string, err error) error {
	var pe *ProviderError
	if errors.As(err, &pe) {
		pe.Op = op
		return pe
	}
	pe = &ProviderError{Op: op, Provider: p.name, Model: p.model, err: err}
	switch {
	case ctx.Err() != nil:
		// The caller's context ended: report that, not the library's wording.
		pe.err = ctx.Err()
		pe.Timeout = errors.Is(ctx.Err(), context.DeadlineExceeded)
		pe.Message = "request abandoned: " + ctx.Err().Error()
	case errors.Is(err, context.DeadlineExceeded):
		pe.Timeout = true
		pe.Message = fmt.Sprintf("no answer within %s (timed out)", p.timeout)
	case errors.Is(err, ErrResponseTooLarge):
		pe.Message = fmt.Sprintf("response larger than %d bytes", maxResponseBytes)
	default:
		pe.Message = p.redact(err.Error())
	}
	return pe
}

// middleware sits between the client library and the HTTP client. It turns
// every HTTP error status into a *ProviderError carrying the provider's
// message and retry hints (so that unusual error bodies are understood too),
// and caps the size of successful bodies.
func (p *provider) middleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if err != nil {
		return res, err
	}
	if res.StatusCode >= 400 {
		body, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBodyBytes))
		_ = res.Body.Close()
		return nil, p.statusError(res, body, time.Now())
	}
	res.Body = &cappedBody{rc: res.Body, left: maxResponseBytes}
	return res, nil
}

func (p *provider) statusError(res *http.Response, body []byte, now time.Time) *ProviderError {
	pe := &ProviderError{Provider: p.name, Model: p.model, StatusCode: res.StatusCode}
	pe.Message, pe.Type, pe.Code, pe.Param = parseErrorBody(body)
	pe.Message = shorten(p.redact(pe.Message), 500)
	pe.Type = shorten(p.redact(pe.Type), 100)
	pe.Code = shorten(p.redact(pe.Code), 100)
	pe.Param = shorten(p.redact(pe.Param), 100)
	pe.retryAfter, pe.hasRetryAfter = parseRetryAfter(res.Header, now)
	return pe
}

// parseErrorBody understands the OpenAI error envelope and the shapes other
// compatible servers send: {"error":"text"}, {"detail":…}, {"message":…},
// or a plain text body.
func parseErrorBody(body []byte) (msg, typ, code, param string) {
	var env struct {
		Error   json.RawMessage `json:"error"`
		Detail  json.RawMessage `json:"detail"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &env) == nil {
		var obj struct {
			Message string          `json:"message"`
			Type    string          `json:"type"`
			Param   json.RawMessage `json:"param"`
			Code    json.RawMessage `json:"code"`
		}
		var s string
		switch {
		case len(env.Error) > 0 && json.Unmarshal(env.Error, &obj) == nil:
			return obj.Message, obj.Type, scalar(obj.Code), scalar(obj.Param)
		case len(env.Error) > 0 && json.Unmarshal(env.Error, &s) == nil:
			return s, "", "", ""
		case len(env.Detail) > 0 && json.Unmarshal(env.Detail, &s) == nil:
			return s, "", "", ""
		case len(env.Detail) > 0:
			return string(env.Detail), "", "", ""
		case env.Message != "":
			return env.Message, "", "", ""
		}
	}
	return collapseSpace(string(body)), "", "", ""
}

// scalar renders a JSON string, number or bool; null and objects give "".
func scalar(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// parseRetryAfter reads the provider's wait hint: retry-after-ms, then
// Retry-After (delta seconds or HTTP date), then the longest of the
// x-ratelimit-reset-* headers (Go durations such as "1m30s" or "20ms", or
// plain seconds).
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && s < 1e9 {
			return time.Duration(s * float64(time.Second)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	var longest time.Duration
	found := false
	for k, vs := range h {
		if !strings.HasPrefix(strings.ToLower(k), "x-ratelimit-reset") || len(vs) == 0 {
			continue
		}
		if d, ok := parseResetValue(strings.TrimSpace(vs[0]), now); ok {
			found = true
			longest = max(longest, d)
		}
	}
	return longest, found
}

func parseResetValue(v string, now time.Time) (time.Duration, bool) {
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, true
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		if s >= 1e9 { // a Unix timestamp
			return max(time.Unix(int64(s), 0).Sub(now), 0), true
		}
		return time.Duration(s * float64(time.Second)), true
	}
	return 0, false
}

// redact removes the API key from text that came from elsewhere (a provider
// echoing the key in its error message, a transport error).
func (p *provider) redact(s string) string {
	if p.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, p.apiKey, "[redacted]")
}

// cappedBody fails a read past its limit instead of silently truncating.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Is there more? Then the body is too large.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// collapseSpace trims s and folds every run of white space into one space.
func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// shorten caps s at n runes, marking a cut with "…". It also repairs
// invalid UTF-8.
func shorten(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:n-1]), unicode.IsSpace) + "…"
}
