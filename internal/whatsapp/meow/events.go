package meow

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// onEvent is the whatsmeow event handler. With SynchronousAck, whatsmeow
// acknowledges a message only if every handler returned true: it returns
// false when the message could not be stored, so that WhatsApp keeps it.
func (c *client) onEvent(cli *whatsmeow.Client, evt any) bool {
	if msg, ok := evt.(*events.Message); ok {
		return c.onMessage(cli, msg)
	}
	if !c.current(cli) {
		return true
	}
	switch e := evt.(type) {
	case *events.PairSuccess:
		c.h.HandleEvent(whatsapp.PairSuccess{Me: whatsapp.Account{JID: e.ID.ToNonAD().String(), PushName: e.BusinessName}})
		// whatsmeow logs in again by itself after the 515 that follows
		// pairing; if that attempt fails nothing else would retry it.
		time.AfterFunc(30*time.Second, func() {
			if c.current(cli) && !cli.IsLoggedIn() {
				c.scheduleReconnect(cli)
			}
		})
	case *events.PairError:
		c.stopAsync(cli)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = c.e.forgetDevice(ctx, c.id)
		cancel()
		c.h.HandleEvent(whatsapp.PairError{Reason: e.Error.Error()})
	case *events.Connected:
		c.mu.Lock()
		c.attempts = 0
		c.mu.Unlock()
		c.h.HandleEvent(whatsapp.Connected{Me: whatsapp.Account{JID: cli.Store.GetJID().ToNonAD().String(), PushName: cli.Store.PushName}})
		// History that arrived before a restart or a failure is imported now.
		go c.drainHistory(cli)
	case *events.Disconnected:
		if cli.Store.ID == nil {
			return true // pairing: the QR channel reports it
		}
		c.mu.Lock()
		reason := "connection lost"
		if c.resetting {
			reason = "reconnecting to receive unacknowledged messages again"
			c.resetting = false
		}
		c.mu.Unlock()
		c.h.HandleEvent(whatsapp.Disconnected{Reason: reason, Retrying: true})
		c.scheduleReconnect(cli)
	case *events.KeepAliveTimeout:
		c.log.Warn("WhatsApp keepalive timed out", "errors", e.ErrorCount, "last_success", e.LastSuccess)
		if time.Since(e.LastSuccess) > whatsmeow.KeepAliveMaxFailTime {
			cli.Disconnect()
			c.h.HandleEvent(whatsapp.Disconnected{Reason: "keepalive timeout", Retrying: true})
			c.scheduleReconnect(cli)
		}
	case *events.KeepAliveRestored:
		c.log.Info("WhatsApp keepalive restored")
	case *events.LoggedOut:
		c.stopAsync(cli)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := c.e.forgetDevice(ctx, c.id); err != nil {
			c.log.Error("forget logged-out device", "err", err)
		}
		cancel()
		reason := "The phone unlinked this device. Scan a new QR code to connect again."
		if e.OnConnect {
			reason = "WhatsApp no longer accepts this linked device (" + e.Reason.String() + "). Scan a new QR code to connect again."
		}
		c.h.HandleEvent(whatsapp.LoggedOut{Reason: reason})
	case *events.StreamReplaced:
		c.stopAsync(cli)
		c.h.HandleEvent(whatsapp.Disconnected{Code: "replaced", Reason: "Another program connected with this linked device, so Synapse stepped back. Connect again to take it back."})
	case *events.ClientOutdated:
		c.stopAsync(cli)
		c.h.HandleEvent(whatsapp.Disconnected{Code: "outdated", Reason: "WhatsApp refused this version of Synapse as outdated. The server's administrator needs to update Synapse."})
	case *events.TemporaryBan:
		c.stopAsync(cli)
		c.log.Warn("temporarily banned by WhatsApp", "code", e.Code.String(), "expire", e.Expire)
		reason := "WhatsApp has temporarily banned this account from linked devices."
		if e.Expire > 0 {
			reason += fmt.Sprintf(" The ban ends %s (UTC).", time.Now().Add(e.Expire).UTC().Format("Mon 2 Jan, 15:04"))
		}
		c.h.HandleEvent(whatsapp.Disconnected{Code: "banned", Reason: reason})
	case *events.ConnectFailure:
		c.stopAsync(cli)
		c.log.Warn("WhatsApp refused the connection", "reason", e.Reason.String(), "message", e.Message)
		c.h.HandleEvent(whatsapp.Disconnected{Code: "refused", Reason: "WhatsApp refused the connection (" + e.Reason.String() + "). Try connecting again later; if it keeps happening, log out and link the device again."})
	case *events.StreamError:
		c.log.Warn("WhatsApp stream error", "code", e.Code)
	case *events.UndecryptableMessage:
		c.log.Warn("could not decrypt a message", "id", e.Info.ID, "chat", e.Info.Chat.String(), "unavailable", e.IsUnavailable)
	case *events.JoinedGroup:
		c.h.HandleEvent(whatsapp.ChatsUpdated{Chats: []whatsapp.Chat{{ID: e.JID.String(), Name: e.Name, IsGroup: true}}})
	case *events.GroupInfo:
		if e.Name != nil {
			c.h.HandleEvent(whatsapp.ChatsUpdated{Chats: []whatsapp.Chat{{ID: e.JID.String(), Name: e.Name.Name, IsGroup: true}}})
		}
	case *events.Contact:
		jid := e.JID.ToNonAD()
		if jid.Server == types.HiddenUserServer {
			if pn, ok := c.resolver(c.ctxOf(), cli)(jid); ok {
				jid = pn
			} else if alt, err := types.ParseJID(e.Action.GetPnJID()); err == nil && alt.Server == types.DefaultUserServer {
				jid = alt
			}
		}
		if jid.Server == types.DefaultUserServer {
			name := e.Action.GetFullName()
			if name == "" {
				name = e.Action.GetFirstName()
			}
			c.h.HandleEvent(whatsapp.ChatsUpdated{Chats: []whatsapp.Chat{{ID: jid.String(), Contact: true, ContactName: name}}})
		}
	case *events.AppStateSyncComplete:
		if e.Name == appstate.WAPatchCriticalUnblockLow {
			// The address book (after a full sync, which emits no
			// events.Contact): every contact's name at once.
			go c.reportContacts(cli)
		}
	case *events.PushName:
		jid := e.JID.ToNonAD()
		if jid.Server != types.DefaultUserServer && e.JIDAlt.Server == types.DefaultUserServer {
			jid = e.JIDAlt.ToNonAD()
		}
		if jid.Server == types.DefaultUserServer {
			c.h.HandleEvent(whatsapp.ChatsUpdated{Chats: []whatsapp.Chat{{ID: jid.String(), Name: e.NewPushName, Rename: true}}})
		}
	}
	return true
}

// onMessage hands one message to the session's handler synchronously.
func (c *client) onMessage(cli *whatsmeow.Client, evt *events.Message) bool {
	c.mu.Lock()
	ok := c.cli == cli && !c.stopped
	ctx := c.ctx
	c.mu.Unlock()
	if !ok {
		return false // the session stopped: leave it to WhatsApp to redeliver
	}
	if n := evt.Message.GetProtocolMessage().GetHistorySyncNotification(); n != nil {
		return c.importHistory(ctx, cli, evt, n)
	}
	resolve := c.resolver(ctx, cli)
	m, keep := convertMessage(evt, cli.Store.GetJID(), resolve)
	if !keep {
		return true
	}
	hctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := c.h.HandleMessages(hctx, []whatsapp.Message{m}); err != nil {
		c.log.Warn("storing an incoming message failed; it stays unacknowledged for WhatsApp to redeliver", "message_id", m.ID, "err", err)
		c.scheduleRedelivery(cli)
		return false
	}
	return true
}

// stopAsync stops the session after an event that ends it; the socket is
// closed outside the event handler.
func (c *client) stopAsync(cli *whatsmeow.Client) {
	if cur, cancel := c.stop(); cur != nil {
		go func() {
			cur.Disconnect()
			cancel()
		}()
	} else {
		cancel()
	}
}

// scheduleReconnect arranges the next connection attempt after the
// back-off delay.
func (c *client) scheduleReconnect(cli *whatsmeow.Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || c.cli != cli || c.retry != nil {
		return
	}
	c.attempts++
	d := c.e.backoff(c.attempts)
	c.retry = time.AfterFunc(d, func() { c.reconnect(cli) })
}

func (c *client) reconnect(cli *whatsmeow.Client) {
	c.mu.Lock()
	c.retry = nil
	ok := c.cli == cli && !c.stopped
	ctx, attempt := c.ctx, c.attempts
	c.mu.Unlock()
	if !ok {
		return
	}
	err := cli.ConnectContext(ctx)
	if err == nil || err == whatsmeow.ErrAlreadyConnected {
		return
	}
	if attempt >= 3 {
		c.log.Warn("reconnecting to WhatsApp failed", "attempt", attempt, "err", err)
	} else {
		c.log.Debug("reconnecting to WhatsApp failed", "attempt", attempt, "err", err)
	}
	c.scheduleReconnect(cli)
}

// scheduleRedelivery makes WhatsApp send unacknowledged messages again: it
// keeps them until the device reconnects, so after a short pause the
// connection is reset.
func (c *client) scheduleRedelivery(cli *whatsmeow.Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || c.cli != cli || c.resetting {
		return
	}
	c.resetting = true
	time.AfterFunc(c.e.backoff(1), func() {
		if c.current(cli) {
			cli.ResetConnection()
		}
	})
}
