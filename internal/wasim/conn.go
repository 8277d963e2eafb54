package wasim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

// conn is one websocket connection from a client. Its only goroutine is the
// one reading from it (the HTTP server's); writes happen on the caller's
// goroutine under wmu.
type conn struct {
	s      *Server
	ws     *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc

	wmu sync.Mutex // guards t's write half and websocket writes
	t   transport

	clientStatic [32]byte
	payload      *waWa6.ClientPayload

	mu      sync.Mutex
	dev     *device  // the logged-in device
	pair    *pairing // the pairing in progress on an unpaired connection
	waiters map[string]chan *nodeResult
	closed  bool
}

var errLoginRefused = errors.New("login of an unknown or unlinked device")

type nodeResult struct {
	node *waBinary.Node
}

func (c *conn) debug(msg string, args ...any) { c.s.o.Log.Debug("wasim: "+msg, args...) }

// run performs the handshake and then reads frames until the connection
// ends.
func (c *conn) run() {
	defer c.close()
	if err := c.handshake(); err != nil {
		c.debug("handshake failed", "err", err)
		if errors.Is(err, errLoginRefused) {
			// Give the client a moment to handle <failure> before the
			// socket closes under it (it stops handling stanzas on close).
			ctx, cancel := context.WithTimeout(c.ctx, time.Second)
			_, _, _ = c.ws.Read(ctx)
			cancel()
		}
		return
	}
	var buf []byte
	for {
		_, data, err := c.ws.Read(c.ctx)
		if err != nil {
			return
		}
		buf = append(buf, data...)
		for len(buf) >= 3 {
			n := int(buf[0])<<16 | int(buf[1])<<8 | int(buf[2])
			if len(buf) < 3+n {
				break
			}
			frame := buf[3 : 3+n]
			buf = buf[3+n:]
			pt, err := c.t.open(frame)
			if err != nil {
				c.debug("decrypt frame", "err", err)
				return
			}
			node, err := decodeNode(pt)
			if err != nil {
				c.debug("decode node", "err", err)
				continue
			}
			c.handleNode(node)
		}
		if len(buf) == 0 {
			buf = nil
		}
	}
}

func decodeNode(pt []byte) (*waBinary.Node, error) {
	data, err := waBinary.Unpack(pt)
	if err != nil {
		return nil, err
	}
	return waBinary.Unmarshal(data)
}

func (c *conn) readFrame(first bool) ([]byte, error) {
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	if first {
		if len(data) < 4 || !bytes.Equal(data[:2], []byte("WA")) {
			return nil, errors.New("missing WA connection header")
		}
		data = data[4:]
	}
	if len(data) < 3 {
		return nil, errors.New("short frame")
	}
	n := int(data[0])<<16 | int(data[1])<<8 | int(data[2])
	if len(data) != 3+n {
		return nil, errors.New("frame length mismatch")
	}
	return data[3:], nil
}

func (c *conn) writeFrame(data []byte) error {
	frame := make([]byte, 3+len(data))
	frame[0], frame[1], frame[2] = byte(len(data)>>16), byte(len(data)>>8), byte(len(data))
	copy(frame[3:], data)
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageBinary, frame)
}

func (c *conn) handshake() error {
	hello, err := c.readFrame(true)
	if err != nil {
		return err
	}
	var msg waWa6.HandshakeMessage
	if err := proto.Unmarshal(hello, &msg); err != nil {
		return err
	}
	clientEph := msg.GetClientHello().GetEphemeral()
	if len(clientEph) != 32 {
		return errors.New("bad client ephemeral key")
	}
	ns, err := newNoiseState(socket.WAConnHeader)
	if err != nil {
		return err
	}
	ns.authenticate(clientEph)
	eph := keys.NewKeyPair()
	ns.authenticate(eph.Pub[:])
	if err := ns.mixDH(eph.Priv, clientEph); err != nil {
		return err
	}
	staticCT := ns.encrypt(c.s.static.Pub[:])
	if err := ns.mixDH(c.s.static.Priv, clientEph); err != nil {
		return err
	}
	certCT := ns.encrypt(c.s.chain)
	out, err := proto.Marshal(&waWa6.HandshakeMessage{ServerHello: &waWa6.HandshakeMessage_ServerHello{
		Ephemeral: eph.Pub[:], Static: staticCT, Payload: certCT,
	}})
	if err != nil {
		return err
	}
	if err := c.writeFrame(out); err != nil {
		return err
	}
	finish, err := c.readFrame(false)
	if err != nil {
		return err
	}
	msg.Reset()
	if err := proto.Unmarshal(finish, &msg); err != nil {
		return err
	}
	clientStatic, err := ns.decrypt(msg.GetClientFinish().GetStatic())
	if err != nil || len(clientStatic) != 32 {
		return fmt.Errorf("decrypt client static: %v", err)
	}
	if err := ns.mixDH(eph.Priv, clientStatic); err != nil {
		return err
	}
	payloadBytes, err := ns.decrypt(msg.GetClientFinish().GetPayload())
	if err != nil {
		return fmt.Errorf("decrypt client payload: %w", err)
	}
	var payload waWa6.ClientPayload
	if err := proto.Unmarshal(payloadBytes, &payload); err != nil {
		return err
	}
	w, r, err := ns.split()
	if err != nil {
		return err
	}
	c.t = transport{write: w, read: r}
	copy(c.clientStatic[:], clientStatic)
	c.payload = &payload
	if payload.Username == nil {
		return c.startPairing()
	}
	return c.login()
}

// send encrypts and writes one node.
func (c *conn) send(n waBinary.Node) error {
	data, err := waBinary.Marshal(n)
	if err != nil {
		return err
	}
	return c.sendRaw(data)
}

func (c *conn) sendRaw(data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeFrame(c.t.seal(data))
}

// request sends a server-initiated iq and waits for the client's answer.
func (c *conn) request(n waBinary.Node, timeout time.Duration) (*waBinary.Node, error) {
	id := n.Attrs["id"].(string)
	ch := make(chan *nodeResult, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errClosed
	}
	c.waiters[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, id)
		c.mu.Unlock()
	}()
	if err := c.send(n); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.node == nil {
			return nil, errors.New("wasim: connection closed before the client answered")
		}
		return r.node, nil
	case <-time.After(timeout):
		return nil, errors.New("wasim: client did not answer in time")
	}
}

// close ends the connection; it is idempotent.
func (c *conn) close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	dev, p := c.dev, c.pair
	for id, ch := range c.waiters {
		ch <- &nodeResult{}
		delete(c.waiters, id)
	}
	c.mu.Unlock()
	c.cancel()
	_ = c.ws.CloseNow()
	if dev != nil {
		dev.detach(c)
	}
	if p != nil {
		c.s.endPairing(c, p)
	}
}

// streamError sends a stream:error and closes the connection shortly after,
// as WhatsApp does. The delay lets the client handle the stanza before it
// sees the socket close (whatsmeow stops its handler queue on close).
func (c *conn) streamError(code string, children ...waBinary.Node) {
	n := waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{}}
	if code != "" {
		n.Attrs["code"] = code
	}
	if len(children) > 0 {
		n.Content = children
	}
	_ = c.send(n)
	time.AfterFunc(time.Second, c.close)
}

func (c *conn) login() error {
	number := strconv.FormatUint(c.payload.GetUsername(), 10)
	p := c.s.Phone(number)
	var dev *device
	if p != nil {
		dev = p.device(uint16(c.payload.GetDevice()))
	}
	if dev == nil || dev.noisePub != c.clientStatic {
		// An unknown or unlinked device: WhatsApp answers 401, and
		// whatsmeow deletes its store and reports LoggedOut.
		_ = c.send(waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{"reason": "401", "location": "sim"}})
		return errLoginRefused
	}
	if f := p.loginRefusal(); f != nil {
		a := waBinary.Attrs{"reason": strconv.Itoa(f.Reason), "location": "sim"}
		if f.Code != 0 {
			a["code"] = strconv.Itoa(f.Code)
		}
		if f.Expire > 0 {
			a["expire"] = strconv.Itoa(int(f.Expire / time.Second))
		}
		_ = c.send(waBinary.Node{Tag: "failure", Attrs: a})
		return errLoginRefused
	}
	c.mu.Lock()
	c.dev = dev
	c.mu.Unlock()
	if old := dev.attach(c); old != nil {
		old.streamError("", waBinary.Node{Tag: "conflict", Attrs: waBinary.Attrs{"type": "replaced"}})
	}
	return c.send(waBinary.Node{Tag: "success", Attrs: waBinary.Attrs{
		"t": strconv.FormatInt(time.Now().Unix(), 10), "lid": dev.lidJID(), "display_name": p.PushName(),
		"creation": strconv.FormatInt(p.created.Unix(), 10), "location": "sim", "props": "1",
	}})
}

func (c *conn) device() *device {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dev
}

func (c *conn) handleNode(n *waBinary.Node) {
	switch n.Tag {
	case "iq":
		typ, _ := n.Attrs["type"].(string)
		if typ == "result" || typ == "error" {
			id, _ := n.Attrs["id"].(string)
			c.mu.Lock()
			ch := c.waiters[id]
			delete(c.waiters, id)
			c.mu.Unlock()
			if ch != nil {
				ch <- &nodeResult{node: n}
			}
			return
		}
		c.handleIQ(n)
	case "ack":
		if d := c.device(); d != nil {
			id, _ := n.Attrs["id"].(string)
			class, _ := n.Attrs["class"].(string)
			d.acked(class, id)
		}
	case "receipt":
		if d := c.device(); d != nil {
			d.record(n)
			id, _ := n.Attrs["id"].(string)
			d.acked("message", id)
			c.s.routeReceipt(d, n)
			// WhatsApp acknowledges every receipt (NewsletterMarkViewed
			// waits for it).
			ack := waBinary.Attrs{"class": "receipt", "id": id, "from": n.Attrs["to"]}
			if typ, ok := n.Attrs["type"]; ok {
				ack["type"] = typ
			}
			if ack["from"] == nil {
				ack["from"] = types.ServerJID
			}
			_ = c.send(waBinary.Node{Tag: "ack", Attrs: ack})
		}
	case "presence":
		if d := c.device(); d != nil {
			d.record(n)
		}
	case "chatstate":
		if d := c.device(); d != nil {
			d.record(n)
			c.s.routeChatState(d, n)
		}
	case "message":
		if d := c.device(); d != nil {
			d.record(n)
			c.handleOutgoing(d, n)
		}
	}
}

func iqResult(req *waBinary.Node, content ...waBinary.Node) waBinary.Node {
	n := waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{"id": req.Attrs["id"], "type": "result"}}
	if from, ok := req.Attrs["to"]; ok {
		n.Attrs["from"] = from
	} else {
		n.Attrs["from"] = types.ServerJID
	}
	if len(content) > 0 {
		n.Content = content
	}
	return n
}

func iqError(req *waBinary.Node, code int, text string) waBinary.Node {
	n := iqResult(req, waBinary.Node{Tag: "error", Attrs: waBinary.Attrs{"code": strconv.Itoa(code), "text": text}})
	n.Attrs["type"] = "error"
	return n
}

func (c *conn) handleIQ(n *waBinary.Node) {
	xmlns, _ := n.Attrs["xmlns"].(string)
	typ, _ := n.Attrs["type"].(string)
	var child waBinary.Node
	if children := n.GetChildren(); len(children) > 0 {
		child = children[0]
	}
	dev := c.device()
	var resp waBinary.Node
	switch {
	case xmlns == "md" && child.Tag == "link_code_companion_reg":
		resp = c.handleLinkCode(n, &child)
	case dev == nil:
		resp = iqResult(n)
	case xmlns == "encrypt" && child.Tag == "count":
		resp = iqResult(n, waBinary.Node{Tag: "count", Attrs: waBinary.Attrs{"value": strconv.Itoa(dev.preKeyCount())}})
	case xmlns == "encrypt" && typ == "set":
		dev.uploadPreKeys(n)
		resp = iqResult(n)
	case xmlns == "encrypt" && child.Tag == "key":
		resp = iqResult(n, c.s.preKeyBundles(&child))
	case xmlns == "passive":
		_ = c.send(iqResult(n))
		if child.Tag == "active" {
			dev.activate(c)
		}
		return
	case xmlns == "usync":
		resp = iqResult(n, c.s.usync(&child))
	case xmlns == "w:m" && child.Tag == "media_conn":
		resp = iqResult(n, waBinary.Node{Tag: "media_conn", Attrs: waBinary.Attrs{
			"auth": c.s.mediaAuth(), "ttl": "300", "auth_ttl": strconv.Itoa(int(mediaAuthTTL / time.Second)), "max_buckets": "12",
		}, Content: []waBinary.Node{{Tag: "host", Attrs: waBinary.Attrs{"hostname": c.s.o.MediaHost}}}})
	case xmlns == "md" && child.Tag == "remove-companion-device":
		_ = c.send(iqResult(n))
		dev.phone.removeDevice(dev.id, false)
		return
	case xmlns == "w:g2":
		resp = c.s.groupIQ(dev, n, &child)
	case xmlns == "status" && typ == "get" && child.Tag == "privacy":
		// Status privacy: "my contacts", WhatsApp's default.
		resp = iqResult(n, waBinary.Node{Tag: "privacy", Content: []waBinary.Node{
			{Tag: "list", Attrs: waBinary.Attrs{"type": "contacts", "default": "true"}},
		}})
	case xmlns == "w:sync:app:state" && child.Tag == "sync":
		resp = c.s.appStateIQ(dev, n, &child)
	case xmlns == "w:mex" && child.Tag == "query":
		resp = c.s.mexIQ(dev, n, &child)
	case xmlns == "newsletter":
		resp = c.s.newsletterIQ(n, &child)
	default:
		// Every iq gets an answer: whatsmeow waits 75 s for one.
		resp = iqResult(n)
	}
	_ = c.send(resp)
}
