package wasim

import (
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
)

// RecordedMessage is a message a simulated phone's primary device saw: one
// its linked devices sent (Phone.Sent) or one that reached it from another
// account (Phone.Received), as the phone decrypted it.
type RecordedMessage struct {
	ID string `json:"id"`
	// Chat is the chat: the other account's phone-number JID (LIDs are
	// resolved), the own JID for "Message yourself", a group JID or
	// status@broadcast.
	Chat string `json:"chat"`
	// From is the sending account's phone-number JID; Device the sending
	// device ("" when a phone sent it from its primary device).
	From   string `json:"from"`
	Device string `json:"device,omitempty"`
	// Type is text, image, video, audio, voice, document, sticker,
	// location, contact, reaction, edit, revoke, protocol or other.
	Type string `json:"type"`
	// Text is the text of a text message, the caption of media, the new
	// text of an edit and the emoji of a reaction.
	Text string `json:"text"`
	// QuotedID and QuotedParticipant name the message a reply quotes
	// (ContextInfo.StanzaID and Participant).
	QuotedID          string `json:"quotedId,omitempty"`
	QuotedParticipant string `json:"quotedParticipant,omitempty"`
	// TargetID is the message an edit, revoke or reaction refers to.
	TargetID string `json:"targetId,omitempty"`
	// Edit is the stanza's edit attribute: 1 edit, 7 revoke, 8 admin revoke.
	Edit     string `json:"edit,omitempty"`
	MimeType string `json:"mimeType,omitempty"`
	FileName string `json:"fileName,omitempty"`
	// Media is the decrypted media (only of messages from linked devices,
	// whose media the phone downloads); MediaError says why it is missing.
	Media      []byte         `json:"media,omitempty"`
	MediaError string         `json:"mediaError,omitempty"`
	Time       time.Time      `json:"time"`
	Message    *waE2E.Message `json:"-"`
}

// SentMessage is a message one of a phone's linked devices sent.
type SentMessage = RecordedMessage

// contextInfo returns the ContextInfo of a message's main content.
func contextInfo(m *waE2E.Message) *waE2E.ContextInfo {
	switch {
	case m.ExtendedTextMessage != nil:
		return m.ExtendedTextMessage.GetContextInfo()
	case m.ImageMessage != nil:
		return m.ImageMessage.GetContextInfo()
	case m.VideoMessage != nil:
		return m.VideoMessage.GetContextInfo()
	case m.AudioMessage != nil:
		return m.AudioMessage.GetContextInfo()
	case m.DocumentMessage != nil:
		return m.DocumentMessage.GetContextInfo()
	case m.StickerMessage != nil:
		return m.StickerMessage.GetContextInfo()
	case m.LocationMessage != nil:
		return m.LocationMessage.GetContextInfo()
	case m.ContactMessage != nil:
		return m.ContactMessage.GetContextInfo()
	}
	return nil
}

// unwrap returns the content inside the wrappers WhatsApp puts around a
// message (device-sent, ephemeral, view once, document with caption).
func unwrap(m *waE2E.Message) *waE2E.Message {
	for m != nil {
		switch {
		case m.GetDeviceSentMessage().GetMessage() != nil:
			m = m.GetDeviceSentMessage().GetMessage()
		case m.GetEphemeralMessage().GetMessage() != nil:
			m = m.GetEphemeralMessage().GetMessage()
		case m.GetViewOnceMessage().GetMessage() != nil:
			m = m.GetViewOnceMessage().GetMessage()
		case m.GetViewOnceMessageV2().GetMessage() != nil:
			m = m.GetViewOnceMessageV2().GetMessage()
		case m.GetDocumentWithCaptionMessage().GetMessage() != nil:
			m = m.GetDocumentWithCaptionMessage().GetMessage()
		case m.GetEditedMessage().GetMessage() != nil:
			m = m.GetEditedMessage().GetMessage()
		default:
			return m
		}
	}
	return m
}

// describe fills the content fields of r from m.
func (r *RecordedMessage) describe(m *waE2E.Message) {
	r.Message = m
	m = unwrap(m)
	if m == nil {
		r.Type = "other"
		return
	}
	if ci := contextInfo(m); ci != nil {
		r.QuotedID, r.QuotedParticipant = ci.GetStanzaID(), ci.GetParticipant()
	}
	switch {
	case m.Conversation != nil:
		r.Type, r.Text = "text", m.GetConversation()
	case m.ExtendedTextMessage != nil:
		r.Type, r.Text = "text", m.GetExtendedTextMessage().GetText()
	case m.ImageMessage != nil:
		im := m.GetImageMessage()
		r.Type, r.Text, r.MimeType = "image", im.GetCaption(), im.GetMimetype()
	case m.VideoMessage != nil:
		vm := m.GetVideoMessage()
		r.Type, r.Text, r.MimeType = "video", vm.GetCaption(), vm.GetMimetype()
	case m.AudioMessage != nil:
		am := m.GetAudioMessage()
		r.Type, r.MimeType = "audio", am.GetMimetype()
		if am.GetPTT() {
			r.Type = "voice"
		}
	case m.DocumentMessage != nil:
		dm := m.GetDocumentMessage()
		r.Type, r.Text, r.MimeType, r.FileName = "document", dm.GetCaption(), dm.GetMimetype(), dm.GetFileName()
	case m.StickerMessage != nil:
		r.Type, r.MimeType = "sticker", m.GetStickerMessage().GetMimetype()
	case m.LocationMessage != nil:
		r.Type, r.Text = "location", m.GetLocationMessage().GetName()
	case m.ContactMessage != nil:
		r.Type, r.Text = "contact", m.GetContactMessage().GetDisplayName()
	case m.ReactionMessage != nil:
		r.Type, r.Text, r.TargetID = "reaction", m.GetReactionMessage().GetText(), m.GetReactionMessage().GetKey().GetID()
	case m.ProtocolMessage != nil:
		pm := m.GetProtocolMessage()
		r.TargetID = pm.GetKey().GetID()
		switch pm.GetType() {
		case waE2E.ProtocolMessage_MESSAGE_EDIT:
			r.Type = "edit"
			var edited RecordedMessage
			edited.describe(pm.GetEditedMessage())
			r.Text = edited.Text
		case waE2E.ProtocolMessage_REVOKE:
			r.Type = "revoke"
		default:
			r.Type = "protocol"
		}
	default:
		r.Type = "other"
	}
}
