package auth

import (
	"context"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// BenchmarkAuthenticate measures what checking the account costs a
// request: Tokens.Verify alone (the signature) against
// Service.Authenticate (the signature and one query of two primary-key
// lookups), on each database.
//
//	go test -run '^$' -bench Authenticate -benchtime 20000x ./internal/auth/
func BenchmarkAuthenticate(b *testing.B) {
	for _, d := range dbtest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			s := dbtest.Open(b, d)
			ctx := context.Background()
			tk, _ := NewTokens(secret, 15*time.Minute, nil)
			svc := NewService(Options{Store: s, Tokens: tk, RefreshTTL: time.Hour, Password: cheap})
			// Other accounts and log-ins, so that the lookups are not in a
			// table of one row.
			for i := range 1000 {
				u, err := s.CreateUser(ctx, store.User{Email: "u" + string(rune('a'+i%26)) + store.NewID() + "@x.io", Name: "u", PasswordHash: "h"})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.CreateRefreshToken(ctx, u.ID, []byte(u.ID), time.Now().Add(time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
			res, err := svc.Register(ctx, Registration{Email: "ana@x.io", Password: "password1"}, "192.0.2.1")
			if err != nil {
				b.Fatal(err)
			}
			b.Run("verify", func(b *testing.B) {
				for range b.N {
					if _, err := tk.Verify(res.AccessToken); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("authenticate", func(b *testing.B) {
				for range b.N {
					if _, err := svc.Authenticate(ctx, res.AccessToken); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
