package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
)

// Scope is one thing a personal access token may do. A log-in (password,
// web session) may do everything its account may; a personal access token
// only what its scopes say, and never what needs ScopeSession.
type Scope string

const (
	// ScopeRead reads the person's data: lists, items, messages, search,
	// media, live events.
	ScopeRead Scope = "read"
	// ScopeWrite changes the person's knowledge: creates, edits and
	// deletes tasks, notes, ideas, places and bookmarks, marks chats read,
	// chooses which chats are kept.
	ScopeWrite Scope = "write"
	// ScopeSend sends WhatsApp messages in the person's name. It is never
	// given unless asked for.
	ScopeSend Scope = "send"
	// ScopeSession is no token's scope: it marks what only a log-in may do
	// (managing tokens, the account, the WhatsApp link, administration).
	ScopeSession Scope = "session"
)

// TokenScopes are the scopes a personal access token can be given, in the
// order they are shown.
var TokenScopes = []Scope{ScopeRead, ScopeWrite, ScopeSend}

// PersonalTokenPrefix starts every personal access token, so that people
// and secret scanners can tell one from other secrets.
const PersonalTokenPrefix = "syn_pat_"

// lastUsedEvery is how often, at most, a token's last use is written: a
// program that calls many times a second writes once a minute.
const lastUsedEvery = time.Minute

// ScopeError means the request's credential may not do what it asked: a
// personal access token without the Needed scope, or any personal access
// token where Needed is ScopeSession.
type ScopeError struct{ Needed Scope }

func (e *ScopeError) Error() string {
	if e.Needed == ScopeSession {
		return "auth: personal access tokens cannot do this; sign in with your password"
	}
	return "auth: this personal access token lacks the " + string(e.Needed) + " scope"
}

// IsPersonalToken reports whether tok has the form of a personal access
// token (it may still be unknown or revoked).
func IsPersonalToken(tok string) bool { return strings.HasPrefix(tok, PersonalTokenPrefix) }

// NewPersonalToken returns a new personal access token (the prefix and 32
// random bytes, base64url) and the hash to store.
func NewPersonalToken() (string, []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	tok := PersonalTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return tok, HashPersonalToken(tok)
}

// HashPersonalToken is the stored form of a personal access token: its
// SHA-256. The secrets have 256 random bits, so a slow hash would add
// nothing but time to every request.
func HashPersonalToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

func personalCredentialID(tokenID string) string { return "pat:" + tokenID }

// isPersonal reports whether c is a personal access token.
func (c Credential) isPersonal() bool { return strings.HasPrefix(c.ID, "pat:") }

// Allows reports whether the request may do what needs scope s: a log-in
// may do everything, a personal access token what its scopes list, and
// nothing that needs ScopeSession.
func (id Identity) Allows(s Scope) bool {
	if id.TokenID == "" {
		return true
	}
	return s != ScopeSession && slices.Contains(id.Scopes, s)
}

// CreateAccessToken makes a personal access token of userID and returns
// it with its secret, which exists only in this answer. name, scopes and
// expires (zero: never) must have been checked by the caller; max bounds
// how many tokens the user may have (store.ErrLimitReached).
func (s *Service) CreateAccessToken(ctx context.Context, userID, name string, scopes []Scope, expires time.Time, max int) (store.AccessToken, string, error) {
	secret, hash := NewPersonalToken()
	names := make([]string, len(scopes))
	for i, sc := range scopes {
		names[i] = string(sc)
	}
	t, err := s.opts.Store.CreateAccessToken(ctx, store.AccessToken{UserID: userID, Name: name, Scopes: names, ExpiresAt: expires}, hash, max)
	if err != nil {
		return store.AccessToken{}, "", err
	}
	s.opts.Log.Info("personal access token created", "user_id", userID, "token_id", t.ID, "scopes", names)
	return t, secret, nil
}

// RevokeAccessToken deletes one of userID's personal access tokens: the
// next request that bears it is refused, and the streams it opened end.
// Another user's token, or one already revoked, is store.ErrNotFound.
func (s *Service) RevokeAccessToken(ctx context.Context, userID, tokenID string) error {
	if err := s.opts.Store.DeleteAccessToken(ctx, userID, tokenID); err != nil {
		return err
	}
	s.revoked(Revocation{UserID: userID, CredentialID: personalCredentialID(tokenID), At: s.opts.Now(), Reason: ReasonTokenRevoked})
	return nil
}

// authenticatePersonal checks a personal access token and its account on
// every request (nothing is cached, so a revocation counts at once): it
// must exist (not revoked), not be expired, and its account must be live.
// Its last use is recorded at most once a minute.
func (s *Service) authenticatePersonal(ctx context.Context, secret string) (Identity, error) {
	t, st, err := s.opts.Store.ResolveAccessToken(ctx, HashPersonalToken(secret))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Identity{}, ErrInvalidToken
	case err != nil:
		return Identity{}, err
	case !st.DisabledAt.IsZero():
		return Identity{}, errDisabledToken
	}
	now := s.opts.Now()
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return Identity{}, ErrInvalidToken
	}
	if t.LastUsedAt.IsZero() || now.Sub(t.LastUsedAt) >= lastUsedEvery {
		if _, err := s.opts.Store.TouchAccessToken(ctx, t.UserID, t.ID, now, lastUsedEvery); err != nil && ctx.Err() == nil {
			s.opts.Log.Warn("record personal access token use", "user_id", t.UserID, "token_id", t.ID, "err", err)
		}
	}
	scopes := make([]Scope, len(t.Scopes))
	for i, sc := range t.Scopes {
		scopes[i] = Scope(sc)
	}
	// Admin stays false: administration needs a log-in.
	return Identity{UserID: t.UserID, TokenID: t.ID, Scopes: scopes,
		Credential: Credential{UserID: t.UserID, ID: personalCredentialID(t.ID), IssuedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}}, nil
}
