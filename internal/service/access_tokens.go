package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

// NewAccessToken is what a person asks for to make a personal access token.
type NewAccessToken struct {
	Name string
	// Scopes are scope names: read, write, send (at least one). Send is
	// never implied.
	Scopes []string
	// Expires is an RFC 3339 time, or a day (YYYY-MM-DD) through which the
	// token works, in the person's time zone; "" means it does not expire.
	Expires string
}

// AccessToken is a personal access token as its owner sees it: never its
// secret.
type AccessToken struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"createdAt"`
	// ExpiresAt is absent for a token that does not expire.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// LastUsedAt is absent for a token never used; it is recorded at most
	// once a minute.
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
}

// CreatedAccessToken is a token just made, with its secret: the only time
// the secret is shown.
type CreatedAccessToken struct {
	AccessToken
	// Token is the secret to send as "Authorization: Bearer <token>". It
	// cannot be shown again.
	Token string `json:"token"`
}

func viewAccessToken(t store.AccessToken) AccessToken {
	v := AccessToken{ID: t.ID, Name: t.Name, Scopes: t.Scopes, CreatedAt: t.CreatedAt}
	if v.Scopes == nil {
		v.Scopes = []string{}
	}
	if !t.ExpiresAt.IsZero() {
		e := t.ExpiresAt
		v.ExpiresAt = &e
	}
	if !t.LastUsedAt.IsZero() {
		u := t.LastUsedAt
		v.LastUsedAt = &u
	}
	return v
}

// AccessTokens lists the person's personal access tokens, newest first.
func (s *Service) AccessTokens(ctx context.Context, userID string) ([]AccessToken, error) {
	list, err := s.o.Store.ListAccessTokens(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]AccessToken, len(list))
	for i, t := range list {
		out[i] = viewAccessToken(t)
	}
	return out, nil
}

// CreateAccessToken checks in and makes a personal access token of the
// person. The answer holds the secret, which is never shown again. A
// person with MaxAccessTokens tokens gets ErrTooManyTokens.
func (s *Service) CreateAccessToken(ctx context.Context, userID string, in NewAccessToken) (CreatedAccessToken, error) {
	u, err := s.Me(ctx, userID)
	if err != nil {
		return CreatedAccessToken{}, err
	}
	var errs validate.Errors
	checkText(&errs, "name", &in.Name, true, MaxTokenName)
	scopes, ok := tokenScopes(in.Scopes)
	if !ok {
		errs.Add("scopes", "must hold one or more of read, write and send")
	}
	var expires time.Time
	if e := strings.TrimSpace(in.Expires); e != "" {
		now := s.o.Now()
		t, ok := parseMoment(e, s.Location(u.Timezone), true)
		switch {
		case !ok:
			errs.Add("expiresAt", "must be a time (RFC 3339) or a day (YYYY-MM-DD)")
		case !t.After(now):
			errs.Add("expiresAt", "must be in the future")
		case t.After(now.Add(MaxTokenLifetime)):
			errs.Add("expiresAt", fmt.Sprintf("must be at most %d years ahead; leave it out for a token that does not expire", MaxTokenLifetime/(366*24*time.Hour)))
		}
		expires = t
	}
	if err := errs.Err(); err != nil {
		return CreatedAccessToken{}, err
	}
	t, secret, err := s.o.Auth.CreateAccessToken(ctx, userID, in.Name, scopes, expires, MaxAccessTokens)
	if errors.Is(err, store.ErrLimitReached) {
		return CreatedAccessToken{}, ErrTooManyTokens
	}
	if err != nil {
		return CreatedAccessToken{}, err
	}
	return CreatedAccessToken{AccessToken: viewAccessToken(t), Token: secret}, nil
}

// RevokeAccessToken revokes one of the person's tokens at once. Another
// person's token, or one already revoked, is store.ErrNotFound.
func (s *Service) RevokeAccessToken(ctx context.Context, userID, id string) error {
	if err := checkIDs(id); err != nil {
		return err
	}
	return s.o.Auth.RevokeAccessToken(ctx, userID, id)
}

// tokenScopes checks scope names: at least one, each known. Duplicates
// count once; the result is in auth.TokenScopes order.
func tokenScopes(names []string) ([]auth.Scope, bool) {
	if len(names) == 0 {
		return nil, false
	}
	for _, n := range names {
		if !slices.Contains(auth.TokenScopes, auth.Scope(n)) {
			return nil, false
		}
	}
	var out []auth.Scope
	for _, sc := range auth.TokenScopes {
		if slices.Contains(names, string(sc)) {
			out = append(out, sc)
		}
	}
	return out, true
}
