package meow

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"go.mau.fi/libsignal/logger"

	waLog "go.mau.fi/whatsmeow/util/log"
)

// waLogger adapts a session's slog.Logger (which carries user_id and
// session_id) to whatsmeow's logger. whatsmeow's debug and info lines go to
// slog DEBUG (its INFO is protocol chatter such as "Successfully
// authenticated"); its warnings and errors stay WARN and ERROR, except the
// few that every ordinary disconnect produces, which go to DEBUG.
type waLogger struct {
	l      *slog.Logger
	module string
}

func newWALogger(l *slog.Logger) waLog.Logger { return &waLogger{l: l} }

func (w *waLogger) log(level slog.Level, msg string, args []any) {
	if !w.l.Enabled(context.Background(), level) {
		return
	}
	text := fmt.Sprintf(msg, args...)
	if level >= slog.LevelWarn && routine(text) {
		level = slog.LevelDebug
		if !w.l.Enabled(context.Background(), level) {
			return
		}
	}
	if w.module != "" {
		w.l.Log(context.Background(), level, text, "module", w.module)
	} else {
		w.l.Log(context.Background(), level, text)
	}
}

// routine reports whether a whatsmeow warning or error is an expected part
// of connecting and disconnecting rather than a problem.
func routine(text string) bool {
	for _, p := range []string{
		"Error reading from websocket",         // every closed socket (also after pairing's 515)
		"Failed to send unified_session",       // telemetry racing a reconnect
		"Received stream end frame",            // server closed the stream
		"Failed to send keepalive",             // the socket is already gone
		"Failed to get number of prekeys",      // connection dropped during login
		"Failed to send post-connect passive",  // connection dropped during login
		"Initial connection failed but reconn", // handled by our reconnect
	} {
		if strings.HasPrefix(text, p) {
			return true
		}
	}
	// The engine cancels a client's context only when the session is
	// disconnected or logged out; what fails because of that is expected.
	return strings.Contains(text, "context canceled")
}

func (w *waLogger) Debugf(msg string, args ...any) { w.log(slog.LevelDebug, msg, args) }
func (w *waLogger) Infof(msg string, args ...any)  { w.log(slog.LevelDebug, msg, args) }
func (w *waLogger) Warnf(msg string, args ...any)  { w.log(slog.LevelWarn, msg, args) }
func (w *waLogger) Errorf(msg string, args ...any) { w.log(slog.LevelError, msg, args) }

func (w *waLogger) Sub(module string) waLog.Logger {
	if w.module != "" {
		module = w.module + "/" + module
	}
	return &waLogger{l: w.l, module: module}
}

// libsignal creates its package logger lazily on first use, which races
// when two sessions encrypt at once; a quiet logger set up front avoids
// that and keeps libsignal's debug output out of ours (its errors are
// returned to whatsmeow, which logs them).
func init() {
	var l logger.Loggable = quietSignalLogger{}
	logger.Setup(&l)
}

type quietSignalLogger struct{}

func (quietSignalLogger) Debug(string, string)   {}
func (quietSignalLogger) Info(string, string)    {}
func (quietSignalLogger) Warning(string, string) {}
func (quietSignalLogger) Error(string, string)   {}
func (quietSignalLogger) Configure(string)       {}
