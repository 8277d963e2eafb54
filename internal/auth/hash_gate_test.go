package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// waitFor polls cond; the deadline only matters when the test fails.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// 150 concurrent log-ins (each from its own address, so no rate limit
// applies) while every hashing slot is busy: the queue takes as many as it
// holds, every other one is refused with ErrBusy at once, and no more
// hashes than the gate's size ever run together.
func TestHashGateBoundsConcurrentLogins(t *testing.T) {
	s := dbtest.Open(t, store.SQLite)
	ctx := context.Background()
	c := &clock{t: time.Now()}
	gate := NewHashGate(HashGateOptions{Concurrency: 2, Queue: 8, MaxWait: time.Hour})
	tk, _ := NewTokens(secret, 15*time.Minute, c.now)
	svc := NewService(Options{Store: s, Tokens: tk, RefreshTTL: time.Hour, Password: cheap, Now: c.now, HashGate: gate})
	if _, err := svc.CreateUser(ctx, Registration{Email: "a@x.io", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	// Hold both slots, as two slow hashes would.
	for range 2 {
		if err := gate.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	const n = 150
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := "a@x.io"
			if i%2 == 1 {
				email = fmt.Sprintf("nobody%d@x.io", i) // the dummy hash goes through the gate too
			}
			_, errs[i] = svc.Login(ctx, email, "wrong password", fmt.Sprintf("198.51.100.%d", i))
		}()
	}
	waitFor(t, "the excess to be refused", func() bool { return gate.Stats().Rejected == n-8 })
	gate.release()
	gate.release()
	wg.Wait()
	busy, bad := 0, 0
	for _, err := range errs {
		switch {
		case errors.Is(err, ErrBusy):
			busy++
		case errors.Is(err, ErrBadCredentials):
			bad++
		default:
			t.Fatalf("unexpected result %v", err)
		}
	}
	st := gate.Stats()
	if busy != n-8 || bad != 8 || st.Peak > 2 || st.Running != 0 || st.Waiting != 0 {
		t.Fatalf("busy=%d bad=%d stats=%+v", busy, bad, st)
	}
	// The gate is free again.
	if _, err := svc.Login(ctx, "a@x.io", "password1", "198.51.100.0"); err != nil {
		t.Fatalf("after the flood: %v", err)
	}
}

// Sign-up and password hashing in general wait for the gate as log-in
// does: with every slot and the queue taken, they are refused.
func TestHashGateCoversEveryHash(t *testing.T) {
	s := dbtest.Open(t, store.SQLite)
	ctx := context.Background()
	gate := NewHashGate(HashGateOptions{Concurrency: 1, Queue: 1, MaxWait: time.Hour})
	tk, _ := NewTokens(secret, 15*time.Minute, nil)
	svc := NewService(Options{Store: s, Tokens: tk, RefreshTTL: time.Hour, Password: cheap, HashGate: gate})
	if err := gate.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	// Fill the queue with one waiter whose context ends later.
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- gate.Do(wctx, func() {}) }()
	waitFor(t, "a waiter", func() bool { return gate.Stats().Waiting == 1 })
	if _, err := svc.Register(ctx, Registration{Email: "b@x.io", Password: "password1"}, "192.0.2.1"); !errors.Is(err, ErrBusy) {
		t.Fatalf("register: %v", err)
	}
	if _, err := svc.CreateUser(ctx, Registration{Email: "c@x.io", Password: "password1"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("create user: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	gate.release()
	if _, err := svc.Register(ctx, Registration{Email: "b@x.io", Password: "password1"}, "192.0.2.1"); err != nil {
		t.Fatalf("register when idle: %v", err)
	}
}
