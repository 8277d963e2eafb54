package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Problem is an RFC 9457 problem document. Type is a stable relative URI
// (/problems/<slug>) that clients may switch on; docs/API.md lists them.
type Problem struct {
	Type     string                `json:"type"`
	Title    string                `json:"title"`
	Status   int                   `json:"status"`
	Detail   string                `json:"detail,omitempty"`
	Instance string                `json:"instance,omitempty"`
	Errors   []validate.FieldError `json:"errors,omitempty"`
	// RequiredScope names the scope a personal access token lacked
	// (insufficient-scope): read, write, send, or session (a log-in).
	RequiredScope string `json:"requiredScope,omitempty"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

func problem(status int, slug, title, detail string) *Problem {
	return &Problem{Type: "/problems/" + slug, Title: title, Status: status, Detail: detail}
}

// problemWithRetry is a problem that comes with a Retry-After.
type problemWithRetry struct {
	*Problem
	after time.Duration
}

// toProblem maps every error the API can meet to its problem document. This
// is the one place where errors become HTTP statuses.
func toProblem(err error) (*Problem, time.Duration) {
	var p *Problem
	var verr validate.Errors
	var maxBytes *http.MaxBytesError
	var rl *auth.RateLimitedError
	var stopped *whatsapp.StoppedError
	var waiting *whatsapp.WaitingError
	var withRetry problemWithRetry
	var sendLimit *service.SendLimitError
	var askLimit *service.AskLimitError
	var scope *auth.ScopeError
	switch {
	case errors.As(err, &withRetry):
		return withRetry.Problem, withRetry.after
	case errors.As(err, &p):
		return p, 0
	case errors.As(err, &verr):
		p := problem(http.StatusBadRequest, "validation-error", "Invalid input", verr.Error())
		p.Errors = verr
		return p, 0
	case errors.As(err, &maxBytes):
		return problem(http.StatusRequestEntityTooLarge, "body-too-large", "Request body too large",
			fmt.Sprintf("the body must be at most %d bytes", maxBytes.Limit)), 0
	case errors.Is(err, store.ErrNotFound):
		return problem(http.StatusNotFound, "not-found", "Not found", "no such resource"), 0
	case errors.Is(err, store.ErrBadCursor):
		return problem(http.StatusBadRequest, "invalid-cursor", "Invalid cursor", "cursor must be a nextCursor value returned by this API"), 0
	case errors.Is(err, auth.ErrInvalidToken):
		return problem(http.StatusUnauthorized, "unauthorized", "Unauthorized", "a valid access token is required"), 0
	case errors.As(err, &scope):
		detail := "this personal access token lacks the \"" + string(scope.Needed) + "\" scope; make a token with it in Settings"
		if scope.Needed == auth.ScopeSession {
			detail = "personal access tokens cannot do this; sign in with your password"
		}
		p := problem(http.StatusForbidden, "insufficient-scope", "Insufficient scope", detail)
		p.RequiredScope = string(scope.Needed)
		return p, 0
	case errors.Is(err, service.ErrTooManyTokens):
		return problem(http.StatusConflict, "too-many-tokens", "Too many tokens",
			fmt.Sprintf("you have %d personal access tokens, the most allowed; revoke one first", service.MaxAccessTokens)), 0
	case errors.Is(err, service.ErrTooManyWebhooks):
		return problem(http.StatusConflict, "too-many-webhooks", "Too many webhook endpoints",
			fmt.Sprintf("you have %d webhook endpoints, the most allowed; delete one first", service.MaxWebhookEndpoints)), 0
	case errors.Is(err, auth.ErrBadCredentials):
		return problem(http.StatusUnauthorized, "invalid-credentials", "Invalid credentials", "wrong e-mail or password"), 0
	case errors.Is(err, auth.ErrInvalidRefreshToken):
		return problem(http.StatusUnauthorized, "invalid-refresh-token", "Invalid refresh token", "the refresh token is unknown, expired or revoked; log in again"), 0
	case errors.Is(err, auth.ErrEmailTaken):
		return problem(http.StatusConflict, "email-taken", "E-mail already registered", "an account with this e-mail already exists"), 0
	case errors.Is(err, auth.ErrRegistrationClosed):
		return problem(http.StatusForbidden, "registration-closed", "Registration closed", "this server does not accept sign-ups; ask an administrator for an account"), 0
	case errors.Is(err, auth.ErrBusy):
		return problem(http.StatusServiceUnavailable, "busy", "Busy", "too many sign-ins are being checked at once; try again shortly"), auth.BusyRetryAfter
	case errors.As(err, &rl):
		return problem(http.StatusTooManyRequests, "rate-limited", "Too many attempts",
			fmt.Sprintf("too many attempts for this %s; try again in %s", rl.Scope, humanWait(rl.RetryAfter))), rl.RetryAfter
	case errors.Is(err, whatsapp.ErrAlreadyConnected):
		return problem(http.StatusConflict, "session-connected", "Already connected", "the WhatsApp session is already connected; log out to pair again"), 0
	case errors.Is(err, whatsapp.ErrQRNotReady):
		return problem(http.StatusServiceUnavailable, "qr-not-ready", "QR code not ready", "the QR code is not available yet; try again in a moment"), 2 * time.Second
	case errors.Is(err, whatsapp.ErrNotConnected):
		return problem(http.StatusConflict, "session-not-connected", "Not connected", "the WhatsApp session is not connected; start it and pair first"), 0
	case errors.Is(err, whatsapp.ErrNotPairing):
		return problem(http.StatusConflict, "session-not-pairing", "Not pairing", "the WhatsApp session is not waiting to be paired; start it first"), 0
	case errors.Is(err, whatsapp.ErrNotSupported):
		return problem(http.StatusNotImplemented, "not-supported", "Not supported", "the configured WhatsApp engine does not support this"), 0
	case errors.Is(err, whatsapp.ErrInvalidChat):
		return problem(http.StatusBadRequest, "invalid-chat", "Invalid chat id", "chatId is not a WhatsApp chat: use a phone number with its country code, or a JID such as 447700900123@s.whatsapp.net or …@g.us"), 0
	case errors.As(err, &waiting):
		return problem(http.StatusServiceUnavailable, "whatsapp-unreachable", "WhatsApp unreachable", waiting.Reason),
			max(time.Until(waiting.RetryAt), time.Second)
	case errors.As(err, &stopped):
		return problem(http.StatusConflict, "session-stopped", "Session stopped", "the session is "+string(stopped.Status)+": "+stopped.Reason), 0
	case errors.Is(err, whatsapp.ErrNodeUnavailable):
		return problem(http.StatusServiceUnavailable, "node-unavailable", "Session node unavailable",
			"the server node running this WhatsApp session cannot be reached; another node takes the session over shortly, try again"), 5 * time.Second
	case errors.Is(err, whatsapp.ErrOwnedElsewhere):
		return problem(http.StatusServiceUnavailable, "session-moving", "Session moving",
			"the WhatsApp session is moving between server nodes; try again"), 2 * time.Second
	case errors.Is(err, whatsapp.ErrClosed):
		return problem(http.StatusServiceUnavailable, "shutting-down", "Shutting down", "the server is shutting down; retry shortly"), 5 * time.Second
	case errors.Is(err, whatsapp.ErrSimNoClient):
		return problem(http.StatusConflict, "session-not-started", "Session not started", "start the WhatsApp session first"), 0
	case errors.Is(err, whatsapp.ErrSimWrongCode):
		return problem(http.StatusConflict, "wrong-code", "Wrong code", err.Error()), 0
	case errors.As(err, &sendLimit):
		return problem(http.StatusTooManyRequests, "send-rate-limited", "Too many messages",
			fmt.Sprintf("at most %d messages a minute can be sent through Synapse; try again in %s", service.SendsPerMinute, humanWait(sendLimit.RetryAfter))), sendLimit.RetryAfter
	case errors.As(err, &askLimit):
		return problem(http.StatusTooManyRequests, "ask-rate-limited", "Too many questions",
			fmt.Sprintf("at most %d questions a minute can be asked; try again in %s", service.AsksPerMinute, humanWait(askLimit.RetryAfter))), askLimit.RetryAfter
	case errors.Is(err, service.ErrNothingOlder):
		return problem(http.StatusConflict, "nothing-older", "Nothing older to load",
			"the chat's oldest kept message is already at the edge of the history window (WHATSAPP_HISTORY_DAYS)"), 0
	case errors.Is(err, service.ErrMediaExpired):
		return problem(http.StatusGone, "media-expired", "File expired",
			"WhatsApp no longer serves this file (it expired before Synapse could keep it); it may still be on the phone"), 0
	case errors.Is(err, service.ErrMediaTooLarge):
		return problem(http.StatusConflict, "media-too-large", "File too large",
			"this file is larger than the server keeps (WHATSAPP_MAX_MEDIA_BYTES); it is still on the phone"), 0
	case errors.Is(err, service.ErrBookmarkExists):
		return problem(http.StatusConflict, "bookmark-exists", "Already saved", "you already have a bookmark for this link"), 0
	case errors.Is(err, service.ErrUnavailable):
		return problem(http.StatusServiceUnavailable, "unavailable", "Not available", "this server is not set up for this"), 0
	case errors.Is(err, service.ErrSelf):
		return problem(http.StatusConflict, "own-account", "Your own account", "administrators cannot disable, demote or delete their own account here; they use their own settings"), 0
	case errors.Is(err, service.ErrActionLinkExpired):
		return problem(http.StatusForbidden, "link-expired", "Link expired",
			"this action link has expired, or its reminder was snoozed, moved or done since; open Synapse to act on the reminder"), 0
	case errors.Is(err, service.ErrForbidden):
		return problem(http.StatusForbidden, "forbidden", "Forbidden", "this needs an administrator"), 0
	case errors.Is(err, service.ErrNoSimulator):
		return problem(http.StatusNotFound, "not-found", "Not found", "no such API route"), 0
	case errors.Is(err, whatsapp.ErrSimNotLinked):
		return problem(http.StatusConflict, "not-linked", "No linked device", "the simulated phone has no linked device; pair first"), 0
	case errors.Is(err, context.DeadlineExceeded):
		return problem(http.StatusGatewayTimeout, "timeout", "Timed out", "the operation took too long"), 0
	}
	return problem(http.StatusInternalServerError, "internal", "Internal error", "something went wrong; it has been logged"), 0
}

// loggedPath is a request path as logs may keep it: the secret of a
// capability link (a reminder notification's button, a calendar feed) is
// left out.
func loggedPath(p string) string {
	for _, prefix := range []string{"/api/v1/reminder-actions/", "/calendar/"} {
		if strings.HasPrefix(p, prefix) && len(p) > len(prefix) {
			return prefix + "…"
		}
	}
	return p
}

// writeError answers with the problem for err. Server errors are logged here,
// once.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	p, after := toProblem(err)
	out := *p
	if p.Status >= 500 && p.Status != http.StatusServiceUnavailable && p.Status != http.StatusNotImplemented {
		id := service.ErrorID()
		s.o.Log.Error("request failed", "error_id", id, "method", r.Method, "path", loggedPath(r.URL.Path), "status", p.Status, "err", err)
		out.Detail = "something went wrong on the server; it has been logged as error " + id
	}
	out.Instance = r.URL.Path
	if after > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(max(1, after.Round(time.Second)/time.Second))))
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="synapse"`)
	}
	if p.RequiredScope != "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="synapse", error="insufficient_scope", scope="`+p.RequiredScope+`"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(out)
}

// humanWait says a wait as people do: "1 second", "40 seconds", "2 minutes"
// (rounded up, so that trying again then works).
func humanWait(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	if d < time.Minute {
		return plural(max(int64((d+time.Second-1)/time.Second), 1), "second")
	}
	return plural(int64((d+time.Minute-1)/time.Minute), "minute")
}
