// Package webhooks signs the events Synapse sends to the endpoints a person
// registers, as the Standard Webhooks specification says
// (https://www.standardwebhooks.com): every request carries webhook-id (the
// event's stable id, for receivers to deduplicate), webhook-timestamp (unix
// seconds) and webhook-signature, a space-separated list of
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" keyed with the base64-decoded
// secret. While a rotated-out secret is still honoured, the request carries
// one signature per secret.
package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every secret Synapse generates.
const SecretPrefix = "whsec_"

// secretBytes is the size of a generated secret's key (the specification
// asks for 24 to 64 bytes).
const secretBytes = 32

// OldSecretGrace is how long a rotated-out secret keeps signing requests.
const OldSecretGrace = 24 * time.Hour

// Request headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// ErrBadSecret is returned for a secret that is not whsec_ + base64.
var ErrBadSecret = errors.New("webhooks: malformed secret")

// NewSecret returns a new random secret: "whsec_" + base64 of 32 bytes.
func NewSecret() string {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// key decodes a secret's HMAC key.
func key(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(k) == 0 {
		return nil, ErrBadSecret
	}
	return k, nil
}

// Signature returns "v1,<base64 HMAC-SHA256(id.timestamp.body)>".
func Signature(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Headers returns the three headers of one request, signed with every
// secret given (the current one, then one still in its grace period).
func Headers(id string, ts time.Time, body []byte, secrets ...string) (map[string]string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if s == "" {
			continue
		}
		sig, err := Signature(s, id, ts, body)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sig)
	}
	if len(sigs) == 0 {
		return nil, ErrBadSecret
	}
	return map[string]string{
		HeaderID:        id,
		HeaderTimestamp: strconv.FormatInt(ts.Unix(), 10),
		HeaderSignature: strings.Join(sigs, " "),
	}, nil
}
