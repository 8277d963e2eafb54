package webhooks_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/webhooks"
	"github.com/synapse-kb/synapse/internal/webhooks/webhookstest"
)

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
	v := &webhookstest.Verifier{Secrets: []string{secret}, Tolerance: 5 * time.Minute, Now: at(now)}
	if err := v.Verify(h, body); err != nil {
		t.Fatalf("verify: %v", err)
	}
	// The same delivery again: a duplicate id is refused.
	if err := v.Verify(h, body); !errors.Is(err, webhookstest.ErrReplay) {
		t.Fatalf("duplicate id: %v", err)
	}
	// A replay later than the tolerance is refused.
	h2, _ := webhooks.Headers("evt_2", now, body, secret)
	late := &webhookstest.Verifier{Secrets: []string{secret}, Tolerance: 5 * time.Minute, Now: at(now.Add(6 * time.Minute))}
	if err := late.Verify(h2, body); err == nil {
		t.Fatal("stale timestamp accepted")
	}
	// A changed body is refused.
	if err := (&webhookstest.Verifier{Secrets: []string{secret}, Tolerance: time.Minute, Now: at(now)}).Verify(h2, []byte(`{}`)); err == nil {
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
		v := &webhookstest.Verifier{Secrets: []string{s}, Tolerance: time.Minute, Now: at(now)}
		if err := v.Verify(h, body); err != nil {
			t.Fatalf("verify with one of the secrets: %v", err)
		}
	}
	other := &webhookstest.Verifier{Secrets: []string{webhooks.NewSecret()}, Tolerance: time.Minute, Now: at(now)}
	if err := other.Verify(h, body); err == nil {
		t.Fatal("unrelated secret accepted")
	}
}

func at(t time.Time) func() time.Time { return func() time.Time { return t } }
