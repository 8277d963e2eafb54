package meow

import (
	"encoding/hex"
	"encoding/json"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// mediaRef is what Download needs, kept in whatsapp.Media.Ref as JSON.
type mediaRef struct {
	DirectPath    string `json:"directPath"`
	MediaKey      []byte `json:"mediaKey"`
	FileSHA256    []byte `json:"fileSha256"`
	FileEncSHA256 []byte `json:"fileEncSha256"`
	MediaType     string `json:"mediaType"` // whatsmeow.MediaType, the HKDF info string
	Size          int64  `json:"size"`
}

// jidResolver maps a LID to the phone-number JID the device store knows
// for it; ok is false when it knows none.
type jidResolver func(lid types.JID) (pn types.JID, ok bool)

// convertMessage turns a whatsmeow message event into a Synapse message.
// ok is false for messages Synapse does not keep (protocol messages,
// sender-key distributions, reactions, polls…), which are acknowledged
// without being stored.
func convertMessage(evt *events.Message, me types.JID, resolve jidResolver) (whatsapp.Message, bool) {
	info := evt.Info
	m := evt.Message
	if m == nil {
		return whatsapp.Message{}, false
	}
	chat := info.Chat.ToNonAD()
	switch {
	case chat.Server == types.NewsletterServer || chat == types.StatusBroadcastJID:
		// Status updates and channels are not conversations of the
		// person: never stored or analysed.
		return whatsapp.Message{}, false
	case chat.Server == types.BroadcastServer && info.IsFromMe:
		// The person's own message to a broadcast list: WhatsApp keeps it
		// in the list, which is not a chat Synapse has.
		return whatsapp.Message{}, false
	case chat.Server == types.BroadcastServer:
		// A broadcast list message reaches its recipients as a message in
		// their direct chat with the sender, and is kept there.
		chat = info.Sender.ToNonAD()
		if chat.Server == types.HiddenUserServer && info.SenderAlt.Server == types.DefaultUserServer {
			chat = info.SenderAlt.ToNonAD()
		}
		info.Chat, info.IsGroup = chat, false
	}
	var chatLID, fromLID types.JID
	switch {
	case chat.Server == types.HiddenUserServer:
		// A direct chat addressed by the contact's LID is the same chat as
		// their phone number: the number the message carries, else the one
		// the device store learned.
		lid := chat
		switch {
		case !info.IsFromMe && info.SenderAlt.Server == types.DefaultUserServer:
			chat = info.SenderAlt.ToNonAD()
		case info.IsFromMe && info.RecipientAlt.Server == types.DefaultUserServer:
			chat = info.RecipientAlt.ToNonAD()
		default:
			if pn, ok := resolve(chat); ok {
				chat = pn
			}
		}
		if chat != lid {
			chatLID = lid
		}
	case chat.Server == types.DefaultUserServer && !info.IsGroup:
		// Addressed by number, naming the contact's LID too.
		if !info.IsFromMe && info.SenderAlt.Server == types.HiddenUserServer {
			chatLID = info.SenderAlt.ToNonAD()
		} else if info.IsFromMe && info.RecipientAlt.Server == types.HiddenUserServer {
			chatLID = info.RecipientAlt.ToNonAD()
		}
	}
	sender := info.Sender.ToNonAD()
	switch {
	case info.IsFromMe:
		sender = me.ToNonAD()
	case sender.Server == types.HiddenUserServer && info.SenderAlt.Server == types.DefaultUserServer:
		fromLID, sender = sender, info.SenderAlt.ToNonAD()
	case sender.Server == types.HiddenUserServer:
		if pn, ok := resolve(sender); ok {
			fromLID, sender = sender, pn
		}
	case sender.Server == types.DefaultUserServer && info.SenderAlt.Server == types.HiddenUserServer:
		fromLID = info.SenderAlt.ToNonAD()
	}
	out := whatsapp.Message{
		ID:        info.ID,
		ChatID:    chat.String(),
		IsGroup:   info.IsGroup,
		From:      sender.String(),
		FromMe:    info.IsFromMe,
		Timestamp: info.Timestamp.UTC(),
	}
	if !chatLID.IsEmpty() {
		out.ChatLID = chatLID.String()
	}
	if !fromLID.IsEmpty() {
		out.FromLID = fromLID.String()
	}
	if !info.IsFromMe {
		// The push name, else a business's verified name.
		name := info.PushName
		if name == "" && info.VerifiedName != nil {
			name = info.VerifiedName.Details.GetVerifiedName()
		}
		out.FromName = name
		if !info.IsGroup {
			out.ChatName = name
		}
	}
	if pm := m.GetProtocolMessage(); pm != nil {
		return convertChange(out, info, pm)
	}
	switch {
	case m.Conversation != nil:
		out.Type, out.Text = whatsapp.TypeText, m.GetConversation()
	case m.ExtendedTextMessage != nil:
		out.Type, out.Text = whatsapp.TypeText, m.GetExtendedTextMessage().GetText()
	case m.ImageMessage != nil:
		im := m.GetImageMessage()
		out.Type, out.Text = whatsapp.TypeImage, im.GetCaption()
		out.Media = media(im, whatsmeow.MediaImage, im.GetMimetype(), im.GetFileLength())
		out.Media.Width, out.Media.Height = int(im.GetWidth()), int(im.GetHeight())
	case m.AudioMessage != nil:
		au := m.GetAudioMessage()
		out.Type = whatsapp.TypeAudio
		if au.GetPTT() {
			out.Type = whatsapp.TypeVoice
		}
		out.Media = media(au, whatsmeow.MediaAudio, au.GetMimetype(), au.GetFileLength())
		out.Media.Seconds = int(au.GetSeconds())
	case m.VideoMessage != nil:
		v := m.GetVideoMessage()
		out.Type, out.Text = whatsapp.TypeVideo, v.GetCaption()
		out.Media = media(v, whatsmeow.MediaVideo, v.GetMimetype(), v.GetFileLength())
		out.Media.Seconds, out.Media.Width, out.Media.Height = int(v.GetSeconds()), int(v.GetWidth()), int(v.GetHeight())
	case m.DocumentMessage != nil:
		d := m.GetDocumentMessage()
		out.Type, out.Text = whatsapp.TypeDocument, d.GetCaption()
		out.Media = media(d, whatsmeow.MediaDocument, d.GetMimetype(), d.GetFileLength())
		out.Media.FileName = d.GetFileName()
	case m.StickerMessage != nil:
		s := m.GetStickerMessage()
		out.Type = whatsapp.TypeSticker
		out.Media = media(s, whatsmeow.MediaImage, s.GetMimetype(), s.GetFileLength())
		out.Media.Width, out.Media.Height = int(s.GetWidth()), int(s.GetHeight())
	case m.LocationMessage != nil:
		l := m.GetLocationMessage()
		out.Type = whatsapp.TypeLocation
		out.Location = &whatsapp.Location{Latitude: l.GetDegreesLatitude(), Longitude: l.GetDegreesLongitude(),
			Name: l.GetName(), Address: l.GetAddress(), URL: l.GetURL()}
		out.Text = l.GetComment()
	case m.LiveLocationMessage != nil:
		l := m.GetLiveLocationMessage()
		out.Type, out.Text = whatsapp.TypeLocation, l.GetCaption()
		out.Location = &whatsapp.Location{Latitude: l.GetDegreesLatitude(), Longitude: l.GetDegreesLongitude()}
	case m.ContactMessage != nil:
		c := m.GetContactMessage()
		out.Type = whatsapp.TypeContact
		out.Contact = &whatsapp.Contact{DisplayName: c.GetDisplayName(), VCard: c.GetVcard()}
	case m.ContactsArrayMessage != nil:
		ca := m.GetContactsArrayMessage()
		var cards []string
		for _, c := range ca.GetContacts() {
			cards = append(cards, c.GetVcard())
		}
		out.Type = whatsapp.TypeContact
		out.Contact = &whatsapp.Contact{DisplayName: ca.GetDisplayName(), VCard: strings.Join(cards, "\n")}
	default:
		return whatsapp.Message{}, false
	}
	ci := contextOf(m)
	out.ReplyTo = ci.GetStanzaID()
	out.Forwarded = ci.GetIsForwarded() || ci.GetForwardingScore() > 0
	for _, s := range ci.GetMentionedJID() {
		// Groups mention by LID more and more: the phone number when the
		// device store knows it, so that the person's own is recognised.
		if j, err := types.ParseJID(s); err == nil && j.Server == types.HiddenUserServer {
			if pn, ok := resolve(j.ToNonAD()); ok {
				s = pn.String()
			}
		}
		out.Mentions = append(out.Mentions, s)
	}
	return out, true
}

// convertChange turns an edit or a deletion for everyone (a protocol
// message naming an earlier message by its key) into a change; other
// protocol messages are not kept.
func convertChange(out whatsapp.Message, info types.MessageInfo, pm *waE2E.ProtocolMessage) (whatsapp.Message, bool) {
	target := pm.GetKey().GetID()
	if target == "" {
		return whatsapp.Message{}, false
	}
	switch pm.GetType() {
	case waE2E.ProtocolMessage_MESSAGE_EDIT:
		out.Type, out.Text = whatsapp.TypeText, editedText(pm.GetEditedMessage())
		out.Change = &whatsapp.Change{Kind: whatsapp.ChangeEdit, TargetID: target}
	case waE2E.ProtocolMessage_REVOKE:
		out.Type = whatsapp.TypeText
		out.Change = &whatsapp.Change{Kind: whatsapp.ChangeRevoke, TargetID: target,
			ByAdmin: info.IsGroup && info.Edit == types.EditAttributeAdminRevoke}
	default:
		return whatsapp.Message{}, false
	}
	return out, true
}

// editedText is the new text of an edited message: its text, or the new
// caption of its media.
func editedText(m *waE2E.Message) string {
	switch {
	case m.GetConversation() != "":
		return m.GetConversation()
	case m.GetExtendedTextMessage() != nil:
		return m.GetExtendedTextMessage().GetText()
	case m.GetImageMessage() != nil:
		return m.GetImageMessage().GetCaption()
	case m.GetVideoMessage() != nil:
		return m.GetVideoMessage().GetCaption()
	case m.GetDocumentMessage() != nil:
		return m.GetDocumentMessage().GetCaption()
	}
	return ""
}

type downloadable interface {
	whatsmeow.DownloadableMessage
}

func media(d downloadable, mt whatsmeow.MediaType, mime string, size uint64) *whatsapp.Media {
	ref, _ := json.Marshal(mediaRef{
		DirectPath: d.GetDirectPath(), MediaKey: d.GetMediaKey(), FileSHA256: d.GetFileSHA256(),
		FileEncSHA256: d.GetFileEncSHA256(), MediaType: string(mt), Size: int64(size),
	})
	return &whatsapp.Media{Ref: string(ref), MimeType: mime, Size: int64(size), SHA256: hex.EncodeToString(d.GetFileSHA256())}
}

// textMessage is the outgoing message for a plain text.
func textMessage(text string) *waE2E.Message {
	return &waE2E.Message{Conversation: &text}
}

// parseChatID accepts "<digits>@s.whatsapp.net", "<id>@g.us", a contact
// WhatsApp only names by LID ("<digits>@lid") or bare digits.
func parseChatID(id string) (types.JID, error) {
	if id != "" && strings.Trim(id, "+0123456789") == "" {
		return types.NewJID(strings.TrimPrefix(id, "+"), types.DefaultUserServer), nil
	}
	jid, err := types.ParseJID(id)
	if err != nil || jid.User == "" || jid.Device != 0 {
		return types.JID{}, whatsapp.ErrInvalidChat
	}
	switch jid.Server {
	case types.DefaultUserServer, types.HiddenUserServer:
		if strings.Trim(jid.User, "0123456789") != "" {
			return types.JID{}, whatsapp.ErrInvalidChat
		}
		return jid, nil
	case types.GroupServer:
		return jid, nil
	}
	return types.JID{}, whatsapp.ErrInvalidChat
}
