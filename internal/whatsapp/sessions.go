package whatsapp

import (
	"context"
	"time"
)

// Sessions drives each person's WhatsApp session, one per user; the API,
// the web UI and the jobs use it. internal/sessions implements it for the
// sessions of one process, and internal/cluster for several processes
// sharing a database (it runs an operation on the node that runs the
// session). All methods are safe for concurrent use; the user's session row
// is created on first use.
type Sessions interface {
	// Engine returns the engine that runs the sessions.
	Engine() Engine
	// Status returns the user's session state.
	Status(ctx context.Context, userID string) (State, error)
	// SessionID returns the id of the user's session.
	SessionID(ctx context.Context, userID string) (string, error)
	// Start connects the user's session: with a stored device it logs in,
	// otherwise it starts pairing (QR codes follow as events). Starting a
	// running session changes nothing.
	Start(ctx context.Context, userID string) (State, error)
	// Stop disconnects the session and keeps its device, so that Start logs
	// in again without a QR code.
	Stop(ctx context.Context, userID string) (State, error)
	// Restart stops the session and starts it again.
	Restart(ctx context.Context, userID string) (State, error)
	// Logout unlinks the device from the phone, deletes it, and stops the
	// session. The person can pair again afterwards.
	Logout(ctx context.Context, userID string) (State, error)
	// QR returns the current pairing code, starting the session if it is
	// not running and waiting a while for the first code (ErrQRNotReady
	// when none came). With force, a session that is pairing starts over
	// with a fresh pairing. A logged-in session returns ErrAlreadyConnected;
	// one that stopped meanwhile returns a *StoppedError.
	QR(ctx context.Context, userID string, force bool) (QRCode, error)
	// PairPhone starts pairing by phone number (digits with country code)
	// and returns the code the person types on the phone. The session is
	// started if needed. Engines without pair codes return ErrNotSupported.
	PairPhone(ctx context.Context, userID, phone string) (string, error)
	// Send sends a message from the user's account and stores it; it
	// returns the message as stored. It needs a logged-in session
	// (ErrNotConnected).
	Send(ctx context.Context, userID string, out Outgoing) (Message, error)
	// RequestHistory asks the user's phone for up to count messages of the
	// chat older than oldest; they arrive later as history. Engines that
	// cannot ask return ErrNotSupported.
	RequestHistory(ctx context.Context, userID, chatID string, oldest MessageRef, count int) error
	// SetOnline tells WhatsApp the person is online or not, and MarkRead
	// sends read receipts for messages of a chat; only for people who turned
	// presence sharing on. Engines that cannot return ErrNotSupported.
	SetOnline(ctx context.Context, userID string, online bool) error
	MarkRead(ctx context.Context, userID, chatID string, msgs []ReadMark) error
	// Download fetches a message's media through the user's logged-in
	// session, refusing more than maxBytes (ErrMediaTooLarge).
	Download(ctx context.Context, userID string, media *Media, maxBytes int64) ([]byte, error)
	// Live returns the state of every session this process has loaded, by
	// user id. For administrators; in a cluster, each node knows its own.
	Live() map[string]State
}

// State is a session's status as the API shows it.
type State struct {
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	// ReasonCode names the reason for programs: qr-timeout, paired,
	// pairing-failed, stopped, logged-out, restarting, restored, other-node,
	// moving, reconnecting, unreachable, connect-failed, banned, outdated,
	// replaced, refused, internal (docs/API.md).
	ReasonCode string `json:"reasonCode,omitempty"`
	// RetryAt is when the next connection attempt starts, while a failed one
	// waits to be retried.
	RetryAt     *time.Time `json:"retryAt,omitempty"`
	SessionID   string     `json:"sessionId"`
	Me          *Account   `json:"me,omitempty"`
	ConnectedAt *time.Time `json:"connectedAt,omitempty"`
	Engine      string     `json:"engine"`
	// History is how far the import of the phone's history went, once the
	// phone started sending it (since this node started the session).
	History *HistoryProgress `json:"history,omitempty"`
}
