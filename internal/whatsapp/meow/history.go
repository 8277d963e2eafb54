package meow

import (
	"context"
	"errors"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// historyBatch is how many history messages go to the handler at once.
const historyBatch = 500

// resolver maps LIDs to phone numbers through the device store.
func (c *client) resolver(ctx context.Context, cli *whatsmeow.Client) jidResolver {
	return func(lid types.JID) (types.JID, bool) {
		pn, err := cli.Store.LIDs.GetPNForLID(ctx, lid)
		return pn, err == nil && !pn.IsEmpty()
	}
}

// importHistory stores one chunk of the history the phone sends a newly
// linked device (initial bootstrap, recent, full or on demand): its
// conversations as chats with their names, and their messages within
// Options.HistoryDays through the same handler as live messages (so the
// knowledge pipeline runs over them, and a message already stored is not
// stored again). It runs inside the notification's message event: the
// notification is acknowledged only after the whole chunk is stored, so a
// crash or a failure in the middle leaves it for WhatsApp to deliver again,
// and the import resumes where it was without duplicates.
func (c *client) importHistory(ctx context.Context, cli *whatsmeow.Client, evt *events.Message, n *waE2E.HistorySyncNotification) bool {
	if !evt.Info.IsFromMe || c.e.o.HistoryDays <= 0 {
		return true // only the own phone sends history; none wanted
	}
	hctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	hs, err := cli.DownloadHistorySync(hctx, n, true)
	if err != nil {
		// A blob WhatsApp no longer serves is gone for good; anything else
		// is tried again.
		if isGone(err) {
			c.log.Warn("a history sync blob is no longer served; skipped", "sync_type", n.GetSyncType().String(), "err", err)
			return true
		}
		c.log.Warn("downloading history failed; WhatsApp delivers it again", "sync_type", n.GetSyncType().String(), "err", err)
		c.scheduleRedelivery(cli)
		return false
	}
	if hs.GetSyncType() == waHistorySync.HistorySync_PUSH_NAME {
		return true // whatsmeow keeps push names in its contact store
	}
	cutoff := time.Now().AddDate(0, 0, -c.e.o.HistoryDays)
	me := cli.Store.GetJID()
	resolve := c.resolver(hctx, cli)
	var chats []whatsapp.Chat
	var batch []whatsapp.Message
	stored := 0
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		if err := c.h.HandleMessages(hctx, batch); err != nil {
			c.log.Warn("storing history failed; WhatsApp delivers it again", "err", err)
			c.scheduleRedelivery(cli)
			return false
		}
		stored += len(batch)
		batch = batch[:0]
		return true
	}
	for _, conv := range hs.GetConversations() {
		jid, err := types.ParseJID(conv.GetID())
		if err != nil || jid.Server == types.BroadcastServer || jid.Server == types.NewsletterServer {
			continue
		}
		if jid.Server == types.HiddenUserServer {
			if pn, ok := resolve(jid); ok {
				jid = pn
			}
		}
		name := conv.GetName()
		if name == "" {
			name = conv.GetDisplayName()
		}
		chats = append(chats, whatsapp.Chat{ID: jid.ToNonAD().String(), Name: name, IsGroup: jid.Server == types.GroupServer})
		for _, hm := range conv.GetMessages() {
			mevt, err := cli.ParseWebMessage(jid, hm.GetMessage())
			if err != nil || mevt.Info.Timestamp.Before(cutoff) {
				continue
			}
			m, keep := convertMessage(mevt, me, resolve)
			if !keep {
				continue
			}
			if name != "" && (m.IsGroup || m.ChatName == "" || m.FromMe) {
				m.ChatName = name
			}
			batch = append(batch, m)
			if len(batch) >= historyBatch && !flush() {
				return false
			}
		}
	}
	if len(chats) > 0 {
		c.h.HandleEvent(whatsapp.ChatsUpdated{Chats: chats})
	}
	if !flush() {
		return false
	}
	c.mu.Lock()
	c.historyChats += len(chats)
	c.historyMessages += stored
	p := whatsapp.HistoryProgress{Chats: c.historyChats, Messages: c.historyMessages, Progress: int(hs.GetProgress()),
		Done: hs.GetSyncType() != waHistorySync.HistorySync_INITIAL_BOOTSTRAP && hs.GetProgress() >= 100}
	c.mu.Unlock()
	c.log.Info("history imported", "sync_type", hs.GetSyncType().String(), "chunk", hs.GetChunkOrder(), "chats", len(chats), "messages", stored, "progress", hs.GetProgress())
	c.h.HandleEvent(p)
	return true
}

// isGone reports a download WhatsApp answered with 404 or 410: the file
// has expired from its servers.
func isGone(err error) bool {
	return errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404) || errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410)
}
