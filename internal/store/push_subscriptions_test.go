package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func TestPushSubscriptions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ana, bruno := mustUser(t, s, "ana@example.com"), mustUser(t, s, "bruno@example.com")
		sub := func(n int) store.PushSubscription {
			return store.PushSubscription{Endpoint: fmt.Sprintf("https://push.example.org/%d", n), P256dh: "k", Auth: "a", Label: "Firefox on Linux"}
		}
		p1, err := s.PutPushSubscription(ctx, ana.ID, sub(1), 3)
		if err != nil || p1.ID == "" || p1.UserID != ana.ID || p1.Endpoint != sub(1).Endpoint || p1.CreatedAt.IsZero() || !p1.LastSuccessAt.IsZero() {
			t.Fatalf("put: %+v %v", p1, err)
		}
		if _, err := s.PutPushSubscription(ctx, "nobody", sub(9), 3); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
		// Delivery records; another user's id changes nothing.
		if err := s.PushFailed(ctx, ana.ID, p1.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.PushFailed(ctx, bruno.ID, p1.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetPushSubscription(ctx, ana.ID, p1.ID); got.Failures != 1 {
			t.Fatalf("failures %d", got.Failures)
		}
		at := time.Now().Truncate(time.Millisecond).UTC()
		if err := s.PushDelivered(ctx, ana.ID, p1.ID, at); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetPushSubscription(ctx, ana.ID, p1.ID); got.Failures != 0 || !got.LastSuccessAt.Equal(at) {
			t.Fatalf("after delivery %+v", got)
		}
		// Putting it again updates the keys, keeps the id.
		again := sub(1)
		again.P256dh = "k2"
		if p, err := s.PutPushSubscription(ctx, ana.ID, again, 3); err != nil || p.ID != p1.ID || p.P256dh != "k2" {
			t.Fatalf("again: %+v %v", p, err)
		}
		// Isolation.
		if _, err := s.GetPushSubscription(ctx, bruno.ID, p1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("bruno gets ana's: %v", err)
		}
		if err := s.DeletePushSubscription(ctx, bruno.ID, p1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("bruno deletes ana's: %v", err)
		}
		if err := s.DeletePushSubscriptionByEndpoint(ctx, bruno.ID, sub(1).Endpoint); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("bruno deletes ana's by endpoint: %v", err)
		}
		if l, _ := s.ListPushSubscriptions(ctx, bruno.ID); len(l) != 0 {
			t.Fatalf("bruno lists %+v", l)
		}
		// At most max: the oldest go.
		for i := 2; i <= 4; i++ {
			time.Sleep(2 * time.Millisecond)
			if _, err := s.PutPushSubscription(ctx, ana.ID, sub(i), 3); err != nil {
				t.Fatal(err)
			}
		}
		l, err := s.ListPushSubscriptions(ctx, ana.ID)
		if err != nil || len(l) != 3 || l[0].Endpoint != sub(4).Endpoint || l[2].Endpoint != sub(2).Endpoint {
			t.Fatalf("after trimming: %+v %v", l, err)
		}
		// An endpoint subscribed by another account moves to it.
		if _, err := s.PutPushSubscription(ctx, bruno.ID, sub(4), 3); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.ListPushSubscriptions(ctx, ana.ID); len(l) != 2 {
			t.Fatalf("ana keeps %d", len(l))
		}
		if l, _ := s.ListPushSubscriptions(ctx, bruno.ID); len(l) != 1 || l[0].Endpoint != sub(4).Endpoint {
			t.Fatalf("bruno has %+v", l)
		}
		if err := s.DeletePushSubscriptionByEndpoint(ctx, bruno.ID, sub(4).Endpoint); err != nil {
			t.Fatal(err)
		}
		if err := s.DeletePushSubscription(ctx, ana.ID, l[1].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeletePushSubscription(ctx, ana.ID, l[1].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted twice: %v", err)
		}
		// Account deletion takes them.
		if err := s.DeleteUser(ctx, ana.ID); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.ListPushSubscriptions(ctx, ana.ID); len(l) != 0 {
			t.Fatalf("left after account deletion: %+v", l)
		}
	})
}
