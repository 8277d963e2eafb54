package wasim

import (
	"errors"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// Status is a status update (a "story") a phone posts.
type Status struct {
	// Text is a text status, or the caption of an image status.
	Text string
	// BackgroundARGB and TextARGB color a text status (defaults: a dark
	// green background, white text).
	BackgroundARGB, TextARGB uint32
	// Image makes it an image status.
	Image *Image
	// To are the contacts (numbers or JIDs of simulated phones) who may see
	// it: WhatsApp sends a status to the contacts the poster's privacy
	// setting allows, which the simulator does not model.
	To []string
	// ID is the message id (default: a new random one).
	ID string
}

var errEmptyStatus = errors.New("wasim: a status needs text or an image")

// PostStatus posts a status update as WhatsApp delivers it: a message
// from status@broadcast with participant (and participant_lid) naming the
// poster, encrypted with the poster's sender key for status@broadcast (a
// skmsg, plus a pairwise message carrying the key for devices that lack
// it), to the linked devices of every contact in s.To and of the poster
// (whatsmeow: events.Message with Chat status@broadcast). A text status is
// an ExtendedTextMessage with colors and font; an image status an
// ImageMessage with its caption. It returns the message id.
func (p *Phone) PostStatus(s Status) (string, error) {
	var msg *waE2E.Message
	switch {
	case s.Image != nil:
		img := *s.Image
		img.Caption = s.Text
		m, err := p.s.imageMessage(img)
		if err != nil {
			return "", err
		}
		msg = m
	case s.Text != "":
		if s.BackgroundARGB == 0 {
			s.BackgroundARGB = 0xff1e6e4f
		}
		if s.TextARGB == 0 {
			s.TextARGB = 0xffffffff
		}
		msg = &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
			Text: proto.String(s.Text), BackgroundArgb: proto.Uint32(s.BackgroundARGB), TextArgb: proto.Uint32(s.TextARGB),
			Font: waE2E.ExtendedTextMessage_SYSTEM.Enum(),
		}}
	default:
		return "", errEmptyStatus
	}
	audience := []*Phone{p}
	for _, to := range s.To {
		jid, err := parseChat(to)
		if err != nil {
			return "", err
		}
		c := p.s.phoneByJID(jid)
		if c == nil {
			return "", ErrUnknownPhone
		}
		audience = append(audience, c)
	}
	if s.ID == "" {
		s.ID = randomMessageID()
	}
	now := time.Now()
	plaintext, err := proto.Marshal(msg)
	if err != nil {
		return "", err
	}
	attrs := waBinary.Attrs{"id": s.ID, "type": messageType(msg), "t": strconv.FormatInt(now.Unix(), 10)}
	encAttrs := waBinary.Attrs{"v": "2"}
	if mt := mediaTypeAttr(msg); mt != "" {
		encAttrs["mediatype"] = mt
	}
	if err := p.sendSenderKey(types.StatusBroadcastJID, types.AddressingModePN, audience, plaintext, attrs, encAttrs); err != nil {
		return "", err
	}
	rec := RecordedMessage{ID: s.ID, Chat: types.StatusBroadcastJID.String(), From: p.JID().String(), Time: now}
	rec.describe(msg)
	for _, c := range audience[1:] {
		c.recordReceived(rec)
	}
	return s.ID, nil
}
