package store_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func TestClusterLeases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		t0 := time.UnixMilli(1_800_000_000_000)
		ttl := 30 * time.Second
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		sa, _ := s.EnsureSession(ctx, a.ID, store.NewSecretID())
		sb, _ := s.EnsureSession(ctx, b.ID, store.NewSecretID())

		// Nodes register, heartbeat and are forgotten when silent.
		for _, n := range []store.Node{{ID: "n1", URL: "http://n1:8080"}, {ID: "n2", URL: "http://n2:8080"}} {
			n.StartedAt, n.HeartbeatAt = t0, t0
			if err := s.HeartbeatNode(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		_ = s.HeartbeatNode(ctx, store.Node{ID: "n1", URL: "http://n1:9090", StartedAt: t0, HeartbeatAt: t0.Add(20 * time.Second)})
		live, err := s.LiveNodes(ctx, t0.Add(10*time.Second), t0.Add(-time.Hour))
		if err != nil || len(live) != 1 || live[0].ID != "n1" || live[0].URL != "http://n1:9090" || !live[0].StartedAt.Equal(t0) {
			t.Fatalf("live nodes: %+v %v", live, err)
		}
		if n, err := s.Node(ctx, "n2"); err != nil || n.URL != "http://n2:8080" {
			t.Fatalf("node n2: %+v %v", n, err)
		}
		if _, err := s.LiveNodes(ctx, t0, t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Node(ctx, "n2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a node silent for long is forgotten: %v", err)
		}

		// One node at a time holds a session; the holder renews it.
		if owner, err := s.AcquireLease(ctx, sa.ID, "n1", t0, t0.Add(ttl)); err != nil || owner != "n1" {
			t.Fatalf("n1 acquires: %q %v", owner, err)
		}
		if owner, err := s.AcquireLease(ctx, sa.ID, "n2", t0.Add(time.Second), t0.Add(ttl)); err != nil || owner != "n1" {
			t.Fatalf("n2 must not take a live lease: %q %v", owner, err)
		}
		if owner, err := s.AcquireLease(ctx, sa.ID, "n1", t0.Add(time.Second), t0.Add(ttl+time.Second)); err != nil || owner != "n1" {
			t.Fatalf("n1 acquires again: %q %v", owner, err)
		}
		if owner, _ := s.LeaseOwner(ctx, sa.ID, t0.Add(ttl)); owner != "n1" {
			t.Fatalf("owner %q", owner)
		}
		if owner, _ := s.LeaseOwner(ctx, sa.ID, t0.Add(2*ttl)); owner != "" {
			t.Fatalf("expired lease still owned by %q", owner)
		}
		// Expired: another node takes over, and the old holder's renewal
		// no longer includes it.
		if owner, err := s.AcquireLease(ctx, sa.ID, "n2", t0.Add(2*ttl), t0.Add(3*ttl)); err != nil || owner != "n2" {
			t.Fatalf("n2 takes over: %q %v", owner, err)
		}
		_, _ = s.AcquireLease(ctx, sb.ID, "n1", t0.Add(2*ttl), t0.Add(3*ttl))
		kept, err := s.RenewLeases(ctx, "n1", []string{sa.ID, sb.ID}, t0.Add(4*ttl))
		if err != nil || !slices.Equal(kept, []string{sb.ID}) {
			t.Fatalf("renew: kept %v, %v", kept, err)
		}
		// Leases a node does not list are not renewed: they expire.
		if kept, err = s.RenewLeases(ctx, "n1", nil, t0.Add(5*ttl)); err != nil || len(kept) != 0 {
			t.Fatalf("renew nothing: %v %v", kept, err)
		}
		if owner, _ := s.LeaseOwner(ctx, sb.ID, t0.Add(4*ttl)); owner != "n1" {
			t.Fatalf("lease renewed to 4 ttl owned by %q", owner)
		}
		if owner, _ := s.LeaseOwner(ctx, sb.ID, t0.Add(4*ttl+time.Second)); owner != "" {
			t.Fatalf("unlisted lease was extended: owned by %q", owner)
		}
		if err := s.ReleaseLease(ctx, sa.ID, "n1"); err != nil {
			t.Fatal(err)
		}
		if owner, _ := s.LeaseOwner(ctx, sa.ID, t0.Add(2*ttl)); owner != "n2" {
			t.Fatalf("another node's release took n2's lease: %q", owner)
		}

		// Orphans: running, logged-in sessions without a live lease.
		_ = s.SaveSessionState(ctx, a.ID, sa.ID, store.SessionState{Status: "WORKING", WantRunning: true, JID: "1@s.whatsapp.net"})
		_ = s.SaveSessionState(ctx, b.ID, sb.ID, store.SessionState{Status: "FAILED", WantRunning: true, JID: "2@s.whatsapp.net"})
		orphans, err := s.OrphanedSessions(ctx, t0.Add(2*ttl), 10)
		if err != nil || len(orphans) != 0 {
			t.Fatalf("orphans while n2 holds the lease: %+v %v", orphans, err)
		}
		orphans, err = s.OrphanedSessions(ctx, t0.Add(10*ttl), 10)
		if err != nil || len(orphans) != 1 || orphans[0].ID != sa.ID {
			t.Fatalf("orphans after n2 died (a failed session is not one): %+v %v", orphans, err)
		}
		if err := s.RemoveNode(ctx, "n2"); err != nil {
			t.Fatal(err)
		}
		if owner, _ := s.LeaseOwner(ctx, sa.ID, t0); owner != "" {
			t.Fatalf("removed node still holds %q", owner)
		}

		// Many renewals at once (more than one statement's worth).
		ids := make([]string, 1200)
		for i := range ids {
			u := mustUser(t, s, store.NewSecretID()+"@x.io")
			se, _ := s.EnsureSession(ctx, u.ID, store.NewSecretID())
			ids[i] = se.ID
			if _, err := s.AcquireLease(ctx, se.ID, "n3", t0, t0.Add(ttl)); err != nil {
				t.Fatal(err)
			}
		}
		if kept, err := s.RenewLeases(ctx, "n3", ids, t0.Add(2*ttl)); err != nil || len(kept) != len(ids) {
			t.Fatalf("renew %d: kept %d, %v", len(ids), len(kept), err)
		}

		// Racing nodes: exactly one wins.
		se, _ := s.EnsureSession(ctx, mustUser(t, s, "race@x.io").ID, store.NewSecretID())
		var wg sync.WaitGroup
		owners := make([]string, 8)
		for i := range owners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owners[i], _ = s.AcquireLease(ctx, se.ID, "r"+string(rune('a'+i)), t0, t0.Add(ttl))
			}()
		}
		wg.Wait()
		for _, o := range owners {
			if o != owners[0] || o == "" {
				t.Fatalf("racing acquisitions disagree: %v", owners)
			}
		}

		// Oversized events.
		id, err := s.PutClusterEvent(ctx, []byte(`{"big":true}`), t0)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := s.ClusterEvent(ctx, id); err != nil || string(b) != `{"big":true}` {
			t.Fatalf("event: %s %v", b, err)
		}
		_ = s.DeleteClusterEvents(ctx, t0.Add(time.Minute))
		if _, err := s.ClusterEvent(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted event: %v", err)
		}
	})
}
