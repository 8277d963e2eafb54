package webpush

import (
	"crypto/ecdh"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/testutil/pushtest"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 8291, Appendix A: the published example, byte for byte.
func TestEncryptMatchesRFC8291Example(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(b64(t, "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
	if err != nil {
		t.Fatal(err)
	}
	ua, err := ecdh.P256().NewPublicKey(b64(t, "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := encrypt([]byte("When I grow up, I want to be a watermelon"), ua, b64(t, "BTBZMqHH6r4Tts7J_aSIgg"), as, b64(t, "DGv6ra1nlYgDCS1FRnbzlw"), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
	if got := base64.RawURLEncoding.EncodeToString(body); got != want {
		t.Fatalf("body\n%s, want\n%s", got, want)
	}
}

// A padded body is one full record and decrypts (as a browser would) to
// the payload.
func TestEncryptPadsToOneRecord(t *testing.T) {
	ua, err := ecdh.P256().GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	auth := []byte("0123456789abcdef")
	for _, n := range []int{0, 1, 100, MaxPayloadBytes, paddedBytes - 1} {
		msg := []byte(strings.Repeat("x", n))
		body, err := encryptFor(msg, ua.PublicKey(), auth)
		if err != nil {
			t.Fatal(n, err)
		}
		if len(body) != recordSize {
			t.Fatalf("%d bytes: body of %d, want %d", n, len(body), recordSize)
		}
		got, err := pushtest.Decrypt(body, ua, auth)
		if err != nil || string(got) != string(msg) {
			t.Fatalf("%d bytes: decrypted %d bytes, %v", n, len(got), err)
		}
	}
	if _, err := encryptFor(make([]byte, paddedBytes), ua.PublicKey(), auth); err == nil {
		t.Fatal("a payload larger than a record was encrypted")
	}
}

// One VAPID header serves a push service until it is renewed, well before
// it expires; each origin has its own.
func TestVAPIDHeaderIsKeptPerOrigin(t *testing.T) {
	keys, err := GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	v, err := newVAPIDSigner(keys, "mailto:ops@example.org")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	const a, b = "https://push.example.net", "https://fcm.example.com"
	h1, _ := v.header(a, t0)
	h2, _ := v.header(a, t0.Add(vapidRenew-time.Minute))
	h3, _ := v.header(b, t0)
	h4, _ := v.header(a, t0.Add(vapidRenew))
	if h1 != h2 {
		t.Fatal("the header was signed again before it was due for renewal")
	}
	if h3 == h1 || h4 == h1 {
		t.Fatal("another origin, or a header due for renewal, got the same header")
	}
	for _, c := range []struct {
		header, origin string
		at             time.Time
	}{{h1, a, t0}, {h2, a, t0.Add(vapidRenew - time.Minute)}, {h3, b, t0}, {h4, a, t0.Add(vapidRenew)}} {
		// Still valid (and at most 24 hours ahead) whenever it is used.
		claims, err := pushtest.VerifyVAPID(c.header, keys.PublicKey, c.origin+"/push/x", c.at)
		if err != nil {
			t.Fatal(err)
		}
		if claims["sub"] != "mailto:ops@example.org" {
			t.Fatalf("claims %v", claims)
		}
	}
}
