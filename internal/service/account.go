package service

import (
	"context"
	"errors"
	"strings"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// SignUp is what a person gives to create an account.
type SignUp struct {
	Email, Password, Name string
	// Timezone is an IANA zone name; empty means UTC.
	Timezone string
}

// Register creates an account through self-service sign-up and logs it in.
// clientAddr is the caller's address, for the sign-up rate limit.
func (s *Service) Register(ctx context.Context, in SignUp, clientAddr string) (auth.Result, error) {
	return s.o.Auth.Register(ctx, auth.Registration{Email: in.Email, Password: in.Password, Name: in.Name, Timezone: in.Timezone}, clientAddr)
}

// Login checks an e-mail and password.
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (auth.Result, error) {
	var errs validate.Errors
	if strings.TrimSpace(email) == "" {
		errs.Add("email", "is required")
	}
	if password == "" {
		errs.Add("password", "is required")
	}
	if err := errs.Err(); err != nil {
		return auth.Result{}, err
	}
	if !cleanText(email) || !cleanText(password) {
		// No account has such an e-mail or password; the database is not
		// asked (PostgreSQL refuses NUL bytes).
		return auth.Result{}, auth.ErrBadCredentials
	}
	return s.o.Auth.Login(ctx, email, password, clientAddr)
}

// Refresh exchanges a refresh token for new tokens.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (auth.Result, error) {
	if refreshToken == "" {
		return auth.Result{}, validate.Errors{{Field: "refreshToken", Message: "is required"}}
	}
	if len(refreshToken) > 256 || !cleanText(refreshToken) {
		return auth.Result{}, auth.ErrInvalidRefreshToken
	}
	return s.o.Auth.Refresh(ctx, refreshToken)
}

// Logout ends one login (its refresh token), or every login of the user
// when refreshToken is empty.
func (s *Service) Logout(ctx context.Context, userID, refreshToken string) error {
	if len(refreshToken) > 256 || !cleanText(refreshToken) {
		return nil // no such token
	}
	return s.o.Auth.Logout(ctx, userID, refreshToken)
}

// Me is the calling user. A valid credential of an account that is gone is
// no longer valid (auth.ErrInvalidToken).
func (s *Service) Me(ctx context.Context, userID string) (store.User, error) {
	u, err := s.o.Store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, auth.ErrInvalidToken
	}
	return u, err
}

// Profile is a change of a person's settings; nil fields stay.
type Profile struct {
	Name     *string
	Timezone *string
	// SharePresence lets Synapse send WhatsApp read receipts and "online".
	SharePresence *bool
}

// UpdateProfile changes the caller's name or time zone.
func (s *Service) UpdateProfile(ctx context.Context, userID string, in Profile) (store.User, error) {
	u, err := s.Me(ctx, userID)
	if err != nil {
		return store.User{}, err
	}
	var errs validate.Errors
	if in.Name != nil {
		checkText(&errs, "name", in.Name, true, MaxPersonName)
		u.Name = *in.Name
	}
	if in.Timezone != nil {
		tz := strings.TrimSpace(*in.Timezone)
		if _, err := validate.ParseTimezone(tz); err != nil {
			errs.Add("timezone", timezoneMessage)
		}
		u.Timezone = tz
	}
	if err := errs.Err(); err != nil {
		return store.User{}, err
	}
	was := u.SharePresence
	if in.SharePresence != nil {
		u.SharePresence = *in.SharePresence
	}
	if err := s.o.Store.UpdateProfile(ctx, u.ID, u.Name, u.Timezone, u.SharePresence); err != nil {
		return store.User{}, err
	}
	if was != u.SharePresence {
		s.o.Log.Info("presence sharing changed", "user_id", u.ID, "share_presence", u.SharePresence)
		// Said to WhatsApp at once when connected; otherwise on connecting.
		if err := s.o.Sessions.SetOnline(ctx, u.ID, u.SharePresence); err != nil && !errors.Is(err, whatsapp.ErrNotConnected) && !errors.Is(err, whatsapp.ErrNotSupported) {
			s.o.Log.Warn("telling WhatsApp the presence failed", "user_id", u.ID, "err", err)
		}
	}
	return u, nil
}

// Authenticate checks an access token (or personal access token) and that
// its account is live: not disabled or deleted, the token not ended by a
// log-out, a password change or a sign-out everywhere.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Identity, error) {
	if token == "" || len(token) > 4096 || !cleanText(token) {
		return auth.Identity{}, auth.ErrInvalidToken
	}
	return s.o.Auth.Authenticate(ctx, token)
}

// ChangePassword replaces the caller's password after checking the
// current one, and ends every other session, token and stream of the
// account. keep is the credential the change was made with: a browser
// stays signed in; an API caller gets a new log-in in the result.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next string, keep auth.Credential) (auth.Result, error) {
	var errs validate.Errors
	if current == "" {
		errs.Add("currentPassword", "is required")
	}
	if next == "" {
		errs.Add("newPassword", "is required")
	}
	if err := errs.Err(); err != nil {
		return auth.Result{}, err
	}
	if !cleanText(current) {
		return auth.Result{}, auth.ErrBadCredentials
	}
	res, err := s.o.Auth.ChangePassword(ctx, userID, current, next, keep)
	if err == nil {
		s.o.Log.Info("password changed; other sessions ended", "user_id", userID)
	}
	return res, err
}

// SignOutEverywhere ends every session, token and stream of the caller but
// keep.
func (s *Service) SignOutEverywhere(ctx context.Context, userID string, keep auth.Credential) (auth.Result, error) {
	return s.o.Auth.SignOutEverywhere(ctx, userID, keep)
}

// EndWebSession signs one browser out, ending its streams.
func (s *Service) EndWebSession(ctx context.Context, userID, sessionID string) error {
	return s.o.Auth.EndWebSession(ctx, userID, sessionID)
}
