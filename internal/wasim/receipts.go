package wasim

import (
	"slices"
	"strconv"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Receipt is a receipt that reached a simulated phone's primary device:
// one the phone's contacts' devices sent for a message it (or one of its
// linked devices) sent, or one its own linked devices sent it (sender,
// peer_msg, hist_sync, read-self…).
type Receipt struct {
	// IDs are the message ids the receipt covers.
	IDs []string `json:"ids"`
	// Type is "" for delivery, or inactive, read, played, read-self,
	// played-self, sender, peer_msg, hist_sync, retry, server-error…
	Type string `json:"type"`
	// From is the account whose device sent the receipt, as a
	// phone-number JID.
	From string `json:"from"`
	// Device is the device that sent it.
	Device string `json:"device"`
	// Chat is the chat the messages are in, as the receipt names it: the
	// group for group messages, otherwise the JID the receipt was sent to.
	Chat string    `json:"chat"`
	Time time.Time `json:"time"`
}

// Receipts returns the receipts that have reached the phone, oldest first.
func (p *Phone) Receipts() []Receipt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.receipts)
}

func (p *Phone) addReceipt(r Receipt) {
	p.mu.Lock()
	p.receipts = append(p.receipts, r)
	p.mu.Unlock()
}

// forwardedReceipts are the receipt types WhatsApp passes on to the
// devices of the account that sent the message.
var forwardedReceipts = map[string]bool{"": true, "inactive": true, "read": true, "played": true}

// routeReceipt passes on a receipt a linked device sent, as WhatsApp
// does: read-self and played-self go to the reader's own phone; sender,
// peer_msg and hist_sync receipts go to the own phone they are addressed
// to; the others go to the account that sent the message (its phone
// records them, its linked devices get them as receipt stanzas).
func (s *Server) routeReceipt(from *device, n *waBinary.Node) {
	rec := recordOf(n)
	typ, _ := n.Attrs["type"].(string)
	to, _ := n.Attrs["to"].(types.JID)
	r := Receipt{IDs: rec.ids, Type: typ, From: from.phone.JID().String(), Device: from.pnJID().String(), Chat: to.ToNonAD().String(), Time: time.Now()}
	participant, _ := n.Attrs["participant"].(types.JID)
	var target *Phone
	var group bool
	switch to.Server {
	case types.GroupServer, types.BroadcastServer:
		group = true
		target = s.phoneByJID(participant.ToNonAD())
	case types.NewsletterServer:
		return
	default:
		target = s.phoneByJID(to.ToNonAD())
		if recipient, ok := n.Attrs["recipient"].(types.JID); ok {
			r.Chat = recipient.ToNonAD().String()
		}
	}
	if typ == "read-self" || typ == "played-self" {
		target = from.phone
	}
	if target == nil {
		return
	}
	target.addReceipt(r)
	if !forwardedReceipts[typ] || target == from.phone {
		return
	}
	// The sender's linked devices get the receipt too.
	attrs := waBinary.Attrs{"id": n.Attrs["id"], "t": strconv.FormatInt(time.Now().Unix(), 10)}
	reader := from.phone.JID()
	if to.Server == types.HiddenUserServer || (group && participant.Server == types.HiddenUserServer) {
		reader = from.phone.LID()
	}
	if group {
		attrs["from"] = to.ToNonAD()
		attrs["participant"] = reader
	} else {
		attrs["from"] = reader
	}
	if typ != "" {
		attrs["type"] = typ
	}
	out := waBinary.Node{Tag: "receipt", Attrs: attrs}
	if list, ok := n.GetOptionalChildByTag("list"); ok {
		out.Content = []waBinary.Node{list}
	}
	id, _ := n.Attrs["id"].(string)
	for _, d := range target.linked() {
		d.deliver(id, out)
	}
}

// routeChatState passes a chat state (typing, paused) on to the linked
// devices of the chat's other members that are online, as WhatsApp does;
// chat states are never queued.
func (s *Server) routeChatState(from *device, n *waBinary.Node) {
	to, _ := n.Attrs["to"].(types.JID)
	var targets []*device
	attrs := waBinary.Attrs{}
	switch to.Server {
	case types.GroupServer:
		g := s.group(to.User)
		if g == nil {
			return
		}
		for _, m := range g.memberPhones() {
			targets = append(targets, m.linked()...)
		}
		attrs["from"] = to
		attrs["participant"] = from.phone.JID()
		if g.addressingMode() == types.AddressingModeLID {
			attrs["participant"] = from.phone.LID()
		}
	case types.DefaultUserServer, types.HiddenUserServer:
		p := s.phoneByJID(to.ToNonAD())
		if p == nil {
			return
		}
		targets = p.linked()
		attrs["from"] = from.phone.JID()
		if to.Server == types.HiddenUserServer {
			attrs["from"] = from.phone.LID()
		}
	default:
		return
	}
	out := waBinary.Node{Tag: "chatstate", Attrs: attrs, Content: n.GetChildren()}
	for _, d := range targets {
		if d != from {
			d.sendIfOnline(out)
		}
	}
}

// sendReceipt sends a receipt from the phone's primary device for
// messages of sender in chat: the sender's phone records it and its linked
// devices get it. asLID names the reader by its LID (for messages that
// came LID-addressed).
func (p *Phone) sendReceipt(sender *Phone, chat types.JID, ids []string, typ string, asLID bool) {
	if sender == nil || sender == p || len(ids) == 0 {
		return
	}
	reader := p.JID()
	if asLID {
		reader = p.LID()
	}
	attrs := waBinary.Attrs{"id": ids[0], "t": strconv.FormatInt(time.Now().Unix(), 10)}
	if chat.Server == types.GroupServer || chat.Server == types.BroadcastServer {
		attrs["from"], attrs["participant"] = chat, reader
	} else {
		attrs["from"] = reader
	}
	if typ != "" {
		attrs["type"] = typ
	}
	n := waBinary.Node{Tag: "receipt", Attrs: attrs, Content: receiptList(ids)}
	r := Receipt{IDs: ids, Type: typ, From: p.JID().String(), Device: p.JID().String(), Chat: chat.String(), Time: time.Now()}
	if chat.Server != types.GroupServer && chat.Server != types.BroadcastServer {
		r.Chat = p.JID().String()
	}
	sender.addReceipt(r)
	for _, d := range sender.linked() {
		d.deliver(ids[0], n)
	}
}

func receiptList(ids []string) []waBinary.Node {
	if len(ids) < 2 {
		return nil
	}
	items := make([]waBinary.Node, 0, len(ids)-1)
	for _, id := range ids[1:] {
		items = append(items, waBinary.Node{Tag: "item", Attrs: waBinary.Attrs{"id": id}})
	}
	return []waBinary.Node{{Tag: "list", Content: items}}
}

// MarkRead marks messages the phone received as read, as opening the chat
// on the phone does: their senders get read receipts (their phones record
// them, their linked devices get them) and the phone's own linked devices
// get a read receipt from the own JID naming the chat (whatsmeow:
// events.Receipt with IsFromMe). ids must be messages in Phone.Received;
// unknown ids are ignored.
func (p *Phone) MarkRead(ids ...string) {
	type key struct {
		sender *Phone
		chat   types.JID
	}
	var found []RecordedMessage
	p.mu.Lock()
	for _, id := range ids {
		for _, m := range p.received {
			if m.ID == id {
				found = append(found, m)
				break
			}
		}
	}
	p.mu.Unlock()
	var order []key
	byKey := map[key][]string{}
	for _, m := range found {
		chat, _ := types.ParseJID(m.Chat)
		from, _ := types.ParseJID(m.From)
		k := key{p.s.phoneByJID(from), chat}
		if byKey[k] == nil {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], m.ID)
	}
	own := p.linked()
	for _, k := range order {
		p.sendReceipt(k.sender, k.chat, byKey[k], "read", false)
		if k.sender == nil {
			continue
		}
		attrs := waBinary.Attrs{"id": byKey[k][0], "type": "read", "t": strconv.FormatInt(time.Now().Unix(), 10), "from": p.JID()}
		if k.chat.Server == types.GroupServer {
			attrs["from"], attrs["participant"], attrs["recipient"] = k.chat, p.JID(), k.sender.JID()
		} else {
			attrs["recipient"] = k.sender.JID()
		}
		n := waBinary.Node{Tag: "receipt", Attrs: attrs, Content: receiptList(byKey[k])}
		for _, d := range own {
			d.deliver(byKey[k][0], n)
		}
	}
}
