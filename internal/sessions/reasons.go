package sessions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"syscall"
)

// why is the reason of a status change: a stable code that clients may
// switch on, and a sentence for people. The sentence never carries an
// error chain, an address or other internals: those go to the log, and a
// sentence about an unexpected failure names the log entry's id instead.
type why struct{ code, text string }

// Reasons, by code. docs/API.md lists the codes.
var (
	noReason        = why{}
	whyQRTimeout    = why{"qr-timeout", "The QR code was not scanned in time. Show a new one to try again."}
	whyPaired       = why{"paired", "Linked. Logging in…"}
	whyPairFailed   = why{"pairing-failed", "Linking did not complete on the phone. Start again and scan the new code."}
	whyStopped      = why{"stopped", "Disconnected. The linked device is kept: connecting again needs no QR code."}
	whyLoggedOut    = why{"logged-out", "Logged out: this device is unlinked from the phone. Scan a new QR code to connect again."}
	whyRestarting   = why{"restarting", "Restarting…"}
	whyRestored     = why{"restored", "Reconnecting after a restart of Synapse…"}
	whyElsewhere    = why{"other-node", "Running on another Synapse server."}
	whyTakeover     = why{"moving", "Waiting for another Synapse server to take the session over."}
	whyReconnecting = why{"reconnecting", "The connection to WhatsApp dropped. Reconnecting…"}
)

// whyEngine is a reason an engine gave in words (a ban, an outdated client,
// the phone unlinking the device): engines word these for people.
func whyEngine(code, text string) why { return why{code, text} }

// whyUnreachable describes a failed connection attempt that is retried.
func whyUnreachable(log *slog.Logger, err error) why {
	if unreachable(err) {
		return why{"unreachable", "Synapse cannot reach WhatsApp: the server has no connection to the internet, or WhatsApp is down. It tries again by itself."}
	}
	id := logID(log, "connect failed", err)
	return why{"connect-failed", "Connecting to WhatsApp failed; Synapse tries again by itself. The server log has the details under error " + id + "."}
}

// whyInternal describes a failure inside Synapse.
func whyInternal(log *slog.Logger, what string, err error) why {
	id := logID(log, what, err)
	return why{"internal", "Synapse could not start the session. The server log has the details under error " + id + "."}
}

// unreachable reports whether err means the network, not WhatsApp, is in
// the way: DNS, a refused or unroutable connection, a timeout.
func unreachable(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns), errors.As(err, &op), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ECONNRESET):
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// logID logs err under a short random id and returns the id, for people to
// quote.
func logID(log *slog.Logger, what string, err error) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	log.Error(what, "error_id", id, "err", err)
	return id
}
