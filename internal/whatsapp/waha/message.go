package waha

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// payload is a WAHA message (the fields Synapse uses; engines add more).
type payload struct {
	ID          string        `json:"id"`
	Timestamp   int64         `json:"timestamp"`
	From        string        `json:"from"`
	FromMe      bool          `json:"fromMe"`
	To          string        `json:"to"`
	Participant string        `json:"participant"`
	Author      string        `json:"author"`
	Body        string        `json:"body"`
	HasMedia    bool          `json:"hasMedia"`
	Media       *mediaInfo    `json:"media"`
	Location    *locationInfo `json:"location"`
	VCards      []string      `json:"vCards"`
	ReplyTo     *struct {
		ID string `json:"id"`
	} `json:"replyTo"`
	Data rawData `json:"_data"`
}

type mediaInfo struct {
	URL      string `json:"url"`
	MimeType string `json:"mimetype"`
	FileName string `json:"filename"`
	Error    any    `json:"error"`
}

type locationInfo struct {
	Latitude    number `json:"latitude"`
	Longitude   number `json:"longitude"`
	Description string `json:"description"`
	Name        string `json:"name"`
	Address     string `json:"address"`
	URL         string `json:"url"`
}

// number is a coordinate WAHA sends as a number or as a string.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*n = number(f)
	return nil
}

// rawData is WAHA's engine-specific "_data"; only the sender's push name
// and the voice-note flag are read from it, wherever the engine puts them.
type rawData struct {
	PushName  string
	PTT       bool
	Forwarded bool
}

func (d *rawData) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil // engines differ; a shape we do not know is not an error
	}
	for _, k := range []string{"notifyName", "pushName", "PushName"} {
		if s, ok := m[k].(string); ok && s != "" {
			d.PushName = s
			break
		}
	}
	if info, ok := m["Info"].(map[string]any); ok && d.PushName == "" {
		if s, ok := info["PushName"].(string); ok {
			d.PushName = s
		}
	}
	if t, _ := m["type"].(string); t == "ptt" {
		d.PTT = true
	}
	if msg, ok := m["message"].(map[string]any); ok {
		if audio, ok := msg["audioMessage"].(map[string]any); ok {
			if ptt, _ := audio["ptt"].(bool); ptt {
				d.PTT = true
			}
		}
	}
	// Forwarded: WEBJS says it at the top; NOWEB and GOWS in the
	// context of the message's content, as WhatsApp does.
	d.Forwarded = forwarded(m)
	for _, k := range []string{"message", "Message"} {
		if msg, ok := m[k].(map[string]any); ok {
			for _, content := range msg {
				if c, ok := content.(map[string]any); ok {
					if ci, ok := c["contextInfo"].(map[string]any); ok && forwarded(ci) {
						d.Forwarded = true
					}
				}
			}
		}
	}
	return nil
}

// forwarded reads WhatsApp's forwarded flag from a map of WAHA's raw data.
func forwarded(m map[string]any) bool {
	f, _ := m["isForwarded"].(bool)
	score, _ := m["forwardingScore"].(float64)
	return f || score > 0
}

// messageID keeps the WhatsApp id of WAHA's "<fromMe>_<chat>_<id>[_…]".
func messageID(id string) string {
	parts := strings.Split(id, "_")
	if len(parts) >= 3 && (parts[0] == "true" || parts[0] == "false") {
		return parts[2]
	}
	return id
}

// header reads who wrote a WAHA message, where and when; ok is false for
// status updates, broadcast lists, channels and messages without an id.
func header(p *payload, self *me) (whatsapp.Message, bool) {
	chat := p.From
	if p.FromMe {
		chat = p.To
	}
	m := whatsapp.Message{
		ID:        messageID(p.ID),
		ChatID:    toJID(chat),
		IsGroup:   strings.HasSuffix(chat, "@g.us"),
		FromMe:    p.FromMe,
		Text:      p.Body,
		FromName:  p.Data.PushName,
		Timestamp: time.Unix(p.Timestamp, 0).UTC(),
	}
	switch {
	case p.FromMe && self != nil:
		m.From, m.FromName = toJID(self.ID), self.PushName
	case m.IsGroup && p.Participant != "":
		m.From = toJID(p.Participant)
	case m.IsGroup && p.Author != "":
		m.From = toJID(p.Author)
	default:
		m.From = toJID(p.From)
	}
	kept := m.ID != "" && m.ChatID != "" && !strings.HasSuffix(chat, "@broadcast") && !strings.HasSuffix(chat, "@newsletter")
	return m, kept
}

// editedPayload is WAHA's "message.edited": the edit as a message, its new
// text in body, and the id of the message it changes.
type editedPayload struct {
	payload
	EditedMessageID string `json:"editedMessageId"`
}

// convertEdit turns WAHA's "message.edited" into a change of the earlier
// message; ok is false when it names no message.
func convertEdit(p *editedPayload, self *me) (whatsapp.Message, bool) {
	m, ok := header(&p.payload, self)
	target := messageID(p.EditedMessageID)
	if !ok || target == "" {
		return m, false
	}
	m.Type, m.Text = whatsapp.TypeText, p.Body
	m.Change = &whatsapp.Change{Kind: whatsapp.ChangeEdit, TargetID: target}
	return m, true
}

// revokedPayload is WAHA's "message.revoked": the revocation as a message
// (after), the message it deletes when WAHA still had it (before), and
// that message's id.
type revokedPayload struct {
	After            *payload `json:"after"`
	Before           *payload `json:"before"`
	RevokedMessageID string   `json:"revokedMessageId"`
}

// convertRevoke turns WAHA's "message.revoked" into a deletion for everyone
// of the earlier message; a group message deleted by someone other than its
// sender was deleted by an admin.
func convertRevoke(p *revokedPayload, self *me) (whatsapp.Message, bool) {
	by := p.After
	if by == nil {
		by = p.Before
	}
	if by == nil {
		return whatsapp.Message{}, false
	}
	m, ok := header(by, self)
	target := messageID(p.RevokedMessageID)
	if target == "" && p.Before != nil {
		target = messageID(p.Before.ID)
	}
	if p.After == nil {
		// Only the deleted message is known: the change has no id of its
		// own, and was made by that message's sender.
		m.ID = "revoke-" + target
	}
	if !ok || target == "" {
		return m, false
	}
	m.Type, m.Text = whatsapp.TypeText, ""
	byAdmin := false
	if m.IsGroup && p.After != nil && p.Before != nil {
		original, _ := header(p.Before, self)
		byAdmin = original.From != "" && original.From != m.From
	}
	m.Change = &whatsapp.Change{Kind: whatsapp.ChangeRevoke, TargetID: target, ByAdmin: byAdmin}
	return m, true
}

// convert turns a WAHA message into Synapse's; ok is false for messages
// Synapse does not keep (no text, media, place or contact).
func convert(p *payload, self *me) (whatsapp.Message, bool) {
	m, ok := header(p, self)
	if !ok {
		return m, false
	}
	switch {
	case p.HasMedia:
		media := &whatsapp.Media{}
		if p.Media != nil && p.Media.Error == nil {
			media.Ref, media.MimeType, media.FileName = p.Media.URL, p.Media.MimeType, p.Media.FileName
		}
		m.Media = media
		m.Type = mediaType(media.MimeType, p.Data.PTT)
	case p.Location != nil && (p.Location.Latitude != 0 || p.Location.Longitude != 0):
		name := p.Location.Name
		if name == "" {
			name = p.Location.Description
		}
		m.Type = whatsapp.TypeLocation
		m.Location = &whatsapp.Location{Latitude: float64(p.Location.Latitude), Longitude: float64(p.Location.Longitude),
			Name: name, Address: p.Location.Address, URL: p.Location.URL}
		m.Text = ""
	case len(p.VCards) > 0 && p.VCards[0] != "":
		m.Type = whatsapp.TypeContact
		m.Contact = &whatsapp.Contact{DisplayName: vcardName(p.VCards[0]), VCard: p.VCards[0]}
		m.Text = ""
	case strings.TrimSpace(p.Body) != "":
		m.Type = whatsapp.TypeText
	default:
		return m, false
	}
	if p.ReplyTo != nil {
		m.ReplyTo = messageID(p.ReplyTo.ID)
	}
	m.Forwarded = p.Data.Forwarded
	return m, true
}

func mediaType(mime string, ptt bool) whatsapp.MessageType {
	mime = strings.ToLower(mime)
	switch {
	case mime == "image/webp":
		return whatsapp.TypeSticker
	case strings.HasPrefix(mime, "image/"):
		return whatsapp.TypeImage
	case strings.HasPrefix(mime, "audio/"):
		if ptt || strings.Contains(mime, "ogg") || strings.Contains(mime, "opus") {
			return whatsapp.TypeVoice
		}
		return whatsapp.TypeAudio
	case strings.HasPrefix(mime, "video/"):
		return whatsapp.TypeVideo
	}
	return whatsapp.TypeDocument
}

// vcardName returns a vCard's FN.
func vcardName(card string) string {
	for line := range strings.SplitSeq(card, "\n") {
		line = strings.TrimRight(line, "\r")
		if v, ok := strings.CutPrefix(line, "FN:"); ok {
			return v
		}
	}
	return ""
}
