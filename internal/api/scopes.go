package api

import (
	"fmt"
	"slices"

	"github.com/synapse-kb/synapse/internal/auth"
)

// scopeOf decides what a personal access token needs to call rt: the
// route's own scope when its registrar set one, else the rule for its kind.
// This is the one place where routes get their scope; a route that
// reaches no decision is a programming error, and the server refuses to
// start (add panics), so that no route is forgotten.
//
// The rules: administration needs a log-in (auth.ScopeSession); a GET
// reads (auth.ScopeRead). Every other route says what it needs: write for
// changes to the person's knowledge, send for sending WhatsApp messages,
// session for the account, the tokens and the WhatsApp link.
func scopeOf(rt *route) (auth.Scope, error) {
	switch {
	case rt.access == public:
		return "", nil
	case rt.scope != "":
		if rt.scope != auth.ScopeSession && !slices.Contains(auth.TokenScopes, rt.scope) {
			return "", fmt.Errorf("api: %s %s has an unknown scope %q", rt.method, rt.path, rt.scope)
		}
		if rt.access == admin && rt.scope != auth.ScopeSession {
			return "", fmt.Errorf("api: %s %s is administration and needs a log-in, not %q", rt.method, rt.path, rt.scope)
		}
		return rt.scope, nil
	case rt.access == admin:
		return auth.ScopeSession, nil
	case rt.method == "GET":
		return auth.ScopeRead, nil
	}
	return "", fmt.Errorf("api: %s %s changes something but has no scope: set route.scope (write, send or session)", rt.method, rt.path)
}

// scopeText is what the OpenAPI document says about a route's scope.
func scopeText(s auth.Scope) string {
	if s == auth.ScopeSession {
		return "Needs a log-in: personal access tokens cannot call this."
	}
	return "Personal access tokens need the `" + string(s) + "` scope."
}
