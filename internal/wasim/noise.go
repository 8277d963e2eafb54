package wasim

import (
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/util/gcmutil"
)

// noiseState is the server half of Noise_XX_25519_AESGCM_SHA256 as whatsmeow
// speaks it (socket/noisehandshake.go): the handshake hash doubles as the
// first salt and key, every DH result is mixed in with HKDF-SHA256, and the
// nonce is eight zero bytes followed by a big-endian counter that restarts
// at every mix.
type noiseState struct {
	hash    []byte
	salt    []byte
	key     cipher.AEAD
	counter uint32
}

func newNoiseState(header []byte) (*noiseState, error) {
	pattern := []byte(socket.NoiseStartPattern) // exactly 32 bytes: used as is
	ns := &noiseState{hash: pattern, salt: pattern}
	var err error
	if ns.key, err = gcmutil.Prepare(pattern); err != nil {
		return nil, err
	}
	ns.authenticate(header)
	return ns, nil
}

func (ns *noiseState) authenticate(data []byte) {
	h := sha256.New()
	h.Write(ns.hash)
	h.Write(data)
	ns.hash = h.Sum(nil)
}

func noiseIV(counter uint32) []byte {
	iv := make([]byte, 12)
	binary.BigEndian.PutUint32(iv[8:], counter)
	return iv
}

func (ns *noiseState) encrypt(plaintext []byte) []byte {
	ct := ns.key.Seal(nil, noiseIV(ns.counter), plaintext, ns.hash)
	ns.counter++
	ns.authenticate(ct)
	return ct
}

func (ns *noiseState) decrypt(ciphertext []byte) ([]byte, error) {
	pt, err := ns.key.Open(nil, noiseIV(ns.counter), ciphertext, ns.hash)
	ns.counter++
	if err != nil {
		return nil, err
	}
	ns.authenticate(ciphertext)
	return pt, nil
}

func (ns *noiseState) mixDH(priv *[32]byte, pub []byte) error {
	secret, err := x25519(priv[:], pub)
	if err != nil {
		return err
	}
	write, read, err := expand(ns.salt, secret)
	if err != nil {
		return err
	}
	ns.salt = write
	ns.counter = 0
	ns.key, err = gcmutil.Prepare(read)
	return err
}

// split returns the transport ciphers from the server's point of view: the
// client writes with the first key, so the server reads with it.
func (ns *noiseState) split() (serverWrite, serverRead cipher.AEAD, err error) {
	clientWrite, clientRead, err := expand(ns.salt, nil)
	if err != nil {
		return nil, nil, err
	}
	if serverRead, err = gcmutil.Prepare(clientWrite); err != nil {
		return nil, nil, err
	}
	serverWrite, err = gcmutil.Prepare(clientRead)
	return serverWrite, serverRead, err
}

func expand(salt, secret []byte) (a, b []byte, err error) {
	out, err := hkdf.Key(sha256.New, secret, salt, "", 64)
	if err != nil {
		return nil, nil, fmt.Errorf("hkdf: %w", err)
	}
	return out[:32], out[32:], nil
}

// x25519 computes the Diffie-Hellman shared secret of a Curve25519 private
// key and a public key.
func x25519(priv, pub []byte) ([]byte, error) {
	sk, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	pk, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return sk.ECDH(pk)
}

// transport is an established Noise channel: AES-GCM with no associated
// data and counters that never reset.
type transport struct {
	write, read               cipher.AEAD
	writeCounter, readCounter uint32
}

func (t *transport) seal(plaintext []byte) []byte {
	ct := t.write.Seal(nil, noiseIV(t.writeCounter), plaintext, nil)
	t.writeCounter++
	return ct
}

func (t *transport) open(ciphertext []byte) ([]byte, error) {
	pt, err := t.read.Open(nil, noiseIV(t.readCounter), ciphertext, nil)
	t.readCounter++
	return pt, err
}
