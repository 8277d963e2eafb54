package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Scopes, as for the REST API (internal/api/scopes.go): the read tools and
// the resources need auth.ScopeRead; create_task, complete_task and
// add_note need auth.ScopeWrite; send_message needs auth.ScopeSend and is
// not even listed to a token without it. The scope is checked on every
// call against the token that made it, so a token that lost a scope (or
// was revoked, which the API's check refuses with 401) cannot use a tool
// listed earlier.

func hasScope(ti *sdkauth.TokenInfo, s auth.Scope) bool {
	return slices.Contains(ti.Scopes, string(s))
}

// scopeError is the tool error for a token without the scope a tool needs.
func scopeError(s auth.Scope) error {
	return fmt.Errorf("refused: this token lacks the %q scope that this tool needs; the person can make a personal access token with the %s scope in Synapse (Settings → Access tokens)", s, s)
}

// tool adds a typed tool that needs scope: fn runs with the caller's user
// id, and its answer is the tool's structured result (and its JSON text).
// Errors become tool errors (isError) with a message for the assistant;
// unexpected ones are logged with an id and not described.
func tool[In any](h *Handler, s *mcp.Server, t *mcp.Tool, need auth.Scope, fn func(ctx context.Context, c caller, in In) (any, error)) {
	mcp.AddTool(s, t, func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, any, error) {
		c, err := callerOf(req.Extra)
		if err != nil {
			return nil, nil, err
		}
		if !hasScope(c.ti, need) {
			return nil, nil, scopeError(need)
		}
		out, err := fn(ctx, c, in)
		if err != nil {
			return nil, nil, h.toolError(t.Name, c.userID, err)
		}
		return nil, out, nil
	})
}

// toolError is what an assistant is told about a failed call: the one
// place where errors of the service become words.
func (h *Handler) toolError(name, userID string, err error) error {
	var verr validate.Errors
	var sendLimit *service.SendLimitError
	var askLimit *service.AskLimitError
	var stopped *whatsapp.StoppedError
	var waiting *whatsapp.WaitingError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errors.New("not found: there is no such item among this person's data (check the id)")
	case errors.As(err, &verr):
		return fmt.Errorf("invalid input: %s", verr.Error())
	case errors.Is(err, store.ErrBadCursor):
		return errors.New("invalid input: cursor is not one this tool returned")
	case errors.As(err, &sendLimit):
		return fmt.Errorf("refused: %s", sendLimit.Error())
	case errors.As(err, &askLimit):
		return fmt.Errorf("refused: too many questions; try again in %s", askLimit.RetryAfter.Round(time.Second))
	case errors.Is(err, service.ErrUnavailable):
		return errors.New("not available on this server")
	case errors.Is(err, whatsapp.ErrNotConnected), errors.As(err, &stopped), errors.As(err, &waiting),
		errors.Is(err, whatsapp.ErrNodeUnavailable), errors.Is(err, whatsapp.ErrOwnedElsewhere):
		return fmt.Errorf("WhatsApp is not reachable now, nothing was sent: %s", err.Error())
	case errors.Is(err, whatsapp.ErrInvalidChat):
		return errors.New("invalid input: chatId is not a chat id or phone number")
	case errors.Is(err, context.Canceled):
		return err
	}
	id := service.ErrorID()
	h.o.Log.Error("mcp tool failed", "error_id", id, "tool", name, "user_id", userID, "err", err)
	return fmt.Errorf("something went wrong on the server; it has been logged as error %s", id)
}
