package meow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Send implements whatsapp.Client: a text (quoting an earlier message when
// out.ReplyTo is set), or an image or document uploaded to WhatsApp's media
// servers first, with the text as its caption.
func (c *client) Send(ctx context.Context, out whatsapp.Outgoing) (whatsapp.Message, error) {
	jid, err := parseChatID(out.ChatID)
	if err != nil {
		return whatsapp.Message{}, err
	}
	cli, err := c.live()
	if err != nil {
		return whatsapp.Message{}, err
	}
	if !cli.IsLoggedIn() {
		return whatsapp.Message{}, whatsapp.ErrNotConnected
	}
	var ci *waE2E.ContextInfo
	if q := out.ReplyTo; q != nil {
		from := q.From
		if q.FromMe || from == "" {
			from = cli.Store.GetJID().ToNonAD().String()
		}
		ci = &waE2E.ContextInfo{StanzaID: proto.String(q.ID), Participant: proto.String(from),
			QuotedMessage: &waE2E.Message{Conversation: proto.String(q.Text)}}
	}
	chat := jid
	if jid.Server == types.HiddenUserServer {
		// Sent to a contact's LID: kept in the chat with their number when
		// it is known, where their own messages are.
		if pn, ok := c.resolver(ctx, cli)(jid); ok {
			chat = pn.ToNonAD()
		}
	}
	msg := whatsapp.Message{
		ChatID: chat.String(), IsGroup: jid.Server == types.GroupServer,
		From: cli.Store.GetJID().ToNonAD().String(), FromName: cli.Store.PushName, FromMe: true,
		Type: whatsapp.TypeText, Text: out.Text,
	}
	if chat != jid {
		msg.ChatLID = jid.String()
	}
	if out.ReplyTo != nil {
		msg.ReplyTo = out.ReplyTo.ID
	}
	var wm *waE2E.Message
	switch a := out.Attachment; {
	case a == nil && ci == nil:
		wm = textMessage(out.Text)
	case a == nil:
		wm = &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(out.Text), ContextInfo: ci}}
	case a.Type == whatsapp.TypeImage:
		up, err := cli.Upload(ctx, a.Data, whatsmeow.MediaImage)
		if err != nil {
			return whatsapp.Message{}, sendError("upload", err)
		}
		im := &waE2E.ImageMessage{
			URL: proto.String(up.URL), DirectPath: proto.String(up.DirectPath), MediaKey: up.MediaKey,
			FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: proto.Uint64(up.FileLength),
			Mimetype: proto.String(a.MimeType), Caption: optional(out.Text), ContextInfo: ci,
		}
		if a.Width > 0 && a.Height > 0 {
			im.Width, im.Height = proto.Uint32(uint32(a.Width)), proto.Uint32(uint32(a.Height))
		}
		wm = &waE2E.Message{ImageMessage: im}
		msg.Type = whatsapp.TypeImage
		msg.Media = media(im, whatsmeow.MediaImage, a.MimeType, up.FileLength)
		msg.Media.Width, msg.Media.Height = a.Width, a.Height
	case a.Type == whatsapp.TypeDocument:
		up, err := cli.Upload(ctx, a.Data, whatsmeow.MediaDocument)
		if err != nil {
			return whatsapp.Message{}, sendError("upload", err)
		}
		dm := &waE2E.DocumentMessage{
			URL: proto.String(up.URL), DirectPath: proto.String(up.DirectPath), MediaKey: up.MediaKey,
			FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: proto.Uint64(up.FileLength),
			Mimetype: proto.String(a.MimeType), FileName: proto.String(a.FileName), Title: proto.String(a.FileName),
			Caption: optional(out.Text), ContextInfo: ci,
		}
		wm = &waE2E.Message{DocumentMessage: dm}
		msg.Type = whatsapp.TypeDocument
		msg.Media = media(dm, whatsmeow.MediaDocument, a.MimeType, up.FileLength)
		msg.Media.FileName = a.FileName
	default:
		return whatsapp.Message{}, whatsapp.ErrNotSupported
	}
	resp, err := cli.SendMessage(ctx, jid, wm)
	if err != nil {
		return whatsapp.Message{}, sendError("send", err)
	}
	msg.ID, msg.Timestamp = resp.ID, resp.Timestamp.UTC()
	if resp.Timestamp.IsZero() {
		msg.Timestamp = time.Now().UTC()
	}
	return msg, nil
}

// optional is nil for an empty string, as WhatsApp leaves out an empty
// caption.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// sendError maps a failed send or upload to the seam's errors.
func sendError(op string, err error) error {
	if errors.Is(err, whatsmeow.ErrNotLoggedIn) || errors.Is(err, whatsmeow.ErrNotConnected) {
		return whatsapp.ErrNotConnected
	}
	return fmt.Errorf("meow: %s: %w", op, err)
}

// RequestHistory implements whatsapp.HistoryRequester: an on-demand history
// request to the own phone (a peer message) for up to count messages of the
// chat older than oldest. The phone answers with an ON_DEMAND history sync,
// which is imported as the rest of the history is.
func (c *client) RequestHistory(ctx context.Context, chatID string, oldest whatsapp.MessageRef, count int) error {
	jid, err := parseChatID(chatID)
	if err != nil {
		return err
	}
	cli, err := c.live()
	if err != nil {
		return err
	}
	if !cli.IsLoggedIn() {
		return whatsapp.ErrNotConnected
	}
	if c.e.o.HistoryDays <= 0 {
		return whatsapp.ErrNotSupported
	}
	info := &types.MessageInfo{MessageSource: types.MessageSource{Chat: jid, IsFromMe: oldest.FromMe, IsGroup: jid.Server == types.GroupServer},
		ID: oldest.ID, Timestamp: oldest.Timestamp}
	if _, err := cli.SendPeerMessage(ctx, cli.BuildHistorySyncRequest(info, count)); err != nil {
		return sendError("history request", err)
	}
	c.log.Info("asked the phone for older messages", "chat_id", jid.String(), "count", count)
	return nil
}

// contextOf returns the ContextInfo of a message's main content, which
// names the message it quotes.
func contextOf(m *waE2E.Message) *waE2E.ContextInfo {
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

// SetOnline implements whatsapp.Presencer: "available" or "unavailable"
// presence. Synapse calls it only for people who share their presence.
func (c *client) SetOnline(ctx context.Context, online bool) error {
	cli, err := c.live()
	if err != nil {
		return err
	}
	if !cli.IsLoggedIn() {
		return whatsapp.ErrNotConnected
	}
	state := types.PresenceUnavailable
	if online {
		state = types.PresenceAvailable
	}
	if err := cli.SendPresence(ctx, state); err != nil {
		return sendError("presence", err)
	}
	return nil
}

// MarkRead implements whatsapp.Presencer: read receipts for messages of a
// chat, one per sender (in groups each sender gets their own).
func (c *client) MarkRead(ctx context.Context, chatID string, msgs []whatsapp.ReadMark) error {
	jid, err := parseChatID(chatID)
	if err != nil {
		return err
	}
	cli, err := c.live()
	if err != nil {
		return err
	}
	if !cli.IsLoggedIn() {
		return whatsapp.ErrNotConnected
	}
	type batch struct {
		ids    []types.MessageID
		newest time.Time
	}
	bySender := map[types.JID]*batch{}
	var order []types.JID
	for _, m := range msgs {
		sender := types.EmptyJID
		if jid.Server == types.GroupServer {
			s, err := types.ParseJID(m.Sender)
			if err != nil {
				continue
			}
			sender = s
		}
		b := bySender[sender]
		if b == nil {
			b = &batch{}
			bySender[sender] = b
			order = append(order, sender)
		}
		b.ids = append(b.ids, m.ID)
		if m.Timestamp.After(b.newest) {
			b.newest = m.Timestamp
		}
	}
	for _, sender := range order {
		b := bySender[sender]
		if err := cli.MarkRead(ctx, b.ids, b.newest, jid, sender); err != nil {
			return sendError("read receipt", err)
		}
	}
	return nil
}
