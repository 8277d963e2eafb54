package wasim

import (
	"context"
	"sync"

	"go.mau.fi/libsignal/ecc"
	groupRecord "go.mau.fi/libsignal/groups/state/record"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/logger"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/state/record"
	"go.mau.fi/libsignal/state/store"

	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/util/keys"
)

var serializer = wastore.SignalProtobufSerializer

// signalStore is an in-memory store.SignalProtocol for one simulated phone
// (its device 0). Sessions and sender keys are kept serialized, so that a
// failed decryption never leaves a half-updated record behind, as with a
// database.
type signalStore struct {
	ident *identity.KeyPair
	regID uint32

	mu         sync.Mutex
	identities map[string][32]byte
	sessions   map[string][]byte
	preKeys    map[uint32]*keys.PreKey
	signed     *keys.PreKey
	senderKeys map[string][]byte
}

var _ store.SignalProtocol = (*signalStore)(nil)

func newSignalStore(kp *keys.KeyPair, regID uint32, signed *keys.PreKey) *signalStore {
	return &signalStore{
		ident: identity.NewKeyPair(identity.NewKey(ecc.NewDjbECPublicKey(*kp.Pub)), ecc.NewDjbECPrivateKey(*kp.Priv)),
		regID: regID, signed: signed,
		identities: map[string][32]byte{}, sessions: map[string][]byte{},
		preKeys: map[uint32]*keys.PreKey{}, senderKeys: map[string][]byte{},
	}
}

func (s *signalStore) GetIdentityKeyPair() *identity.KeyPair { return s.ident }
func (s *signalStore) GetLocalRegistrationID() uint32        { return s.regID }

func (s *signalStore) SaveIdentity(_ context.Context, addr *protocol.SignalAddress, k *identity.Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identities[addr.String()] = k.PublicKey().PublicKey()
	return nil
}

// IsTrustedIdentity trusts every key: a simulated phone never refuses a
// peer whose identity changed.
func (s *signalStore) IsTrustedIdentity(context.Context, *protocol.SignalAddress, *identity.Key) (bool, error) {
	return true, nil
}

func (s *signalStore) addPreKey(pk *keys.PreKey) {
	s.mu.Lock()
	s.preKeys[pk.KeyID] = pk
	s.mu.Unlock()
}

func (s *signalStore) LoadPreKey(_ context.Context, id uint32) (*record.PreKey, error) {
	s.mu.Lock()
	pk := s.preKeys[id]
	s.mu.Unlock()
	if pk == nil {
		return nil, nil
	}
	return record.NewPreKey(pk.KeyID, ecc.NewECKeyPair(ecc.NewDjbECPublicKey(*pk.Pub), ecc.NewDjbECPrivateKey(*pk.Priv)), nil), nil
}

func (s *signalStore) StorePreKey(context.Context, uint32, *record.PreKey) error { return nil }

func (s *signalStore) ContainsPreKey(_ context.Context, id uint32) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.preKeys[id]
	return ok, nil
}

func (s *signalStore) RemovePreKey(_ context.Context, id uint32) error {
	s.mu.Lock()
	delete(s.preKeys, id)
	s.mu.Unlock()
	return nil
}

func (s *signalStore) LoadSession(_ context.Context, addr *protocol.SignalAddress) (*record.Session, error) {
	s.mu.Lock()
	raw := s.sessions[addr.String()]
	s.mu.Unlock()
	if raw == nil {
		return record.NewSession(serializer.Session, serializer.State), nil
	}
	return record.NewSessionFromBytes(raw, serializer.Session, serializer.State)
}

func (s *signalStore) GetSubDeviceSessions(context.Context, string) ([]uint32, error) {
	return nil, nil
}

func (s *signalStore) StoreSession(_ context.Context, addr *protocol.SignalAddress, r *record.Session) error {
	raw := r.Serialize()
	s.mu.Lock()
	s.sessions[addr.String()] = raw
	s.mu.Unlock()
	return nil
}

func (s *signalStore) ContainsSession(_ context.Context, addr *protocol.SignalAddress) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.sessions[addr.String()]
	return ok, nil
}

func (s *signalStore) DeleteSession(_ context.Context, addr *protocol.SignalAddress) error {
	s.mu.Lock()
	delete(s.sessions, addr.String())
	s.mu.Unlock()
	return nil
}

func (s *signalStore) DeleteAllSessions(context.Context) error {
	s.mu.Lock()
	clear(s.sessions)
	s.mu.Unlock()
	return nil
}

func (s *signalStore) LoadSignedPreKey(_ context.Context, id uint32) (*record.SignedPreKey, error) {
	if id != s.signed.KeyID {
		return nil, nil
	}
	return record.NewSignedPreKey(id, 0, ecc.NewECKeyPair(ecc.NewDjbECPublicKey(*s.signed.Pub), ecc.NewDjbECPrivateKey(*s.signed.Priv)), *s.signed.Signature, nil), nil
}

func (s *signalStore) LoadSignedPreKeys(ctx context.Context) ([]*record.SignedPreKey, error) {
	r, err := s.LoadSignedPreKey(ctx, s.signed.KeyID)
	return []*record.SignedPreKey{r}, err
}

func (s *signalStore) StoreSignedPreKey(context.Context, uint32, *record.SignedPreKey) error {
	return nil
}

func (s *signalStore) ContainsSignedPreKey(_ context.Context, id uint32) (bool, error) {
	return id == s.signed.KeyID, nil
}

func (s *signalStore) RemoveSignedPreKey(context.Context, uint32) error { return nil }

func senderKeyID(name *protocol.SenderKeyName) string {
	return name.GroupID() + "\x00" + name.Sender().String()
}

func (s *signalStore) StoreSenderKey(_ context.Context, name *protocol.SenderKeyName, r *groupRecord.SenderKey) error {
	raw := r.Serialize()
	s.mu.Lock()
	s.senderKeys[senderKeyID(name)] = raw
	s.mu.Unlock()
	return nil
}

func (s *signalStore) LoadSenderKey(_ context.Context, name *protocol.SenderKeyName) (*groupRecord.SenderKey, error) {
	s.mu.Lock()
	raw := s.senderKeys[senderKeyID(name)]
	s.mu.Unlock()
	if raw == nil {
		return groupRecord.NewSenderKey(serializer.SenderKeyRecord, serializer.SenderKeyState), nil
	}
	return groupRecord.NewSenderKeyFromBytes(raw, serializer.SenderKeyRecord, serializer.SenderKeyState)
}

// libsignal creates its package logger lazily on first use, which races
// when two goroutines sign or encrypt at once; setting it up front avoids
// that, and keeps libsignal's debug chatter out of the output.
func init() {
	var l logger.Loggable = quietLogger{}
	logger.Setup(&l)
}

type quietLogger struct{}

func (quietLogger) Debug(string, string)   {}
func (quietLogger) Info(string, string)    {}
func (quietLogger) Warning(string, string) {}
func (quietLogger) Error(string, string)   {}
func (quietLogger) Configure(string)       {}
