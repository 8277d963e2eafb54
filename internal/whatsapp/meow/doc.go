// Package meow is the whatsmeow engine: the WhatsApp multi-device protocol
// in process (go.mau.fi/whatsmeow), one whatsmeow client per session, with
// device keys in the Synapse database through whatsmeow's sqlstore.
//
// # Storage
//
// whatsmeow's tables (whatsmeow_*) keep their own migration line
// (whatsmeow_version). The engine adds one table, synapse_meow_sessions
// (Synapse session id → device JID), on its own line (synapse_meow_version).
// The mapping is written before whatsmeow stores a new device
// (PrePairCallback), and removed on logout, so a session never points at
// another session's device.
//
// SQLite: open the database with
//
//	_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate
//
// foreign_keys is required by whatsmeow (its upgrade refuses to run
// without), WAL and busy_timeout let readers and the writer wait for each
// other instead of failing, and _txlock=immediate takes the write lock at
// BEGIN so that no transaction fails with SQLITE_BUSY when upgrading a read
// lock. With these, a pool of SetMaxOpenConns(1) works: whatsmeow runs each
// transaction's statements on the transaction's own connection (dbutil
// keeps it in the context) and never waits inside a transaction for another
// query, so a single connection cannot deadlock; 20 pairings 4 at a time
// (TestConcurrentPairingsSQLite, MEOW_TEST_SQLITE_CONNS=1) pass with zero
// failures and take as long as with 4 or 16 connections. An unbounded pool
// also has zero failures but is several times slower: writers queue inside
// SQLite's busy handler, which sleeps, instead of in database/sql. So the
// store's single-connection write pool can be handed to this engine as is;
// any small bounded pool (1–4) is fine.
//
// whatsmeow's sqlstore writes the 812 prekeys of a first login one INSERT
// at a time, each committed on its own: with synchronous=FULL that is 812
// fsyncs between pairing and the first connection (12 s on the test
// machine under -race, minutes on a loaded disk). The engine hands
// whatsmeow a device container that gives each device a prekey store
// generating a batch in one transaction (prekeys.go), so a pairing
// commits once.
//
// # Acknowledgements and redelivery
//
// Clients run with SynchronousAck: each incoming message goes to
// Handler.HandleMessages inside whatsmeow's event handler, and whatsmeow
// sends the receipt only when every handler reports success
// (AddEventHandlerWithSuccessStatus). When HandleMessages fails the message
// is left unacknowledged; EnableDecryptedEventBuffer keeps its decrypted
// plaintext in the device store (the Signal ratchet has already moved on,
// so the ciphertext could not be decrypted a second time), and the engine
// resets the connection after a short back-off, since WhatsApp redelivers
// unacknowledged messages when the device reconnects. Messages whatsmeow
// dispatches that Synapse does not keep (sender-key distributions, protocol
// messages, reactions…) are acknowledged without being stored.
//
// # Connections
//
// whatsmeow's own auto-reconnect is off; the engine reconnects after a lost
// connection with jittered exponential back-off (Options.ReconnectMin/Max)
// and reports Disconnected{Retrying: true}. StreamReplaced, ClientOutdated,
// TemporaryBan (reason with the ban code and expiry) and other connect
// failures end the session with Disconnected{Retrying: false}; LoggedOut
// (phone unlinked the device, or a 401/403 at login) deletes the device and
// the session's mapping. Pairing uses whatsmeow's QR channel, whose code
// lifetimes (60 s, then 20 s) become QR.ExpiresAt.
//
// Options.Simulator points every socket and media download at a simulator
// (internal/wasim) and replaces whatsmeow.WACertPubKey, which is global to
// the process; the engine logs a loud warning when it does.
//
// # Cost of a session
//
// An idle, restored session (logged in, nothing happening) measured with
// TestIdleSessionMemory (MEOW_MEMORY_SESSIONS=150 to 300, simulator in
// another process, so without TLS): 90–95 KiB of heap and 8–11 KiB of
// goroutine stacks, 101–106 KiB in all (RSS grows 83–95 KiB per session),
// and 4 goroutines, all whatsmeow's (websocket
// read pump, Noise frame handler, keepalive loop, node handler loop). Of
// the heap, roughly 45 KiB is what whatsmeow.NewClient allocates up front
// (its recent-message cache and maps), 25 KiB the websocket's buffered
// reader and writer and 16 KiB the 2048-slot node queue of each connection.
// The engine adds only its small per-session struct; it keeps no timer or
// goroutine per idle session (a timer exists only while a reconnection is
// pending, a goroutine only while a QR code is shown). Against WhatsApp a
// TLS connection adds its record buffers on top of this figure.
package meow
