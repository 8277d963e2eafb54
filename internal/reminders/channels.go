package reminders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// TextHash identifies a message Synapse writes in a self-chat by its text.
func TextHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:16])
}

// SelfChat writes into the person's own "Message yourself" chat, sent by
// their linked device. The chat is the account's own JID as the session
// reports it (status me.jid), never another chat.
type SelfChat struct {
	Sessions whatsapp.Sessions
	Store    *store.Store
}

// Name is ChannelWhatsApp.
func (SelfChat) Name() string { return ChannelWhatsApp }

// Send writes the reminder's text.
func (c SelfChat) Send(ctx context.Context, userID string, r Reminder) error {
	_, err := c.Write(ctx, userID, r.Text, r.ItemKind, r.ItemID, "")
	return err
}

// Write sends text into the person's own chat (quoting replyTo, a message
// of that chat, when set) and records it as Synapse's own, about an item,
// so that analysis skips it and a reply to it acts on the item. It
// returns the sent message's id; whatsapp.ErrNotConnected when the
// session is not logged in.
func (c SelfChat) Write(ctx context.Context, userID, text, kind, itemID, replyTo string) (string, error) {
	st, err := c.Sessions.Status(ctx, userID)
	if err != nil {
		return "", err
	}
	if st.Status != whatsapp.StatusWorking || st.Me == nil || st.Me.JID == "" {
		return "", whatsapp.ErrNotConnected
	}
	own := st.Me.JID
	// The record comes first, so that the analysis of the stored message
	// (queued by its ingest) already finds it.
	rec, err := c.Store.AddSelfMessage(ctx, userID, TextHash(text), kind, itemID)
	if err != nil {
		return "", err
	}
	out := whatsapp.Outgoing{ChatID: own, Text: text}
	if replyTo != "" {
		if q, err := c.Store.GetMessage(ctx, userID, own, replyTo); err == nil {
			out.ReplyTo = &whatsapp.Quote{ID: q.ID, From: q.From, FromMe: q.FromMe, Text: q.Text}
		}
	}
	m, err := c.Sessions.Send(ctx, userID, out)
	if err != nil {
		return "", fmt.Errorf("reminders: write to self: %w", err)
	}
	if m.ChatID != own {
		return m.ID, fmt.Errorf("reminders: sent into %s, not the own chat", m.ChatID)
	}
	return m.ID, c.Store.SetSelfMessageID(ctx, userID, rec, m.ID)
}

// Realtime announces a reminder on the person's realtime streams (the API's
// WebSocket and SSE, and the web UI, which shows a notice).
type Realtime struct{ Publisher realtime.Publisher }

// Name is ChannelWeb.
func (Realtime) Name() string { return ChannelWeb }

// Send publishes a reminder.due event.
func (c Realtime) Send(_ context.Context, userID string, r Reminder) error {
	c.Publisher.Publish(userID, domain.EventReminderDue, r)
	return nil
}
