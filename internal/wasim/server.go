package wasim

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"go.mau.fi/libsignal/ecc"
	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow/proto/waCert"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Addr is the TCP address to listen on (default "127.0.0.1:0").
	Addr string
	// PairingTimeout is how long the server keeps a connection that is not
	// paired open before closing it, which ends whatsmeow's QR channel with
	// a timeout. Default 170 s: the lifetime of six QR codes plus a margin,
	// as WhatsApp does.
	PairingTimeout time.Duration
	// QRRefs is how many refs one pair-device request carries (default 6,
	// as WhatsApp: whatsmeow shows the first for 60 s, the others 20 s each).
	QRRefs int
	// MediaHost is the host name media_conn hands out (default
	// "mmg.whatsapp.net"); clients must route it to this server.
	MediaHost string
	// RootKey is the private Curve25519 key of the certificate root
	// (default: a new random one). Servers sharing it can all be reached by
	// clients of one process, since whatsmeow.WACertPubKey is global.
	RootKey *[32]byte
	// Log receives the server's diagnostics (default: discarded).
	Log *slog.Logger
	// SyncLinkedDevices makes a phone do what WhatsApp's phones do for a
	// newly linked device once it is online: share the app state keys
	// (after which whatsmeow fetches every app state collection) and send
	// the history. Off by default: with it, the meow engine's tests (which
	// predate it) hit two data races that real WhatsApp triggers as well,
	// the meow engine reading whatsmeow's Store.PushName while whatsmeow
	// writes it from the critical_block snapshot, and go.mau.fi/util's
	// exsync.Event.GetChan when a disconnect interrupts two app state iqs
	// at once. Without it, a device gets the keys only when it asks for
	// them (after a server_sync notification) and no history.
	SyncLinkedDevices bool
}

// Server is a fake WhatsApp: a websocket endpoint speaking WhatsApp's
// multi-device protocol, a media host and a control API, all on one
// listener. It is safe for concurrent use.
type Server struct {
	o      Options
	ln     net.Listener
	srv    *http.Server
	static *keys.KeyPair
	root   [32]byte
	chain  []byte // serialized waCert.CertChain

	mu          sync.Mutex
	phones      map[string]*Phone      // by phone number
	byLID       map[string]*Phone      // by LID user
	refs        map[string]*conn       // pairing ref → unpaired connection
	groups      map[string]*group      // by group user part
	newsletters map[string]*Newsletter // by user part
	media       map[string]*mediaFile  // direct path (without query) → file
	conns       map[*conn]struct{}
	nextNum     uint64

	mediaSecret []byte // signs media_conn auth tokens
	closed      bool
}

// New starts a server listening on o.Addr.
func New(o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.PairingTimeout <= 0 {
		o.PairingTimeout = 170 * time.Second
	}
	if o.QRRefs <= 0 {
		o.QRRefs = 6
	}
	if o.MediaHost == "" {
		o.MediaHost = "mmg.whatsapp.net"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		o: o, static: keys.NewKeyPair(),
		phones: map[string]*Phone{}, byLID: map[string]*Phone{}, refs: map[string]*conn{},
		groups: map[string]*group{}, newsletters: map[string]*Newsletter{}, media: map[string]*mediaFile{}, conns: map[*conn]struct{}{},
		mediaSecret: randomBytes(32),
		nextNum:     15550000000,
	}
	if err := s.makeCertChain(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("wasim: listen: %w", err)
	}
	s.ln = ln
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws/chat", s.serveWebsocket)
	mux.HandleFunc("GET /v/", s.serveMedia)
	mux.HandleFunc("GET /m1/", s.serveMedia)
	mux.HandleFunc("POST /mms/{type}/{token}", s.serveUpload)
	mux.HandleFunc("POST /newsletter/{type}/{token}", s.serveUpload)
	mux.HandleFunc("DELETE /mms/{type}/{token}", s.serveMediaDelete)
	s.controlRoutes(mux)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// makeCertChain creates the server's own certificate root, an intermediate
// signed by it and a leaf for the Noise static key signed by the
// intermediate, as whatsmeow's verifyServerCert checks them.
func (s *Server) makeCertChain() error {
	root := keys.NewKeyPair()
	if s.o.RootKey != nil {
		root = keys.NewKeyPairFromPrivateKey(*s.o.RootKey)
	}
	inter := keys.NewKeyPair()
	s.root = *root.Pub
	now := time.Now()
	notBefore, notAfter := uint64(now.Add(-24*time.Hour).Unix()), uint64(now.Add(10*365*24*time.Hour).Unix())
	interDetails, err := proto.Marshal(&waCert.CertChain_NoiseCertificate_Details{
		Serial: proto.Uint32(1), IssuerSerial: proto.Uint32(0), Key: inter.Pub[:],
		NotBefore: proto.Uint64(notBefore), NotAfter: proto.Uint64(notAfter),
	})
	if err != nil {
		return err
	}
	leafDetails, err := proto.Marshal(&waCert.CertChain_NoiseCertificate_Details{
		Serial: proto.Uint32(2), IssuerSerial: proto.Uint32(1), Key: s.static.Pub[:],
		NotBefore: proto.Uint64(notBefore), NotAfter: proto.Uint64(notAfter),
	})
	if err != nil {
		return err
	}
	interSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*root.Priv), interDetails)
	leafSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*inter.Priv), leafDetails)
	s.chain, err = proto.Marshal(&waCert.CertChain{
		Intermediate: &waCert.CertChain_NoiseCertificate{Details: interDetails, Signature: interSig[:]},
		Leaf:         &waCert.CertChain_NoiseCertificate{Details: leafDetails, Signature: leafSig[:]},
	})
	return err
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// RootPublicKey returns the public key of the server's certificate root.
// A whatsmeow client accepts the server only with whatsmeow.WACertPubKey set
// to it.
func (s *Server) RootPublicKey() [32]byte { return s.root }

// Close stops the server and closes every connection.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	all := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		all = append(all, c)
	}
	s.mu.Unlock()
	for _, c := range all {
		c.close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// Stats counts what the server holds.
type Stats struct {
	Phones      int `json:"phones"`
	Connections int `json:"connections"`
	Groups      int `json:"groups"`
	Newsletters int `json:"newsletters"`
	MediaFiles  int `json:"mediaFiles"`
}

// Stats returns current counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Phones: len(s.phones), Connections: len(s.conns), Groups: len(s.groups), Newsletters: len(s.newsletters), MediaFiles: len(s.media)}
}

func (s *Server) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	ws.SetReadLimit(1 << 24)
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{s: s, ws: ws, ctx: ctx, cancel: cancel, waiters: map[string]chan *nodeResult{}}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.CloseNow()
		cancel()
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	c.run()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// phoneByJID finds the simulated account a user JID (phone number or LID)
// belongs to.
func (s *Server) phoneByJID(jid types.JID) *Phone {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch jid.Server {
	case types.DefaultUserServer:
		return s.phones[jid.User]
	case types.HiddenUserServer:
		return s.byLID[jid.User]
	}
	return nil
}

// Phone returns the simulated phone with this number, or nil.
func (s *Server) Phone(number string) *Phone {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.phones[number]
}

var errClosed = errors.New("wasim: server closed")

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomMessageID() string {
	return "3EB0" + strings.ToUpper(randomID(9))
}

func randomUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}
