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
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// RPCPath is where a node serves operations forwarded by the others.
const RPCPath = "/internal/cluster/v1/sessions"

// Session operations a node forwards to another.
const (
	opStatus   = "status"
	opStart    = "start"
	opStop     = "stop"
	opRestart  = "restart"
	opLogout   = "logout"
	opQR       = "qr"
	opPair     = "pair"
	opSend     = "send"
	opDownload = "download"
	opHistory  = "history"
	opPresence = "presence"
	opMarkRead = "mark-read"
)

// request is a session operation to run where the session runs.
type request struct {
	Op       string               `json:"op"`
	UserID   string               `json:"userId"`
	Force    bool                 `json:"force,omitempty"`
	Phone    string               `json:"phone,omitempty"`
	ChatID   string               `json:"chatId,omitempty"`
	Outgoing *whatsapp.Outgoing   `json:"outgoing,omitempty"`
	Oldest   *whatsapp.MessageRef `json:"oldest,omitempty"`
	Count    int                  `json:"count,omitempty"`
	Online   bool                 `json:"online,omitempty"`
	Marks    []whatsapp.ReadMark  `json:"marks,omitempty"`
	Media    *whatsapp.Media      `json:"media,omitempty"`
	MaxBytes int64                `json:"maxBytes,omitempty"`
}

// response is the answer to a request; the field of its operation is set.
type response struct {
	State   *whatsapp.State   `json:"state,omitempty"`
	QR      *whatsapp.QRCode  `json:"qr,omitempty"`
	Code    string            `json:"code,omitempty"`
	Message *whatsapp.Message `json:"message,omitempty"`
	Data    []byte            `json:"data,omitempty"`
}

// rpcReply is the body of a forwarded operation's answer.
type rpcReply struct {
	Response response     `json:"response"`
	Error    *remoteError `json:"error,omitempty"`
}

// remoteError is an error as it crosses nodes: a stable code and the text.
type remoteError struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Status  whatsapp.Status `json:"status,omitempty"`
	Reason  string          `json:"reason,omitempty"`
}

var remoteErrors = map[string]error{
	"not_supported":     whatsapp.ErrNotSupported,
	"not_connected":     whatsapp.ErrNotConnected,
	"media_too_large":   whatsapp.ErrMediaTooLarge,
	"media_gone":        whatsapp.ErrMediaGone,
	"invalid_chat":      whatsapp.ErrInvalidChat,
	"already_connected": whatsapp.ErrAlreadyConnected,
	"qr_not_ready":      whatsapp.ErrQRNotReady,
	"not_pairing":       whatsapp.ErrNotPairing,
	"closed":            whatsapp.ErrClosed,
	"owned_elsewhere":   whatsapp.ErrOwnedElsewhere,
	"node_unavailable":  whatsapp.ErrNodeUnavailable,
}

// encodeError turns an error into its cross-node form.
func encodeError(err error) remoteError {
	var se *whatsapp.StoppedError
	if errors.As(err, &se) {
		return remoteError{Code: "stopped", Message: err.Error(), Status: se.Status, Reason: se.Reason}
	}
	for code, sentinel := range remoteErrors {
		if errors.Is(err, sentinel) {
			return remoteError{Code: code, Message: err.Error()}
		}
	}
	return remoteError{Code: "internal", Message: err.Error()}
}

// err turns a cross-node error back into one that errors.Is recognises.
func (e remoteError) err() error {
	if e.Code == "stopped" {
		return &whatsapp.StoppedError{Status: e.Status, Reason: e.Reason}
	}
	if sentinel, ok := remoteErrors[e.Code]; ok {
		return sentinel
	}
	return fmt.Errorf("cluster: on the session's node: %s", e.Message)
}

// forward runs req on node and returns its answer; the node's errors come
// back as the sentinel errors of package whatsapp. A node that cannot be
// reached, or that is no longer the one named (its address now serves a
// newer process), gives whatsapp.ErrNodeUnavailable.
func (n *Node) forward(ctx context.Context, node string, req request) (response, error) {
	url, err := n.nodeURL(ctx, node)
	if err != nil {
		return response{}, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return response{}, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url+RPCPath, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", n.sign(node, body, n.o.Now()))
	resp, err := n.client.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return response{}, ctx.Err()
		}
		return response{}, fmt.Errorf("%w: node %s (%s): %v", whatsapp.ErrNodeUnavailable, node, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		err := fmt.Errorf("cluster: node %s answered %s: %s", node, resp.Status, bytes.TrimSpace(b))
		switch resp.StatusCode {
		case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusMisdirectedRequest:
			err = fmt.Errorf("%w: %v", whatsapp.ErrNodeUnavailable, err)
		}
		return response{}, err
	}
	var reply rpcReply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		return response{}, fmt.Errorf("cluster: node %s: bad answer: %w", node, err)
	}
	if reply.Error != nil {
		return reply.Response, reply.Error.err()
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

// maxRPCBody bounds a forwarded request: a send with an attachment of at
// most 16 MiB (base64 in JSON) is the largest.
const maxRPCBody = 24 << 20

// rpcSkew is how far a forwarded request's time may be from the receiver's.
const rpcSkew = time.Minute

const signPrefix = "Synapse-Node "

// sign authenticates a request to node `to`: "Synapse-Node
// <unix>:<id>:<to>:<hex HMAC-SHA256 of the time, the id, the receiving
// node and the body>". The id is random and the receiver serves it once,
// so a captured request can be neither altered, nor played again, nor
// played to another node; and it is refused after rpcSkew.
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
	return signPrefix + ts + ":" + id + ":" + to + ":" + hex.EncodeToString(mac.Sum(nil))
}

// verdict is what verify makes of a request's signature.
type verdict int

const (
	accepted    verdict = iota
	refused             // no valid signature of this cluster, out of time, or a replay
	misdirected         // validly signed for another node (one that had this address before)
)

// verify checks a request's signature and its id, which it records: a
// request is accepted once.
func (n *Node) verify(header string, body []byte) verdict {
	v, ok := strings.CutPrefix(header, signPrefix)
	parts := strings.Split(v, ":")
	if !ok || len(parts) != 4 || len(parts[1]) != 32 {
		return refused
	}
	ts, id, to := parts[0], parts[1], parts[2]
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return refused
	}
	at, now := time.Unix(unix, 0), n.o.Now()
	if d := now.Sub(at); d > rpcSkew || d < -rpcSkew {
		return refused
	}
	if subtle.ConstantTimeCompare([]byte(header), []byte(n.signWith(id, to, body, at))) != 1 {
		return refused
	}
	if to != n.id {
		return misdirected
	}
	if !n.seen.first(id, at.Add(rpcSkew), now) {
		return refused
	}
	return accepted
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
