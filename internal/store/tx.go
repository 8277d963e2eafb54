package store

import (
	"context"
	"database/sql"
)

// Tx is a write transaction that other components join: the pipeline inserts
// the River jobs that follow from a write in the same transaction as the
// write (River's InsertTx with SQL()), so that both commit or neither does.
//
// Its methods are the Store's write methods of the same names; a Store method
// is the Tx method run in a transaction of its own. A Tx is not safe for
// concurrent use and must not be used after WithTx returns.
type Tx struct {
	s  *Store
	tx *sql.Tx
}

// WithTx runs fn in a write transaction and commits it if fn returns nil; if
// fn returns an error (or panics) everything fn did through the Tx, River
// jobs included, is rolled back. Events about what fn wrote belong after
// WithTx returns nil.
//
// On SQLite the transaction holds the single write connection for as long as
// fn runs: fn must be short, must not wait on the network, and must not call
// the Store's own write methods (or River's non-Tx inserts), which would wait
// for that connection forever. Reads through the Store see only committed
// data; reads through the Tx see fn's writes.
func (s *Store) WithTx(ctx context.Context, fn func(tx *Tx) error) error {
	return s.InTx(ctx, func(tx *sql.Tx) error { return fn(&Tx{s: s, tx: tx}) })
}

// Join wraps a transaction the Store began (an IngestHook's), so that
// other components write through its methods.
func (s *Store) Join(tx *sql.Tx) *Tx { return &Tx{s: s, tx: tx} }

// SQL is the underlying transaction, for River's InsertTx and JobCompleteTx.
func (t *Tx) SQL() *sql.Tx { return t.tx }

// Dialect reports which database the transaction is on.
func (t *Tx) Dialect() Dialect { return t.s.dialect }
