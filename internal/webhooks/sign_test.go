package webhooks_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/webhooks"
)

// verifier is an independent receiver written from the specification's text:
// the signed content is "{id}.{timestamp}.{body}", keyed with the base64 part
// of the secret after "whsec_"; the signature header is a space-delimited
// list of "v1,<base64>"; a timestamp outside the tolerance is refused, and a
// receiver refuses an id it has already processed.
type verifier struct {
	secret    string
	tolerance time.Duration
	now       time.Time
	seen      map[string]bool
}

var errReplay = errors.New("replayed")

func (v *verifier) verify(h map[string]string, body []byte) error {
	id, tsText, sigs := h["webhook-id"], h["webhook-timestamp"], h["webhook-signature"]
	sec, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return err
	}
	ts := time.Unix(sec, 0)
	if v.now.Sub(ts) > v.tolerance || ts.Sub(v.now) > v.tolerance {
		return errors.New("timestamp outside tolerance")
	}
	raw, err := base64.StdEncoding.DecodeString(v.secret[len("whsec_"):])
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
			if v.seen[id] {
				return errReplay
			}
			v.seen[id] = true
			return nil
		}
	}
	return errors.New("no matching signature")
}

// The example of the specification's reference implementations: secret,
// id, timestamp and payload with the signature they publish.
func TestSignatureSpecExample(t *testing.T) {
	sig, err := webhooks.Signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; sig != want {
		t.Fatalf("signature %q, want %q", sig, want)
	}
}

func TestSignedHeadersVerifiedIndependently(t *testing.T) {
	secret := webhooks.NewSecret()
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"task","data":{"id":"x"}}`)
	h, err := webhooks.Headers("evt_1", now, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	v := &verifier{secret: secret, tolerance: 5 * time.Minute, now: now, seen: map[string]bool{}}
	if err := v.verify(h, body); err != nil {
		t.Fatalf("verify: %v", err)
	}
	// The same delivery again: a duplicate id is refused.
	if err := v.verify(h, body); !errors.Is(err, errReplay) {
		t.Fatalf("duplicate id: %v", err)
	}
	// A replay later than the tolerance is refused.
	h2, _ := webhooks.Headers("evt_2", now, body, secret)
	late := &verifier{secret: secret, tolerance: 5 * time.Minute, now: now.Add(6 * time.Minute), seen: map[string]bool{}}
	if err := late.verify(h2, body); err == nil {
		t.Fatal("stale timestamp accepted")
	}
	// A changed body is refused.
	if err := (&verifier{secret: secret, tolerance: time.Minute, now: now, seen: map[string]bool{}}).verify(h2, []byte(`{}`)); err == nil {
		t.Fatal("tampered body accepted")
	}
}

func TestRotationSignsWithBothSecrets(t *testing.T) {
	old, cur := webhooks.NewSecret(), webhooks.NewSecret()
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{}`)
	h, err := webhooks.Headers("evt_9", now, body, cur, old)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Split(h["webhook-signature"], " ")); n != 2 {
		t.Fatalf("%d signatures", n)
	}
	for _, s := range []string{old, cur} {
		v := &verifier{secret: s, tolerance: time.Minute, now: now, seen: map[string]bool{}}
		if err := v.verify(h, body); err != nil {
			t.Fatalf("verify with one of the secrets: %v", err)
		}
	}
	other := &verifier{secret: webhooks.NewSecret(), tolerance: time.Minute, now: now, seen: map[string]bool{}}
	if err := other.verify(h, body); err == nil {
		t.Fatal("unrelated secret accepted")
	}
}
