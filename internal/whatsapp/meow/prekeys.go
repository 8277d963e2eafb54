package meow

import (
	"context"

	"go.mau.fi/util/dbutil"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/util/keys"
)

// whatsmeow's SQL store generates the 812 prekeys of a first login one
// INSERT at a time, each its own transaction. On SQLite with
// synchronous=FULL that is 812 fsyncs between pairing and the first
// connection: seconds on a fast disk, minutes on a loaded one, while the
// person waits at "connecting". Generating them in one transaction makes
// it a single commit.

// txPreKeys runs GetOrGenPreKeys in one database transaction.
type txPreKeys struct {
	store.PreKeyStore
	db *dbutil.Database
}

func (p txPreKeys) GetOrGenPreKeys(ctx context.Context, count uint32) (out []*keys.PreKey, err error) {
	err = p.db.DoTxn(ctx, nil, func(ctx context.Context) error {
		out, err = p.PreKeyStore.GetOrGenPreKeys(ctx, count)
		return err
	})
	return out, err
}

// deviceContainer is the device container Synapse gives whatsmeow: the SQL
// container, except that a device it saves for the first time (pairing)
// gets the transactional prekey store.
type deviceContainer struct {
	*sqlstore.Container
	db *dbutil.Database
}

func (c *deviceContainer) PutDevice(ctx context.Context, dev *store.Device) error {
	err := c.Container.PutDevice(ctx, dev)
	c.adopt(dev)
	return err
}

// adopt points an initialised device's prekey store and container at the
// wrappers; it is idempotent.
func (c *deviceContainer) adopt(dev *store.Device) {
	dev.Container = c
	if !dev.Initialized || dev.PreKeys == nil {
		return
	}
	if _, ok := dev.PreKeys.(txPreKeys); !ok {
		dev.PreKeys = txPreKeys{PreKeyStore: dev.PreKeys, db: c.db}
	}
}
