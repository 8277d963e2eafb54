package wasim

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mau.fi/libsignal/ecc"
	"google.golang.org/protobuf/proto"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/hkdfutil"
	"go.mau.fi/whatsmeow/util/keys"
)

// pairing is the state of an unpaired connection: the refs it was given for
// QR codes, what it registered, and a pairing-code exchange in progress.
type pairing struct {
	refs  []string
	reg   *waWa6.ClientPayload_DevicePairingRegistrationData
	timer *time.Timer
	done  bool

	// pairing by code (whatsmeow PairPhone)
	linkPhone   *Phone
	linkRef     string
	linkWrapped []byte // the companion's ephemeral key, wrapped with the code
	linkFinish  chan *waBinary.Node
}

func (c *conn) startPairing() error {
	reg := c.payload.GetDevicePairingData()
	if reg == nil || len(reg.GetEIdent()) != 32 || len(reg.GetESkeyVal()) != 32 || len(reg.GetESkeySig()) != 64 || len(reg.GetERegid()) != 4 || len(reg.GetESkeyID()) != 3 {
		return errors.New("registration payload is incomplete")
	}
	p := &pairing{reg: reg}
	refNodes := make([]waBinary.Node, c.s.o.QRRefs)
	c.s.mu.Lock()
	for i := range refNodes {
		ref := "2@" + base64.StdEncoding.EncodeToString(randomBytes(33))
		p.refs = append(p.refs, ref)
		c.s.refs[ref] = c
		refNodes[i] = waBinary.Node{Tag: "ref", Content: []byte(ref)}
	}
	c.s.mu.Unlock()
	c.mu.Lock()
	c.pair = p
	c.mu.Unlock()
	// WhatsApp closes the login socket once its QR codes have run out.
	p.timer = time.AfterFunc(c.s.o.PairingTimeout, c.close)
	return c.send(waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"from": types.ServerJID, "type": "set", "id": randomID(8), "xmlns": "md",
	}, Content: []waBinary.Node{{Tag: "pair-device", Content: refNodes}}})
}

func (s *Server) endPairing(c *conn, p *pairing) {
	p.timer.Stop()
	s.mu.Lock()
	for _, ref := range p.refs {
		if s.refs[ref] == c {
			delete(s.refs, ref)
		}
	}
	s.mu.Unlock()
	if ph := p.linkPhone; ph != nil {
		ph.mu.Lock()
		if ph.pendingLink == c {
			ph.pendingLink = nil
		}
		ph.mu.Unlock()
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// ScanQR links the device showing qr to this phone's account, as scanning
// it in "Linked devices" does. It returns once the device has accepted the
// pairing (whatsmeow emits PairSuccess; the device then reconnects and logs
// in by itself).
func (p *Phone) ScanQR(qr string) error {
	_, frag, ok := strings.Cut(qr, "#")
	parts := strings.Split(frag, ",")
	if !ok || len(parts) < 4 {
		return fmt.Errorf("wasim: not a WhatsApp linking QR code: %q", qr)
	}
	ref := parts[0]
	noise, err1 := base64.StdEncoding.DecodeString(parts[1])
	ident, err2 := base64.StdEncoding.DecodeString(parts[2])
	adv, err3 := base64.StdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || len(noise) != 32 || len(ident) != 32 || len(adv) != 32 {
		return fmt.Errorf("wasim: malformed QR code %q", qr)
	}
	p.s.mu.Lock()
	c := p.s.refs[ref]
	p.s.mu.Unlock()
	if c == nil {
		return ErrUnknownQR
	}
	if !bytes.Equal(noise, c.clientStatic[:]) {
		return fmt.Errorf("%w: noise key does not match the connection", ErrUnknownQR)
	}
	return p.completePairing(c, adv, ident)
}

// completePairing sends pair-success with a device identity signed by the
// phone's account key and authenticated with the ADV secret, waits for the
// device's signature, registers the device and sends the 515 stream error
// after which the device logs in.
func (p *Phone) completePairing(c *conn, advSecret, companionIdentity []byte) error {
	c.mu.Lock()
	pr := c.pair
	if pr == nil || pr.done || c.closed {
		c.mu.Unlock()
		return ErrUnknownQR
	}
	pr.done = true
	c.mu.Unlock()
	if !bytes.Equal(companionIdentity, pr.reg.GetEIdent()) {
		return fmt.Errorf("%w: identity key does not match the registration", ErrPairingFailed)
	}
	p.mu.Lock()
	id := p.nextDevice
	p.nextDevice++
	p.keyIndex++
	keyIndex := p.keyIndex
	p.mu.Unlock()
	details, err := proto.Marshal(&waAdv.ADVDeviceIdentity{
		RawID: proto.Uint32(randomUint32()), Timestamp: proto.Uint64(uint64(time.Now().Unix())),
		KeyIndex: proto.Uint32(keyIndex), AccountType: waAdv.ADVEncryptionType_E2EE.Enum(), DeviceType: waAdv.ADVEncryptionType_E2EE.Enum(),
	})
	if err != nil {
		return err
	}
	msg := append(append([]byte{6, 0}, details...), companionIdentity...)
	sig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*p.identity.Priv), msg)
	signed, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentity{
		Details: details, AccountSignatureKey: p.identity.Pub[:], AccountSignature: sig[:],
	})
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, advSecret)
	mac.Write(signed)
	container, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentityHMAC{
		Details: signed, HMAC: mac.Sum(nil), AccountType: waAdv.ADVEncryptionType_E2EE.Enum(),
	})
	if err != nil {
		return err
	}
	d := &device{phone: p, id: id, noisePub: c.clientStatic, keyIndex: keyIndex,
		regID: binary.BigEndian.Uint32(pr.reg.GetERegid()), identity: [32]byte(pr.reg.GetEIdent()),
		skeyID:  binary.BigEndian.Uint32(append([]byte{0}, pr.reg.GetESkeyID()...)),
		skeyPub: [32]byte(pr.reg.GetESkeyVal()), skeySig: [64]byte(pr.reg.GetESkeySig()),
		sync: parseSyncProps(pr.reg.GetDeviceProps()),
	}
	resp, err := c.request(waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"from": types.ServerJID, "type": "set", "id": randomID(8), "xmlns": "md", "t": strconv.FormatInt(time.Now().Unix(), 10),
	}, Content: []waBinary.Node{{Tag: "pair-success", Content: []waBinary.Node{
		{Tag: "device-identity", Content: container},
		{Tag: "platform", Attrs: waBinary.Attrs{"name": "smbi"}},
		{Tag: "device", Attrs: waBinary.Attrs{"jid": d.pnJID(), "lid": d.lidJID()}},
	}}}}, 20*time.Second)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPairingFailed, err)
	}
	if resp.Attrs["type"] != "result" {
		c.close()
		return fmt.Errorf("%w: the device refused: %s", ErrPairingFailed, resp.GetChildByTag("error").Attrs["text"])
	}
	if _, ok := resp.GetOptionalChildByTag("pair-device-sign", "device-identity"); !ok {
		c.close()
		return fmt.Errorf("%w: the device did not sign its identity", ErrPairingFailed)
	}
	p.mu.Lock()
	p.devices[id] = d
	p.mu.Unlock()
	c.streamError("515")
	return nil
}

// handleLinkCode answers the two iqs of pairing by code: companion_hello
// (the device asks to pair with a phone number and sends its ephemeral key
// wrapped with the code) and companion_finish (the device's key bundle).
func (c *conn) handleLinkCode(iq, reg *waBinary.Node) waBinary.Node {
	c.mu.Lock()
	pr := c.pair
	c.mu.Unlock()
	if pr == nil {
		return iqError(iq, 400, "bad-request")
	}
	switch reg.Attrs["stage"] {
	case "companion_hello":
		jid, _ := reg.Attrs["jid"].(types.JID)
		p := c.s.phoneByJID(jid)
		wrapped, _ := reg.GetChildByTag("link_code_pairing_wrapped_companion_ephemeral_pub").Content.([]byte)
		if p == nil {
			return iqError(iq, 404, "item-not-found")
		} else if len(wrapped) != 80 {
			return iqError(iq, 400, "bad-request")
		}
		ref := randomID(16)
		c.mu.Lock()
		pr.linkPhone, pr.linkRef, pr.linkWrapped = p, ref, wrapped
		pr.linkFinish = make(chan *waBinary.Node, 1)
		c.mu.Unlock()
		p.mu.Lock()
		p.pendingLink = c
		p.mu.Unlock()
		return iqResult(iq, waBinary.Node{Tag: "link_code_companion_reg", Content: []waBinary.Node{
			{Tag: "link_code_pairing_ref", Content: []byte(ref)},
		}})
	case "companion_finish":
		c.mu.Lock()
		ch := pr.linkFinish
		c.mu.Unlock()
		if ch == nil {
			return iqError(iq, 400, "bad-request")
		}
		select {
		case ch <- reg:
		default:
		}
		return iqResult(iq)
	}
	return iqError(iq, 400, "bad-request")
}

// linkingKey derives the AES key that wraps an ephemeral key with a
// pairing code (whatsmeow pair-code.go).
func linkingKey(code string, salt []byte) ([]byte, error) {
	return pbkdf2.Key(sha256.New, code, salt, 2<<16, 32)
}

func ctr(key, iv, data []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(data))
	cipher.NewCTR(block, iv).XORKeyStream(out, data)
	return out, nil
}

// ConfirmPairCode completes pairing by code: the person typed code (as the
// device showed it, e.g. "ABCD-EFGH") on this phone. The phone answers the
// device's request with its own ephemeral key, then checks the device's key
// bundle; a wrong code fails here with ErrPairingFailed. It returns once the
// device has accepted the pairing.
func (p *Phone) ConfirmPairCode(code string) error {
	code = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	p.mu.Lock()
	c := p.pendingLink
	p.mu.Unlock()
	if c == nil {
		return ErrNoPairingPending
	}
	c.mu.Lock()
	pr := c.pair
	c.mu.Unlock()
	if pr == nil || pr.linkPhone != p {
		return ErrNoPairingPending
	}
	key, err := linkingKey(code, pr.linkWrapped[:32])
	if err != nil {
		return err
	}
	companionEph, err := ctr(key, pr.linkWrapped[32:48], pr.linkWrapped[48:80])
	if err != nil {
		return err
	}
	eph := keys.NewKeyPair()
	salt, iv := randomBytes(32), randomBytes(16)
	key2, err := linkingKey(code, salt)
	if err != nil {
		return err
	}
	wrappedEph, err := ctr(key2, iv, eph.Pub[:])
	if err != nil {
		return err
	}
	err = c.send(waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
		"from": types.ServerJID, "type": "link_code_companion_reg", "id": randomID(8), "t": strconv.FormatInt(time.Now().Unix(), 10),
	}, Content: []waBinary.Node{{Tag: "link_code_companion_reg", Attrs: waBinary.Attrs{"stage": "primary_hello"}, Content: []waBinary.Node{
		{Tag: "link_code_pairing_ref", Content: []byte(pr.linkRef)},
		{Tag: "link_code_pairing_wrapped_primary_ephemeral_pub", Content: append(append(salt, iv...), wrappedEph...)},
		{Tag: "primary_identity_pub", Content: p.identity.Pub[:]},
	}}}})
	if err != nil {
		return err
	}
	var finish *waBinary.Node
	select {
	case finish = <-pr.linkFinish:
	case <-time.After(20 * time.Second):
		return fmt.Errorf("%w: the device did not finish the code exchange", ErrPairingFailed)
	case <-c.ctx.Done():
		return fmt.Errorf("%w: the device disconnected", ErrPairingFailed)
	}
	wrappedBundle, _ := finish.GetChildByTag("link_code_pairing_wrapped_key_bundle").Content.([]byte)
	companionIdentity, _ := finish.GetChildByTag("companion_identity_public").Content.([]byte)
	if len(wrappedBundle) < 32+12+16 || len(companionIdentity) != 32 {
		return fmt.Errorf("%w: malformed key bundle", ErrPairingFailed)
	}
	ephShared, err := x25519(eph.Priv[:], companionEph)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPairingFailed, err)
	}
	bundleKey := hkdfutil.SHA256(ephShared, wrappedBundle[:32], []byte("link_code_pairing_key_bundle_encryption_key"), 32)
	block, err := aes.NewCipher(bundleKey)
	if err != nil {
		return err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	bundle, err := gcm.Open(nil, wrappedBundle[32:44], wrappedBundle[44:], nil)
	if err != nil || len(bundle) != 96 {
		c.close()
		return fmt.Errorf("%w: wrong pairing code", ErrPairingFailed)
	}
	if !bytes.Equal(bundle[:32], companionIdentity) || !bytes.Equal(bundle[32:64], p.identity.Pub[:]) {
		c.close()
		return fmt.Errorf("%w: key bundle does not match", ErrPairingFailed)
	}
	identShared, err := x25519(p.identity.Priv[:], companionIdentity)
	if err != nil {
		return err
	}
	advInput := append(append(append([]byte{}, ephShared...), identShared...), bundle[64:96]...)
	advSecret := hkdfutil.SHA256(advInput, nil, []byte("adv_secret"), 32)
	return p.completePairing(c, advSecret, companionIdentity)
}
