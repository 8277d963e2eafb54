package pushtest

import (
	"crypto/ecdh"
	"encoding/base64"
	"testing"
)

// TestDecryptRFC8291AppendixA decrypts the example of RFC 8291 Appendix A
// with the user agent's keys given there.
func TestDecryptRFC8291AppendixA(t *testing.T) {
	d := func(s string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	uaPrivate, err := ecdh.P256().NewPrivateKey(d("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"))
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(uaPrivate.PublicKey().Bytes()); got != "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4" {
		t.Fatalf("user agent public key %s", got)
	}
	body := d("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
	plain, err := Decrypt(body, uaPrivate, d("BTBZMqHH6r4Tts7J_aSIgg"))
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != "When I grow up, I want to be a watermelon" {
		t.Fatalf("plaintext %q", plain)
	}
	// A changed byte, or the wrong auth secret, does not decrypt.
	body[len(body)-1] ^= 1
	if _, err := Decrypt(body, uaPrivate, d("BTBZMqHH6r4Tts7J_aSIgg")); err == nil {
		t.Fatal("a tampered body decrypted")
	}
	body[len(body)-1] ^= 1
	if _, err := Decrypt(body, uaPrivate, make([]byte, 16)); err == nil {
		t.Fatal("decrypted with the wrong auth secret")
	}
}
