package wasim

import (
	"encoding/binary"
	"strconv"
	"sync"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// device is a companion device linked to a phone's account: the keys it
// registered, the one-time prekeys it uploaded, its live connection and the
// queue of stanzas it has not acknowledged yet.
type device struct {
	phone    *Phone
	id       uint16
	noisePub [32]byte
	regID    uint32
	identity [32]byte
	skeyID   uint32
	skeyPub  [32]byte
	skeySig  [64]byte
	keyIndex uint32
	sync     syncProps // what history the device asked for

	mu      sync.Mutex
	synced  bool // the phone has sent the device its keys and history
	preKeys []uploadedPreKey
	conn    *conn // logged-in connection, if any
	active  bool  // the connection said <active/>: stanzas flow
	queue   []queued
	removed bool
	traffic *trafficLog // what the device sent; nil until it sends something
}

type uploadedPreKey struct {
	id  uint32
	pub [32]byte
}

// queued is a stanza kept until the device acknowledges it (a receipt for
// a message, an ack of the stanza's class with its id); it is sent again on
// every new connection until then.
type queued struct {
	class string // the stanza's tag: message, notification, receipt…
	id    string
	data  []byte // marshaled node
}

func (d *device) pnJID() types.JID {
	return types.JID{User: d.phone.number, Device: d.id, Server: types.DefaultUserServer}
}

func (d *device) lidJID() types.JID {
	return types.JID{User: d.phone.lid, Device: d.id, Server: types.HiddenUserServer}
}

func (d *device) attach(c *conn) (old *conn) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old, d.conn, d.active = d.conn, c, false
	if old == c {
		old = nil
	}
	return old
}

func (d *device) detach(c *conn) {
	d.mu.Lock()
	if d.conn == c {
		d.conn, d.active = nil, false
	}
	d.mu.Unlock()
}

// activate starts the flow of stanzas to c: everything queued first (the
// offline queue, including stanzas sent before but never acknowledged),
// then <ib><offline count/></ib>.
func (d *device) activate(c *conn) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != c || d.removed {
		return
	}
	d.active = true
	for _, q := range d.queue {
		if c.sendRaw(q.data) != nil {
			return
		}
	}
	_ = c.send(waBinary.Node{Tag: "ib", Content: []waBinary.Node{{
		Tag: "offline", Attrs: waBinary.Attrs{"count": strconv.Itoa(len(d.queue))},
	}}})
	if !d.synced && d.phone.s.o.SyncLinkedDevices {
		// A newly linked device, online for the first time: the phone
		// sends it the app state keys and the history.
		d.synced = true
		go d.phone.syncNewDevice(d)
	}
}

// deliver queues a stanza for the device and sends it right away when the
// device is online.
func (d *device) deliver(id string, n waBinary.Node) {
	data, err := waBinary.Marshal(n)
	if err != nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.removed {
		return
	}
	d.queue = append(d.queue, queued{class: n.Tag, id: id, data: data})
	if d.conn != nil && d.active {
		_ = d.conn.sendRaw(data)
	}
}

// sendIfOnline sends a stanza that WhatsApp does not keep for offline
// devices (chat states, presences) when the device is online.
func (d *device) sendIfOnline(n waBinary.Node) {
	d.mu.Lock()
	c := d.conn
	if !d.active || d.removed {
		c = nil
	}
	d.mu.Unlock()
	if c != nil {
		_ = c.send(n)
	}
}

// acked removes the stanza of this class (message, notification, receipt…)
// and id from the queue.
func (d *device) acked(class, id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, q := range d.queue {
		if q.id == id && q.class == class {
			d.queue = append(d.queue[:i], d.queue[i+1:]...)
			if len(d.queue) == 0 {
				d.queue = nil
			}
			return
		}
	}
}

func (d *device) pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queue)
}

func (d *device) online() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conn != nil && d.active
}

func (d *device) preKeyCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.preKeys)
}

// uploadPreKeys keeps the one-time prekeys of an `encrypt set` iq: they
// make up the device's bundle.
func (d *device) uploadPreKeys(iq *waBinary.Node) {
	list, ok := iq.GetOptionalChildByTag("list")
	if !ok {
		return
	}
	var keys []uploadedPreKey
	for _, k := range list.GetChildren() {
		id, _ := k.GetChildByTag("id").Content.([]byte)
		val, _ := k.GetChildByTag("value").Content.([]byte)
		if len(id) != 3 || len(val) != 32 {
			continue
		}
		keys = append(keys, uploadedPreKey{id: binary.BigEndian.Uint32(append([]byte{0}, id...)), pub: [32]byte(val)})
	}
	d.mu.Lock()
	d.preKeys = append(d.preKeys, keys...)
	d.mu.Unlock()
}

// takePreKey hands out one uploaded prekey, as WhatsApp does for each
// bundle it serves; ok is false when none is left.
func (d *device) takePreKey() (uploadedPreKey, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.preKeys) == 0 {
		return uploadedPreKey{}, false
	}
	k := d.preKeys[0]
	d.preKeys = d.preKeys[1:]
	if len(d.preKeys) == 0 {
		d.preKeys = nil
	}
	return k, true
}

// remove unlinks the device. A live connection gets the stream error that
// makes whatsmeow report LoggedOut; a later login gets <failure 401>.
func (d *device) remove(notify bool) {
	d.mu.Lock()
	d.removed = true
	d.queue = nil
	d.preKeys = nil
	c := d.conn
	d.conn, d.active = nil, false
	d.mu.Unlock()
	if c != nil && notify {
		c.streamError("401", waBinary.Node{Tag: "conflict", Attrs: waBinary.Attrs{"type": "device_removed"}})
	}
}
