package wasim

import (
	"context"
	"fmt"
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

// handleOutgoing receives a message a companion device sends. The copies
// addressed to simulated phones (device 0) are decrypted by those phones,
// which keeps their Signal sessions and sender keys current; the sending
// phone records the message (from its DeviceSentMessage copy, or from the
// group's sender-key message). The server then acks the stanza, which
// SendMessage waits for.
func (c *conn) handleOutgoing(d *device, n *waBinary.Node) {
	id, _ := n.Attrs["id"].(string)
	to, _ := n.Attrs["to"].(types.JID)
	defer func() {
		_ = c.send(waBinary.Node{Tag: "ack", Attrs: waBinary.Attrs{
			"class": "message", "id": id, "from": to, "t": strconv.FormatInt(time.Now().Unix(), 10),
		}})
	}()
	sender := d.lidJID()
	var content *waE2E.Message
	if parts, ok := n.GetOptionalChildByTag("participants"); ok {
		for _, t := range parts.GetChildren() {
			jid, _ := t.Attrs["jid"].(types.JID)
			if t.Tag != "to" || jid.Device != 0 {
				continue // companions of other accounts: not simulated
			}
			target := c.s.phoneByJID(jid.ToNonAD())
			enc, ok := t.GetOptionalChildByTag("enc")
			if target == nil || !ok {
				continue
			}
			msg, err := target.decryptPairwise(sender, &enc)
			if err != nil {
				c.debug("decrypt outgoing message", "id", id, "to", jid, "err", err)
				continue
			}
			if skdm := msg.GetSenderKeyDistributionMessage(); skdm != nil && to.Server == types.GroupServer {
				if err := target.processSKDM(to, sender, skdm.GetAxolotlSenderKeyDistributionMessage()); err != nil {
					c.debug("process sender key", "err", err)
				}
			}
			if dsm := msg.GetDeviceSentMessage(); dsm != nil {
				msg = dsm.GetMessage()
			}
			if target == d.phone && content == nil && msg.GetSenderKeyDistributionMessage() == nil {
				content = msg
			}
		}
	}
	if to.Server == types.GroupServer {
		for _, e := range n.GetChildren() {
			if e.Tag == "enc" && e.Attrs["type"] == "skmsg" {
				msg, err := d.phone.decryptGroup(to, sender, &e)
				if err != nil {
					c.debug("decrypt outgoing group message", "id", id, "err", err)
				} else {
					content = msg
				}
			}
		}
	}
	if content == nil {
		return
	}
	chat := to
	if p := c.s.phoneByJID(to); p != nil && to.Server == types.HiddenUserServer {
		chat = p.JID()
	}
	text := content.GetConversation()
	if text == "" {
		text = content.GetExtendedTextMessage().GetText()
	}
	d.phone.mu.Lock()
	d.phone.sent = append(d.phone.sent, SentMessage{ID: id, Chat: chat.String(), Text: text, Time: time.Now(), Message: content})
	d.phone.mu.Unlock()
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
