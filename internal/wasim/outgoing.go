package wasim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.mau.fi/libsignal/groups"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/session"
	"google.golang.org/protobuf/proto"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// handleOutgoing receives a message stanza a linked device sends and does
// what WhatsApp's server and the simulated phones would do with it:
//
//   - the copies for simulated phones (device 0) are decrypted by those
//     phones, which keeps their Signal sessions and sender keys current;
//     the sender's own phone records the message (Phone.Sent, from its
//     DeviceSentMessage copy or the group's sender-key message), a
//     recipient phone records it as received;
//   - the copies for linked devices (the recipient's and the sender's
//     other devices) are passed on as message stanzas from the sending
//     device; in groups every member's linked devices get the sender-key
//     message, with the pairwise copy carrying the sender key where the
//     stanza has one;
//   - peer messages (category=peer, for the sender's own phone) go to the
//     phone's peer handler.
//
// The server then acks the stanza, which SendMessage waits for.
func (c *conn) handleOutgoing(d *device, n *waBinary.Node) {
	id, _ := n.Attrs["id"].(string)
	to, _ := n.Attrs["to"].(types.JID)
	defer func() {
		_ = c.send(waBinary.Node{Tag: "ack", Attrs: waBinary.Attrs{
			"class": "message", "id": id, "from": to, "t": strconv.FormatInt(time.Now().Unix(), 10),
		}})
	}()
	if n.Attrs["category"] == "peer" {
		c.s.handlePeerMessage(d, n)
		return
	}
	now := time.Now()
	isGroup := to.Server == types.GroupServer || to.Server == types.BroadcastServer
	sender := d.lidJID()
	edit, _ := n.Attrs["edit"].(string)
	pairwise := map[*device]waBinary.Node{}
	audience := []*Phone{d.phone} // the accounts the stanza is addressed to
	var content *waE2E.Message
	targets := []waBinary.Node{}
	if parts, ok := n.GetOptionalChildByTag("participants"); ok {
		targets = parts.GetChildren()
	} else if enc, ok := n.GetOptionalChildByTag("enc"); ok && !isGroup {
		// A message resent for a retry receipt goes to the one device
		// that asked, with its enc directly in the stanza.
		targets = []waBinary.Node{{Tag: "to", Attrs: waBinary.Attrs{"jid": to}, Content: []waBinary.Node{enc}}}
	}
	// undecrypted is the own phone's copy it could not decrypt; the phone
	// asks for it again unless another copy of the stanza decrypted.
	var undecrypted *waBinary.Node
	for _, t := range targets {
		jid, _ := t.Attrs["jid"].(types.JID)
		enc, ok := t.GetOptionalChildByTag("enc")
		if t.Tag != "to" || !ok {
			continue
		}
		target := c.s.phoneByJID(jid.ToNonAD())
		if target == nil {
			continue
		}
		if !slices.Contains(audience, target) {
			audience = append(audience, target)
		}
		if jid.Device != 0 {
			if td := target.device(jid.Device); td != nil && td != d {
				pairwise[td] = enc
			}
			continue
		}
		msg, err := target.decryptPairwise(sender, &enc)
		if err != nil {
			c.debug("decrypt outgoing message", "id", id, "to", jid, "err", err)
			if target == d.phone {
				undecrypted = &enc
			}
			continue
		}
		if skdm := msg.GetSenderKeyDistributionMessage(); skdm != nil && isGroup {
			if err := target.processSKDM(to, sender, skdm.GetAxolotlSenderKeyDistributionMessage()); err != nil {
				c.debug("process sender key", "err", err)
			}
		}
		if isGroup || (msg.GetSenderKeyDistributionMessage() != nil && msg.GetConversation() == "") {
			continue
		}
		if target == d.phone {
			if dsm := msg.GetDeviceSentMessage(); dsm != nil {
				msg = dsm.GetMessage()
			}
			content = msg
		} else {
			r := RecordedMessage{ID: id, Chat: d.phone.JID().String(), From: d.phone.JID().String(), Device: d.pnJID().String(), Edit: edit, Time: now}
			r.describe(msg)
			c.s.fetchMedia(&r, msg)
			target.recordReceived(r)
			target.sendReceipt(d.phone, d.phone.JID(), []string{id}, "", to.Server == types.HiddenUserServer)
		}
	}
	if content == nil && undecrypted != nil && !isGroup {
		d.phone.askRetry(d, id, to, undecrypted)
	}
	if isGroup {
		content = c.s.fanOutSenderKey(d, n, to, audience, pairwise, edit, now)
	} else {
		c.s.forwardDM(d, n, to, pairwise)
	}
	if content == nil {
		return
	}
	chat := to
	if p := c.s.phoneByJID(to); p != nil && to.Server == types.HiddenUserServer {
		chat = p.JID()
	}
	r := RecordedMessage{ID: id, Chat: chat.String(), From: d.phone.JID().String(), Device: d.pnJID().String(), Edit: edit, Time: now}
	r.describe(content)
	c.s.fetchMedia(&r, content)
	d.phone.recordSent(r)
}

// forwardDM passes the pairwise copies of a direct message on to the
// linked devices they are for: the recipient's (from the sending device,
// with its other JID and push name) and the sender's other devices (with
// the recipient attributes, as WhatsApp delivers a message one's own
// device sent).
func (s *Server) forwardDM(d *device, n *waBinary.Node, to types.JID, pairwise map[*device]waBinary.Node) {
	if len(pairwise) == 0 {
		return
	}
	base := waBinary.Attrs{"id": n.Attrs["id"], "type": n.Attrs["type"], "t": strconv.FormatInt(time.Now().Unix(), 10)}
	if edit, ok := n.Attrs["edit"]; ok {
		base["edit"] = edit
	}
	if to.Server == types.HiddenUserServer {
		base["from"] = d.lidJID()
		base["sender_pn"] = d.phone.JID()
	} else {
		base["from"] = d.pnJID()
		base["sender_lid"] = d.phone.LID()
	}
	recipient := s.phoneByJID(to)
	identity, hasIdentity := n.GetOptionalChildByTag("device-identity")
	for td, enc := range pairwise {
		attrs := cloneAttrs(base)
		if td.phone == d.phone {
			attrs["recipient"] = to
			if recipient != nil && recipient != d.phone {
				if to.Server == types.HiddenUserServer {
					attrs["peer_recipient_pn"] = recipient.JID()
				} else {
					attrs["peer_recipient_lid"] = recipient.LID()
				}
			}
		} else {
			attrs["notify"] = d.phone.PushName()
		}
		content := []waBinary.Node{enc}
		if hasIdentity && enc.Attrs["type"] == "pkmsg" {
			content = append(content, identity)
		}
		td.deliver(attrs["id"].(string), waBinary.Node{Tag: "message", Attrs: attrs, Content: content})
	}
}

// fanOutSenderKey delivers a group (or status) message a linked device
// sent: every member's linked devices, except the sender, get the
// sender-key message, preceded by their pairwise copy when the stanza has
// one; member phones decrypt it, recording it as received, and the
// sender's phone returns it for its Sent record.
func (s *Server) fanOutSenderKey(d *device, n *waBinary.Node, to types.JID, audience []*Phone, pairwise map[*device]waBinary.Node, edit string, now time.Time) (ownCopy *waE2E.Message) {
	var skmsg waBinary.Node
	var found bool
	for _, e := range n.GetChildren() {
		if e.Tag == "enc" && e.Attrs["type"] == "skmsg" {
			skmsg, found = e, true
		}
	}
	if !found {
		return nil
	}
	var members []*Phone
	mode := types.AddressingModePN
	if to.Server == types.GroupServer {
		g := s.group(to.User)
		if g == nil {
			return nil
		}
		members, mode = g.memberPhones(), g.addressingMode()
	} else {
		// A status or broadcast list: the stanza names its audience.
		members = audience
	}
	attrs := waBinary.Attrs{"id": n.Attrs["id"], "type": n.Attrs["type"], "t": strconv.FormatInt(now.Unix(), 10), "from": to, "notify": d.phone.PushName()}
	if edit != "" {
		attrs["edit"] = edit
	}
	if mode == types.AddressingModeLID {
		attrs["addressing_mode"] = string(mode)
		attrs["participant"] = d.lidJID()
		attrs["participant_pn"] = d.phone.JID()
	} else {
		attrs["participant"] = d.pnJID()
		attrs["participant_lid"] = d.phone.LID()
	}
	sender := d.lidJID()
	for _, m := range members {
		msg, err := m.decryptGroup(to, sender, &skmsg)
		if err != nil {
			s.o.Log.Debug("wasim: decrypt outgoing group message", "id", n.Attrs["id"], "phone", m.number, "err", err)
		} else if m == d.phone {
			ownCopy = msg
		} else {
			r := RecordedMessage{ID: attrs["id"].(string), Chat: to.String(), From: d.phone.JID().String(), Device: d.pnJID().String(), Edit: edit, Time: now}
			r.describe(msg)
			m.recordReceived(r)
			m.sendReceipt(d.phone, to, []string{r.ID}, "", mode == types.AddressingModeLID)
		}
		for _, td := range m.linked() {
			if td == d {
				continue
			}
			var content []waBinary.Node
			if enc, ok := pairwise[td]; ok {
				content = append(content, enc)
			}
			content = append(content, skmsg)
			td.deliver(attrs["id"].(string), waBinary.Node{Tag: "message", Attrs: cloneAttrs(attrs), Content: content})
		}
	}
	return ownCopy
}

// maxRetries is how many times a phone asks a device to resend a message
// it could not decrypt before it gives up (whatsmeow stops answering at 10).
const maxRetries = 5

// askRetry is what a phone does with a message from one of its own linked
// devices that it cannot decrypt (their Signal sessions went apart): it
// sends that device a retry receipt with a fresh prekey bundle, and the
// device encrypts the message again in a new session and resends it to
// the phone alone (whatsmeow's handleRetryReceipt).
func (p *Phone) askRetry(d *device, id string, chat types.JID, enc *waBinary.Node) {
	count := 1
	if c, err := strconv.Atoi(fmt.Sprint(enc.Attrs["count"])); err == nil {
		count = c + 1
	}
	if count > maxRetries {
		return
	}
	p.mu.Lock()
	pk := p.newPreKeyLocked()
	p.mu.Unlock()
	bundle := bundleNodes(p.regID, *p.identity.Pub, p.signed.KeyID, *p.signed.Pub, *p.signed.Signature, pk.KeyID, pk.Pub[:])
	now := strconv.FormatInt(time.Now().Unix(), 10)
	d.deliver(id, waBinary.Node{Tag: "receipt", Attrs: waBinary.Attrs{"id": id, "type": "retry", "from": p.JID(), "recipient": chat, "t": now},
		Content: []waBinary.Node{
			{Tag: "retry", Attrs: waBinary.Attrs{"count": strconv.Itoa(count), "id": id, "t": now, "v": "1"}},
			bundle[0], // registration
			{Tag: "keys", Content: bundle[1:]},
		}})
}

func (p *Phone) decryptPairwise(from types.JID, enc *waBinary.Node) (*waE2E.Message, error) {
	ct, _ := enc.Content.([]byte)
	ctx := context.Background()
	addr := from.SignalAddress()
	p.mu.Lock()
	defer p.mu.Unlock()
	cipher := session.NewCipher(session.NewBuilderFromSignal(p.store, addr, serializer), addr)
	var pt []byte
	var err error
	switch enc.Attrs["type"] {
	case "pkmsg":
		var m *protocol.PreKeySignalMessage
		if m, err = protocol.NewPreKeySignalMessageFromBytes(ct, serializer.PreKeySignalMessage, serializer.SignalMessage); err == nil {
			pt, err = cipher.DecryptMessage(ctx, m)
		}
		if err == nil && from.User == p.lid {
			if p.rekeyed == nil {
				p.rekeyed = map[string]bool{}
			}
			p.rekeyed[addr.String()] = true
		}
	case "msg":
		var m *protocol.SignalMessage
		if m, err = protocol.NewSignalMessageFromBytes(ct, serializer.SignalMessage); err == nil {
			pt, err = cipher.Decrypt(ctx, m)
		}
	default:
		err = fmt.Errorf("unexpected enc type %v", enc.Attrs["type"])
	}
	if err != nil {
		return nil, err
	}
	return unmarshalPadded(pt)
}

func (p *Phone) processSKDM(gid, from types.JID, raw []byte) error {
	m, err := protocol.NewSenderKeyDistributionMessageFromBytes(raw, serializer.SenderKeyDistributionMessage)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	name := protocol.NewSenderKeyName(gid.String(), from.SignalAddress())
	return groups.NewGroupSessionBuilder(p.store, serializer).Process(context.Background(), name, m)
}

func (p *Phone) decryptGroup(gid, from types.JID, enc *waBinary.Node) (*waE2E.Message, error) {
	ct, _ := enc.Content.([]byte)
	m, err := protocol.NewSenderKeyMessageFromBytes(ct, serializer.SenderKeyMessage)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	name := protocol.NewSenderKeyName(gid.String(), from.SignalAddress())
	builder := groups.NewGroupSessionBuilder(p.store, serializer)
	pt, err := groups.NewGroupCipher(builder, name, p.store).Decrypt(context.Background(), m)
	if err != nil {
		return nil, err
	}
	return unmarshalPadded(pt)
}

func unmarshalPadded(pt []byte) (*waE2E.Message, error) {
	pt, err := unpad(pt)
	if err != nil {
		return nil, err
	}
	var msg waE2E.Message
	if err := proto.Unmarshal(pt, &msg); err != nil {
		return nil, err
	}
	return &msg, nil
}
