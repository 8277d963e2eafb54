package webpush_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/linkpreview"
	"github.com/synapse-kb/synapse/internal/testutil/pushtest"
	"github.com/synapse-kb/synapse/internal/webpush"
)

var ctx = context.Background()

// setup runs a local push service and a Sender allowed to reach it.
func setup(t testing.TB, keep bool) (*webpush.Sender, *pushtest.Service) {
	t.Helper()
	keys, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	ps := pushtest.Start(keys.PublicKey, keep)
	t.Cleanup(ps.Close)
	u, _ := url.Parse(ps.URL)
	s, err := webpush.New(webpush.Options{Keys: keys, Subject: "mailto:ops@example.org", AllowedHosts: []string{u.Host}})
	if err != nil {
		t.Fatal(err)
	}
	return s, ps
}

func sub(b *pushtest.Browser) webpush.Subscription {
	return webpush.Subscription{Endpoint: b.Endpoint, P256dh: b.P256dh(), Auth: b.AuthSecret()}
}

func TestSendIsDecryptedAndSigned(t *testing.T) {
	s, ps := setup(t, true)
	b := ps.NewBrowser()
	msg := `{"title":"Call the plumber","body":"due 10:00 – ação"}`
	if err := s.Send(ctx, sub(b), webpush.Message{Payload: []byte(msg), TTL: 90 * time.Minute, Urgency: webpush.UrgencyHigh, Topic: "task1"}); err != nil {
		t.Fatal(err)
	}
	got := ps.Received()
	if f := ps.Failures(); len(f) > 0 {
		t.Fatalf("the push service refused: %v", f)
	}
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	r := got[0]
	if string(r.Plaintext) != msg || r.TTL != 5400 || r.Urgency != "high" || r.Topic != "task1" {
		t.Fatalf("received %+v (%s)", r, r.Plaintext)
	}
	if r.Claims["sub"] != "mailto:ops@example.org" {
		t.Fatalf("sub %v", r.Claims["sub"])
	}
	// Without a TTL the default holds.
	if err := s.Send(ctx, sub(b), webpush.Message{Payload: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if got := ps.Received(); got[1].TTL != int(webpush.DefaultTTL/time.Second) || got[1].Urgency != "" {
		t.Fatalf("defaults: %+v", got[1])
	}
}

func TestSendAnswers(t *testing.T) {
	s, ps := setup(t, true)
	b := ps.NewBrowser()
	for _, c := range []struct {
		status    int
		gone      bool
		retryable bool
	}{
		{http.StatusGone, true, false},
		{http.StatusNotFound, true, false},
		{http.StatusTooManyRequests, false, true},
		{http.StatusInternalServerError, false, true},
		{http.StatusServiceUnavailable, false, true},
		{http.StatusBadRequest, false, false},
		{http.StatusRequestEntityTooLarge, false, false},
	} {
		ps.Answer(b, c.status)
		err := s.Send(ctx, sub(b), webpush.Message{Payload: []byte("{}")})
		if errors.Is(err, webpush.ErrGone) != c.gone || webpush.Retryable(err) != c.retryable {
			t.Errorf("%d: %v (retryable %v)", c.status, err, webpush.Retryable(err))
		}
		if c.status == http.StatusTooManyRequests && webpush.RetryAfter(err) != time.Second {
			t.Errorf("429: Retry-After %v", webpush.RetryAfter(err))
		}
	}
	// An endpoint the service does not know is gone.
	gone := sub(b)
	gone.Endpoint = ps.URL + "/push/unknown"
	if err := s.Send(ctx, gone, webpush.Message{Payload: []byte("{}")}); !errors.Is(err, webpush.ErrGone) {
		t.Fatalf("unknown endpoint: %v", err)
	}
	// An unreachable push service is worth another try.
	down := sub(b)
	down.Endpoint = "http://" + strings.TrimPrefix(ps.URL, "http://")
	ps.Close()
	if err := s.Send(ctx, down, webpush.Message{Payload: []byte("{}")}); err == nil || !webpush.Retryable(err) {
		t.Fatalf("push service down: %v", err)
	}
}

func TestSendRefusesEndpointsOutsideTheRules(t *testing.T) {
	s, ps := setup(t, true)
	b := ps.NewBrowser()
	for _, ep := range []string{
		"http://example.org/push/1",          // plain http, not allowed
		"https://127.0.0.1:1/push/1",         // private address, not allowed: the guard refuses at dial
		"https://localhost:1/push/1",         // this machine
		"https://169.254.169.254/latest/x",   // cloud metadata
		"https://user:pw@push.example.org/x", // credentials
		"ftp://push.example.org/x",           // not http
		"/push/1",                            // not absolute
		"https://push.example.org/" + strings.Repeat("a", webpush.MaxEndpointBytes), // too long
	} {
		sb := sub(b)
		sb.Endpoint = ep
		err := s.Send(ctx, sb, webpush.Message{Payload: []byte("{}")})
		if err == nil || webpush.Retryable(err) {
			t.Errorf("%s: %v (retryable %v)", ep, err, webpush.Retryable(err))
		}
		if strings.HasPrefix(ep, "https://127.") && !errors.Is(err, linkpreview.ErrForbiddenAddress) {
			t.Errorf("%s: %v, want the address guard's refusal", ep, err)
		}
	}
	if len(ps.Received()) != 0 {
		t.Fatal("a refused endpoint was reached")
	}
	// Bad keys and oversized payloads are refused before any request.
	bad := sub(b)
	bad.P256dh = bad.Auth
	if err := s.Send(ctx, bad, webpush.Message{Payload: []byte("{}")}); !errors.Is(err, webpush.ErrBadSubscription) {
		t.Fatalf("bad key: %v", err)
	}
	if err := s.Send(ctx, sub(b), webpush.Message{Payload: make([]byte, webpush.MaxPayloadBytes+1)}); !errors.Is(err, webpush.ErrPayloadTooLarge) {
		t.Fatalf("large payload: %v", err)
	}
	if err := s.Send(ctx, sub(b), webpush.Message{Payload: []byte(strings.Repeat("é", webpush.MaxPayloadBytes/2))}); err != nil {
		t.Fatalf("the largest payload: %v", err)
	}
	if got := ps.Received(); len(got) != 1 || len(got[0].Plaintext) != webpush.MaxPayloadBytes {
		t.Fatalf("largest payload received as %d", len(got))
	}
}

func TestKeys(t *testing.T) {
	a, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := webpush.GenerateKeys()
	if _, err := webpush.ParseKeys(a.PublicKey, a.PrivateKey); err != nil {
		t.Fatal(err)
	}
	if k, err := webpush.ParseKeys(a.PublicKey+"=", a.PrivateKey+"="); err != nil || k != a {
		t.Fatalf("padded: %+v %v", k, err)
	}
	for _, c := range [][2]string{{a.PublicKey, b.PrivateKey}, {"", a.PrivateKey}, {a.PublicKey, "!!"}, {a.PublicKey, a.PublicKey}} {
		if _, err := webpush.ParseKeys(c[0], c[1]); !errors.Is(err, webpush.ErrBadKeys) {
			t.Errorf("%v: %v", c, err)
		}
	}
	if _, err := webpush.New(webpush.Options{Keys: a, Subject: "ops@example.org"}); err == nil {
		t.Fatal("a subject without mailto: or https: was accepted")
	}
}

// BenchmarkSend measures notifications per second to a local push service
// (encryption, VAPID signature, HTTP round trip, decryption and checks on
// the push service's side, all on this machine).
func BenchmarkSend(b *testing.B) {
	s, ps := setup(b, false)
	browsers := make([]webpush.Subscription, 64)
	for i := range browsers {
		browsers[i] = sub(ps.NewBrowser())
	}
	payload := []byte(`{"title":"Call the plumber","body":"Due at 10:00","url":"/tasks","tag":"task-1","timestamp":1,"actions":[{"action":"snooze","title":"Snooze 10 min"},{"action":"done","title":"Done"}]}`)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := s.Send(ctx, browsers[i%len(browsers)], webpush.Message{Payload: payload, Urgency: webpush.UrgencyHigh}); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "notifications/s")
	if f := ps.Failures(); len(f) > 0 {
		b.Fatalf("the push service refused %d: %v", len(f), f[0])
	}
}

// One payload goes to many browsers at once, unchanged (run with -race).
func TestSendSharesThePayload(t *testing.T) {
	s, ps := setup(t, true)
	payload := make([]byte, 0, 4096) // spare capacity, as json.Marshal leaves
	payload = append(payload, `{"title":"shared"}`...)
	errs := make(chan error, 8)
	for range 8 {
		b := ps.NewBrowser()
		go func() { errs <- s.Send(ctx, sub(b), webpush.Message{Payload: payload}) }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if string(payload) != `{"title":"shared"}` || string(payload[:cap(payload)][len(payload):len(payload)+1]) != "\x00" {
		t.Fatalf("payload changed: %q", payload[:len(payload)+1])
	}
	for _, r := range ps.Received() {
		if string(r.Plaintext) != `{"title":"shared"}` {
			t.Fatalf("received %q", r.Plaintext)
		}
	}
}
