package wasim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate/lthash"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waServerSync"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/cbcutil"
	"go.mau.fi/whatsmeow/util/hkdfutil"
)

// appStateKey is one of an account's app state sync keys: the phone
// creates them, shares them with its linked devices (AppStateSyncKeyShare)
// and encrypts and MACs app state patches with them.
type appStateKey struct {
	id          []byte // 6 bytes
	data        []byte // 32 bytes
	fingerprint *waE2E.AppStateSyncKeyFingerprint
	timestamp   int64 // unix milliseconds
}

func newAppStateKey(index uint32) appStateKey {
	id := make([]byte, 6)
	copy(id[2:], randomBytes(4))
	return appStateKey{
		id: id, data: randomBytes(32), timestamp: time.Now().UnixMilli(),
		fingerprint: &waE2E.AppStateSyncKeyFingerprint{
			RawID: proto.Uint32(randomUint32()), CurrentIndex: proto.Uint32(index), DeviceIndexes: []uint32{0},
		},
	}
}

// mutationKeys are the five keys HKDF derives from an app state key
// ("WhatsApp Mutation Keys"): index MAC, value encryption, value MAC,
// snapshot MAC and patch MAC.
type mutationKeys struct{ index, valueEnc, valueMAC, snapshotMAC, patchMAC []byte }

func (k appStateKey) expand() mutationKeys {
	b := hkdfutil.SHA256(k.data, nil, []byte("WhatsApp Mutation Keys"), 160)
	return mutationKeys{b[0:32], b[32:64], b[64:96], b[96:128], b[128:160]}
}

// The app state collections (whatsmeow appstate.WAPatchName).
const (
	collCriticalBlock      = "critical_block"
	collCriticalUnblockLow = "critical_unblock_low"
	collRegularLow         = "regular_low"
	collRegularHigh        = "regular_high"
	collRegular            = "regular"
)

var collectionNames = []string{collCriticalBlock, collCriticalUnblockLow, collRegularLow, collRegularHigh, collRegular}

// collection is one app state collection of an account, as WhatsApp's
// server keeps it: the patches in order (patch i has version i+1), the
// current records and the LTHash of their value MACs; and the snapshot
// blob last uploaded for it.
type collection struct {
	name     string
	hash     [128]byte
	patches  []*waServerSync.SyncdPatch
	records  map[string]*waServerSync.SyncdRecord // hex index MAC → current record
	snapshot *snapshotBlob
}

type snapshotBlob struct {
	version uint64
	path    string
	ref     []byte // marshaled ExternalBlobReference
}

func (c *collection) version() uint64 { return uint64(len(c.patches)) }

// appState is an account's app state (syncd).
type appState struct {
	mu          sync.Mutex
	collections map[string]*collection
}

func newAppState() *appState {
	a := &appState{collections: map[string]*collection{}}
	for _, n := range collectionNames {
		a.collections[n] = &collection{name: n, records: map[string]*waServerSync.SyncdRecord{}}
	}
	return a
}

// mutation is one change to an app state collection.
type mutation struct {
	op      waServerSync.SyncdMutation_SyncdOperation
	index   []string
	version int32
	value   *waSyncAction.SyncActionValue
}

func setMutation(version int32, value *waSyncAction.SyncActionValue, index ...string) mutation {
	return mutation{op: waServerSync.SyncdMutation_SET, index: index, version: version, value: value}
}

func hmacSum(h func() hash.Hash, key []byte, parts ...[]byte) []byte {
	mac := hmac.New(h, key)
	for _, p := range parts {
		mac.Write(p)
	}
	return mac.Sum(nil)
}

func uint64BE(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// encodeMutation encrypts a mutation as the phone does: SyncActionData
// (JSON index, value, version) under AES-CBC with a random IV, its value
// MAC (HMAC-SHA512 of operation, key id, ciphertext and key id length,
// truncated) and index MAC (HMAC-SHA256 of the JSON index).
func encodeMutation(key appStateKey, keys mutationKeys, m mutation, ts time.Time) (*waServerSync.SyncdMutation, error) {
	indexJSON, err := json.Marshal(m.index)
	if err != nil {
		return nil, err
	}
	value := &waSyncAction.SyncActionValue{}
	if m.value != nil {
		value = proto.Clone(m.value).(*waSyncAction.SyncActionValue)
	}
	value.Timestamp = proto.Int64(ts.UnixMilli())
	plain, err := proto.Marshal(&waSyncAction.SyncActionData{Index: indexJSON, Value: value, Padding: []byte{}, Version: proto.Int32(m.version)})
	if err != nil {
		return nil, err
	}
	enc, err := cbcutil.Encrypt(keys.valueEnc, nil, plain)
	if err != nil {
		return nil, err
	}
	valueMAC := hmacSum(sha512.New, keys.valueMAC, []byte{byte(m.op) + 1}, key.id, enc, uint64BE(uint64(len(key.id)+1)))[:32]
	return &waServerSync.SyncdMutation{Operation: m.op.Enum(), Record: &waServerSync.SyncdRecord{
		Index: &waServerSync.SyncdIndex{Blob: hmacSum(sha256.New, keys.index, indexJSON)},
		Value: &waServerSync.SyncdValue{Blob: append(enc, valueMAC...)},
		KeyID: &waServerSync.KeyId{ID: key.id},
	}}, nil
}

// valueMACOf returns the value MAC at the end of a record's value.
func valueMACOf(r *waServerSync.SyncdRecord) []byte {
	b := r.GetValue().GetBlob()
	if len(b) < 32 {
		return nil
	}
	return b[len(b)-32:]
}

// apply adds a patch's mutations to the collection: the records and the
// LTHash (previous value MACs of the indexes out, new ones in).
func (c *collection) apply(p *waServerSync.SyncdPatch) {
	var removed, added [][]byte
	for _, m := range p.GetMutations() {
		idx := hex.EncodeToString(m.GetRecord().GetIndex().GetBlob())
		if prev := c.records[idx]; prev != nil {
			removed = append(removed, valueMACOf(prev))
		}
		if m.GetOperation() == waServerSync.SyncdMutation_SET {
			added = append(added, valueMACOf(m.GetRecord()))
			c.records[idx] = m.GetRecord()
		} else {
			delete(c.records, idx)
		}
	}
	lthash.WAPatchIntegrity.SubtractThenAddInPlace(c.hash[:], removed, added)
	c.patches = append(c.patches, p)
}

// appStateReady creates the account's app state the first time anything
// needs it (a phone that no device syncs costs nothing for it).
func (p *Phone) appStateReady() {
	p.appInit.Do(func() {
		p.appState = newAppState()
		if err := p.initAppState(); err != nil {
			p.s.o.Log.Error("wasim: initial app state", "err", err)
		}
	})
}

// mutate applies mutations to one collection as a new patch signed with
// the phone's newest key (snapshot MAC over the new LTHash, version and
// name; patch MAC over the snapshot MAC, the value MACs, version and
// name), then tells the phone's linked devices (server_sync).
func (p *Phone) mutate(name string, muts ...mutation) error {
	p.appStateReady()
	return p.mutateReady(name, true, muts...)
}

// mutateReady writes the patch; notify sends the server_sync
// notifications (not for the state an account starts with).
func (p *Phone) mutateReady(name string, notify bool, muts ...mutation) error {
	key := p.appKeys[len(p.appKeys)-1]
	keys := key.expand()
	now := time.Now()
	a := p.appState
	a.mu.Lock()
	c := a.collections[name]
	patch := &waServerSync.SyncdPatch{KeyID: &waServerSync.KeyId{ID: key.id}, DeviceIndex: proto.Uint32(0)}
	for _, m := range muts {
		sm, err := encodeMutation(key, keys, m, now)
		if err != nil {
			a.mu.Unlock()
			return err
		}
		patch.Mutations = append(patch.Mutations, sm)
	}
	version := c.version() + 1
	patch.Version = &waServerSync.SyncdVersion{Version: proto.Uint64(version)}
	c.apply(patch)
	patch.SnapshotMAC = hmacSum(sha256.New, keys.snapshotMAC, c.hash[:], uint64BE(version), []byte(name))
	parts := [][]byte{patch.SnapshotMAC}
	for _, m := range patch.Mutations {
		parts = append(parts, valueMACOf(m.GetRecord()))
	}
	parts = append(parts, uint64BE(version), []byte(name))
	patch.PatchMAC = hmacSum(sha256.New, keys.patchMAC, parts...)
	a.mu.Unlock()
	if notify {
		p.notifyAppState(nil, name, version)
	}
	return nil
}

// notifyAppState sends a server_sync notification about a collection's
// new version to the phone's linked devices except skip.
func (p *Phone) notifyAppState(skip *device, name string, version uint64) {
	id := randomID(8)
	n := waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
		"from": types.ServerJID, "type": "server_sync", "id": id, "t": strconv.FormatInt(time.Now().Unix(), 10),
	}, Content: []waBinary.Node{{Tag: "collection", Attrs: waBinary.Attrs{"name": name, "version": strconv.FormatUint(version, 10)}}}}
	for _, d := range p.linked() {
		if d != skip {
			d.deliver(id, n)
		}
	}
}

// maxPatchesPerAnswer is how many patches one answer carries before it
// says has_more_patches.
const maxPatchesPerAnswer = 500

// appStateIQ answers w:sync:app:state: for each collection asked for, a
// snapshot of its current state (return_snapshot=true, uploaded to the
// media host, encrypted with the "WhatsApp App State Keys" media keys) or
// the patches after the device's version; a collection carrying a patch
// is a device's own change, applied when it is based on the current
// version and refused with 409 and the missing patches otherwise.
func (s *Server) appStateIQ(dev *device, iq, syncNode *waBinary.Node) waBinary.Node {
	p := dev.phone
	p.appStateReady()
	var out []waBinary.Node
	var changed []string
	for _, col := range syncNode.GetChildren() {
		if col.Tag != "collection" {
			continue
		}
		name, _ := col.Attrs["name"].(string)
		if p.appState.collections[name] == nil {
			out = append(out, waBinary.Node{Tag: "collection", Attrs: waBinary.Attrs{"name": name, "type": "error"},
				Content: []waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{"code": "404", "text": "item-not-found"}}}})
			continue
		}
		from, _ := strconv.ParseUint(attrString(col.Attrs["version"]), 10, 64)
		if patchNode, ok := col.GetOptionalChildByTag("patch"); ok {
			node, ok := p.acceptPatch(name, from, &patchNode)
			out = append(out, node)
			if ok {
				changed = append(changed, name)
			}
			continue
		}
		if attrString(col.Attrs["return_snapshot"]) == "true" {
			node, err := p.snapshotNode(name)
			if err != nil {
				return iqError(iq, 500, "internal-server-error")
			}
			out = append(out, node)
			continue
		}
		out = append(out, p.patchesNode(name, from, ""))
	}
	for _, name := range changed {
		a := p.appState
		a.mu.Lock()
		v := a.collections[name].version()
		a.mu.Unlock()
		p.notifyAppState(dev, name, v)
	}
	return iqResult(iq, waBinary.Node{Tag: "sync", Content: out})
}

// patchesNode lists the patches after version from (at most
// maxPatchesPerAnswer of them).
func (p *Phone) patchesNode(name string, from uint64, typ string) waBinary.Node {
	a := p.appState
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.collections[name]
	attrs := waBinary.Attrs{"name": name, "version": strconv.FormatUint(c.version(), 10)}
	if typ != "" {
		attrs["type"] = typ
	}
	var patches []waBinary.Node
	for _, patch := range c.patches[min(from, c.version()):] {
		if len(patches) == maxPatchesPerAnswer {
			attrs["has_more_patches"] = "true"
			break
		}
		raw, _ := proto.Marshal(patch)
		patches = append(patches, waBinary.Node{Tag: "patch", Content: raw})
	}
	n := waBinary.Node{Tag: "collection", Attrs: attrs}
	if len(patches) > 0 {
		n.Content = []waBinary.Node{{Tag: "patches", Content: patches}}
	}
	return n
}

// snapshotNode is a collection's current state as a snapshot: its records
// with the last patch's snapshot MAC and key, in an encrypted blob on the
// media host that the answer references (an empty collection has none).
func (p *Phone) snapshotNode(name string) (waBinary.Node, error) {
	a := p.appState
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.collections[name]
	v := c.version()
	attrs := waBinary.Attrs{"name": name, "version": strconv.FormatUint(v, 10)}
	if v == 0 {
		return waBinary.Node{Tag: "collection", Attrs: attrs}, nil
	}
	if c.snapshot == nil || c.snapshot.version != v {
		last := c.patches[v-1]
		keys := make([]string, 0, len(c.records))
		for k := range c.records {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		ss := &waServerSync.SyncdSnapshot{Version: &waServerSync.SyncdVersion{Version: proto.Uint64(v)}, Mac: last.GetSnapshotMAC(), KeyID: last.GetKeyID()}
		for _, k := range keys {
			ss.Records = append(ss.Records, c.records[k])
		}
		raw, err := proto.Marshal(ss)
		if err != nil {
			return waBinary.Node{}, err
		}
		u, err := p.s.upload(raw, whatsmeow.MediaAppState)
		if err != nil {
			return waBinary.Node{}, err
		}
		ref, err := proto.Marshal(&waServerSync.ExternalBlobReference{
			MediaKey: u.mediaKey, DirectPath: proto.String(u.directPath), Handle: proto.String(randomID(8)),
			FileSizeBytes: proto.Uint64(u.length), FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256,
		})
		if err != nil {
			return waBinary.Node{}, err
		}
		if c.snapshot != nil {
			p.s.mu.Lock()
			delete(p.s.media, c.snapshot.path)
			p.s.mu.Unlock()
		}
		c.snapshot = &snapshotBlob{version: v, path: mediaPath(u.directPath), ref: ref}
	}
	return waBinary.Node{Tag: "collection", Attrs: attrs, Content: []waBinary.Node{{Tag: "snapshot", Content: c.snapshot.ref}}}, nil
}

// acceptPatch applies a patch a linked device sends (whatsmeow
// SendAppState), which names the version it is based on: when that is the
// current version the patch becomes the next one; otherwise the answer is
// a 409 conflict with the patches the device lacks.
func (p *Phone) acceptPatch(name string, base uint64, patchNode *waBinary.Node) (waBinary.Node, bool) {
	raw, _ := patchNode.Content.([]byte)
	var patch waServerSync.SyncdPatch
	if err := proto.Unmarshal(raw, &patch); err != nil || len(patch.GetMutations()) == 0 {
		return waBinary.Node{Tag: "collection", Attrs: waBinary.Attrs{"name": name, "type": "error"},
			Content: []waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{"code": "400", "text": "bad-request"}}}}, false
	}
	a := p.appState
	a.mu.Lock()
	c := a.collections[name]
	if base != c.version() {
		a.mu.Unlock()
		n := p.patchesNode(name, base, "error")
		n.Content = append([]waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{"code": "409", "text": "conflict"}}}, n.GetChildren()...)
		return n, false
	}
	patch.Version = &waServerSync.SyncdVersion{Version: proto.Uint64(base + 1)}
	c.apply(&patch)
	a.mu.Unlock()
	return waBinary.Node{Tag: "collection", Attrs: waBinary.Attrs{"name": name, "version": strconv.FormatUint(base+1, 10)}}, true
}

// AppStateValue is the current value of one app state index, as the phone
// decrypts it.
type AppStateValue struct {
	Collection string                        `json:"collection"`
	Index      []string                      `json:"index"`
	Version    int32                         `json:"version"`
	Value      *waSyncAction.SyncActionValue `json:"value"`
}

// AppState returns the current values of the account's app state, every
// collection, as the phone decrypts them: what the phone set and what its
// linked devices changed.
func (p *Phone) AppState() ([]AppStateValue, error) {
	p.appStateReady()
	keys := map[string]mutationKeys{}
	for _, k := range p.appKeys {
		keys[string(k.id)] = k.expand()
	}
	a := p.appState
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []AppStateValue
	for _, name := range collectionNames {
		c := a.collections[name]
		ids := make([]string, 0, len(c.records))
		for k := range c.records {
			ids = append(ids, k)
		}
		slices.Sort(ids)
		for _, id := range ids {
			r := c.records[id]
			k, ok := keys[string(r.GetKeyID().GetID())]
			blob := r.GetValue().GetBlob()
			if !ok || len(blob) < 16+32 {
				return nil, errors.New("wasim: app state record with an unknown key")
			}
			plain, err := cbcutil.Decrypt(k.valueEnc, blob[:16], bytes.Clone(blob[16:len(blob)-32]))
			if err != nil {
				return nil, fmt.Errorf("wasim: decrypt app state record: %w", err)
			}
			var data waSyncAction.SyncActionData
			if err := proto.Unmarshal(plain, &data); err != nil {
				return nil, err
			}
			v := AppStateValue{Collection: name, Version: data.GetVersion(), Value: data.GetValue()}
			_ = json.Unmarshal(data.GetIndex(), &v.Index)
			out = append(out, v)
		}
	}
	return out, nil
}

// initAppState gives an account the settings a real account's app
// state has from the start, so that every collection but the contacts
// has a version: push name and locale (critical_block), the unarchive
// setting and primary version (regular_low), the NCT salt (regular_high)
// and the primary's features (regular).
func (p *Phone) initAppState() error {
	v := func(f func(*waSyncAction.SyncActionValue)) *waSyncAction.SyncActionValue {
		var val waSyncAction.SyncActionValue
		f(&val)
		return &val
	}
	steps := []struct {
		name string
		muts []mutation
	}{
		{collCriticalBlock, []mutation{
			setMutation(1, v(func(a *waSyncAction.SyncActionValue) {
				a.PushNameSetting = &waSyncAction.PushNameSetting{Name: proto.String(p.PushName())}
			}), "setting_pushName"),
			setMutation(3, v(func(a *waSyncAction.SyncActionValue) {
				a.LocaleSetting = &waSyncAction.LocaleSetting{Locale: proto.String("en_US")}
			}), "setting_locale"),
		}},
		{collRegularLow, []mutation{
			setMutation(4, v(func(a *waSyncAction.SyncActionValue) {
				a.UnarchiveChatsSetting = &waSyncAction.UnarchiveChatsSetting{UnarchiveChats: proto.Bool(false)}
			}), "setting_unarchiveChats"),
			setMutation(7, v(func(a *waSyncAction.SyncActionValue) {
				a.PrimaryVersionAction = &waSyncAction.PrimaryVersionAction{Version: proto.String("2.25.1.75")}
			}), "primary_version"),
		}},
		{collRegularHigh, []mutation{setMutation(1, v(func(a *waSyncAction.SyncActionValue) {
			a.NctSaltSyncAction = &waSyncAction.NctSaltSyncAction{Salt: randomBytes(32)}
		}), "nct_salt_sync")}},
		{collRegular, []mutation{setMutation(1, v(func(a *waSyncAction.SyncActionValue) {
			a.PrimaryFeature = &waSyncAction.PrimaryFeature{Flags: []string{"md_sync"}}
		}), "primary_feature")}},
	}
	for _, st := range steps {
		if err := p.mutateReady(st.name, false, st.muts...); err != nil {
			return err
		}
	}
	return nil
}

// SetContactName saves a contact in the phone's address book, as adding
// or renaming a contact on the phone does: a contact mutation in
// critical_unblock_low (whatsmeow: events.Contact, and the name in its
// contact store).
func (p *Phone) SetContactName(number, fullName, firstName string) error {
	jid, err := parseChat(number)
	if err != nil || jid.Server == types.GroupServer {
		return fmt.Errorf("wasim: invalid contact %q", number)
	}
	action := &waSyncAction.ContactAction{FullName: proto.String(fullName), SaveOnPrimaryAddressbook: proto.Bool(true)}
	if firstName != "" {
		action.FirstName = proto.String(firstName)
	}
	if c := p.s.phoneByJID(jid); c != nil {
		jid = c.JID()
		action.LidJID = proto.String(c.LID().String())
	}
	return p.mutate(collCriticalUnblockLow, setMutation(2, &waSyncAction.SyncActionValue{ContactAction: action}, "contact", jid.String()))
}

// SetPushName changes the account's push name, as editing the profile
// name on the phone does: later messages carry it (notify) and the
// setting_pushName mutation in critical_block tells the linked devices
// (whatsmeow: events.PushNameSetting, Store.PushName).
func (p *Phone) SetPushName(name string) error {
	p.mu.Lock()
	p.pushName = name
	p.mu.Unlock()
	return p.mutate(collCriticalBlock, setMutation(1, &waSyncAction.SyncActionValue{PushNameSetting: &waSyncAction.PushNameSetting{Name: proto.String(name)}}, "setting_pushName"))
}

// chatSettingJID is how app state names a chat: groups by their JID,
// people by their phone-number JID.
func (p *Phone) chatSettingJID(chat string) (types.JID, error) {
	jid, err := parseChat(chat)
	if err != nil {
		return types.JID{}, err
	}
	if c := p.s.phoneByJID(jid); c != nil {
		return c.JID(), nil
	}
	return jid, nil
}

// Archive archives or unarchives a chat on the phone: an archive mutation
// in regular_low (archiving also unpins, as WhatsApp does) (whatsmeow:
// events.Archive).
func (p *Phone) Archive(chat string, archived bool) error {
	jid, err := p.chatSettingJID(chat)
	if err != nil {
		return err
	}
	muts := []mutation{setMutation(3, &waSyncAction.SyncActionValue{ArchiveChatAction: &waSyncAction.ArchiveChatAction{
		Archived: proto.Bool(archived), MessageRange: &waSyncAction.SyncActionMessageRange{LastMessageTimestamp: proto.Int64(time.Now().Unix())},
	}}, "archive", jid.String())}
	if archived {
		muts = append(muts, setMutation(5, &waSyncAction.SyncActionValue{PinAction: &waSyncAction.PinAction{Pinned: proto.Bool(false)}}, "pin_v1", jid.String()))
	}
	return p.mutate(collRegularLow, muts...)
}

// Pin pins or unpins a chat on the phone: a pin_v1 mutation in regular_low
// (whatsmeow: events.Pin).
func (p *Phone) Pin(chat string, pinned bool) error {
	jid, err := p.chatSettingJID(chat)
	if err != nil {
		return err
	}
	return p.mutate(collRegularLow, setMutation(5, &waSyncAction.SyncActionValue{PinAction: &waSyncAction.PinAction{Pinned: proto.Bool(pinned)}}, "pin_v1", jid.String()))
}

// Mute mutes a chat on the phone until the given time (zero: unmute;
// forever: a time before the epoch, sent as -1): a mute mutation in
// regular_high (whatsmeow: events.Mute).
func (p *Phone) Mute(chat string, until time.Time) error {
	jid, err := p.chatSettingJID(chat)
	if err != nil {
		return err
	}
	action := &waSyncAction.MuteAction{Muted: proto.Bool(!until.IsZero())}
	switch {
	case until.IsZero():
	case until.Unix() < 0:
		action.MuteEndTimestamp = proto.Int64(-1)
	default:
		action.MuteEndTimestamp = proto.Int64(until.UnixMilli())
	}
	return p.mutate(collRegularHigh, setMutation(2, &waSyncAction.SyncActionValue{MuteAction: action}, "mute", jid.String()))
}

// MarkChatAsRead marks a chat read or unread on the phone: a
// markChatAsRead mutation in regular_low (whatsmeow:
// events.MarkChatAsRead).
func (p *Phone) MarkChatAsRead(chat string, read bool) error {
	jid, err := p.chatSettingJID(chat)
	if err != nil {
		return err
	}
	return p.mutate(collRegularLow, setMutation(3, &waSyncAction.SyncActionValue{MarkChatAsReadAction: &waSyncAction.MarkChatAsReadAction{
		Read: proto.Bool(read), MessageRange: &waSyncAction.SyncActionMessageRange{LastMessageTimestamp: proto.Int64(time.Now().Unix())},
	}}, "markChatAsRead", jid.String()))
}
