package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// BenchmarkForwardedStatus measures a session operation asked of a node
// that does not run the session: lease lookup, HTTP round trip to the
// owner, and its answer.
func BenchmarkForwardedStatus(b *testing.B) {
	f := newFixture(b)
	n1, n2 := f.node(secret, nil), f.node(secret, nil)
	u := mustUser(b, f.st, "ana@x.io")
	if _, err := n1.r.Start(ctx, u.ID); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := n2.r.Status(ctx, u.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventAcrossNodes measures one event's trip from a publisher on
// one node to a subscriber on another (NOTIFY, LISTEN, the other hub).
func BenchmarkEventAcrossNodes(b *testing.B) {
	f := newFixture(b)
	n1, n2 := f.node(secret, nil), f.node(secret, nil)
	for _, n := range []*testNode{n1, n2} {
		if err := n.heartbeat(ctx); err != nil {
			b.Fatal(err)
		}
	}
	sub := n2.hub.Subscribe("u1")
	defer n2.hub.Unsubscribe(sub)
	msg := whatsapp.Message{ID: "3EB0ABCDEF", ChatID: "351910000003@s.whatsapp.net", Type: whatsapp.TypeText,
		Text: "Olá! Vê isto https://example.org/artigo", Timestamp: time.Now()}
	b.ResetTimer()
	for b.Loop() {
		n1.Publish("u1", "message", &msg)
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := sub.Receive(c)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
	}
}
