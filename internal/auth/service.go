package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

// Options configure a Service.
type Options struct {
	Store           *store.Store
	Tokens          *Tokens
	RefreshTTL      time.Duration
	Password        PasswordParams // zero value means DefaultPasswordParams
	RegistrationOff bool
	Log             *slog.Logger
	Now             func() time.Time
	// HashGate bounds concurrent password hashing; nil means a gate of
	// its own with the default size. Services of one process should share
	// one.
	HashGate *HashGate
	// Revocations is told when credentials end early (nil: nobody is).
	Revocations RevocationListener
	// Login limits, after OWASP's authentication guidance: they slow
	// down whoever guesses, never the account's owner. Failed attempts
	// count per client address, and per e-mail and client address pair; a
	// correct password counts for nothing, so the owner signs in from any
	// address that has not itself been guessing. Each is a burst
	// refilled at one attempt per interval; zero values take the defaults
	// (20 per address, refilled every 6 s; 5 per pair, every minute).
	AddressBurst    int
	AddressInterval time.Duration
	PairBurst       int
	PairInterval    time.Duration
}

// Service registers users, logs them in and out, authenticates their
// requests and changes their credentials.
type Service struct {
	opts      Options
	byPair    *limiter
	byAddress *limiter
	dummyHash string
}

// NewService returns a Service.
func NewService(o Options) *Service {
	if o.Password == (PasswordParams{}) {
		o.Password = DefaultPasswordParams
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.PairBurst == 0 {
		o.PairBurst, o.PairInterval = 5, time.Minute
	}
	if o.AddressBurst == 0 {
		o.AddressBurst, o.AddressInterval = 20, 6*time.Second
	}
	if o.HashGate == nil {
		o.HashGate = NewHashGate(HashGateOptions{})
	}
	// Logins for unknown e-mails still verify against a hash, so that their
	// timing does not reveal which accounts exist.
	dummy, _ := HashPassword("not a real password", o.Password)
	return &Service{
		opts:      o,
		byPair:    newLimiter(o.PairInterval, o.PairBurst),
		byAddress: newLimiter(o.AddressInterval, o.AddressBurst),
		dummyHash: dummy,
	}
}

// Result is what register, login and refresh return.
type Result struct {
	User                 store.User
	AccessToken          string
	AccessTokenExpiresAt time.Time
	RefreshToken         string
}

// Registration is the input of Register.
type Registration struct {
	Email    string
	Password string
	Name     string
	Timezone string
	Admin    bool
	// adminIfFirst makes a self-service sign-up an administrator when it
	// is the first account.
	adminIfFirst bool
}

// Validate checks a registration and names every bad field.
func (r *Registration) Validate() error {
	var errs validate.Errors
	text := validate.IsText(r.Email) // before lower-casing, which would hide invalid UTF-8
	r.Email = store.NormalizeEmail(r.Email)
	if !text {
		errs.Add("email", "is not a valid e-mail address")
	} else if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email || !strings.Contains(r.Email, ".") {
		errs.Add("email", "is not a valid e-mail address")
	} else if len(r.Email) > 254 {
		errs.Add("email", "must have at most 254 characters")
	}
	errs.Length("password", r.Password, 8, 256)
	errs.Text("password", r.Password)
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		r.Name, _, _ = strings.Cut(r.Email, "@")
	}
	errs.Length("name", r.Name, 1, 100)
	errs.Text("name", r.Name)
	r.Timezone = strings.TrimSpace(r.Timezone)
	if r.Timezone == "" {
		r.Timezone = "UTC"
	} else if _, err := validate.ParseTimezone(r.Timezone); err != nil {
		errs.Add("timezone", validate.TimezoneMessage)
	}
	return errs.Err()
}

// CreateUser validates and stores a new account without issuing tokens (the
// CLI uses it; registration is open or not).
func (s *Service) CreateUser(ctx context.Context, r Registration) (store.User, error) {
	if err := r.Validate(); err != nil {
		return store.User{}, err
	}
	hash, err := s.hash(ctx, r.Password)
	if err != nil {
		return store.User{}, err
	}
	u, err := s.opts.Store.CreateUser(ctx, store.User{Email: r.Email, Name: r.Name, PasswordHash: hash, IsAdmin: r.Admin, AdminIfFirst: r.adminIfFirst, Timezone: r.Timezone})
	if errors.Is(err, store.ErrConflict) {
		return store.User{}, ErrEmailTaken
	}
	return u, err
}

// Register creates an account through self-service sign-up and logs it in.
// Every sign-up takes one attempt from the client address's log-in budget.
func (s *Service) Register(ctx context.Context, r Registration, clientAddr string) (Result, error) {
	if s.opts.RegistrationOff {
		return Result{}, ErrRegistrationClosed
	}
	// The first account of a fresh install administers it.
	r.Admin, r.adminIfFirst = false, true
	refund, wait := s.byAddress.take(clientAddr, s.opts.Now())
	if refund == nil {
		return Result{}, &RateLimitedError{RetryAfter: wait, Scope: ScopeAddress}
	}
	u, err := s.CreateUser(ctx, r)
	if errors.Is(err, ErrBusy) || ctx.Err() != nil {
		refund()
	}
	if errors.Is(err, ErrEmailTaken) {
		// Without e-mail verification, a sign-up that cannot log the
		// caller in tells them the address is taken; that much cannot be
		// hidden. It is told no more than that: the answer is a
		// validation error like any other, it took as long as a sign-up
		// (the password was hashed before the address was found taken),
		// and it took an attempt from the address's log-in budget.
		s.opts.Log.Info("sign-up for an e-mail that has an account refused", "addr", clientAddr)
		return Result{}, validate.Errors{{Field: "email", Message: "cannot be used to sign up"}}
	}
	if err != nil {
		return Result{}, err
	}
	s.opts.Log.Info("user registered", "user_id", u.ID)
	return s.issue(ctx, u)
}

// Login checks an e-mail and password. Failed attempts are limited per
// client address and per e-mail and address pair (RateLimitedError); a
// correct password is never refused for attempts made from other
// addresses. ErrBusy means the attempt was not checked (and not counted).
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (Result, error) {
	now := s.opts.Now()
	if !validate.IsText(email) {
		email = "\x00" // matches no account, and never reaches the database (see login)
	}
	email = store.NormalizeEmail(email)
	refundAddr, wait := s.byAddress.take(clientAddr, now)
	if refundAddr == nil {
		s.opts.Log.Warn("login rate limited", "scope", ScopeAddress, "addr", clientAddr)
		return Result{}, &RateLimitedError{RetryAfter: wait, Scope: ScopeAddress}
	}
	refundPair, wait := s.byPair.take(email+"\x00"+clientAddr, now)
	if refundPair == nil {
		refundAddr()
		s.opts.Log.Warn("login rate limited", "scope", ScopePair, "addr", clientAddr)
		return Result{}, &RateLimitedError{RetryAfter: wait, Scope: ScopePair}
	}
	res, err := s.login(ctx, email, password)
	if !errors.Is(err, ErrBadCredentials) {
		// Success, or an attempt that was never decided (busy, cancelled,
		// a database error): it does not count.
		refundAddr()
		refundPair()
	}
	return res, err
}

func (s *Service) login(ctx context.Context, email, password string) (Result, error) {
	// No account has such an address, and PostgreSQL would refuse it.
	if len(password) > 1024 || !validate.IsText(email) {
		return Result{}, ErrBadCredentials
	}
	u, err := s.opts.Store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := s.verify(ctx, password, s.dummyHash); err != nil {
			return Result{}, err
		}
		return Result{}, ErrBadCredentials
	}
	if err != nil {
		return Result{}, err
	}
	ok, err := s.verify(ctx, password, u.PasswordHash)
	if errors.Is(err, errBadHash) {
		return Result{}, fmt.Errorf("auth: user %s: %w", u.ID, err)
	}
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{}, ErrBadCredentials
	}
	if u.Disabled() {
		return Result{}, errDisabledLogin
	}
	return s.issue(ctx, u)
}

var errDisabledLogin = fmt.Errorf("%w: %w", ErrBadCredentials, ErrAccountDisabled)

// Refresh exchanges a refresh token for a new access token and a new refresh
// token. The old refresh token stops working; presenting it again revokes
// every token descending from the same login.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Result, error) {
	newTok, newHash := newRefreshToken()
	now := s.opts.Now()
	rt, err := s.opts.Store.RotateRefreshToken(ctx, hashRefreshToken(refreshToken), newHash, now, now.Add(s.opts.RefreshTTL))
	switch {
	case errors.Is(err, store.ErrTokenReused):
		s.opts.Log.Warn("refresh token reused; token family revoked")
		return Result{}, ErrInvalidRefreshToken
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrTokenExpired):
		return Result{}, ErrInvalidRefreshToken
	case err != nil:
		return Result{}, err
	}
	u, err := s.opts.Store.UserByID(ctx, rt.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, ErrInvalidRefreshToken
	}
	if err != nil {
		return Result{}, err
	}
	if u.Disabled() {
		return Result{}, ErrInvalidRefreshToken
	}
	access, exp, err := s.opts.Tokens.issue(Identity{UserID: u.ID, Admin: u.IsAdmin}, rt.FamilyID, rt.ID)
	if err != nil {
		return Result{}, err
	}
	return Result{User: u, AccessToken: access, AccessTokenExpiresAt: exp, RefreshToken: newTok}, nil
}

// Logout ends one API log-in of the calling user: the family of
// refreshToken, the access tokens issued with it and the streams they
// opened. Without a refresh token it ends every credential of the user
// (as SignOutEverywhere with nothing kept). An unknown or already revoked
// token is not an error.
func (s *Service) Logout(ctx context.Context, userID, refreshToken string) error {
	if refreshToken == "" {
		_, err := s.SignOutEverywhere(ctx, userID, Credential{})
		return err
	}
	family, err := s.opts.Store.RevokeRefreshFamily(ctx, userID, hashRefreshToken(refreshToken))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s.revoked(Revocation{UserID: userID, CredentialID: apiCredentialID(family), At: s.opts.Now(), Reason: ReasonLogout})
	return nil
}

// issue starts a new API log-in of u: a refresh token that starts a family
// and an access token bound to it.
func (s *Service) issue(ctx context.Context, u store.User) (Result, error) {
	tok, hash := newRefreshToken()
	rt, err := s.opts.Store.CreateRefreshToken(ctx, u.ID, hash, s.opts.Now().Add(s.opts.RefreshTTL))
	if err != nil {
		return Result{}, err
	}
	access, exp, err := s.opts.Tokens.issue(Identity{UserID: u.ID, Admin: u.IsAdmin}, rt.FamilyID, rt.ID)
	if err != nil {
		return Result{}, err
	}
	return Result{User: u, AccessToken: access, AccessTokenExpiresAt: exp, RefreshToken: tok}, nil
}

// IssueFor returns an access token for a user without a password (for
// tools such as benchmarks that act as a user they created). The token is
// bound to no log-in: only the account's state (disabled, deleted, every
// credential revoked) ends it before it expires.
func (s *Service) IssueFor(ctx context.Context, userID string) (string, time.Time, error) {
	u, err := s.opts.Store.UserByID(ctx, userID)
	if err != nil {
		return "", time.Time{}, err
	}
	if u.Disabled() {
		return "", time.Time{}, ErrAccountDisabled
	}
	return s.opts.Tokens.Issue(Identity{UserID: u.ID, Admin: u.IsAdmin})
}

// revoked tells the listener, if any.
func (s *Service) revoked(r Revocation) {
	s.opts.Log.Info("credentials revoked", "user_id", r.UserID, "reason", r.Reason, "all", r.All)
	if s.opts.Revocations != nil {
		s.opts.Revocations.Revoked(r)
	}
}

// hash hashes a password through the gate.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	var h string
	var err error
	if gerr := s.opts.HashGate.Do(ctx, func() { h, err = HashPassword(password, s.opts.Password) }); gerr != nil {
		return "", gerr
	}
	return h, err
}

// verify checks a password against a hash through the gate. An error of
// the gate (ErrBusy, or the context's) is returned as is; a malformed hash
// is errBadHash.
func (s *Service) verify(ctx context.Context, password, hash string) (bool, error) {
	var ok bool
	var err error
	if gerr := s.opts.HashGate.Do(ctx, func() { ok, err = VerifyPassword(password, hash) }); gerr != nil {
		return false, gerr
	}
	return ok, err
}
