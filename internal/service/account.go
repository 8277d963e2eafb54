package service

import (
	"context"
	"errors"
	"strings"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
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
	if err := s.o.Store.UpdateProfile(ctx, u.ID, u.Name, u.Timezone); err != nil {
		return store.User{}, err
	}
	return u, nil
}
