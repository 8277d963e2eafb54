// Package cluster lets several `synapse serve` processes share one
// PostgreSQL database. Each node registers itself and heartbeats; each
// running WhatsApp session is leased to one node, which renews its leases
// on every heartbeat; when a node dies its leases expire and the other nodes
// take its sessions over (their devices are in the shared database, so they
// log in again without a QR code). The Router answers for every session on
// every node, forwarding an operation over signed HTTP to the node running
// the session, and realtime events cross nodes through PostgreSQL
// LISTEN/NOTIFY, so a browser may be connected to any node.
//
// A node is assembled in three steps, without setters: New (the Node: the
// sessions.Leases and the realtime.Publisher), then the node's own
// sessions (a *sessions.Manager built with the Node as its Leases), then
// NewRouter from both; Start(ctx, url, local) joins the cluster.
//
// A node holds no per-session timer or goroutine: one loop per node renews
// all its leases in one statement per heartbeat.
package cluster

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/store"
)

// Options configure a Node.
type Options struct {
	Store *store.Store
	Hub   *realtime.Hub
	// DatabaseURL is the PostgreSQL URL; the node opens one connection of
	// its own on it to LISTEN for other nodes' events.
	DatabaseURL string
	// Secret authenticates nodes to each other; every node of a cluster
	// must have the same (Synapse derives it from JWT_SECRET).
	Secret []byte
	// LeaseTTL is how long a lease lasts without renewal (default 30 s);
	// nodes heartbeat every third of it.
	LeaseTTL time.Duration
	Log      *slog.Logger
	Now      func() time.Time
	// OnControl receives the control messages other nodes Broadcast (for
	// example "control.revoked": a credential ended, so streams opened
	// with it here must end too).
	OnControl func(typ string, data json.RawMessage)
}

// Node is this process as a member of the cluster. It implements
// sessions.Leases and realtime.Publisher.
type Node struct {
	o       Options
	id      string
	url     string
	started time.Time
	key     []byte      // signs forwarded requests
	seen    replayGuard // ids of the forwarded requests served
	local   Local       // this node's own sessions, from Start
	client  *http.Client
	bridge  *bridge

	mu    sync.Mutex
	nodes map[string]string // live node id → URL

	peers     atomic.Int32 // other live nodes
	renewed   atomic.Int64 // Unix ms of the last successful lease renewal
	abandoned atomic.Bool
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

var _ sessions.Leases = (*Node)(nil)
var _ realtime.Publisher = (*Node)(nil)

// New returns a node with a fresh id. It does nothing until Start.
func New(o Options) (*Node, error) {
	if o.Store == nil || o.Hub == nil {
		return nil, errors.New("cluster: Store and Hub are required")
	}
	if len(o.Secret) < 16 {
		return nil, errors.New("cluster: a secret of at least 16 bytes is required")
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	mac := hmac.New(sha256.New, o.Secret)
	mac.Write([]byte("synapse cluster rpc v1"))
	n := &Node{
		o: o, id: store.NewSecretID(), key: mac.Sum(nil),
		nodes: map[string]string{},
		// A forwarded QR request waits for a code (up to 20 s by default).
		client: &http.Client{Timeout: 90 * time.Second},
	}
	n.bridge = newBridge(n)
	return n, nil
}

// Stats are the node's counters, for metrics.
type Stats struct {
	Peers         int    // other live nodes
	DroppedEvents uint64 // events for other nodes dropped on a full queue
}

// Stats returns the node's counters.
func (n *Node) Stats() Stats {
	return Stats{Peers: int(n.peers.Load()), DroppedEvents: n.bridge.dropped.Load()}
}

// ID returns the node's id.
func (n *Node) ID() string { return n.id }

// Start registers the node under url (how the other nodes reach it) and
// starts its heartbeat, which renews the leases of the sessions local runs
// and has local adopt the sessions of nodes that died, and its event
// listener.
func (n *Node) Start(ctx context.Context, url string, local Local) error {
	n.local = local
	n.url = strings.TrimRight(url, "/")
	n.started = n.o.Now()
	n.renewed.Store(n.started.UnixMilli())
	// The heartbeat runs whatever fails here: leases this node takes must
	// be renewed (or given up) for as long as it lives. The first one does
	// not adopt: the sessions' Restore brings them back at start.
	herr := n.heartbeatOnce(ctx, false)
	lctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.wg.Add(1)
	go n.loop(lctx)
	if herr != nil {
		return herr
	}
	if err := n.bridge.start(ctx); err != nil {
		return err
	}
	n.o.Log.Info("joined the cluster", "node_id", n.id, "url", n.url, "lease_ttl", n.o.LeaseTTL, "peers", n.peers.Load())
	return nil
}

// Close leaves the cluster: the node's leases are released so that other
// nodes take its sessions over at their next heartbeat. Call it after the
// node's own sessions are closed.
func (n *Node) Close() {
	if n.cancel != nil {
		n.cancel()
	}
	n.wg.Wait()
	n.bridge.close()
	if n.abandoned.Load() || n.url == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.o.Store.RemoveNode(ctx, n.id); err != nil {
		n.o.Log.Warn("leave the cluster", "err", err)
	}
}

// Abandon stops the node's heartbeat as if the process had died: its
// leases are neither renewed nor released. For tests of takeover.
func (n *Node) Abandon() {
	n.abandoned.Store(true)
	if n.cancel != nil {
		n.cancel()
	}
	n.wg.Wait()
}

// loop heartbeats every third of the lease TTL.
func (n *Node) loop(ctx context.Context) {
	defer n.wg.Done()
	t := time.NewTicker(n.o.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		hctx, cancel := context.WithTimeout(ctx, n.o.LeaseTTL/2)
		if err := n.heartbeat(hctx); err != nil && ctx.Err() == nil {
			n.o.Log.Error("cluster heartbeat", "err", err)
			n.giveUpIfStale()
		}
		cancel()
	}
}

// giveUpIfStale stops every session running here once the leases could
// not be renewed for most of their life: other nodes may take them over
// soon, and a session must not run twice.
func (n *Node) giveUpIfStale() {
	if n.local == nil || n.o.Now().Sub(time.UnixMilli(n.renewed.Load())) < n.o.LeaseTTL*2/3 {
		return
	}
	running := n.local.Running()
	if len(running) == 0 {
		return
	}
	n.o.Log.Error("cannot renew session leases; stopping the sessions on this node so that another node can run them", "sessions", len(running))
	for _, r := range running {
		n.local.Relinquish(r.UserID)
	}
}

// adoptPerHeartbeat bounds how many orphaned sessions one heartbeat starts.
const adoptPerHeartbeat = 100

func (n *Node) heartbeat(ctx context.Context) error { return n.heartbeatOnce(ctx, true) }

// heartbeatOnce refreshes the node's row, learns the live nodes, renews the
// leases of the sessions running here (stopping those another node took)
// and, with adopt, starts sessions of nodes that died.
func (n *Node) heartbeatOnce(ctx context.Context, adopt bool) error {
	now := n.o.Now()
	if err := n.o.Store.HeartbeatNode(ctx, store.Node{ID: n.id, URL: n.url, StartedAt: n.started, HeartbeatAt: now}); err != nil {
		return err
	}
	live, err := n.o.Store.LiveNodes(ctx, now.Add(-n.o.LeaseTTL), now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	urls := make(map[string]string, len(live))
	for _, l := range live {
		urls[l.ID] = l.URL
	}
	n.mu.Lock()
	n.nodes = urls
	n.mu.Unlock()
	n.peers.Store(int32(max(0, len(live)-1)))
	if n.local == nil {
		return nil
	}

	running := n.local.Running()
	ids := make([]string, len(running))
	for i, r := range running {
		ids[i] = r.ID
	}
	kept, err := n.o.Store.RenewLeases(ctx, n.id, ids, now.Add(n.o.LeaseTTL))
	if err != nil {
		return err
	}
	n.renewed.Store(now.UnixMilli())
	if len(kept) != len(running) {
		held := make(map[string]bool, len(kept))
		for _, id := range kept {
			held[id] = true
		}
		for _, r := range running {
			if !held[r.ID] {
				// Cut off for longer than a lease: another node may run
				// it now. Acquire again; if that fails, stop here.
				if owner, err := n.o.Store.AcquireLease(ctx, r.ID, n.id, now, now.Add(n.o.LeaseTTL)); err != nil || owner != n.id {
					n.local.Relinquish(r.UserID)
				}
			}
		}
	}

	if !adopt {
		return nil
	}
	orphans, err := n.o.Store.OrphanedSessions(ctx, now, adoptPerHeartbeat)
	if err != nil {
		return err
	}
	for _, s := range orphans {
		n.o.Log.Info("taking over a session whose node stopped", "session_id", s.ID, "user_id", s.UserID)
		n.local.Adopt(s.UserID)
	}
	if err := n.o.Store.DeleteClusterEvents(ctx, now.Add(-time.Minute)); err != nil {
		n.o.Log.Warn("delete old cluster events", "err", err)
	}
	return nil
}

// Acquire implements sessions.Leases.
func (n *Node) Acquire(ctx context.Context, sessionID string) (string, error) {
	now := n.o.Now()
	owner, err := n.o.Store.AcquireLease(ctx, sessionID, n.id, now, now.Add(n.o.LeaseTTL))
	if err != nil || owner == n.id {
		return "", err
	}
	return owner, nil
}

// Owner returns the id of another live node that holds the session's
// lease, or "".
func (n *Node) Owner(ctx context.Context, sessionID string) (string, error) {
	owner, err := n.o.Store.LeaseOwner(ctx, sessionID, n.o.Now())
	if err != nil || owner == n.id {
		return "", err
	}
	return owner, nil
}

// Release implements sessions.Leases.
func (n *Node) Release(sessionID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.o.Store.ReleaseLease(ctx, sessionID, n.id); err != nil {
		n.o.Log.Warn("release session lease", "session_id", sessionID, "err", err)
	}
}

// Publish implements realtime.Publisher: the event goes to this node's
// clients and, when other nodes are alive, to theirs.
// controlPrefix marks control messages between nodes: they go to
// Options.OnControl, never to a person's streams.
const controlPrefix = "control."

// Broadcast sends a control message (typ starts with "control.") to every
// other node, best effort: like realtime events, it is dropped when the
// bridge's queue is full, so receivers must have a fallback (streams
// recheck their credential now and then).
func (n *Node) Broadcast(typ string, data any) {
	if !strings.HasPrefix(typ, controlPrefix) {
		panic("cluster: Broadcast of a non-control type " + typ)
	}
	if n.peers.Load() > 0 {
		n.bridge.send("", typ, data)
	}
}

func (n *Node) Publish(userID, typ string, data any) {
	n.o.Hub.Publish(userID, typ, data)
	if n.peers.Load() > 0 {
		n.bridge.send(userID, typ, data)
	}
}
