package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// The aes128gcm content coding (RFC 8188) as Web Push uses it (RFC 8291
// §4): one record, whose header names the sender's ephemeral public key.
const (
	// recordSize is the record size written in the header (rs), and the
	// size every body is padded to, so that a push service sees the same
	// length for every message.
	recordSize = 4096
	// headerBytes is the header: salt (16), rs (4), idlen (1) and the
	// 65-byte uncompressed key.
	headerBytes = 16 + 4 + 1 + 65
	// tagBytes is the AES-GCM tag.
	tagBytes = 16
	// paddedBytes is the plaintext of a full-size body: the payload, the
	// delimiter 0x02 and zeros.
	paddedBytes = recordSize - headerBytes - tagBytes
)

// encrypt encrypts plaintext for a browser (its public key ua and auth
// secret, RFC 8291 §3) with the ephemeral key as and salt, and returns the
// aes128gcm body. The plaintext is followed by the last-record delimiter
// 0x02 and zeros up to padTo bytes (no zeros when padTo is smaller).
func encrypt(plaintext []byte, ua *ecdh.PublicKey, auth []byte, as *ecdh.PrivateKey, salt []byte, padTo int) ([]byte, error) {
	if len(salt) != 16 {
		return nil, fmt.Errorf("webpush: salt of %d bytes", len(salt))
	}
	secret, err := as.ECDH(ua)
	if err != nil {
		return nil, fmt.Errorf("webpush: ECDH: %w", err)
	}
	asPublic, uaPublic := as.PublicKey().Bytes(), ua.Bytes()
	// RFC 8291 §3.4: the input keying material from the ECDH secret,
	// keyed by the auth secret and bound to both public keys.
	info := make([]byte, 0, 14+2*65)
	info = append(append(append(info, "WebPush: info\x00"...), uaPublic...), asPublic...)
	ikm, err := hkdf.Key(sha256.New, secret, auth, string(info), 32)
	if err != nil {
		return nil, fmt.Errorf("webpush: derive IKM: %w", err)
	}
	// RFC 8188 §2.2–2.3: content encryption key and nonce (one record, so
	// the nonce is used as derived).
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, fmt.Errorf("webpush: derive keys: %w", err)
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, fmt.Errorf("webpush: derive key: %w", err)
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, fmt.Errorf("webpush: derive nonce: %w", err)
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, fmt.Errorf("webpush: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("webpush: %w", err)
	}
	n := max(len(plaintext)+1, padTo)
	// A push service need take no more than 4,096 bytes of body (RFC
	// 8291 §4), header included.
	if n > paddedBytes {
		return nil, fmt.Errorf("%w: %d bytes", ErrPayloadTooLarge, len(plaintext))
	}
	body := make([]byte, headerBytes, headerBytes+n+tagBytes)
	copy(body, salt)
	binary.BigEndian.PutUint32(body[16:20], recordSize)
	body[20] = byte(len(asPublic))
	copy(body[21:], asPublic)
	// The plaintext, padded, is written where the ciphertext goes and
	// sealed in place.
	record := body[headerBytes : headerBytes+n]
	copy(record, plaintext)
	record[len(plaintext)] = 2
	clear(record[len(plaintext)+1:])
	return gcm.Seal(body[:headerBytes], nonce, record, nil), nil
}

// encryptFor encrypts a payload for a browser with a new ephemeral key and
// salt, padded to a full record.
func encryptFor(plaintext []byte, ua *ecdh.PublicKey, auth []byte) ([]byte, error) {
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("webpush: ephemeral key: %w", err)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("webpush: salt: %w", err)
	}
	return encrypt(plaintext, ua, auth, as, salt, paddedBytes)
}
