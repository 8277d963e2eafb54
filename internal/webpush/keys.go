package webpush

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// Keys are a VAPID key pair (RFC 8292) on P-256, base64url without padding:
// PublicKey is the uncompressed point (65 bytes), the applicationServerKey
// a browser subscribes with; PrivateKey is the 32-byte scalar.
type Keys struct {
	PublicKey  string `json:"publicKey"`
	PrivateKey string `json:"privateKey"`
}

// GenerateKeys makes a new VAPID key pair.
func GenerateKeys() (Keys, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return Keys{}, fmt.Errorf("webpush: generate VAPID keys: %w", err)
	}
	return Keys{
		PublicKey:  base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		PrivateKey: base64.RawURLEncoding.EncodeToString(k.Bytes()),
	}, nil
}

// ParseKeys checks a VAPID key pair given as base64url (padded or not):
// the private key must be a valid P-256 scalar whose public key is the one
// given. It returns the pair in canonical form (unpadded).
func ParseKeys(public, private string) (Keys, error) {
	pub, err := decodeB64URL(public)
	if err != nil {
		return Keys{}, fmt.Errorf("%w: public key is not base64url", ErrBadKeys)
	}
	priv, err := decodeB64URL(private)
	if err != nil {
		return Keys{}, fmt.Errorf("%w: private key is not base64url", ErrBadKeys)
	}
	k, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return Keys{}, fmt.Errorf("%w: private key is not a P-256 scalar: %v", ErrBadKeys, err)
	}
	if !bytes.Equal(k.PublicKey().Bytes(), pub) {
		return Keys{}, fmt.Errorf("%w: the public key does not belong to the private key", ErrBadKeys)
	}
	return Keys{PublicKey: base64.RawURLEncoding.EncodeToString(pub), PrivateKey: base64.RawURLEncoding.EncodeToString(priv)}, nil
}

// decodeB64URL decodes base64url with or without padding.
func decodeB64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(s), "="))
}

// CheckKeys reports whether a subscription's keys are usable: p256dh an
// uncompressed P-256 point on the curve, auth 16 bytes (RFC 8291 §3).
func CheckKeys(p256dh, auth string) error {
	_, _, err := parseSubscriptionKeys(p256dh, auth)
	return err
}

// parseSubscriptionKeys reads a subscription's keys (see CheckKeys).
func parseSubscriptionKeys(p256dh, auth string) (*ecdh.PublicKey, []byte, error) {
	pub, err := decodeB64URL(p256dh)
	if err != nil || len(pub) != 65 {
		return nil, nil, fmt.Errorf("%w: p256dh must be a base64url uncompressed P-256 point", ErrBadSubscription)
	}
	ua, err := ecdh.P256().NewPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: p256dh is not a point on P-256", ErrBadSubscription)
	}
	a, err := decodeB64URL(auth)
	if err != nil || len(a) != 16 {
		return nil, nil, fmt.Errorf("%w: auth must be 16 bytes, base64url", ErrBadSubscription)
	}
	return ua, a, nil
}
