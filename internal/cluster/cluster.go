// Package cluster lets several `synapse serve` processes share one
// PostgreSQL database. Each node registers itself and heartbeats; each
// running WhatsApp session is leased to one node, which renews its leases
// on every heartbeat; when a node dies its leases expire and the other nodes
// take its sessions over (their devices are in the shared database, so they
// log in again without a QR code). An operation on a session asked of the
// wrong node is forwarded over HTTP to the node running it, and realtime
// events cross nodes through PostgreSQL LISTEN/NOTIFY, so a browser may be
// connected to any node.
//
// A node holds no per-session timer or goroutine: one loop per node renews
// all its leases in one statement per heartbeat.
package cluster

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// RPCPath is where a node serves operations forwarded by the others.
const RPCPath = "/internal/cluster/v1/sessions"

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
}

// Node is this process as a member of the cluster. It implements
// whatsapp.Cluster and realtime.Publisher.
type Node struct {
	o       Options
	id      string
	url     string
	started time.Time
	key     []byte // signs forwarded requests
	seen    replayGuard
	m       *whatsapp.Manager
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

var _ whatsapp.Cluster = (*Node)(nil)
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

// SetManager gives the node the session manager it leases sessions for.
// Call it before Start.
func (n *Node) SetManager(m *whatsapp.Manager) { n.m = m }

// Start registers the node under url (how the other nodes reach it) and
// starts its heartbeat and event listener.
func (n *Node) Start(ctx context.Context, url string) error {
	n.url = strings.TrimRight(url, "/")
	n.started = n.o.Now()
	n.renewed.Store(n.started.UnixMilli())
	// The heartbeat runs whatever fails here: leases this node takes must
	// be renewed (or given up) for as long as it lives. The first one does
	// not adopt: the manager's Restore brings sessions back at start.
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
// session manager has disconnected its sessions.
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
	if n.m == nil || n.o.Now().Sub(time.UnixMilli(n.renewed.Load())) < n.o.LeaseTTL*2/3 {
		return
	}
	running := n.m.Running()
	if len(running) == 0 {
		return
	}
	n.o.Log.Error("cannot renew session leases; stopping the sessions on this node so that another node can run them", "sessions", len(running))
	for _, r := range running {
		n.m.Relinquish(r.UserID)
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
	if n.m == nil {
		return nil
	}

	running := n.m.Running()
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
					n.m.Relinquish(r.UserID)
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
		n.m.Adopt(s.UserID)
	}
	if err := n.o.Store.DeleteClusterEvents(ctx, now.Add(-time.Minute)); err != nil {
		n.o.Log.Warn("delete old cluster events", "err", err)
	}
	return nil
}

// Acquire implements whatsapp.Cluster.
func (n *Node) Acquire(ctx context.Context, sessionID string) (string, error) {
	now := n.o.Now()
	owner, err := n.o.Store.AcquireLease(ctx, sessionID, n.id, now, now.Add(n.o.LeaseTTL))
	if err != nil || owner == n.id {
		return "", err
	}
	return owner, nil
}

// Owner implements whatsapp.Cluster.
func (n *Node) Owner(ctx context.Context, sessionID string) (string, error) {
	owner, err := n.o.Store.LeaseOwner(ctx, sessionID, n.o.Now())
	if err != nil || owner == n.id {
		return "", err
	}
	return owner, nil
}

// Release implements whatsapp.Cluster.
func (n *Node) Release(sessionID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.o.Store.ReleaseLease(ctx, sessionID, n.id); err != nil {
		n.o.Log.Warn("release session lease", "session_id", sessionID, "err", err)
	}
}

// rpcReply is the body of a forwarded operation's answer.
type rpcReply struct {
	Response whatsapp.RemoteResponse `json:"response"`
	Error    *whatsapp.RemoteError   `json:"error,omitempty"`
}

// Forward implements whatsapp.Cluster.
func (n *Node) Forward(ctx context.Context, node string, req whatsapp.RemoteRequest) (whatsapp.RemoteResponse, error) {
	url, err := n.nodeURL(ctx, node)
	if err != nil {
		return whatsapp.RemoteResponse{}, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return whatsapp.RemoteResponse{}, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url+RPCPath, bytes.NewReader(body))
	if err != nil {
		return whatsapp.RemoteResponse{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", n.sign(node, body, n.o.Now()))
	resp, err := n.client.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return whatsapp.RemoteResponse{}, ctx.Err()
		}
		return whatsapp.RemoteResponse{}, fmt.Errorf("%w: node %s (%s): %v", whatsapp.ErrNodeUnavailable, node, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		err := fmt.Errorf("cluster: node %s answered %s: %s", node, resp.Status, bytes.TrimSpace(b))
		if resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusBadGateway {
			err = fmt.Errorf("%w: %v", whatsapp.ErrNodeUnavailable, err)
		}
		return whatsapp.RemoteResponse{}, err
	}
	var reply rpcReply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		return whatsapp.RemoteResponse{}, fmt.Errorf("cluster: node %s: bad answer: %w", node, err)
	}
	if reply.Error != nil {
		return reply.Response, reply.Error.Err()
	}
	return reply.Response, nil
}

func (n *Node) nodeURL(ctx context.Context, node string) (string, error) {
	n.mu.Lock()
	url := n.nodes[node]
	n.mu.Unlock()
	if url != "" {
		return url, nil
	}
	nd, err := n.o.Store.Node(ctx, node)
	if err != nil {
		return "", fmt.Errorf("cluster: node %s: %w", node, err)
	}
	return nd.URL, nil
}

// maxRPCBody bounds a forwarded request (a text to send is the largest).
const maxRPCBody = 1 << 20

// rpcSkew is how far a forwarded request's time may be from the receiver's.
const rpcSkew = time.Minute

// sign authenticates a request to node `to`: "Synapse-Node
// <unix>:<id>:<hex HMAC-SHA256 of the time, the id, the receiving node and
// the body>". The id is random and the receiver accepts it once, so a
// captured request can be neither altered, nor played again, nor sent to
// another node; and it is refused after rpcSkew.
func (n *Node) sign(to string, body []byte, at time.Time) string {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	return n.signWith(hex.EncodeToString(raw[:]), to, body, at)
}

func (n *Node) signWith(id, to string, body []byte, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, n.key)
	mac.Write([]byte(ts + "\n" + id + "\n" + to + "\n"))
	mac.Write(body)
	return "Synapse-Node " + ts + ":" + id + ":" + hex.EncodeToString(mac.Sum(nil))
}

// verify reports whether a request to this node carries a valid signature
// that it has not accepted before.
func (n *Node) verify(header string, body []byte) bool {
	v, ok := strings.CutPrefix(header, "Synapse-Node ")
	parts := strings.Split(v, ":")
	if !ok || len(parts) != 3 || len(parts[1]) != 32 {
		return false
	}
	unix, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return false
	}
	at, now := time.Unix(unix, 0), n.o.Now()
	if d := now.Sub(at); d > rpcSkew || d < -rpcSkew {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(header), []byte(n.signWith(parts[1], n.id, body, at))) != 1 {
		return false
	}
	return n.seen.first(parts[1], at.Add(rpcSkew), now)
}

// replayGuard remembers the ids of the requests a node accepted for as long
// as their signatures' time would let them in again.
type replayGuard struct {
	mu    sync.Mutex
	ids   map[string]time.Time // id → when its time falls out of the window
	swept time.Time
}

// first records id and reports whether it was new. Ids whose time is out of
// the window are forgotten, in one sweep per window.
func (g *replayGuard) first(id string, until, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ids == nil {
		g.ids = map[string]time.Time{}
	}
	if now.Sub(g.swept) >= rpcSkew {
		for k, t := range g.ids {
			if now.After(t) {
				delete(g.ids, k)
			}
		}
		g.swept = now
	}
	if _, seen := g.ids[id]; seen {
		return false
	}
	g.ids[id] = until
	return true
}

// ServeHTTP serves operations forwarded by other nodes (RPCPath).
func (n *Node) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRPCBody))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if !n.verify(r.Header.Get("Authorization"), body) {
		n.o.Log.Warn("cluster: refused a forwarded request without a valid signature, or one already served", "remote", r.RemoteAddr)
		http.Error(w, "not a node of this cluster", http.StatusUnauthorized)
		return
	}
	if n.m == nil {
		http.Error(w, "node is starting", http.StatusServiceUnavailable)
		return
	}
	var req whatsapp.RemoteRequest
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := n.m.Serve(r.Context(), req)
	reply := rpcReply{Response: resp}
	if err != nil {
		e := whatsapp.EncodeRemoteError(err)
		reply.Error = &e
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}

// Publish implements realtime.Publisher: the event goes to this node's
// clients and, when other nodes are alive, to theirs.
func (n *Node) Publish(userID, typ string, data any) {
	n.o.Hub.Publish(userID, typ, data)
	if n.peers.Load() > 0 {
		n.bridge.send(userID, typ, data)
	}
}
