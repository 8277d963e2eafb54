package api

import (
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
)

type accessTokenList struct {
	Items []service.AccessToken `json:"items"`
}

type accessTokenRequest struct {
	Name string `json:"name"`
	// Scopes are one or more of read, write and send. send is never
	// implied.
	Scopes []string `json:"scopes"`
	// ExpiresAt is an RFC 3339 time, or a day (YYYY-MM-DD) through which
	// the token works, in the caller's time zone; absent: never expires.
	ExpiresAt string `json:"expiresAt,omitempty"`
}

// registerTokens adds the personal access token routes. Only a log-in may
// call them: a token can neither make nor see nor revoke tokens.
func (s *Server) registerTokens() {
	s.add(route{method: "GET", path: "/api/v1/tokens", tag: "tokens", access: user, scope: auth.ScopeSession,
		summary: "The caller's personal access tokens, newest first (never their secrets)"}, typed(s.listTokens))
	s.add(route{method: "POST", path: "/api/v1/tokens", tag: "tokens", access: user, scope: auth.ScopeSession, status: http.StatusCreated,
		summary: "Make a personal access token",
		description: "The answer's token is the secret, shown this once: only its hash is kept. Send it as Authorization: Bearer. " +
			"Scopes: read (every GET), write (change tasks, notes, ideas, places, bookmarks, chats), send (send WhatsApp messages; never implied). " +
			"At most 50 tokens per person (409 too-many-tokens)."},
		typed(s.createToken))
	s.add(route{method: "DELETE", path: "/api/v1/tokens/{id}", tag: "tokens", access: user, scope: auth.ScopeSession, status: http.StatusNoContent,
		summary: "Revoke a personal access token", description: "Effective at once: the next request bearing it gets 401, and streams it opened end."},
		typed(s.revokeToken))
}

func (s *Server) listTokens(c *call, _ *noBody) (accessTokenList, error) {
	list, err := s.o.Service.AccessTokens(c.ctx(), c.userID)
	return accessTokenList{Items: list}, err
}

func (s *Server) createToken(c *call, in *accessTokenRequest) (service.CreatedAccessToken, error) {
	return s.o.Service.CreateAccessToken(c.ctx(), c.userID, service.NewAccessToken{Name: in.Name, Scopes: in.Scopes, Expires: in.ExpiresAt})
}

func (s *Server) revokeToken(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.RevokeAccessToken(c.ctx(), c.userID, c.r.PathValue("id"))
}
