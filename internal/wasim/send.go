package wasim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mau.fi/libsignal/groups"
	"go.mau.fi/libsignal/protocol"
	"google.golang.org/protobuf/proto"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// SendOptions adjust one message.
type SendOptions struct {
	// ID is the message id (default: a new random one).
	ID string
	// Time is the message's timestamp (default: now).
	Time time.Time
}

// Send delivers msg from the phone's primary device (the person typing on
// their phone) to a chat: another simulated phone (number,
// "<number>@s.whatsapp.net" or its LID), the phone's own number ("Message
// yourself") or a group ("<id>@g.us"). As WhatsApp does, every linked
// device of the recipients gets it, Signal-encrypted (a device that is
// offline gets it when it next connects), and the phone's own linked
// devices get a copy: wrapped in a DeviceSentMessage naming the
// destination, from the own JID with the recipient attribute, for direct
// chats; the group message itself for groups. A recipient phone records
// it (Phone.Received). It returns the message id.
func (p *Phone) Send(to string, msg *waE2E.Message, opts ...SendOptions) (string, error) {
	var o SendOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	return p.send(to, msg, o, "")
}

// SendFromPhone is Send: a message typed on the phone itself, delivered to
// the recipient and mirrored to the phone's own linked devices.
func (p *Phone) SendFromPhone(to string, msg *waE2E.Message, opts ...SendOptions) (string, error) {
	return p.Send(to, msg, opts...)
}

// send delivers a message with the stanza's edit attribute set to edit
// ("" for a new message).
func (p *Phone) send(to string, msg *waE2E.Message, o SendOptions, edit string) (string, error) {
	if o.ID == "" {
		o.ID = randomMessageID()
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	plaintext, err := proto.Marshal(msg)
	if err != nil {
		return "", err
	}
	jid, err := parseChat(to)
	if err != nil {
		return "", err
	}
	attrs := waBinary.Attrs{"id": o.ID, "type": messageType(msg), "t": strconv.FormatInt(o.Time.Unix(), 10)}
	encAttrs := waBinary.Attrs{"v": "2"}
	if mt := mediaTypeAttr(msg); mt != "" {
		encAttrs["mediatype"] = mt
	}
	if edit != "" {
		attrs["edit"] = edit
		encAttrs["decrypt-fail"] = "hide"
	}
	rec := RecordedMessage{ID: o.ID, From: p.JID().String(), Edit: edit, Time: o.Time}
	rec.describe(msg)
	if jid.Server == types.GroupServer {
		g := p.s.group(jid.User)
		if g == nil {
			return "", ErrUnknownGroup
		}
		members := g.memberPhones()
		if !slices.Contains(members, p) {
			return "", ErrNotMember
		}
		if err := p.sendSenderKey(jid, g.addressingMode(), members, plaintext, attrs, encAttrs); err != nil {
			return "", err
		}
		rec.Chat = jid.String()
		for _, m := range members {
			if m != p {
				m.recordReceived(rec)
				m.sendReceipt(p, jid, []string{o.ID}, "", false)
			}
		}
		return o.ID, nil
	}
	to2 := p.s.phoneByJID(jid)
	if to2 == nil {
		return "", fmt.Errorf("%w: %s", ErrUnknownPhone, jid.User)
	}
	if err := p.sendDM(to2, msg, plaintext, attrs, encAttrs); err != nil {
		return "", err
	}
	if to2 != p {
		rec.Chat = p.JID().String()
		to2.recordReceived(rec)
		to2.sendReceipt(p, p.JID(), []string{o.ID}, "", p.lidMode.Load())
	}
	return o.ID, nil
}

// wireJID is how the phone's own messages name it: its LID for a phone in
// LID addressing mode, its phone-number JID otherwise.
func (p *Phone) wireJID() types.JID {
	if p.lidMode.Load() {
		return p.LID()
	}
	return p.JID()
}

// sendDM encrypts a direct message for every linked device of the
// recipient and a DeviceSentMessage copy for the sender's own linked
// devices.
func (p *Phone) sendDM(to *Phone, msg *waE2E.Message, plaintext []byte, attrs, encAttrs waBinary.Attrs) error {
	var targets []*device
	if to != p {
		targets = to.linked() // before p.mu: never hold two phones' locks
	}
	own := p.linked()
	dest := to.JID()
	if p.lidMode.Load() {
		dest = to.LID()
	}
	dsm, err := proto.Marshal(&waE2E.Message{
		DeviceSentMessage:  &waE2E.DeviceSentMessage{DestinationJID: proto.String(dest.String()), Message: msg},
		MessageContextInfo: msg.GetMessageContextInfo(),
	})
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	in := cloneAttrs(attrs)
	in["from"] = p.wireJID()
	in["notify"] = p.pushName
	if p.lidMode.Load() {
		if !p.hidePN.Load() {
			in["sender_pn"] = p.JID()
		}
	} else {
		in["sender_lid"] = p.LID()
	}
	for _, d := range targets {
		if err := p.encryptAndDeliverLocked(d, plaintext, in, encAttrs); err != nil {
			return err
		}
	}
	mirror := cloneAttrs(attrs)
	mirror["from"] = p.wireJID()
	if to != p {
		mirror["recipient"] = dest
		if p.lidMode.Load() {
			mirror["peer_recipient_pn"] = to.JID()
		} else {
			mirror["peer_recipient_lid"] = to.LID()
		}
	}
	for _, d := range own {
		if err := p.encryptAndDeliverLocked(d, dsm, mirror, encAttrs); err != nil {
			return err
		}
	}
	return nil
}

// encryptAndDeliverLocked encrypts plaintext for one device and queues the
// message stanza for it. Callers hold p.mu.
func (p *Phone) encryptAndDeliverLocked(d *device, plaintext []byte, attrs, encAttrs waBinary.Attrs) error {
	encType, ct, err := p.encryptForLocked(d, plaintext)
	if err != nil {
		return err
	}
	ea := cloneAttrs(encAttrs)
	ea["type"] = encType
	d.deliver(attrs["id"].(string), waBinary.Node{Tag: "message", Attrs: cloneAttrs(attrs), Content: []waBinary.Node{{Tag: "enc", Attrs: ea, Content: ct}}})
	return nil
}

// sendSenderKey sends a message to a group (or status@broadcast) with the
// phone's sender key: one skmsg for every linked device of the members
// (the phone's own included) plus, for each device that lacks the key, a
// pairwise message carrying the distribution message.
func (p *Phone) sendSenderKey(chat types.JID, mode types.AddressingMode, members []*Phone, plaintext []byte, attrs, encAttrs waBinary.Attrs) error {
	var targets []*device
	for _, m := range members {
		targets = append(targets, m.linked()...)
	}
	ctx := context.Background()
	p.mu.Lock()
	defer p.mu.Unlock()
	name := protocol.NewSenderKeyName(chat.String(), p.lidAD().SignalAddress())
	builder := groups.NewGroupSessionBuilder(p.store, serializer)
	skdm, err := builder.Create(ctx, name)
	if err != nil {
		return fmt.Errorf("wasim: create sender key: %w", err)
	}
	enc, err := groups.NewGroupCipher(builder, name, p.store).Encrypt(ctx, pad(plaintext))
	if err != nil {
		return fmt.Errorf("wasim: group encrypt: %w", err)
	}
	skmsg := enc.SignedSerialize()
	skdmPlain, err := proto.Marshal(&waE2E.Message{SenderKeyDistributionMessage: &waE2E.SenderKeyDistributionMessage{
		GroupID: proto.String(chat.String()), AxolotlSenderKeyDistributionMessage: skdm.Serialize(),
	}})
	if err != nil {
		return err
	}
	holders := p.skHolders[chat.String()]
	if holders == nil {
		holders = map[string]bool{}
		p.skHolders[chat.String()] = holders
	}
	attrs = cloneAttrs(attrs)
	attrs["from"] = chat
	attrs["notify"] = p.pushName
	if mode == types.AddressingModeLID {
		attrs["addressing_mode"] = string(mode)
		attrs["participant"] = p.LID()
		if !p.hidePN.Load() {
			attrs["participant_pn"] = p.JID()
		}
	} else {
		attrs["participant"] = p.JID()
		attrs["participant_lid"] = p.LID()
	}
	for _, d := range targets {
		var content []waBinary.Node
		addr := d.lidJID().SignalAddress().String()
		if !holders[addr] {
			encType, ct, err := p.encryptForLocked(d, skdmPlain)
			if err != nil {
				return err
			}
			content = append(content, waBinary.Node{Tag: "enc", Attrs: waBinary.Attrs{"v": "2", "type": encType}, Content: ct})
			holders[addr] = true
		}
		ea := cloneAttrs(encAttrs)
		ea["type"] = "skmsg"
		content = append(content, waBinary.Node{Tag: "enc", Attrs: ea, Content: skmsg})
		d.deliver(attrs["id"].(string), waBinary.Node{Tag: "message", Attrs: cloneAttrs(attrs), Content: content})
	}
	return nil
}

// Sent returns what the phone's linked devices have sent to chats, oldest
// first (peer messages to the phone itself are not included).
func (p *Phone) Sent() []SentMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.sent)
}

// Received returns the messages from other accounts that reached the
// phone's primary device, oldest first: sent by other phones or by their
// linked devices, in direct chats, groups and status.
func (p *Phone) Received() []RecordedMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.received)
}

// recordSent keeps a message once: a message resent for a retry receipt
// carries the id the phone already has.
func (p *Phone) recordSent(r RecordedMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := r.ID + "\x00" + r.Edit
	if p.sentKeys[key] {
		return
	}
	if p.sentKeys == nil {
		p.sentKeys = map[string]bool{}
	}
	p.sentKeys[key] = true
	p.sent = append(p.sent, r)
}

func (p *Phone) recordReceived(r RecordedMessage) {
	p.mu.Lock()
	p.received = append(p.received, r)
	p.mu.Unlock()
}

func cloneAttrs(a waBinary.Attrs) waBinary.Attrs {
	out := make(waBinary.Attrs, len(a)+1)
	for k, v := range a {
		out[k] = v
	}
	return out
}

// parseChat accepts a phone number, a user JID (phone number or LID) or a
// group JID.
func parseChat(to string) (types.JID, error) {
	if to != "" && strings.Trim(to, "+0123456789") == "" {
		return types.NewJID(strings.TrimPrefix(to, "+"), types.DefaultUserServer), nil
	}
	jid, err := types.ParseJID(to)
	if err != nil || jid.User == "" {
		return types.JID{}, fmt.Errorf("wasim: invalid chat %q", to)
	}
	switch jid.Server {
	case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
		return jid.ToNonAD(), nil
	}
	return types.JID{}, fmt.Errorf("wasim: invalid chat %q", to)
}

// messageType is the stanza type WhatsApp clients give a message
// (whatsmeow send.go:getTypeFromMessage).
func messageType(m *waE2E.Message) string {
	switch {
	case m.ViewOnceMessage != nil:
		return messageType(m.GetViewOnceMessage().GetMessage())
	case m.EphemeralMessage != nil:
		return messageType(m.GetEphemeralMessage().GetMessage())
	case m.DocumentWithCaptionMessage != nil:
		return messageType(m.GetDocumentWithCaptionMessage().GetMessage())
	case m.ReactionMessage != nil, m.EncReactionMessage != nil:
		return "reaction"
	case m.PollCreationMessage != nil, m.PollUpdateMessage != nil:
		return "poll"
	case mediaTypeAttr(m) != "":
		return "media"
	}
	return "text"
}

// mediaTypeAttr is the mediatype attribute of a message's enc element
// (whatsmeow send.go:getMediaTypeFromMessage).
func mediaTypeAttr(m *waE2E.Message) string {
	switch {
	case m.ViewOnceMessage != nil:
		return mediaTypeAttr(m.GetViewOnceMessage().GetMessage())
	case m.EphemeralMessage != nil:
		return mediaTypeAttr(m.GetEphemeralMessage().GetMessage())
	case m.DocumentWithCaptionMessage != nil:
		return mediaTypeAttr(m.GetDocumentWithCaptionMessage().GetMessage())
	case m.ExtendedTextMessage != nil && m.ExtendedTextMessage.Title != nil:
		return "url"
	case m.ImageMessage != nil:
		return "image"
	case m.StickerMessage != nil:
		return "sticker"
	case m.DocumentMessage != nil:
		return "document"
	case m.AudioMessage != nil:
		if m.AudioMessage.GetPTT() {
			return "ptt"
		}
		return "audio"
	case m.VideoMessage != nil:
		if m.VideoMessage.GetGifPlayback() {
			return "gif"
		}
		return "video"
	case m.LocationMessage != nil:
		return "location"
	case m.LiveLocationMessage != nil:
		return "livelocation"
	case m.ContactMessage != nil:
		return "vcard"
	case m.ContactsArrayMessage != nil:
		return "contact_array"
	}
	return ""
}
