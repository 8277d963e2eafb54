package wasim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/keys/prekey"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/session"
	"go.mau.fi/libsignal/util/optional"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

// Phone is a simulated WhatsApp account with its primary device (the
// phone). It links companion devices by scanning their QR codes or
// confirming their pairing codes, sends messages of every kind to other
// accounts and groups, and records what its linked devices send. Its
// methods are safe for concurrent use.
type Phone struct {
	s        *Server
	number   string
	lid      string
	pushName string
	lidMode  atomic.Bool // DMs come from the LID, groups it creates use LID addressing
	hidePN   atomic.Bool // LID-addressed messages do not name the phone number
	created  time.Time
	identity *keys.KeyPair // account signing key and Signal identity of device 0
	regID    uint32
	signed   *keys.PreKey

	mu          sync.Mutex // serializes Signal operations and guards the fields below
	store       *signalStore
	nextDevice  uint16
	keyIndex    uint32
	nextPreKey  uint32
	devices     map[uint16]*device
	sent        []RecordedMessage
	sentKeys    map[string]bool // ID and edit of each sent message
	received    []RecordedMessage
	pendingLink *conn
	skHolders   map[string]map[string]bool // group → device addresses holding this phone's sender key
	refusal     *LoginFailure
	receipts    []Receipt
	appKeys     []appStateKey
	appInit     sync.Once
	appState    *appState // nil until appStateReady
	history     *History
	// rekeyed names the addresses of own linked devices that started a
	// new Signal session with the phone (a pkmsg): the phone's next
	// message to such a device starts a fresh session too (see
	// encryptForLocked).
	rekeyed map[string]bool
}

// LoginFailure is how the server answers the logins of a phone's linked
// devices instead of <success>: a <failure> stanza with these attributes.
type LoginFailure struct {
	// Reason is the failure code: 402 temporary ban (with Code and
	// Expire), 403 account banned, 405 client outdated, 503 service
	// unavailable (whatsmeow retries), 401 logged out…
	Reason int
	// Code is the temporary ban's reason code.
	Code int
	// Expire is when a temporary ban ends.
	Expire time.Duration
}

// SetAddressingLID switches the account between phone-number and LID
// addressing for what it sends from now on, as WhatsApp moves accounts to
// LIDs: the same contact then writes from another address.
func (p *Phone) SetAddressingLID(on bool) { p.lidMode.Store(on) }

// SetHidePhoneNumber makes the account's LID-addressed messages carry no
// phone number (no sender_pn or participant_pn), as WhatsApp does for a
// contact whose number it does not share with the recipient (someone met
// in a community or a group that hides numbers): the recipient's device
// knows them only by LID until a message names both.
func (p *Phone) SetHidePhoneNumber(on bool) { p.hidePN.Store(on) }

// RefuseLogins makes every later login of the phone's linked devices fail
// with f; nil lets them log in again. It does not touch live connections.
func (p *Phone) RefuseLogins(f *LoginFailure) {
	p.mu.Lock()
	p.refusal = f
	p.mu.Unlock()
}

func (p *Phone) loginRefusal() *LoginFailure {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusal
}

// PhoneOptions describe a new simulated phone.
type PhoneOptions struct {
	// Number is the phone number, digits with country code (default: the
	// next free one from 15550000000).
	Number string
	// PushName is the name the account shows on its messages.
	PushName string
	// AddressingLID makes the account use LID addressing, as WhatsApp
	// increasingly does: its direct messages come from its LID
	// ("<lid>@lid" with sender_pn naming its phone number) and the groups
	// it creates use LID addressing mode (participants by LID with
	// phone_number, messages with participant=<lid> and participant_pn).
	AddressingLID bool `json:"addressingLid,omitempty"`
}

// NewPhone creates a simulated account.
func (s *Server) NewPhone(o PhoneOptions) (*Phone, error) {
	kp := keys.NewKeyPair()
	p := &Phone{
		s: s, pushName: o.PushName, created: time.Now(), identity: kp, regID: randomUint32() & 0x3fff,
		signed: kp.CreateSignedPreKey(1), nextDevice: 1, devices: map[uint16]*device{},
		nextPreKey: 1, skHolders: map[string]map[string]bool{}, appKeys: []appStateKey{newAppStateKey(0)},
	}
	p.lidMode.Store(o.AddressingLID)
	p.store = newSignalStore(kp, p.regID, p.signed)
	if err := s.register(p, o.Number); err != nil {
		return nil, err
	}
	return p, nil
}

// register gives p its number (the next free one when number is empty), a
// LID and a default push name, and adds it to the server's phones.
func (s *Server) register(p *Phone, number string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if number == "" {
		for {
			s.nextNum++
			number = strconv.FormatUint(s.nextNum, 10)
			if s.phones[number] == nil {
				break
			}
		}
	}
	if strings.Trim(number, "0123456789") != "" || len(number) < 7 || number[0] == '0' {
		return fmt.Errorf("wasim: invalid phone number %q", number)
	}
	if s.phones[number] != nil {
		return ErrPhoneExists
	}
	for {
		p.lid = strconv.FormatUint(100000000000000+uint64(randomUint32())*1000+uint64(randomUint32()%1000), 10)
		if s.byLID[p.lid] == nil {
			break
		}
	}
	p.number = number
	if p.pushName == "" {
		p.pushName = "Phone " + number[len(number)-4:]
	}
	s.phones[p.number] = p
	s.byLID[p.lid] = p
	return nil
}

// Number returns the phone number.
func (p *Phone) Number() string { return p.number }

// JID returns the account's phone-number JID, "<number>@s.whatsapp.net".
func (p *Phone) JID() types.JID { return types.NewJID(p.number, types.DefaultUserServer) }

// LID returns the account's LID, "<lid>@lid".
func (p *Phone) LID() types.JID { return types.NewJID(p.lid, types.HiddenUserServer) }

// PushName returns the name shown on the phone's messages.
func (p *Phone) PushName() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pushName
}

func (p *Phone) lidAD() types.JID {
	return types.JID{User: p.lid, Server: types.HiddenUserServer}
}

func (p *Phone) device(id uint16) *device {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.devices[id]
	if d == nil {
		return nil
	}
	d.mu.Lock()
	removed := d.removed
	d.mu.Unlock()
	if removed {
		return nil
	}
	return d
}

// linked returns the phone's linked devices.
func (p *Phone) linked() []*device {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.linkedLocked()
}

func (p *Phone) linkedLocked() []*device {
	out := make([]*device, 0, len(p.devices))
	for _, d := range p.devices {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *device) int { return int(a.id) - int(b.id) })
	return out
}

// DeviceInfo describes a linked device.
type DeviceInfo struct {
	JID     string `json:"jid"`
	LID     string `json:"lid"`
	Online  bool   `json:"online"`
	Pending int    `json:"pending"` // stanzas not yet acknowledged
}

// Devices lists the phone's linked devices.
func (p *Phone) Devices() []DeviceInfo {
	var out []DeviceInfo
	for _, d := range p.linked() {
		out = append(out, DeviceInfo{JID: d.pnJID().String(), LID: d.lidJID().String(), Online: d.online(), Pending: d.pending()})
	}
	return out
}

// Unlink removes every linked device, as "Log out" in the phone's linked
// devices list does: a connected device is told at once (whatsmeow reports
// LoggedOut), one that is offline gets <failure reason=401> when it next
// connects.
func (p *Phone) Unlink() {
	p.mu.Lock()
	ids := make([]uint16, 0, len(p.devices))
	for id := range p.devices {
		ids = append(ids, id)
	}
	p.mu.Unlock()
	for _, id := range ids {
		p.removeDevice(id, true)
	}
}

func (p *Phone) removeDevice(id uint16, notify bool) {
	p.mu.Lock()
	d := p.devices[id]
	delete(p.devices, id)
	if d != nil {
		addr := d.lidJID().SignalAddress()
		_ = p.store.DeleteSession(context.Background(), addr)
		for _, holders := range p.skHolders {
			delete(holders, addr.String())
		}
	}
	p.mu.Unlock()
	if d != nil {
		d.remove(notify)
	}
}

// newPreKeyLocked makes a one-time prekey for a bundle of device 0.
func (p *Phone) newPreKeyLocked() *keys.PreKey {
	pk := keys.NewPreKey(p.nextPreKey)
	p.nextPreKey++
	p.store.addPreKey(pk)
	return pk
}

// encryptForLocked encrypts plaintext (already a marshaled waE2E.Message)
// for one companion device, starting a Signal session from the device's
// bundle when there is none. Callers hold p.mu.
func (p *Phone) encryptForLocked(d *device, plaintext []byte) (encType string, ct []byte, err error) {
	ctx := context.Background()
	addr := d.lidJID().SignalAddress()
	builder := session.NewBuilderFromSignal(p.store, addr, serializer)
	if p.rekeyed[addr.String()] && d.phone == p {
		// One of the phone's own linked devices started a new session
		// (whatsmeow keys what it sends to its own phone by phone number
		// and what it receives from it by LID, so the two sides no longer
		// share a current session). WhatsApp's phone recovers through the
		// device's retry receipt by sending a fresh pkmsg; the simulator
		// has no retry receipts and sends the fresh pkmsg at once.
		delete(p.rekeyed, addr.String())
		_ = p.store.DeleteSession(ctx, addr)
	}
	if ok, _ := p.store.ContainsSession(ctx, addr); !ok {
		if err := builder.ProcessBundle(ctx, d.bundle()); err != nil {
			return "", nil, fmt.Errorf("wasim: process bundle of %s: %w", d.lidJID(), err)
		}
	}
	msg, err := session.NewCipher(builder, addr).Encrypt(ctx, pad(plaintext))
	if err != nil {
		return "", nil, fmt.Errorf("wasim: encrypt for %s: %w", d.lidJID(), err)
	}
	if msg.Type() == protocol.PREKEY_TYPE {
		return "pkmsg", msg.Serialize(), nil
	}
	return "msg", msg.Serialize(), nil
}

func (d *device) bundle() *prekey.Bundle {
	ik := identity.NewKey(ecc.NewDjbECPublicKey(d.identity))
	if k, ok := d.takePreKey(); ok {
		return prekey.NewBundle(d.regID, uint32(d.id), optional.NewOptionalUint32(k.id), d.skeyID,
			ecc.NewDjbECPublicKey(k.pub), ecc.NewDjbECPublicKey(d.skeyPub), d.skeySig, ik)
	}
	return prekey.NewBundle(d.regID, uint32(d.id), optional.NewEmptyUint32(), d.skeyID,
		nil, ecc.NewDjbECPublicKey(d.skeyPub), d.skeySig, ik)
}

// pad appends WhatsApp's 1–15 bytes of padding (message.go:padMessage).
func pad(b []byte) []byte {
	n := byte(randomUint32() & 0xf)
	if n == 0 {
		n = 0xf
	}
	out := make([]byte, len(b), len(b)+int(n))
	copy(out, b)
	for range n {
		out = append(out, n)
	}
	return out
}

func unpad(b []byte) ([]byte, error) {
	if len(b) == 0 || int(b[len(b)-1]) > len(b) {
		return nil, errors.New("bad padding")
	}
	return b[:len(b)-int(b[len(b)-1])], nil
}
