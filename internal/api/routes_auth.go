package api

import (
	"net/http"
	"time"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

type registerRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name,omitempty"`
	// Timezone is an IANA zone name (daily summaries follow it); default UTC.
	Timezone string `json:"timezone,omitempty"`
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type refreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

type logoutRequest struct {
	// RefreshToken ends that login; without it every login of the user ends.
	RefreshToken string `json:"refreshToken,omitempty"`
}

type userView struct {
	ID      string `json:"id"`
	Email   string `json:"email"`
	Name    string `json:"name"`
	IsAdmin bool   `json:"isAdmin"`
	// Disabled is set on an account an administrator disabled.
	Disabled  bool      `json:"disabled,omitempty"`
	Timezone  string    `json:"timezone"`
	CreatedAt time.Time `json:"createdAt"`
	// SharePresence: the person lets the linked device show them online
	// and send read receipts (off by default).
	SharePresence bool `json:"sharePresence"`
}

func viewUser(u store.User) userView {
	return userView{ID: u.ID, Email: u.Email, Name: u.Name, IsAdmin: u.IsAdmin, Disabled: u.Disabled(), Timezone: u.Timezone, CreatedAt: u.CreatedAt,
		SharePresence: u.SharePresence}
}

type tokenResponse struct {
	User         userView  `json:"user"`
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken"`
	ExpiresAt    time.Time `json:"expiresAt"`
	TokenType    string    `json:"tokenType"`
}

func tokens(r auth.Result) tokenResponse {
	return tokenResponse{User: viewUser(r.User), AccessToken: r.AccessToken, RefreshToken: r.RefreshToken,
		ExpiresAt: r.AccessTokenExpiresAt, TokenType: "Bearer"}
}

type updateMeRequest struct {
	Name     *string `json:"name,omitempty"`
	Timezone *string `json:"timezone,omitempty"`
	// SharePresence lets Synapse send WhatsApp read receipts when the
	// person reads a chat in Synapse, and show them "online" while their
	// session is connected. Off by default.
	SharePresence *bool `json:"sharePresence,omitempty"`
}

func (s *Server) registerAuth() {
	s.add(route{method: "POST", path: "/api/v1/auth/register", tag: "auth", status: http.StatusCreated,
		summary: "Create an account and log in"}, typed(s.register))
	s.add(route{method: "POST", path: "/api/v1/auth/login", tag: "auth",
		summary:     "Log in with e-mail and password",
		description: "Attempts are rate-limited per account and per client address (429 with Retry-After)."}, typed(s.login))
	s.add(route{method: "POST", path: "/api/v1/auth/refresh", tag: "auth",
		summary:     "Exchange a refresh token for new tokens",
		description: "The refresh token rotates: the old one stops working, and presenting it again revokes every token of that login."},
		typed(s.refresh))
	s.add(route{method: "POST", path: "/api/v1/auth/logout", tag: "auth", access: user, scope: auth.ScopeSession, status: http.StatusNoContent, optionalBody: true,
		summary: "Log out (revoke a refresh token, or all of them)"}, typed(s.logout))
	s.add(route{method: "GET", path: "/api/v1/auth/me", tag: "auth", access: user, summary: "The calling user"}, typed(s.me))
	s.add(route{method: "PATCH", path: "/api/v1/auth/me", tag: "auth", access: user, scope: auth.ScopeSession, summary: "Change the calling user's name or time zone"},
		typed(s.updateMe))
	s.add(route{method: "POST", path: "/api/v1/auth/password", tag: "auth", access: user, scope: auth.ScopeSession,
		summary:     "Change the caller's password",
		description: "Checks the current password, sets the new one and ends every other session, token and stream of the account, this log-in's included: the answer holds a new log-in (its tokens)."},
		typed(s.changePassword))
	s.add(route{method: "POST", path: "/api/v1/auth/signout-everywhere", tag: "auth", access: user, scope: auth.ScopeSession,
		summary:     "End every other session, token and stream of the account",
		description: "Every browser and API log-in ends, this one's included; the answer holds a new log-in (its tokens)."},
		typed(s.signOutEverywhere))
	for _, path := range []string{"/api/v1/account", "/api/v1/auth/me"} {
		s.add(route{method: "DELETE", path: path, tag: "account", access: user, scope: auth.ScopeSession, status: http.StatusNoContent, alias: path != "/api/v1/account",
			summary: "Delete the caller's account and everything of it",
			description: "Needs the current password. Logs the WhatsApp session out (unlinking the device) and deletes its device keys, " +
				"every message, media file, item, summary, queued job, token and web session of the account, and the account itself. " +
				"It cannot be undone; export first (GET /api/v1/export)."},
			typed(s.deleteAccount))
	}
}

type deleteAccountRequest struct {
	// Password is the caller's current password.
	Password string `json:"password"`
}

func (s *Server) deleteAccount(c *call, in *deleteAccountRequest) (noBody, error) {
	return noBody{}, s.o.Service.DeleteAccount(c.ctx(), c.userID, in.Password)
}

type passwordRequest struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

func (s *Server) changePassword(c *call, in *passwordRequest) (tokenResponse, error) {
	res, err := s.o.Service.ChangePassword(c.ctx(), c.userID, in.CurrentPassword, in.NewPassword, c.cred)
	return tokens(res), err
}

func (s *Server) signOutEverywhere(c *call, _ *noBody) (tokenResponse, error) {
	res, err := s.o.Service.SignOutEverywhere(c.ctx(), c.userID, c.cred)
	return tokens(res), err
}

func (s *Server) register(c *call, in *registerRequest) (tokenResponse, error) {
	res, err := s.o.Service.Register(c.ctx(), service.SignUp{Email: in.Email, Password: in.Password, Name: in.Name, Timezone: in.Timezone}, s.clientAddr(c.r))
	return tokens(res), err
}

func (s *Server) login(c *call, in *loginRequest) (tokenResponse, error) {
	res, err := s.o.Service.Login(c.ctx(), in.Email, in.Password, s.clientAddr(c.r))
	return tokens(res), err
}

func (s *Server) refresh(c *call, in *refreshRequest) (tokenResponse, error) {
	res, err := s.o.Service.Refresh(c.ctx(), in.RefreshToken)
	return tokens(res), err
}

func (s *Server) logout(c *call, in *logoutRequest) (noBody, error) {
	return noBody{}, s.o.Service.Logout(c.ctx(), c.userID, in.RefreshToken)
}

func (s *Server) me(c *call, _ *noBody) (userView, error) {
	u, err := s.o.Service.Me(c.ctx(), c.userID)
	return viewUser(u), err
}

func (s *Server) updateMe(c *call, in *updateMeRequest) (userView, error) {
	u, err := s.o.Service.UpdateProfile(c.ctx(), c.userID, service.Profile{Name: in.Name, Timezone: in.Timezone, SharePresence: in.SharePresence})
	return viewUser(u), err
}
