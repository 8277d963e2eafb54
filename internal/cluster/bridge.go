package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// bridge carries realtime events between nodes over PostgreSQL
// LISTEN/NOTIFY. Events are batched into notifications of up to
// maxPayload bytes (PostgreSQL refuses 8,000 or more); a batch holding one
// larger event goes through the cluster_events table and the notification
// carries its id. Like the hub, the bridge never blocks a publisher: when
// its queue is full, events for other nodes are dropped and counted.
type bridge struct {
	n       *Node
	channel string
	queue   chan wireEvent
	dropped atomic.Uint64
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

const (
	maxPayload = 7000
	queueSize  = 8192
)

// wireEvent is one event as it crosses nodes.
type wireEvent struct {
	User string          `json:"u"`
	Type string          `json:"t"`
	Data json.RawMessage `json:"d"`
}

// notification is a NOTIFY payload: a batch of events, or the id of a
// batch kept in cluster_events.
type notification struct {
	Node   string      `json:"n"`
	Events []wireEvent `json:"e,omitempty"`
	Ref    int64       `json:"r,omitempty"`
	// Hello announces a node that just started listening, so that the
	// others send it events before their next heartbeat lists it.
	Hello bool `json:"h,omitempty"`
}

func newBridge(n *Node) *bridge {
	return &bridge{n: n, queue: make(chan wireEvent, queueSize)}
}

// channelFor names the notification channel of a schema: channels are
// per database, and several Synapses may share one in different schemas.
func channelFor(schema string) string {
	sum := sha256.Sum256([]byte(schema))
	return "synapse_events_" + hex.EncodeToString(sum[:8])
}

func (b *bridge) start(ctx context.Context) error {
	var schema string
	if err := b.n.o.Store.DB().QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("cluster: current schema: %w", err)
	}
	b.channel = channelFor(schema)
	conn, err := b.listen(ctx)
	if err != nil {
		// The receiver keeps trying to connect.
		b.n.o.Log.Warn("cluster: cannot listen for other nodes' events yet", "err", err)
		conn = nil
	}
	lctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.wg.Add(2)
	go b.receive(lctx, conn)
	go b.sendLoop(lctx)
	hello, _ := json.Marshal(notification{Node: b.n.id, Hello: true})
	if _, err := b.n.o.Store.DB().ExecContext(ctx, `SELECT pg_notify($1, $2)`, b.channel, string(hello)); err != nil {
		b.n.o.Log.Warn("cluster: announce this node", "err", err)
	}
	return nil
}

func (b *bridge) close() {
	if b.cancel != nil {
		b.cancel()
	}
	b.wg.Wait()
}

// send queues an event for the other nodes.
func (b *bridge) send(userID, typ string, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		b.n.o.Log.Error("cluster: encode event", "type", typ, "err", err)
		return
	}
	select {
	case b.queue <- wireEvent{User: userID, Type: typ, Data: raw}:
	default:
		if b.dropped.Add(1)%1000 == 1 {
			b.n.o.Log.Warn("cluster: event queue full; events for other nodes dropped", "dropped_total", b.dropped.Load())
		}
	}
}

// sendLoop batches queued events into notifications.
func (b *bridge) sendLoop(ctx context.Context) {
	defer b.wg.Done()
	for {
		var first wireEvent
		select {
		case <-ctx.Done():
			return
		case first = <-b.queue:
		}
		batch := []wireEvent{first}
		size := len(first.Data) + len(first.User) + len(first.Type) + 24
	fill:
		for size < maxPayload {
			select {
			case e := <-b.queue:
				batch = append(batch, e)
				size += len(e.Data) + len(e.User) + len(e.Type) + 24
			default:
				break fill
			}
		}
		b.notify(ctx, batch)
	}
}

// notify sends a batch, splitting it to fit notifications.
func (b *bridge) notify(ctx context.Context, batch []wireEvent) {
	payload, err := json.Marshal(notification{Node: b.n.id, Events: batch})
	if err != nil {
		b.n.o.Log.Error("cluster: encode events", "err", err)
		return
	}
	if len(payload) >= maxPayload && len(batch) > 1 {
		half := len(batch) / 2
		b.notify(ctx, batch[:half])
		b.notify(ctx, batch[half:])
		return
	}
	if len(payload) >= maxPayload {
		id, err := b.n.o.Store.PutClusterEvent(ctx, payload, b.n.o.Now())
		if err != nil {
			b.n.o.Log.Error("cluster: keep a large event", "err", err)
			return
		}
		payload, _ = json.Marshal(notification{Node: b.n.id, Ref: id})
	}
	if _, err := b.n.o.Store.DB().ExecContext(ctx, `SELECT pg_notify($1, $2)`, b.channel, string(payload)); err != nil && ctx.Err() == nil {
		b.n.o.Log.Error("cluster: notify other nodes", "err", err)
	}
}

// listen opens the node's own connection and listens on the channel.
func (b *bridge) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, b.n.o.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to listen for events: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("cluster: listen for events: %w", err)
	}
	return conn, nil
}

// receive delivers other nodes' events to this node's clients, reconnecting
// with back-off when the connection is lost (events sent meanwhile are
// missed, as a browser that was offline misses them; pages show the truth
// on reload).
func (b *bridge) receive(ctx context.Context, conn *pgx.Conn) {
	defer b.wg.Done()
	backoff := time.Second
	for {
		if conn == nil {
			var err error
			if conn, err = b.listen(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				b.n.o.Log.Warn("cluster: event listener cannot reconnect", "err", err, "retry_in", backoff)
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, 30*time.Second)
				continue
			}
			backoff = time.Second
		}
		note, err := conn.WaitForNotification(ctx)
		if err != nil {
			conn.Close(context.Background())
			conn = nil
			if ctx.Err() != nil {
				return
			}
			b.n.o.Log.Warn("cluster: event listener lost its connection", "err", err)
			continue
		}
		b.deliver(ctx, []byte(note.Payload))
	}
}

func (b *bridge) deliver(ctx context.Context, payload []byte) {
	var nt notification
	if err := json.Unmarshal(payload, &nt); err != nil {
		b.n.o.Log.Warn("cluster: unreadable event notification", "err", err)
		return
	}
	if nt.Node == b.n.id {
		return
	}
	if nt.Hello {
		b.n.peers.CompareAndSwap(0, 1)
		return
	}
	if nt.Ref != 0 {
		kept, err := b.n.o.Store.ClusterEvent(ctx, nt.Ref)
		if err != nil {
			b.n.o.Log.Warn("cluster: fetch a large event", "id", nt.Ref, "err", err)
			return
		}
		if err := json.Unmarshal(kept, &nt); err != nil {
			b.n.o.Log.Warn("cluster: unreadable large event", "id", nt.Ref, "err", err)
			return
		}
	}
	for _, e := range nt.Events {
		if strings.HasPrefix(e.Type, controlPrefix) {
			if b.n.o.OnControl != nil {
				b.n.o.OnControl(e.Type, e.Data)
			}
			continue
		}
		b.n.o.Hub.Publish(e.User, e.Type, e.Data)
	}
}
