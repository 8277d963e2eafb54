package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

var errDisabledToken = fmt.Errorf("%w: %w", ErrInvalidToken, ErrAccountDisabled)

// Authenticate checks an access token and the account it speaks for, so
// that every request sees a live account: the token must verify (see
// Tokens.Verify), the account must exist and not be disabled, the token
// must not predate the account's tokens-valid-after epoch (a password
// change, signing out everywhere), and the log-in it was issued for must
// not have ended (log-out). The administrator role comes from the account,
// not from the token. It costs one query of two primary-key lookups.
// Failures are ErrInvalidToken (for a disabled account, wrapped together
// with ErrAccountDisabled).
//
// A personal access token (PersonalTokenPrefix) is accepted too, checked
// against the store on every call (see authenticatePersonal); its Identity
// carries its scopes, and the caller must check them (Identity.Allows).
func (s *Service) Authenticate(ctx context.Context, accessToken string) (Identity, error) {
	if IsPersonalToken(accessToken) {
		return s.authenticatePersonal(ctx, accessToken)
	}
	c, err := s.opts.Tokens.parse(accessToken)
	if err != nil {
		return Identity{}, err
	}
	st, err := s.opts.Store.AccountState(ctx, c.Subject, c.RefreshID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Identity{}, ErrInvalidToken
	case err != nil:
		return Identity{}, err
	case !st.DisabledAt.IsZero():
		return Identity{}, errDisabledToken
	case c.issuedAt().Before(st.TokensValidAfter):
		return Identity{}, ErrInvalidToken
	case c.RefreshID != "" && !st.RefreshTokenLive:
		return Identity{}, ErrInvalidToken
	}
	return Identity{UserID: c.Subject, Admin: st.IsAdmin, Credential: c.credential()}, nil
}

// checkPassword verifies userID's password for an operation that needs it
// again (a password change, deleting the account). Failures are limited
// per account, like log-ins per e-mail and address: a stolen session
// cannot be used to guess the password. A wrong password is
// ErrBadCredentials.
func (s *Service) checkPassword(ctx context.Context, userID, password string) (store.User, error) {
	refund, wait := s.byPair.take(userID+"\x00reauthenticate", s.opts.Now())
	if refund == nil {
		return store.User{}, &RateLimitedError{RetryAfter: wait, Scope: ScopeAccount}
	}
	u, err := s.opts.Store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		refund()
		return store.User{}, ErrInvalidToken
	}
	if err != nil {
		refund()
		return store.User{}, err
	}
	if len(password) > 1024 {
		return store.User{}, ErrBadCredentials
	}
	ok, err := s.verify(ctx, password, u.PasswordHash)
	if err != nil {
		refund()
		return store.User{}, err
	}
	if !ok {
		return store.User{}, ErrBadCredentials
	}
	refund()
	return u, nil
}

func validatePassword(field, password string) error {
	var errs validate.Errors
	errs.Length(field, password, 8, 256)
	errs.Text(field, password)
	return errs.Err()
}

// ChangePassword replaces userID's password after checking the current
// one, and ends every other credential of the user in the same
// transaction: every API log-in (refresh tokens and the access tokens
// issued with them), every web session except keep's, and the streams
// they opened. keep is the credential the change was made with: a web
// session stays signed in; an API caller gets a new log-in in the Result
// (its old one ended with the rest). A wrong current password is
// ErrBadCredentials; an unacceptable new one a validate.Errors naming
// "newPassword".
func (s *Service) ChangePassword(ctx context.Context, userID, current, next string, keep Credential) (Result, error) {
	if err := validatePassword("newPassword", next); err != nil {
		return Result{}, err
	}
	u, err := s.checkPassword(ctx, userID, current)
	if err != nil {
		return Result{}, err
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return Result{}, err
	}
	return s.endOthers(ctx, u, keep, hash, ReasonPasswordChanged)
}

// ResetPassword sets userID's password without the current one (the
// operator's `synapse user set-password`) and ends every credential of the
// user.
func (s *Service) ResetPassword(ctx context.Context, userID, next string) error {
	if err := validatePassword("password", next); err != nil {
		return err
	}
	u, err := s.opts.Store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return err
	}
	_, err = s.endOthers(ctx, u, Credential{}, hash, ReasonPasswordChanged)
	return err
}

// SignOutEverywhere ends every credential of userID except keep: every
// API log-in, every web session but keep's, every access token issued
// until now, and their streams. As with ChangePassword, an API caller
// (keep is an API credential) gets a new log-in in the Result; a zero keep
// ends everything.
func (s *Service) SignOutEverywhere(ctx context.Context, userID string, keep Credential) (Result, error) {
	u, err := s.opts.Store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, ErrInvalidToken
	}
	if err != nil {
		return Result{}, err
	}
	return s.endOthers(ctx, u, keep, "", ReasonSignOut)
}

func (s *Service) endOthers(ctx context.Context, u store.User, keep Credential, hash, reason string) (Result, error) {
	now := s.opts.Now()
	keepWeb := keep.webSessionID()
	err := s.opts.Store.ChangeCredentials(ctx, u.ID, store.CredentialChange{PasswordHash: hash, EndOthers: true,
		KeepWebSession: keepWeb, TokensValidAfter: now})
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, ErrInvalidToken
	}
	if err != nil {
		return Result{}, err
	}
	r := Revocation{UserID: u.ID, All: true, At: now, Reason: reason}
	if keepWeb != "" {
		r.Keep = keep.ID
	}
	s.revoked(r)
	if keep.isAPI() {
		return s.issue(ctx, u)
	}
	return Result{User: u}, nil
}

// EndWebSession signs one web session of userID out (the browser's "sign
// out") and ends its streams. A session that is not the user's, or is
// already gone, is store.ErrNotFound.
func (s *Service) EndWebSession(ctx context.Context, userID, sessionID string) error {
	if err := s.opts.Store.DeleteWebSession(ctx, userID, sessionID); err != nil {
		return err
	}
	s.revoked(Revocation{UserID: userID, CredentialID: WebCredential(store.WebSession{ID: sessionID}).ID, At: s.opts.Now(), Reason: ReasonLogout})
	return nil
}

// SetDisabled disables or enables an account (for administrators). A
// disabled account cannot sign in, and every credential it had ends at
// once; enabling it again does not bring them back.
func (s *Service) SetDisabled(ctx context.Context, userID string, disabled bool) error {
	if !disabled {
		return s.opts.Store.ChangeCredentials(ctx, userID, store.CredentialChange{Enable: true})
	}
	now := s.opts.Now()
	if err := s.opts.Store.ChangeCredentials(ctx, userID, store.CredentialChange{Disable: true, DisabledAt: now,
		EndOthers: true, TokensValidAfter: now}); err != nil {
		return err
	}
	s.revoked(Revocation{UserID: userID, All: true, At: now, Reason: ReasonDisabled})
	return nil
}

// DeleteUser deletes an account and everything it owns (for
// administrators and the operator), and ends its streams.
func (s *Service) DeleteUser(ctx context.Context, userID string) error {
	if err := s.opts.Store.DeleteUser(ctx, userID); err != nil {
		return err
	}
	s.revoked(Revocation{UserID: userID, All: true, Reason: ReasonDeleted})
	return nil
}

// DeleteAccount deletes the caller's own account after checking its
// password (ErrBadCredentials when wrong).
func (s *Service) DeleteAccount(ctx context.Context, userID, password string) error {
	if _, err := s.checkPassword(ctx, userID, password); err != nil {
		return err
	}
	return s.DeleteUser(ctx, userID)
}

// CheckPassword checks the user's current password before an action that
// needs it (rate-limited like every re-authentication): ErrBadCredentials
// when it is wrong, ErrInvalidToken when the account is gone.
func (s *Service) CheckPassword(ctx context.Context, userID, password string) error {
	_, err := s.checkPassword(ctx, userID, password)
	return err
}
