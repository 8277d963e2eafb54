package wasim

import (
	"time"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow/proto/waE2E"
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
