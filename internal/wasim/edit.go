package wasim

import (
	"errors"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// ErrNotAdmin is returned when a phone that is not a group admin revokes
// another member's message.
var ErrNotAdmin = errors.New("wasim: the phone is not an admin of the group")

// Edit attribute values of message stanzas (whatsmeow types.EditAttribute).
const (
	editMessage      = "1"
	editSenderRevoke = "7"
	editAdminRevoke  = "8"
)

// chatKeyJID is how the phone names a chat in a message key: the group,
// or the other account's JID in the phone's addressing mode.
func (p *Phone) chatKeyJID(to string) (types.JID, error) {
	jid, err := parseChat(to)
	if err != nil {
		return types.JID{}, err
	}
	if jid.Server == types.GroupServer {
		return jid, nil
	}
	other := p.s.phoneByJID(jid)
	if other == nil {
		return types.JID{}, ErrUnknownPhone
	}
	if p.lidMode.Load() {
		return other.LID(), nil
	}
	return other.JID(), nil
}

// Edit replaces the text of a message the phone sent earlier in chat to,
// as WhatsApp does: a new message (with its own id) whose stanza has
// edit="1" and whose content is an EditedMessage wrapping a
// ProtocolMessage of type MESSAGE_EDIT with the original message's key and
// the new content. The recipients and the phone's own linked devices get
// it (whatsmeow: events.Message with IsEdit and Info.Edit "1"). It returns
// the id of the edit message.
func (p *Phone) Edit(to, messageID, newText string) (string, error) {
	chat, err := p.chatKeyJID(to)
	if err != nil {
		return "", err
	}
	msg := &waE2E.Message{EditedMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{
		ProtocolMessage: &waE2E.ProtocolMessage{
			Key:           &waCommon.MessageKey{RemoteJID: proto.String(chat.String()), FromMe: proto.Bool(true), ID: proto.String(messageID)},
			Type:          waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(),
			EditedMessage: &waE2E.Message{Conversation: proto.String(newText)},
			TimestampMS:   proto.Int64(time.Now().UnixMilli()),
		},
	}}}
	return p.send(to, msg, SendOptions{}, editMessage)
}

// Revoke deletes a message the phone sent earlier in chat to for everyone:
// a ProtocolMessage of type REVOKE with the message's key, in a stanza
// with edit="7" (whatsmeow: events.Message with Info.Edit "7"). It returns
// the id of the revoke message.
func (p *Phone) Revoke(to, messageID string) (string, error) {
	chat, err := p.chatKeyJID(to)
	if err != nil {
		return "", err
	}
	msg := &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_REVOKE.Enum(),
		Key:  &waCommon.MessageKey{RemoteJID: proto.String(chat.String()), FromMe: proto.Bool(true), ID: proto.String(messageID)},
	}}
	return p.send(to, msg, SendOptions{}, editSenderRevoke)
}

// RevokeAsAdmin deletes another member's message in a group the phone
// administers: the key names the message's sender as participant (not
// from me), the stanza has edit="8". It fails with ErrNotAdmin when the
// phone is not an admin.
func (p *Phone) RevokeAsAdmin(groupJID, sender, messageID string) (string, error) {
	gid, err := parseChat(groupJID)
	if err != nil || gid.Server != types.GroupServer {
		return "", ErrUnknownGroup
	}
	g := p.s.group(gid.User)
	if g == nil {
		return "", ErrUnknownGroup
	}
	if !slices.Contains(g.adminPhones(), p) {
		return "", ErrNotAdmin
	}
	sjid, err := parseChat(sender)
	if err != nil {
		return "", err
	}
	sp := p.s.phoneByJID(sjid)
	if sp == nil {
		return "", ErrUnknownPhone
	}
	participant := sp.JID()
	if g.addressingMode() == types.AddressingModeLID {
		participant = sp.LID()
	}
	msg := &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_REVOKE.Enum(),
		Key: &waCommon.MessageKey{RemoteJID: proto.String(gid.String()), FromMe: proto.Bool(false), ID: proto.String(messageID),
			Participant: proto.String(participant.String())},
	}}
	return p.send(gid.String(), msg, SendOptions{}, editAdminRevoke)
}
