package wasim

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// trafficLimit is how many stanzas of each kind a device's traffic record
// keeps; older ones are dropped (and counted).
const trafficLimit = 512

// Stanza is one presence, chat state or receipt stanza a linked device
// sent, as the server received it.
type Stanza struct {
	Tag string `json:"tag"`
	// Attrs are the stanza's attributes, JIDs and numbers as strings.
	Attrs map[string]string `json:"attrs"`
	// Children are the tags of its child elements: a chat state's
	// composing or paused, a receipt's list…
	Children []string `json:"children,omitempty"`
	// IDs are the message ids a receipt covers: its id, then the ids of
	// its <list> items.
	IDs  []string  `json:"ids,omitempty"`
	Time time.Time `json:"time"`
}

// Traffic is what one linked device has sent: every presence, chat state
// and receipt stanza (the most recent 512 of each kind) and how many
// message stanzas.
type Traffic struct {
	Presences  []Stanza `json:"presences"`
	ChatStates []Stanza `json:"chatStates"`
	Receipts   []Stanza `json:"receipts"`
	// Messages counts the message stanzas the device sent (to chats and
	// peer messages to its own phone).
	Messages int `json:"messages"`
	// Dropped counts stanzas dropped because a list was full.
	Dropped int `json:"dropped"`
}

// trafficLog is a device's traffic record. It is allocated on the first
// stanza, so that a device that sends nothing costs a nil pointer.
type trafficLog struct {
	mu         sync.Mutex
	presences  []stanzaRecord
	chatStates []stanzaRecord
	receipts   []stanzaRecord
	messages   int
	dropped    int
}

// stanzaRecord is a compact Stanza: attributes as key, value pairs.
type stanzaRecord struct {
	tag      string
	attrs    []string
	children []string
	ids      []string
	t        int64 // unix nanoseconds
}

func recordOf(n *waBinary.Node) stanzaRecord {
	r := stanzaRecord{tag: n.Tag, t: time.Now().UnixNano(), attrs: make([]string, 0, 2*len(n.Attrs))}
	keys := make([]string, 0, len(n.Attrs))
	for k := range n.Attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		r.attrs = append(r.attrs, k, attrString(n.Attrs[k]))
	}
	for _, c := range n.GetChildren() {
		r.children = append(r.children, c.Tag)
	}
	if n.Tag == "receipt" {
		if id, ok := n.Attrs["id"].(string); ok {
			r.ids = append(r.ids, id)
		}
		if list, ok := n.GetOptionalChildByTag("list"); ok {
			for _, item := range list.GetChildren() {
				if id, ok := item.Attrs["id"].(string); ok && item.Tag == "item" {
					r.ids = append(r.ids, id)
				}
			}
		}
	}
	return r
}

func attrString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case types.JID:
		return v.String()
	case *types.JID:
		return v.String()
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

func (r stanzaRecord) stanza() Stanza {
	s := Stanza{Tag: r.tag, Attrs: make(map[string]string, len(r.attrs)/2), Children: r.children, IDs: r.ids, Time: time.Unix(0, r.t)}
	for i := 0; i+1 < len(r.attrs); i += 2 {
		s.Attrs[r.attrs[i]] = r.attrs[i+1]
	}
	return s
}

func (l *trafficLog) add(list *[]stanzaRecord, r stanzaRecord) {
	if len(*list) >= trafficLimit {
		*list = append((*list)[:0], (*list)[1:]...)
		l.dropped++
	}
	*list = append(*list, r)
}

// record keeps a stanza the device sent: presence, chat state and receipt
// stanzas in full, message stanzas as a count.
func (d *device) record(n *waBinary.Node) {
	d.mu.Lock()
	if d.traffic == nil {
		d.traffic = &trafficLog{}
	}
	l := d.traffic
	d.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	switch n.Tag {
	case "presence":
		l.add(&l.presences, recordOf(n))
	case "chatstate":
		l.add(&l.chatStates, recordOf(n))
	case "receipt":
		l.add(&l.receipts, recordOf(n))
	case "message":
		l.messages++
	}
}

// Traffic returns what the device has sent so far.
func (d *device) trafficSnapshot() Traffic {
	d.mu.Lock()
	l := d.traffic
	d.mu.Unlock()
	out := Traffic{Presences: []Stanza{}, ChatStates: []Stanza{}, Receipts: []Stanza{}}
	if l == nil {
		return out
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.presences {
		out.Presences = append(out.Presences, r.stanza())
	}
	for _, r := range l.chatStates {
		out.ChatStates = append(out.ChatStates, r.stanza())
	}
	for _, r := range l.receipts {
		out.Receipts = append(out.Receipts, r.stanza())
	}
	out.Messages, out.Dropped = l.messages, l.dropped
	return out
}

// Traffic returns what the linked device with this JID (phone number or
// LID form, with its device number) has sent: presences, chat states,
// receipts and a count of messages. It fails with ErrUnknownDevice for a
// JID that names no linked device.
func (s *Server) Traffic(device types.JID) (Traffic, error) {
	p := s.phoneByJID(device.ToNonAD())
	if p == nil || device.Device == 0 {
		return Traffic{}, ErrUnknownDevice
	}
	d := p.device(device.Device)
	if d == nil {
		return Traffic{}, ErrUnknownDevice
	}
	return d.trafficSnapshot(), nil
}

// DeviceTraffic returns what the phone's linked device number id has sent
// (see Server.Traffic).
func (p *Phone) DeviceTraffic(id uint16) (Traffic, error) {
	d := p.device(id)
	if d == nil {
		return Traffic{}, ErrUnknownDevice
	}
	return d.trafficSnapshot(), nil
}
