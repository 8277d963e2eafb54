package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// VAPID (RFC 8292): every request carries "Authorization: vapid t=<JWT>,
// k=<public key>", the JWT signed with ES256 and naming the push service's
// origin (aud), an expiry (exp, at most 24 hours ahead) and a contact
// (sub). Nothing in it depends on the message, so one header serves every
// request to a push service until it is renewed: signing one per message
// was about half of a send's CPU.
const (
	// vapidLifetime is how long a signed header is valid (its exp).
	vapidLifetime = 12 * time.Hour
	// vapidRenew is how long a header is used: it is renewed with more
	// than vapidLifetime-vapidRenew left, so a request that waits in a
	// queue or a clock a little ahead of ours never sees it expired.
	vapidRenew = 6 * time.Hour
	// maxVAPIDOrigins bounds the cache (an endpoint is chosen by the
	// browser, so there may be many origins; most go to a few).
	maxVAPIDOrigins = 1024
)

// vapidSigner signs VAPID headers and keeps one per push service origin.
type vapidSigner struct {
	key     *ecdsa.PrivateKey
	public  string
	subject string

	mu    sync.Mutex
	cache map[string]vapidHeader
}

type vapidHeader struct {
	value   string
	renewAt time.Time
}

func newVAPIDSigner(keys Keys, subject string) (*vapidSigner, error) {
	priv, err := decodeB64URL(keys.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("%w: private key is not base64url", ErrBadKeys)
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), priv)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKeys, err)
	}
	return &vapidSigner{key: k, public: keys.PublicKey, subject: subject, cache: map[string]vapidHeader{}}, nil
}

// header is the Authorization header for requests to origin at now.
func (v *vapidSigner) header(origin string, now time.Time) (string, error) {
	v.mu.Lock()
	h, ok := v.cache[origin]
	v.mu.Unlock()
	if ok && now.Before(h.renewAt) && !now.Before(h.renewAt.Add(-vapidRenew)) {
		return h.value, nil
	}
	value, err := v.sign(origin, now.Add(vapidLifetime))
	if err != nil {
		return "", err
	}
	v.mu.Lock()
	if len(v.cache) >= maxVAPIDOrigins {
		clear(v.cache)
	}
	v.cache[origin] = vapidHeader{value: value, renewAt: now.Add(vapidRenew)}
	v.mu.Unlock()
	return value, nil
}

// sign makes a header whose JWT expires at exp.
func (v *vapidSigner) sign(aud string, exp time.Time) (string, error) {
	claims, err := json.Marshal(struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}{aud, exp.Unix(), v.subject})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	unsigned := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`)) + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(unsigned))
	r, s, err := ecdsa.Sign(rand.Reader, v.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("webpush: sign the VAPID token: %w", err)
	}
	// JWS ES256: r and s as two 32-byte big-endian numbers (RFC 7518 §3.4).
	var sig [64]byte
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return "vapid t=" + unsigned + "." + enc.EncodeToString(sig[:]) + ", k=" + v.public, nil
}
