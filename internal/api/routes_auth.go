package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
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
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	IsAdmin   bool      `json:"isAdmin"`
	Timezone  string    `json:"timezone"`
	CreatedAt time.Time `json:"createdAt"`
}

func viewUser(u store.User) userView {
	return userView{ID: u.ID, Email: u.Email, Name: u.Name, IsAdmin: u.IsAdmin, Timezone: u.Timezone, CreatedAt: u.CreatedAt}
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
}

func (s *Server) registerAuth() {
	s.add(route{method: "POST", path: "/api/v1/auth/register", tag: "auth", status: http.StatusCreated,
		summary: "Create an account and log in"},
		typed(func(c *call, in *registerRequest) (tokenResponse, error) {
			res, err := s.o.Auth.Register(c.ctx(), auth.Registration{Email: in.Email, Password: in.Password, Name: in.Name, Timezone: in.Timezone}, s.clientAddr(c.r))
			if err != nil {
				return tokenResponse{}, err
			}
			return tokens(res), nil
		}))
	s.add(route{method: "POST", path: "/api/v1/auth/login", tag: "auth",
		summary:     "Log in with e-mail and password",
		description: "Attempts are rate-limited per account and per client address (429 with Retry-After)."},
		typed(func(c *call, in *loginRequest) (tokenResponse, error) {
			var errs validate.Errors
			if strings.TrimSpace(in.Email) == "" {
				errs.Add("email", "is required")
			}
			if in.Password == "" {
				errs.Add("password", "is required")
			}
			if err := errs.Err(); err != nil {
				return tokenResponse{}, err
			}
			res, err := s.o.Auth.Login(c.ctx(), in.Email, in.Password, s.clientAddr(c.r))
			if err != nil {
				return tokenResponse{}, err
			}
			return tokens(res), nil
		}))
	s.add(route{method: "POST", path: "/api/v1/auth/refresh", tag: "auth",
		summary:     "Exchange a refresh token for new tokens",
		description: "The refresh token rotates: the old one stops working, and presenting it again revokes every token of that login."},
		typed(func(c *call, in *refreshRequest) (tokenResponse, error) {
			if in.RefreshToken == "" {
				return tokenResponse{}, validate.Errors{{Field: "refreshToken", Message: "is required"}}
			}
			res, err := s.o.Auth.Refresh(c.ctx(), in.RefreshToken)
			if err != nil {
				return tokenResponse{}, err
			}
			return tokens(res), nil
		}))
	s.add(route{method: "POST", path: "/api/v1/auth/logout", tag: "auth", access: user, status: http.StatusNoContent, optionalBody: true,
		summary: "Log out (revoke a refresh token, or all of them)"},
		typed(func(c *call, in *logoutRequest) (noBody, error) {
			return noBody{}, s.o.Auth.Logout(c.ctx(), c.userID, in.RefreshToken)
		}))
	s.add(route{method: "GET", path: "/api/v1/auth/me", tag: "auth", access: user, summary: "The calling user"},
		typed(func(c *call, _ *noBody) (userView, error) {
			u, err := s.o.Store.UserByID(c.ctx(), c.userID)
			if err != nil {
				return userView{}, notFoundIsUnauthorized(err)
			}
			return viewUser(u), nil
		}))
	s.add(route{method: "PATCH", path: "/api/v1/auth/me", tag: "auth", access: user, summary: "Change the calling user's name or time zone"},
		typed(func(c *call, in *updateMeRequest) (userView, error) {
			u, err := s.o.Store.UserByID(c.ctx(), c.userID)
			if err != nil {
				return userView{}, notFoundIsUnauthorized(err)
			}
			var errs validate.Errors
			if in.Name != nil {
				u.Name = strings.TrimSpace(*in.Name)
				errs.Length("name", u.Name, 1, 100)
			}
			if in.Timezone != nil {
				if _, err := time.LoadLocation(*in.Timezone); err != nil || *in.Timezone == "" {
					errs.Add("timezone", "is not an IANA time zone such as Europe/Lisbon")
				}
				u.Timezone = *in.Timezone
			}
			if err := errs.Err(); err != nil {
				return userView{}, err
			}
			if err := s.o.Store.UpdateProfile(c.ctx(), u.ID, u.Name, u.Timezone); err != nil {
				return userView{}, err
			}
			return viewUser(u), nil
		}))
}

// notFoundIsUnauthorized: a valid token for a deleted user is no longer a
// valid identity.
func notFoundIsUnauthorized(err error) error {
	if err == store.ErrNotFound {
		return auth.ErrInvalidToken
	}
	return err
}
