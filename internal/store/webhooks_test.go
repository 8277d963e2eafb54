package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// Every webhook method on owned data takes the user id: another user's
// endpoints and deliveries are not found, not changed and not listed; an
// event is stored once per endpoint however often it is offered.
func TestWebhookStoreOwnershipAndOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		ep, err := s.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{UserID: a.ID, URL: "https://a.example/h", Events: []string{"task"}, Enabled: true, Secret: "whsec_a"}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{UserID: b.ID, URL: "https://b.example/h", Events: []string{"task"}, Enabled: true, Secret: "whsec_b"}, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{UserID: a.ID, URL: "https://a.example/2", Events: []string{"task"}, Enabled: true, Secret: "whsec_c"}, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{UserID: a.ID, URL: "https://a.example/3", Events: []string{"task"}, Enabled: true, Secret: "whsec_d"}, 2); !errors.Is(err, store.ErrLimitReached) {
			t.Fatalf("third endpoint over a limit of 2: %v", err)
		}
		off := false
		url := "https://evil.example/"
		if _, err := s.GetWebhookEndpoint(ctx, b.ID, ep.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("get other's: %v", err)
		}
		if _, err := s.UpdateWebhookEndpoint(ctx, b.ID, ep.ID, store.WebhookEndpointPatch{URL: &url, Enabled: &off}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update other's: %v", err)
		}
		if _, err := s.RotateWebhookSecret(ctx, b.ID, ep.ID, "whsec_evil", time.Now().Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rotate other's: %v", err)
		}
		if err := s.DeleteWebhookEndpoint(ctx, b.ID, ep.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete other's: %v", err)
		}
		if list, _ := s.ListWebhookEndpoints(ctx, b.ID); len(list) != 1 || list[0].UserID != b.ID {
			t.Fatalf("b's list %+v", list)
		}
		got, err := s.GetWebhookEndpoint(ctx, a.ID, ep.ID)
		if err != nil || got.URL != "https://a.example/h" || !got.Enabled || got.Secret != "whsec_a" {
			t.Fatalf("a's endpoint changed: %+v %v", got, err)
		}

		d := store.WebhookDelivery{UserID: a.ID, EndpointID: ep.ID, EventID: "evt_1", EventType: "task", Payload: `{}`}
		var ins []store.WebhookDelivery
		for range 2 {
			err := s.WithTx(ctx, func(tx *store.Tx) error {
				got, err := tx.InsertWebhookDeliveries(ctx, []store.WebhookDelivery{d})
				ins = append(ins, got...)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(ins) != 1 {
			t.Fatalf("the event was stored %d times", len(ins))
		}
		if _, err := s.GetWebhookDelivery(ctx, b.ID, ins[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other's delivery: %v", err)
		}
		if list, _ := s.ListWebhookDeliveries(ctx, b.ID, ep.ID, store.DeliveryFilter{}); len(list) != 0 {
			t.Fatalf("b lists a's deliveries: %+v", list)
		}
		err = s.WithTx(ctx, func(tx *store.Tx) error {
			ids, err := tx.RequeueWebhookDeliveries(ctx, b.ID, ep.ID, []string{ins[0].ID}, store.DeliveryFilter{})
			if len(ids) != 0 {
				t.Errorf("b requeued %v", ids)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordWebhookAttempt(ctx, b.ID, ins[0].ID, ep.ID, store.WebhookAttempt{At: time.Now(), DisableAfter: time.Nanosecond}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetWebhookDelivery(ctx, a.ID, ins[0].ID); got.Attempts != 0 || got.Status != store.DeliveryPending {
			t.Fatalf("b's attempt changed a's delivery: %+v", got)
		}
		if got, _ := s.GetWebhookEndpoint(ctx, a.ID, ep.ID); !got.Enabled || !got.FailingSince.IsZero() {
			t.Fatalf("b's attempt changed a's endpoint: %+v", got)
		}
		// Deleting an endpoint takes its log with it.
		if err := s.DeleteWebhookEndpoint(ctx, a.ID, ep.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetWebhookDelivery(ctx, a.ID, ins[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delivery of a deleted endpoint: %v", err)
		}
	})
}
