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
	"google.golang.org/protobuf/proto"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// historyBatch is how many history messages go to the handler at once:
// small enough that live messages committed beside them wait little.
const historyBatch = 100

// resolver maps LIDs to phone numbers through the device store.
func (c *client) resolver(ctx context.Context, cli *whatsmeow.Client) jidResolver {
	return func(lid types.JID) (types.JID, bool) {
		pn, err := cli.Store.LIDs.GetPNForLID(ctx, lid)
		return pn, err == nil && !pn.IsEmpty()
	}
}

// importHistory takes a history sync notification from the own phone (the
// initial bootstrap, recent, full or on-demand history a newly linked
// device gets): it is kept in synapse_meow_history before this handler
// returns, since whatsmeow tells the phone at once that it arrived, and
// then imported (drainHistory). A failed or interrupted import (a crash, the
// database down) stays there and is imported again later or after a
// restart; messages already stored are not stored twice.
func (c *client) importHistory(ctx context.Context, cli *whatsmeow.Client, evt *events.Message, n *waE2E.HistorySyncNotification) bool {
	if !evt.Info.IsFromMe {
		return true // only the own phone sends history
	}
	if c.e.o.HistoryDays <= 0 {
		_ = cli.SendProtocolMessageReceipt(ctx, evt.Info.ID, types.ReceiptTypeHistorySync)
		return true // none wanted
	}
	raw, err := proto.Marshal(n)
	if err != nil {
		return true
	}
	if _, err := c.e.o.DB.ExecContext(ctx, `INSERT INTO synapse_meow_history (session_id, message_id, notification, received_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (session_id, message_id) DO NOTHING`, c.id, evt.Info.ID, raw, time.Now().UnixMilli()); err != nil {
		c.log.Warn("keeping a history notification failed; WhatsApp delivers it again", "err", err)
		c.scheduleRedelivery(cli)
		return false
	}
	// Imported beside the event loop, so that live messages do not wait
	// behind a history chunk; the notification is safe in the table.
	go c.drainHistory(cli)
	return true
}

// drainHistory imports the session's kept history notifications, oldest
// first, deleting each once its history is stored. After a failure it
// tries again later, with back-off.
func (c *client) drainHistory(cli *whatsmeow.Client) {
	c.historyMu.Lock()
	defer c.historyMu.Unlock()
	c.mu.Lock()
	ctx := c.ctx
	c.mu.Unlock()
	if !c.current(cli) || ctx == nil {
		return
	}
	type kept struct {
		id  string
		raw []byte
	}
	rows, err := c.e.o.DB.QueryContext(ctx, `SELECT message_id, notification FROM synapse_meow_history WHERE session_id = $1 ORDER BY received_at, message_id`, c.id)
	if err != nil {
		c.retryHistory(cli, err)
		return
	}
	var todo []kept
	for rows.Next() {
		var k kept
		if err := rows.Scan(&k.id, &k.raw); err != nil {
			rows.Close()
			c.retryHistory(cli, err)
			return
		}
		todo = append(todo, k)
	}
	rows.Close()
	for _, k := range todo {
		var n waE2E.HistorySyncNotification
		if err := proto.Unmarshal(k.raw, &n); err == nil {
			if err := c.importChunk(ctx, cli, &n); err != nil {
				c.retryHistory(cli, err)
				return
			}
		}
		if _, err := c.e.o.DB.ExecContext(ctx, `DELETE FROM synapse_meow_history WHERE session_id = $1 AND message_id = $2`, c.id, k.id); err != nil {
			c.retryHistory(cli, err)
			return
		}
		// The phone learns that this device has the chunk only now.
		if err := cli.SendProtocolMessageReceipt(ctx, k.id, types.ReceiptTypeHistorySync); err != nil {
			c.log.Debug("acknowledging a history chunk to the phone", "err", err)
		}
	}
	c.mu.Lock()
	c.historyFailures = 0
	c.mu.Unlock()
}

// retryHistory schedules the next attempt at the kept history.
func (c *client) retryHistory(cli *whatsmeow.Client, err error) {
	c.mu.Lock()
	c.historyFailures++
	n := c.historyFailures
	c.mu.Unlock()
	d := c.e.backoff(n)
	c.log.Warn("importing history failed; trying again", "in", d.Round(time.Second).String(), "err", err)
	time.AfterFunc(d, func() { c.drainHistory(cli) })
}

// importChunk downloads one history chunk and stores its conversations as
// chats with their names, and their messages within Options.HistoryDays
// through the same handler as live messages (so the knowledge pipeline runs
// over them, and a message already stored is not stored twice). A chunk
// WhatsApp no longer serves is skipped.
func (c *client) importChunk(ctx context.Context, cli *whatsmeow.Client, n *waE2E.HistorySyncNotification) error {
	hctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	hs, err := cli.DownloadHistorySync(hctx, n, true)
	if isGone(err) {
		c.log.Warn("a history chunk is no longer served by WhatsApp; skipped", "sync_type", n.GetSyncType().String())
		return nil
	}
	if err != nil {
		return err
	}
	resolve := c.resolver(hctx, cli)
	if hs.GetSyncType() == waHistorySync.HistorySync_PUSH_NAME {
		// whatsmeow keeps them in its contact store (names for senders
		// of live messages); direct chats made without a name get theirs.
		c.namePushNames(hs.GetPushnames(), resolve)
		return nil
	}
	cutoff := time.Now().AddDate(0, 0, -c.e.o.HistoryDays)
	me := cli.Store.GetJID()
	var chats []whatsapp.Chat
	var batch []whatsapp.Message
	stored := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := c.h.HandleMessages(whatsapp.Backfill(hctx), batch); err != nil {
			return err
		}
		stored += len(batch)
		batch = batch[:0]
		return nil
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
		isGroup := jid.Server == types.GroupServer
		if isGroup {
			// A group the person is in is a chat even when quiet.
			chats = append(chats, whatsapp.Chat{ID: jid.ToNonAD().String(), Name: name, IsGroup: true})
		}
		kept := false
		for _, hm := range conv.GetMessages() {
			mevt, err := cli.ParseWebMessage(jid, hm.GetMessage())
			if err != nil || mevt.Info.Timestamp.Before(cutoff) {
				continue
			}
			m, keep := convertMessage(mevt, me, resolve)
			if !keep {
				continue
			}
			if name != "" {
				// The phone's name for the chat, not the sender's push name.
				m.ChatName = name
			}
			if !kept && !isGroup {
				// A direct chat is one only with a message in the window.
				kept = true
				chats = append(chats, whatsapp.Chat{ID: jid.ToNonAD().String(), Name: name})
				if conv.GetName() != "" {
					// The phone's own name for the contact outranks the
					// push names their live messages carry.
					chats = append(chats, whatsapp.Chat{ID: jid.ToNonAD().String(), Contact: true, ContactName: conv.GetName()})
				}
			}
			batch = append(batch, m)
			if len(batch) >= historyBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if len(chats) > 0 {
		c.h.HandleEvent(whatsapp.ChatsUpdated{Chats: chats})
	}
	c.mu.Lock()
	if c.historyChats == nil {
		c.historyChats = map[string]bool{}
	}
	for _, ch := range chats {
		if !ch.Contact {
			c.historyChats[ch.ID] = true
		}
	}
	c.historyMessages += stored
	p := whatsapp.HistoryProgress{Chats: len(c.historyChats), Messages: c.historyMessages, Progress: int(hs.GetProgress()),
		Done: historyDone(hs)}
	c.mu.Unlock()
	c.log.Info("history imported", "sync_type", hs.GetSyncType().String(), "chunk", hs.GetChunkOrder(), "chats", len(chats), "messages", stored, "progress", hs.GetProgress())
	c.h.HandleEvent(p)
	return nil
}

// historyDone reports whether a chunk ends what the phone sends: the last
// RECENT, FULL or on-demand chunk, or a bootstrap after which nothing more
// remains on the phone for any of its conversations (no RECENT chunks
// follow it then).
func historyDone(hs *waHistorySync.HistorySync) bool {
	if hs.GetProgress() < 100 {
		return false
	}
	if hs.GetSyncType() != waHistorySync.HistorySync_INITIAL_BOOTSTRAP {
		return true
	}
	for _, conv := range hs.GetConversations() {
		if conv.GetEndOfHistoryTransferType() != waHistorySync.Conversation_COMPLETE_AND_NO_MORE_MESSAGE_REMAIN_ON_PRIMARY {
			return false
		}
	}
	return true
}

// namePushNames names the direct chats that have no name yet by the push
// names of a history's PUSH_NAME chunk.
func (c *client) namePushNames(names []*waHistorySync.Pushname, resolve jidResolver) {
	var chats []whatsapp.Chat
	for _, pn := range names {
		jid, err := types.ParseJID(pn.GetID())
		if err != nil || pn.GetPushname() == "" {
			continue
		}
		if jid.Server == types.HiddenUserServer {
			if pnJID, ok := resolve(jid); ok {
				jid = pnJID
			}
		}
		if jid.Server != types.DefaultUserServer {
			continue
		}
		chats = append(chats, whatsapp.Chat{ID: jid.ToNonAD().String(), Name: pn.GetPushname(), Rename: true, Unnamed: true})
	}
	if len(chats) > 0 {
		c.h.HandleEvent(whatsapp.ChatsUpdated{Chats: chats})
	}
}

// isGone reports a download WhatsApp answered with 404 or 410: the file
// has expired from its servers.
func isGone(err error) bool {
	return errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404) || errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410)
}

// reportContacts hands the address book in the device store (names the
// person gave their contacts) to the handler in one event.
func (c *client) reportContacts(cli *whatsmeow.Client) {
	ctx := c.ctxOf()
	all, err := cli.Store.Contacts.GetAllContacts(ctx)
	if err != nil {
		c.log.Warn("reading the address book", "err", err)
		return
	}
	var chats []whatsapp.Chat
	for jid, ci := range all {
		name := ci.FullName
		if name == "" {
			name = ci.FirstName
		}
		if name == "" || !c.current(cli) {
			continue
		}
		if jid.Server == types.HiddenUserServer {
			pn, ok := c.resolver(ctx, cli)(jid)
			if !ok {
				continue
			}
			jid = pn
		}
		if jid.Server == types.DefaultUserServer {
			chats = append(chats, whatsapp.Chat{ID: jid.ToNonAD().String(), Contact: true, ContactName: name})
		}
	}
	if len(chats) > 0 {
		c.h.HandleEvent(whatsapp.ChatsUpdated{Chats: chats})
	}
}
