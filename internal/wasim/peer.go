package wasim

import (
	"bytes"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/proto/waE2E"
)

// syncProps is what a device asked for when it registered
// (DeviceProps.HistorySyncConfig): whether it requires a full history
// sync, accepts the initial bootstrap inline and how many days of recent
// history it wants.
type syncProps struct {
	requireFull bool
	inline      bool
	recentDays  uint32
	fullDays    uint32
}

func parseSyncProps(raw []byte) syncProps {
	var dp waCompanionReg.DeviceProps
	if proto.Unmarshal(raw, &dp) != nil {
		return syncProps{}
	}
	c := dp.GetHistorySyncConfig()
	return syncProps{
		requireFull: dp.GetRequireFullSync(), inline: c.GetInlineInitialPayloadInE2EeMsg(),
		recentDays: c.GetRecentSyncDaysLimit(), fullDays: c.GetFullSyncDaysLimit(),
	}
}

// sendPeer sends a protocol message from the phone's primary device to
// one of its linked devices, as a peer message (category=peer, from the
// own JID): how the phone shares app state keys and history.
func (p *Phone) sendPeer(d *device, msg *waE2E.Message) (string, error) {
	pt, err := proto.Marshal(msg)
	if err != nil {
		return "", err
	}
	id := randomMessageID()
	attrs := waBinary.Attrs{
		"id": id, "from": p.JID(), "type": "text", "category": "peer", "push_priority": "high",
		"t": strconv.FormatInt(time.Now().Unix(), 10),
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return id, p.encryptAndDeliverLocked(d, pt, attrs, waBinary.Attrs{"v": "2"})
}

// syncNewDevice does what the phone does for a device that has just been
// linked, once it is online: it shares the app state keys
// (AppStateSyncKeyShare) and then sends its history (history sync
// notifications).
func (p *Phone) syncNewDevice(d *device) {
	if _, err := p.sendPeer(d, p.keyShare(nil)); err != nil {
		p.s.o.Log.Debug("wasim: app state key share", "err", err)
		return
	}
	if err := p.sendHistory(d); err != nil {
		p.s.o.Log.Debug("wasim: history sync", "err", err)
	}
}

// handlePeerMessage receives a peer message (category=peer) a linked
// device sends to its own phone: the phone decrypts it and answers what
// it asks for: app state keys (APP_STATE_SYNC_KEY_REQUEST) and older
// history of a chat (HISTORY_SYNC_ON_DEMAND).
func (s *Server) handlePeerMessage(d *device, n *waBinary.Node) {
	enc, ok := n.GetOptionalChildByTag("enc")
	if !ok {
		return
	}
	msg, err := d.phone.decryptPairwise(d.lidJID(), &enc)
	if err != nil {
		s.o.Log.Debug("wasim: decrypt peer message", "id", n.Attrs["id"], "err", err)
		return
	}
	pm := msg.GetProtocolMessage()
	id, _ := n.Attrs["id"].(string)
	switch pm.GetType() {
	case waE2E.ProtocolMessage_APP_STATE_SYNC_KEY_REQUEST:
		var ids [][]byte
		for _, k := range pm.GetAppStateSyncKeyRequest().GetKeyIDs() {
			ids = append(ids, k.GetKeyID())
		}
		go func() { _, _ = d.phone.sendPeer(d, d.phone.keyShare(ids)) }()
	case waE2E.ProtocolMessage_PEER_DATA_OPERATION_REQUEST_MESSAGE:
		req := pm.GetPeerDataOperationRequestMessage()
		if req.GetPeerDataOperationRequestType() == waE2E.PeerDataOperationRequestType_HISTORY_SYNC_ON_DEMAND {
			go d.phone.answerOnDemand(d, id, req.GetHistorySyncOnDemandRequest())
		}
	}
}

// keyShare is the AppStateSyncKeyShare protocol message with the phone's
// app state keys (those whose ids are listed, or all of them).
func (p *Phone) keyShare(ids [][]byte) *waE2E.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	share := &waE2E.AppStateSyncKeyShare{}
	for _, k := range p.appKeys {
		if ids != nil && !containsBytes(ids, k.id) {
			continue
		}
		share.Keys = append(share.Keys, &waE2E.AppStateSyncKey{
			KeyID:   &waE2E.AppStateSyncKeyId{KeyID: k.id},
			KeyData: &waE2E.AppStateSyncKeyData{KeyData: k.data, Fingerprint: k.fingerprint, Timestamp: proto.Int64(k.timestamp)},
		})
	}
	return &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_APP_STATE_SYNC_KEY_SHARE.Enum(), AppStateSyncKeyShare: share,
	}}
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}
