// Package webhookstest is a webhook receiver for tests, written from the
// Standard Webhooks specification's text and independent of the package
// that signs (it imports nothing of Synapse): the signed content is
// "{id}.{timestamp}.{body}", keyed with the base64 part of the secret after
// "whsec_"; the signature header is a space-delimited list of
// "v1,<base64>"; a timestamp outside the tolerance is refused, and so is an
// id already processed.
package webhookstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrReplay is a request whose id was already processed.
var ErrReplay = errors.New("replayed")

// ErrStale is a request whose timestamp is outside the tolerance.
var ErrStale = errors.New("timestamp outside tolerance")

// ErrSignature is a request that no secret signed.
var ErrSignature = errors.New("no matching signature")

// Verifier checks requests as a receiver does.
type Verifier struct {
	// Secrets are those accepted (a receiver between two secrets during a
	// rotation accepts both).
	Secrets   []string
	Tolerance time.Duration
	// Now is the receiver's clock (nil: time.Now).
	Now  func() time.Time
	mu   sync.Mutex
	seen map[string]bool
}

// Verify checks one request's headers (webhook-id, webhook-timestamp,
// webhook-signature) and body, and remembers its id when it passes.
func (v *Verifier) Verify(h map[string]string, body []byte) error {
	id, tsText, sigs := h["webhook-id"], h["webhook-timestamp"], h["webhook-signature"]
	sec, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return err
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	ts := time.Unix(sec, 0)
	if now.Sub(ts) > v.Tolerance || ts.Sub(now) > v.Tolerance {
		return ErrStale
	}
	for _, secret := range v.Secrets {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		if err != nil {
			return err
		}
		mac := hmac.New(sha256.New, raw)
		mac.Write([]byte(id + "." + tsText + "." + string(body)))
		want := mac.Sum(nil)
		for _, s := range strings.Split(sigs, " ") {
			version, b64, ok := strings.Cut(s, ",")
			if !ok || version != "v1" {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(b64)
			if err == nil && hmac.Equal(got, want) {
				v.mu.Lock()
				defer v.mu.Unlock()
				if v.seen == nil {
					v.seen = map[string]bool{}
				}
				if v.seen[id] {
					return ErrReplay
				}
				v.seen[id] = true
				return nil
			}
		}
	}
	return ErrSignature
}

// Request is one request the receiver got.
type Request struct {
	Header http.Header
	Body   []byte
	// Err is what verification said (nil: accepted and processed).
	Err error
	// At is when the request arrived.
	At time.Time
}

// Headers are the request's three signature headers.
func (r Request) Headers() map[string]string {
	return map[string]string{"webhook-id": r.Header.Get("webhook-id"), "webhook-timestamp": r.Header.Get("webhook-timestamp"),
		"webhook-signature": r.Header.Get("webhook-signature")}
}

// Receiver is an HTTP server that verifies what it receives. Accepted
// requests answer 204; a replay answers 200 (already processed, as a
// receiver deduplicating by id would); a bad signature or timestamp 401;
// while Down, every request answers 503 and is not processed.
type Receiver struct {
	*Verifier
	URL  string
	Host string // host:port, for WEBHOOK_ALLOWED_HOSTS
	srv  *httptest.Server

	mu       sync.Mutex
	down     bool
	requests []Request
	accepted map[string]int
}

// NewReceiver starts a receiver accepting the given secrets until the test
// ends.
func NewReceiver(t testing.TB, secrets ...string) *Receiver {
	r := &Receiver{Verifier: &Verifier{Secrets: secrets, Tolerance: 5 * time.Minute}, accepted: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	r.URL = r.srv.URL
	u, _ := url.Parse(r.srv.URL)
	r.Host = u.Host
	return r
}

// SetSecrets replaces the accepted secrets.
func (r *Receiver) SetSecrets(s ...string) {
	r.Verifier.mu.Lock()
	r.Verifier.Secrets = s
	r.Verifier.mu.Unlock()
}

// SetDown starts or ends an outage.
func (r *Receiver) SetDown(down bool) {
	r.mu.Lock()
	r.down = down
	r.mu.Unlock()
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	at := time.Now()
	r.mu.Lock()
	down := r.down
	r.mu.Unlock()
	if down {
		r.record(Request{Header: req.Header.Clone(), Body: body, Err: errors.New("down"), At: at}, "")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rq := Request{Header: req.Header.Clone(), Body: body, At: at}
	r.Verifier.mu.Lock()
	secrets := r.Verifier.Secrets
	r.Verifier.mu.Unlock()
	v := &Verifier{Secrets: secrets, Tolerance: r.Tolerance, Now: r.Now}
	rq.Err = v.Verify(rq.Headers(), body)
	if rq.Err == nil {
		rq.Err = r.Verifier.remember(req.Header.Get("webhook-id"))
	}
	r.record(rq, req.Header.Get("webhook-id"))
	switch {
	case rq.Err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(rq.Err, ErrReplay):
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusUnauthorized)
	}
}

// remember marks id processed, or reports ErrReplay.
func (v *Verifier) remember(id string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen = map[string]bool{}
	}
	if v.seen[id] {
		return ErrReplay
	}
	v.seen[id] = true
	return nil
}

func (r *Receiver) record(rq Request, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, rq)
	if rq.Err == nil && id != "" {
		r.accepted[id]++
	}
}

// Requests returns every request received so far.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...)
}

// Accepted returns how many times each webhook-id was accepted and
// processed (never more than once: a repeat is a replay).
func (r *Receiver) Accepted() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.accepted))
	for k, v := range r.accepted {
		out[k] = v
	}
	return out
}

// Replay sends a request the receiver got once more, byte for byte (what
// an attacker who captured it would do), and returns the answer's status.
func (r *Receiver) Replay(t testing.TB, rq Request) int {
	req, err := http.NewRequest("POST", r.URL, strings.NewReader(string(rq.Body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = rq.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
