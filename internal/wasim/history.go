package wasim

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
)

// History is the chat history a phone holds: what it sends a newly linked
// device (history sync) and what it answers on-demand history requests
// from.
type History struct {
	Conversations []HistoryConversation `json:"conversations"`
	// PushNames are contacts' push names (phone number or JID → name),
	// sent in the PUSH_NAME sync together with the push names of the
	// simulated phones the conversations involve.
	PushNames map[string]string `json:"pushNames,omitempty"`
	// BootstrapMessages is how many of each chat's newest messages the
	// INITIAL_BOOTSTRAP sync carries (default 20).
	BootstrapMessages int `json:"bootstrapMessages,omitempty"`
	// RecentDays: the other messages of the last RecentDays days (default
	// 90, or the device's recentSyncDaysLimit) go in RECENT syncs; older
	// ones in FULL syncs, which the phone sends only when the device
	// requires a full sync (DeviceProps.requireFullSync) or FullSync is
	// set (the person ticked "sync full history" when linking).
	RecentDays int  `json:"recentDays,omitempty"`
	FullSync   bool `json:"fullSync,omitempty"`
	// ChunkSize is how many messages one RECENT or FULL chunk carries
	// (default 500).
	ChunkSize int `json:"chunkSize,omitempty"`
}

// HistoryConversation is one chat of a phone's history.
type HistoryConversation struct {
	// Chat is a phone number, a user JID (phone number or LID) or a group
	// JID; it need not be a simulated phone or group.
	Chat        string    `json:"chat"`
	Name        string    `json:"name,omitempty"`
	UnreadCount int       `json:"unreadCount,omitempty"`
	Archived    bool      `json:"archived,omitempty"`
	Pinned      bool      `json:"pinned,omitempty"`
	MuteEnd     time.Time `json:"muteEnd,omitzero"`
	// Messages in any order; the phone sorts them by time.
	Messages []HistoryMessage `json:"messages,omitempty"`
}

// HistoryMessage is one message of a history conversation.
type HistoryMessage struct {
	ID     string `json:"id,omitempty"` // default: a new random one
	FromMe bool   `json:"fromMe,omitempty"`
	// From is the sender of a group message that is not from me (number
	// or JID); in direct chats the sender is the chat or me.
	From     string    `json:"from,omitempty"`
	PushName string    `json:"pushName,omitempty"`
	Time     time.Time `json:"time"`
	// Message is the content, of any kind (Server.BuildMessage makes
	// media messages whose files are on the media host).
	Message *waE2E.Message `json:"-"`
	// MediaGone makes the message's media download fail with 404 or 410,
	// as media older than WhatsApp's retention does.
	MediaGone int `json:"mediaGone,omitempty"`
}

// SetHistory replaces the phone's history. Devices linked afterwards get
// it in their history sync; on-demand requests are answered from it.
func (p *Phone) SetHistory(h History) error {
	h.Conversations = slices.Clone(h.Conversations)
	for i := range h.Conversations {
		c := &h.Conversations[i]
		if _, err := parseChat(c.Chat); err != nil {
			return err
		}
		c.Messages = slices.Clone(c.Messages)
		for j := range c.Messages {
			m := &c.Messages[j]
			if m.Message == nil {
				return fmt.Errorf("wasim: history message %d of %s has no content", j, c.Chat)
			}
			if m.ID == "" {
				m.ID = randomMessageID()
			}
			if m.MediaGone != 0 {
				if dl, _ := mediaOf(unwrap(m.Message)); dl != nil {
					if err := p.s.SetMediaGone(dl.GetDirectPath(), m.MediaGone); err != nil {
						return err
					}
				}
			}
		}
		slices.SortStableFunc(c.Messages, func(a, b HistoryMessage) int { return a.Time.Compare(b.Time) })
	}
	p.mu.Lock()
	p.history = &h
	p.mu.Unlock()
	return nil
}

func (p *Phone) historySnapshot() History {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.history == nil {
		return History{}
	}
	return *p.history
}

// inlineLimit is the largest compressed INITIAL_BOOTSTRAP payload the
// phone puts inline in the notification (for devices that accept it)
// instead of uploading it.
const inlineLimit = 512 << 10

// sendHistory sends a newly linked device the phone's history as WhatsApp
// does: history sync notifications (peer messages with a ProtocolMessage
// HISTORY_SYNC_NOTIFICATION) pointing to zlib-compressed HistorySync
// protobufs encrypted with the "WhatsApp History Keys" media keys on the
// media host, in this order: INITIAL_BOOTSTRAP (every conversation's
// metadata and newest messages, PN-LID mappings; inline when the device
// accepts it), PUSH_NAME, RECENT chunks, then FULL chunks when a full sync
// was asked for, each chunk with its order and the sync's progress.
func (p *Phone) sendHistory(d *device) error {
	h := p.historySnapshot()
	boot := max(h.BootstrapMessages, 0)
	if h.BootstrapMessages == 0 {
		boot = 20
	}
	recentDays := h.RecentDays
	if recentDays <= 0 {
		recentDays = 90
		if d.sync.recentDays > 0 {
			recentDays = int(d.sync.recentDays)
		}
	}
	chunk := h.ChunkSize
	if chunk <= 0 {
		chunk = 500
	}
	full := d.sync.requireFull || h.FullSync
	now := time.Now()
	recentSince := now.AddDate(0, 0, -recentDays)
	var fullSince time.Time
	if d.sync.fullDays > 0 {
		fullSince = now.AddDate(0, 0, -int(d.sync.fullDays))
	}

	bootstrap := &waHistorySync.HistorySync{SyncType: waHistorySync.HistorySync_INITIAL_BOOTSTRAP.Enum()}
	var recent, older []convMsg
	for ci, c := range h.Conversations {
		chat, _ := parseChat(c.Chat)
		n := len(c.Messages)
		cut := max(n-boot, 0)
		var firstSent int // index of the oldest message the device gets
		firstSent = cut
		for mi := cut - 1; mi >= 0; mi-- {
			m := c.Messages[mi]
			switch {
			case !m.Time.Before(recentSince):
				recent = append(recent, convMsg{ci, mi})
				firstSent = mi
			case full && (fullSince.IsZero() || !m.Time.Before(fullSince)):
				older = append(older, convMsg{ci, mi})
				firstSent = mi
			}
		}
		conv := p.conversation(chat, c)
		conv.EndOfHistoryTransferType = waHistorySync.Conversation_COMPLETE_AND_NO_MORE_MESSAGE_REMAIN_ON_PRIMARY.Enum()
		if firstSent > 0 {
			conv.EndOfHistoryTransferType = waHistorySync.Conversation_COMPLETE_BUT_MORE_MESSAGES_REMAIN_ON_PRIMARY.Enum()
		}
		for mi := cut; mi < n; mi++ {
			conv.Messages = append(conv.Messages, p.historyMsg(chat, c.Messages[mi], uint64(mi+1)))
		}
		bootstrap.Conversations = append(bootstrap.Conversations, conv)
	}
	bootstrap.PhoneNumberToLidMappings = p.lidMappings(h)
	bootstrap.ChunkOrder, bootstrap.Progress = proto.Uint32(1), proto.Uint32(100)
	if err := p.sendHistorySync(d, bootstrap, "", d.sync.inline); err != nil {
		return err
	}
	names := &waHistorySync.HistorySync{SyncType: waHistorySync.HistorySync_PUSH_NAME.Enum(), Pushnames: p.pushNames(h),
		ChunkOrder: proto.Uint32(1), Progress: proto.Uint32(100)}
	if err := p.sendHistorySync(d, names, "", false); err != nil {
		return err
	}
	if err := p.sendChunks(d, h, waHistorySync.HistorySync_RECENT, recent, chunk); err != nil {
		return err
	}
	if full {
		return p.sendChunks(d, h, waHistorySync.HistorySync_FULL, older, chunk)
	}
	return nil
}

// convMsg names message mi of conversation ci of a History.
type convMsg struct{ ci, mi int }

// sendChunks sends messages (newest first, as the phone walks back in
// time) in chunks of size messages, each chunk's conversations holding
// their messages oldest first.
func (p *Phone) sendChunks(d *device, h History, typ waHistorySync.HistorySync_HistorySyncType, msgs []convMsg, size int) error {
	slices.SortStableFunc(msgs, func(a, b convMsg) int {
		return h.Conversations[b.ci].Messages[b.mi].Time.Compare(h.Conversations[a.ci].Messages[a.mi].Time)
	})
	total := (len(msgs) + size - 1) / size
	for i := range total {
		part := msgs[i*size : min((i+1)*size, len(msgs))]
		hs := &waHistorySync.HistorySync{SyncType: typ.Enum(), ChunkOrder: proto.Uint32(uint32(i + 1)),
			Progress: proto.Uint32(uint32(100 * (i + 1) / total))}
		byConv := map[int]*waHistorySync.Conversation{}
		for _, cm := range slices.Backward(part) {
			c := h.Conversations[cm.ci]
			chat, _ := parseChat(c.Chat)
			conv := byConv[cm.ci]
			if conv == nil {
				conv = &waHistorySync.Conversation{ID: proto.String(p.chatID(chat))}
				byConv[cm.ci] = conv
				hs.Conversations = append(hs.Conversations, conv)
			}
			conv.Messages = append(conv.Messages, p.historyMsg(chat, c.Messages[cm.mi], uint64(cm.mi+1)))
		}
		if err := p.sendHistorySync(d, hs, "", false); err != nil {
			return err
		}
	}
	return nil
}

// chatID is how history names a chat: groups by their JID, people by
// their phone-number JID (their LID for a phone in LID addressing mode).
func (p *Phone) chatID(chat types.JID) string {
	if chat.Server != types.GroupServer {
		if other := p.s.phoneByJID(chat); other != nil {
			if other.lidMode.Load() {
				return other.LID().String()
			}
			return other.JID().String()
		}
	}
	return chat.String()
}

// conversation is a chat's metadata as the INITIAL_BOOTSTRAP sync has it.
func (p *Phone) conversation(chat types.JID, c HistoryConversation) *waHistorySync.Conversation {
	conv := &waHistorySync.Conversation{ID: proto.String(p.chatID(chat)), EndOfHistoryTransfer: proto.Bool(true)}
	if c.Name != "" {
		conv.Name = proto.String(c.Name)
	}
	if c.UnreadCount > 0 {
		conv.UnreadCount = proto.Uint32(uint32(c.UnreadCount))
	}
	if c.Archived {
		conv.Archived = proto.Bool(true)
	}
	if c.Pinned {
		conv.Pinned = proto.Uint32(uint32(time.Now().Unix()))
	}
	if !c.MuteEnd.IsZero() {
		conv.MuteEndTime = proto.Uint64(uint64(c.MuteEnd.Unix()))
	}
	if n := len(c.Messages); n > 0 {
		t := uint64(c.Messages[n-1].Time.Unix())
		conv.ConversationTimestamp, conv.LastMsgTimestamp = proto.Uint64(t), proto.Uint64(t)
	}
	if other := p.s.phoneByJID(chat); other != nil && chat.Server != types.GroupServer {
		conv.PnJID, conv.LidJID = proto.String(other.JID().String()), proto.String(other.LID().String())
	}
	if chat.Server == types.GroupServer {
		if g := p.s.group(chat.User); g != nil {
			for _, m := range g.memberPhones() {
				gp := &waHistorySync.GroupParticipant{UserJID: proto.String(m.JID().String())}
				if g.addressingMode() == types.AddressingModeLID {
					gp.UserJID = proto.String(m.LID().String())
				}
				if m == g.creator {
					gp.Rank = waHistorySync.GroupParticipant_SUPERADMIN.Enum()
				}
				conv.Participant = append(conv.Participant, gp)
			}
		}
	}
	return conv
}

// historyMsg is one message as history sync carries it: a WebMessageInfo
// with its key, timestamp, sender and push name.
func (p *Phone) historyMsg(chat types.JID, m HistoryMessage, order uint64) *waHistorySync.HistorySyncMsg {
	chatID := p.chatID(chat)
	key := &waCommon.MessageKey{RemoteJID: proto.String(chatID), FromMe: proto.Bool(m.FromMe), ID: proto.String(m.ID)}
	wmi := &waWeb.WebMessageInfo{Key: key, Message: m.Message, MessageTimestamp: proto.Uint64(uint64(m.Time.Unix()))}
	if m.FromMe {
		wmi.Status = waWeb.WebMessageInfo_DELIVERY_ACK.Enum()
	} else {
		wmi.Status = waWeb.WebMessageInfo_READ.Enum()
		sender, _ := parseChat(chat.String())
		if chat.Server == types.GroupServer {
			sender, _ = parseChat(m.From)
		}
		name := m.PushName
		if sp := p.s.phoneByJID(sender); sp != nil {
			if chat.Server == types.GroupServer {
				sender = sp.JID()
				if g := p.s.group(chat.User); g != nil && g.addressingMode() == types.AddressingModeLID {
					sender = sp.LID()
				}
			}
			if name == "" {
				name = sp.PushName()
			}
		}
		if chat.Server == types.GroupServer {
			key.Participant = proto.String(sender.String())
			wmi.Participant = proto.String(sender.String())
		}
		if name != "" {
			wmi.PushName = proto.String(name)
		}
	}
	return &waHistorySync.HistorySyncMsg{Message: wmi, MsgOrderID: proto.Uint64(order)}
}

// lidMappings are the phone-number-to-LID mappings of the simulated phones
// the history involves.
func (p *Phone) lidMappings(h History) []*waHistorySync.PhoneNumberToLIDMapping {
	var out []*waHistorySync.PhoneNumberToLIDMapping
	seen := map[*Phone]bool{p: true}
	add := func(sp *Phone) {
		if sp != nil && !seen[sp] {
			seen[sp] = true
			out = append(out, &waHistorySync.PhoneNumberToLIDMapping{PnJID: proto.String(sp.JID().String()), LidJID: proto.String(sp.LID().String())})
		}
	}
	for _, c := range h.Conversations {
		chat, _ := parseChat(c.Chat)
		if chat.Server == types.GroupServer {
			if g := p.s.group(chat.User); g != nil {
				for _, m := range g.memberPhones() {
					add(m)
				}
			}
			for _, m := range c.Messages {
				if from, err := parseChat(m.From); err == nil {
					add(p.s.phoneByJID(from))
				}
			}
		} else {
			add(p.s.phoneByJID(chat))
		}
	}
	return out
}

// pushNames are the push names the PUSH_NAME sync carries: the configured
// ones and those of the simulated phones the history involves.
func (p *Phone) pushNames(h History) []*waHistorySync.Pushname {
	var out []*waHistorySync.Pushname
	seen := map[string]bool{}
	for k, name := range h.PushNames {
		if jid, err := parseChat(k); err == nil && !seen[jid.String()] {
			seen[jid.String()] = true
			out = append(out, &waHistorySync.Pushname{ID: proto.String(jid.String()), Pushname: proto.String(name)})
		}
	}
	for _, m := range p.lidMappings(h) {
		jid, _ := types.ParseJID(m.GetPnJID())
		if sp := p.s.phoneByJID(jid); sp != nil && !seen[jid.String()] {
			seen[jid.String()] = true
			out = append(out, &waHistorySync.Pushname{ID: proto.String(jid.String()), Pushname: proto.String(sp.PushName())})
		}
	}
	slices.SortFunc(out, func(a, b *waHistorySync.Pushname) int { return compareStrings(a.GetID(), b.GetID()) })
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sendHistorySync compresses one HistorySync, uploads it encrypted (or
// puts it inline) and sends the device the notification.
func (p *Phone) sendHistorySync(d *device, hs *waHistorySync.HistorySync, sessionID string, inline bool) error {
	raw, err := proto.Marshal(hs)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, _ = zw.Write(raw)
	if err := zw.Close(); err != nil {
		return err
	}
	notif := &waE2E.HistorySyncNotification{
		SyncType:   waE2E.HistorySyncType(hs.GetSyncType()).Enum(),
		ChunkOrder: proto.Uint32(hs.GetChunkOrder()), Progress: proto.Uint32(hs.GetProgress()),
	}
	if oldest := oldestTimestamp(hs); oldest > 0 {
		notif.OldestMsgInChunkTimestampSec = proto.Int64(oldest)
	}
	if sessionID != "" {
		notif.PeerDataRequestSessionID = proto.String(sessionID)
	}
	if inline && buf.Len() <= inlineLimit {
		notif.InitialHistBootstrapInlinePayload = buf.Bytes()
	} else {
		u, err := p.s.upload(buf.Bytes(), whatsmeow.MediaHistory)
		if err != nil {
			return err
		}
		notif.DirectPath, notif.MediaKey = proto.String(u.directPath), u.mediaKey
		notif.FileSHA256, notif.FileEncSHA256, notif.FileLength = u.fileSHA256, u.encSHA256, proto.Uint64(u.length)
	}
	_, err = p.sendPeer(d, &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_HISTORY_SYNC_NOTIFICATION.Enum(), HistorySyncNotification: notif,
	}})
	return err
}

func oldestTimestamp(hs *waHistorySync.HistorySync) int64 {
	var oldest int64
	for _, c := range hs.GetConversations() {
		for _, m := range c.GetMessages() {
			if t := int64(m.GetMessage().GetMessageTimestamp()); t > 0 && (oldest == 0 || t < oldest) {
				oldest = t
			}
		}
	}
	return oldest
}

// answerOnDemand answers a linked device's on-demand history request
// (whatsmeow BuildHistorySyncRequest): an ON_DEMAND history sync, naming
// the request in peerDataRequestSessionID, with up to count messages of
// the chat older than the given one (the device's oldest), oldest first.
func (p *Phone) answerOnDemand(d *device, reqID string, req *waE2E.PeerDataOperationRequestMessage_HistorySyncOnDemandRequest) {
	h := p.historySnapshot()
	want, err := types.ParseJID(req.GetChatJID())
	if err != nil {
		return
	}
	count := int(req.GetOnDemandMsgCount())
	if count <= 0 {
		count = 50
	}
	hs := &waHistorySync.HistorySync{SyncType: waHistorySync.HistorySync_ON_DEMAND.Enum(), ChunkOrder: proto.Uint32(1), Progress: proto.Uint32(100)}
	for _, c := range h.Conversations {
		chat, _ := parseChat(c.Chat)
		if !p.sameChat(chat, want) {
			continue
		}
		end := slices.IndexFunc(c.Messages, func(m HistoryMessage) bool { return m.ID == req.GetOldestMsgID() })
		if end < 0 {
			before := time.Unix(req.GetOldestMsgTimestampMS(), 0)
			end = slices.IndexFunc(c.Messages, func(m HistoryMessage) bool { return !m.Time.Before(before) })
			if end < 0 {
				end = len(c.Messages)
			}
		}
		start := max(end-count, 0)
		conv := &waHistorySync.Conversation{ID: proto.String(req.GetChatJID()), EndOfHistoryTransfer: proto.Bool(start == 0)}
		conv.EndOfHistoryTransferType = waHistorySync.Conversation_COMPLETE_ON_DEMAND_SYNC_BUT_MORE_MSG_REMAIN_ON_PRIMARY.Enum()
		if start == 0 {
			conv.EndOfHistoryTransferType = waHistorySync.Conversation_COMPLETE_AND_NO_MORE_MESSAGE_REMAIN_ON_PRIMARY.Enum()
		}
		for mi := start; mi < end; mi++ {
			conv.Messages = append(conv.Messages, p.historyMsg(chat, c.Messages[mi], uint64(mi+1)))
		}
		hs.Conversations = append(hs.Conversations, conv)
		break
	}
	if err := p.sendHistorySync(d, hs, reqID, false); err != nil {
		p.s.o.Log.Debug("wasim: on-demand history", "err", err)
	}
}

// sameChat reports whether two JIDs name the same chat (a person's phone
// number and LID are the same chat).
func (p *Phone) sameChat(a, b types.JID) bool {
	if a.ToNonAD() == b.ToNonAD() {
		return true
	}
	pa, pb := p.s.phoneByJID(a.ToNonAD()), p.s.phoneByJID(b.ToNonAD())
	return pa != nil && pa == pb
}
