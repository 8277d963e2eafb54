// Package pushtest is a push service for tests: an HTTP server that takes
// Web Push requests as a browser's push service would, checks their VAPID
// authorisation (RFC 8292) and decrypts their payload (RFC 8291) with the
// subscribing browser's keys. It is written from the RFCs alone, apart from
// the code under test: standard library ECDH, ECDSA, HMAC and AES-GCM.
package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

var b64 = base64.RawURLEncoding

// Browser is one subscribing browser: its keys (RFC 8291 §3) and endpoint.
type Browser struct {
	Endpoint string
	Private  *ecdh.PrivateKey
	Auth     []byte
}

// P256dh is the browser's public key as PushSubscription.toJSON() gives it.
func (b *Browser) P256dh() string { return b64.EncodeToString(b.Private.PublicKey().Bytes()) }

// AuthSecret is the browser's auth secret, base64url.
func (b *Browser) AuthSecret() string { return b64.EncodeToString(b.Auth) }

// Received is one push the service accepted.
type Received struct {
	Endpoint  string
	Plaintext []byte
	TTL       int
	Urgency   string
	Topic     string
	// Claims are the VAPID JWT's claims.
	Claims map[string]any
}

// Service is a running push service.
type Service struct {
	*httptest.Server
	// VAPIDKey is the application server's public key (base64url) that
	// every request must be signed with; empty accepts any (and checks the
	// signature with the key the request names).
	VAPIDKey string

	mu       sync.Mutex
	browsers map[string]*Browser // by path
	status   map[string][]int    // by path: answers to give, in turn, before 201
	received []Received
	failures []error
	// Count counts accepted pushes without keeping them (benchmarks).
	Count   int
	keep    bool
	decrypt bool
	// verified are the VAPID headers whose signature checked out, by
	// header and origin, with their claims: a sender uses one header for
	// many requests, and a push service need not verify it each time.
	verified map[string]map[string]any
}

// Start runs a push service until Close. keep=false only counts pushes
// (they are still decrypted and checked; failures are kept).
func Start(vapidKey string, keep bool) *Service {
	s := &Service{VAPIDKey: vapidKey, browsers: map[string]*Browser{}, status: map[string][]int{}, keep: keep, decrypt: true,
		verified: map[string]map[string]any{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// NewBrowser makes a browser subscribed at this service.
func (s *Service) NewBrowser() *Browser {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	path := "/push/" + b64.EncodeToString(id)
	b := &Browser{Endpoint: s.URL + path, Private: k, Auth: auth}
	s.mu.Lock()
	s.browsers[path] = b
	s.mu.Unlock()
	return b
}

// Answer makes the next requests to b's endpoint answered with these
// statuses, in turn (then 201 again).
func (s *Service) Answer(b *Browser, statuses ...int) {
	u, _ := url.Parse(b.Endpoint)
	s.mu.Lock()
	s.status[u.Path] = append(s.status[u.Path], statuses...)
	s.mu.Unlock()
}

// Received returns the pushes accepted so far.
func (s *Service) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Failures returns the requests refused for a bad signature or payload.
func (s *Service) Failures() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.failures...)
}

// Accepted is the number of pushes accepted so far.
func (s *Service) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Count
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	b := s.browsers[r.URL.Path]
	var status int
	if q := s.status[r.URL.Path]; len(q) > 0 {
		status, s.status[r.URL.Path] = q[0], q[1:]
	}
	s.mu.Unlock()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8192))
	if b == nil {
		http.Error(w, "no such subscription", http.StatusGone)
		return
	}
	if status != 0 {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		http.Error(w, http.StatusText(status), status)
		return
	}
	rec, err := s.check(r, b, body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.failures = append(s.failures, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.Count++
	if s.keep {
		s.received = append(s.received, rec)
	}
	w.Header().Set("Location", b.Endpoint)
	w.WriteHeader(http.StatusCreated)
}

// check verifies one request as a push service must (RFC 8030 §5, RFC 8292
// §2–3) and decrypts it as the browser would (RFC 8291 §3–4).
func (s *Service) check(r *http.Request, b *Browser, body []byte) (Received, error) {
	rec := Received{Endpoint: b.Endpoint, Urgency: r.Header.Get("Urgency"), Topic: r.Header.Get("Topic")}
	if r.Method != http.MethodPost {
		return rec, fmt.Errorf("method %s", r.Method)
	}
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		return rec, fmt.Errorf("TTL header %q", r.Header.Get("TTL"))
	}
	rec.TTL = ttl
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return rec, fmt.Errorf("Content-Encoding %q", ce)
	}
	claims, err := s.verifyVAPID(r.Header.Get("Authorization"), b.Endpoint, time.Now())
	if err != nil {
		return rec, err
	}
	rec.Claims = claims
	if rec.Plaintext, err = Decrypt(body, b.Private, b.Auth); err != nil {
		return rec, err
	}
	return rec, nil
}

// verifyVAPID is VerifyVAPID with s's key, verifying the signature of a
// header once (its expiry on every request).
func (s *Service) verifyVAPID(header, endpoint string, now time.Time) (map[string]any, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	k := header + "\x00" + u.Scheme + "://" + u.Host + "\x00" + s.VAPIDKey
	claims, ok := s.verified[k]
	s.mu.Unlock()
	if ok {
		if exp := time.Unix(int64(claims["exp"].(float64)), 0); exp.After(now) && !exp.After(now.Add(24*time.Hour)) {
			return claims, nil
		}
	}
	claims, err = VerifyVAPID(header, s.VAPIDKey, endpoint, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.verified[k] = claims
	s.mu.Unlock()
	return claims, nil
}

// VerifyVAPID checks an Authorization header "vapid t=<JWT>, k=<key>"
// (RFC 8292 §3): k is the application server's key (wantKey, unless
// empty), the JWT is ES256-signed with it, its aud is the origin of the
// endpoint, its exp is in the future but at most 24 hours away, and its
// sub is a mailto: or https: URL. It returns the claims.
func VerifyVAPID(header, wantKey, endpoint string, now time.Time) (map[string]any, error) {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return nil, fmt.Errorf("authorization %q is not vapid", header)
	}
	params := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		params[k] = v
	}
	token, key := params["t"], params["k"]
	if wantKey != "" && key != wantKey {
		return nil, fmt.Errorf("vapid k=%q, want %q", key, wantKey)
	}
	rawKey, err := b64.DecodeString(key)
	if err != nil {
		return nil, fmt.Errorf("vapid k: %v", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), rawKey)
	if err != nil {
		return nil, fmt.Errorf("vapid k: %v", err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("vapid t is not a JWT")
	}
	var hdr map[string]any
	if err := decodeJSON(parts[0], &hdr); err != nil || hdr["alg"] != "ES256" {
		return nil, fmt.Errorf("JWT header %v (%v)", hdr, err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errors.New("JWT signature is not 64 bytes of r||s")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, errors.New("JWT signature does not verify with k")
	}
	var claims map[string]any
	if err := decodeJSON(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("JWT claims: %v", err)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	if aud := u.Scheme + "://" + u.Host; claims["aud"] != aud {
		return nil, fmt.Errorf("JWT aud %v, want %s", claims["aud"], aud)
	}
	exp, ok := claims["exp"].(float64)
	if !ok {
		return nil, errors.New("JWT has no exp")
	}
	if e := time.Unix(int64(exp), 0); !e.After(now) || e.After(now.Add(24*time.Hour)) {
		return nil, fmt.Errorf("JWT exp %v is not within the next 24 hours", e)
	}
	sub, _ := claims["sub"].(string)
	if !strings.HasPrefix(sub, "mailto:") && !strings.HasPrefix(sub, "https:") || strings.HasPrefix(sub, "mailto:mailto:") {
		return nil, fmt.Errorf("JWT sub %q is not a mailto: or https: URL", sub)
	}
	return claims, nil
}

func decodeJSON(part string, v any) error {
	b, err := b64.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// hmacSHA256 is HMAC-SHA-256(key, parts...).
func hmacSHA256(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// Decrypt decrypts an aes128gcm body (RFC 8188 §2) whose keys are derived
// as RFC 8291 §3.3–3.4 says, with the browser's private key and auth
// secret, and returns the plaintext without padding (§4).
func Decrypt(body []byte, ua *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	// Header: salt (16) | rs (4) | idlen (1) | keyid (idlen).
	if len(body) < 21 {
		return nil, errors.New("body shorter than its header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen {
		return nil, fmt.Errorf("keyid of %d bytes, want the 65-byte sender key", idlen)
	}
	if rs < 18 {
		return nil, fmt.Errorf("record size %d", rs)
	}
	asPublic := body[21 : 21+idlen]
	ciphertext := body[21+idlen:]
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, fmt.Errorf("sender key: %v", err)
	}
	ecdhSecret, err := ua.ECDH(as)
	if err != nil {
		return nil, err
	}
	// RFC 8291 §3.4: IKM from the ECDH secret and the auth secret.
	prkKey := hmacSHA256(auth, ecdhSecret)
	keyInfo := append(append([]byte("WebPush: info\x00"), ua.PublicKey().Bytes()...), asPublic...)
	ikm := hmacSHA256(prkKey, keyInfo, []byte{1})
	// RFC 8188 §2.2–2.3: content encryption key and nonce.
	prk := hmacSHA256(salt, ikm)
	cek := hmacSHA256(prk, []byte("Content-Encoding: aes128gcm\x00"), []byte{1})[:16]
	nonce := hmacSHA256(prk, []byte("Content-Encoding: nonce\x00"), []byte{1})[:12]
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// RFC 8291 §4: a push message is a single record.
	if len(ciphertext) > int(rs) {
		return nil, fmt.Errorf("ciphertext of %d bytes is more than one record of %d", len(ciphertext), rs)
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %v", err)
	}
	// Padding: the last record ends in 0x02 followed by zeros.
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 || plain[i] != 2 {
		return nil, errors.New("the record's padding delimiter is not 0x02 (last record)")
	}
	return bytes.Clone(plain[:i]), nil
}
