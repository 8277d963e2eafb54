package store_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// The reads of a part's people in one query each give what the reads of
// one person give: subscriptions (newest first) and reminder settings with
// the time zone, defaults for one who never set them, nothing for an
// unknown id or a person without subscriptions.
func TestBatchReadsOfAPartsPeople(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ana, bruno, carla := mustUser(t, s, "ana@example.com"), mustUser(t, s, "bruno@example.com"), mustUser(t, s, "carla@example.com")
		for i, u := range []store.User{ana, ana, bruno} {
			if _, err := s.PutPushSubscription(ctx, u.ID, store.PushSubscription{Endpoint: fmt.Sprintf("https://push.example.org/%d", i), P256dh: "k", Auth: "a"}, 5); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.UpdateProfile(ctx, bruno.ID, "Bruno", "America/Sao_Paulo", false); err != nil {
			t.Fatal(err)
		}
		set := store.ReminderSettings{Channels: []string{"push", "web"}, OffsetMinutes: 15, QuietStart: 22 * 60, QuietEnd: 7 * 60, Capture: true, EventLeadMinutes: 30}
		if err := s.SaveReminderSettings(ctx, bruno.ID, set); err != nil {
			t.Fatal(err)
		}
		ids := []string{ana.ID, bruno.ID, carla.ID, "nobody"}
		subs, err := s.PushSubscriptionsOf(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []store.User{ana, bruno, carla} {
			one, err := s.ListPushSubscriptions(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(one) == 0 {
				one = nil
			}
			if !slices.EqualFunc(subs[u.ID], one, func(a, b store.PushSubscription) bool {
				return a.ID == b.ID && a.UserID == b.UserID && a.Endpoint == b.Endpoint
			}) {
				t.Fatalf("%s: %+v, one by one %+v", u.Email, subs[u.ID], one)
			}
		}
		if len(subs) != 2 {
			t.Fatalf("subscriptions of %d people", len(subs))
		}
		people, err := s.ReminderPeople(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(people) != 3 {
			t.Fatalf("%d people", len(people))
		}
		for _, u := range []store.User{ana, bruno, carla} {
			want, err := s.ReminderSettings(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := people[u.ID]
			user, _ := s.UserByID(ctx, u.ID)
			if got.Timezone != user.Timezone || fmt.Sprint(got.Settings) != fmt.Sprint(want) {
				t.Fatalf("%s: %+v, one by one %q %+v", u.Email, got, user.Timezone, want)
			}
		}
		if people[bruno.ID].Timezone != "America/Sao_Paulo" || fmt.Sprint(people[bruno.ID].Settings) != fmt.Sprint(set) {
			t.Fatalf("bruno %+v", people[bruno.ID])
		}
	})
}
