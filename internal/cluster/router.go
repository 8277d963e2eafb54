package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Local is what the cluster needs of the sessions this node runs itself
// (a *sessions.Manager built with the Node as its sessions.Leases).
type Local interface {
	whatsapp.Sessions
	// Refresh is Status, reloading a session that does not run here from
	// the database first.
	Refresh(ctx context.Context, userID string) (whatsapp.State, error)
	// Locate returns the id of the user's session and whether it runs
	// here.
	Locate(ctx context.Context, userID string) (id string, here bool, err error)
	// Running lists the sessions that run here: the leases to renew.
	Running() []sessions.LocalSession
	// Relinquish stops running a session whose lease another node took.
	Relinquish(userID string)
	// Adopt starts a session whose node died, if this node wins its lease.
	Adopt(userID string)
}

var _ Local = (*sessions.Manager)(nil)

// Router implements whatsapp.Sessions for one node of a cluster: every
// operation runs where the session runs, on this node's own sessions or on
// the node holding the session's lease, over the signed RPC. A session that
// runs nowhere is started here. It also serves the operations that other
// nodes forward to this one (ServeHTTP, at RPCPath), on this node's own
// sessions: a forwarded operation is never forwarded again.
type Router struct {
	node  *Node
	local Local
}

var _ whatsapp.Sessions = (*Router)(nil)

// NewRouter returns the router of node n, whose own sessions are local.
func NewRouter(n *Node, local Local) *Router {
	return &Router{node: n, local: local}
}

// Engine implements whatsapp.Sessions.
func (r *Router) Engine() whatsapp.Engine { return r.local.Engine() }

// Live implements whatsapp.Sessions: the sessions this node has loaded.
func (r *Router) Live() map[string]whatsapp.State { return r.local.Live() }

// SessionID implements whatsapp.Sessions.
func (r *Router) SessionID(ctx context.Context, userID string) (string, error) {
	return r.local.SessionID(ctx, userID)
}

// Status implements whatsapp.Sessions. When the session's node cannot be
// reached, the stored state answers until another node takes it over.
func (r *Router) Status(ctx context.Context, userID string) (whatsapp.State, error) {
	resp, err := r.call(ctx, request{Op: opStatus, UserID: userID})
	if errors.Is(err, whatsapp.ErrNodeUnavailable) {
		r.node.o.Log.Warn("the session's node cannot be reached; answering from the database", "user_id", userID, "err", err)
		return r.local.Refresh(ctx, userID)
	}
	return stateOf(resp, err)
}

// Start implements whatsapp.Sessions.
func (r *Router) Start(ctx context.Context, userID string) (whatsapp.State, error) {
	return stateOf(r.call(ctx, request{Op: opStart, UserID: userID}))
}

// Stop implements whatsapp.Sessions.
func (r *Router) Stop(ctx context.Context, userID string) (whatsapp.State, error) {
	return stateOf(r.call(ctx, request{Op: opStop, UserID: userID}))
}

// Restart implements whatsapp.Sessions.
func (r *Router) Restart(ctx context.Context, userID string) (whatsapp.State, error) {
	return stateOf(r.call(ctx, request{Op: opRestart, UserID: userID}))
}

// Logout implements whatsapp.Sessions.
func (r *Router) Logout(ctx context.Context, userID string) (whatsapp.State, error) {
	return stateOf(r.call(ctx, request{Op: opLogout, UserID: userID}))
}

// QR implements whatsapp.Sessions.
func (r *Router) QR(ctx context.Context, userID string, force bool) (whatsapp.QRCode, error) {
	resp, err := r.call(ctx, request{Op: opQR, UserID: userID, Force: force})
	if err != nil {
		return whatsapp.QRCode{}, err
	}
	if resp.QR == nil {
		return whatsapp.QRCode{}, errors.New("cluster: a qr answer without a code")
	}
	return *resp.QR, nil
}

// PairPhone implements whatsapp.Sessions.
func (r *Router) PairPhone(ctx context.Context, userID, phone string) (string, error) {
	if !r.local.Engine().SupportsPairCode() {
		return "", whatsapp.ErrNotSupported
	}
	resp, err := r.call(ctx, request{Op: opPair, UserID: userID, Phone: phone})
	return resp.Code, err
}

// Send implements whatsapp.Sessions.
func (r *Router) Send(ctx context.Context, userID string, out whatsapp.Outgoing) (whatsapp.Message, error) {
	resp, err := r.call(ctx, request{Op: opSend, UserID: userID, Outgoing: &out})
	if err != nil {
		return whatsapp.Message{}, err
	}
	if resp.Message == nil {
		return whatsapp.Message{}, errors.New("cluster: a send answer without a message")
	}
	return *resp.Message, nil
}

// RequestHistory implements whatsapp.Sessions.
func (r *Router) RequestHistory(ctx context.Context, userID, chatID string, oldest whatsapp.MessageRef, count int) error {
	_, err := r.call(ctx, request{Op: opHistory, UserID: userID, ChatID: chatID, Oldest: &oldest, Count: count})
	return err
}

// SetOnline implements whatsapp.Sessions.
func (r *Router) SetOnline(ctx context.Context, userID string, online bool) error {
	_, err := r.call(ctx, request{Op: opPresence, UserID: userID, Online: online})
	return err
}

// MarkRead implements whatsapp.Sessions.
func (r *Router) MarkRead(ctx context.Context, userID, chatID string, msgs []whatsapp.ReadMark) error {
	_, err := r.call(ctx, request{Op: opMarkRead, UserID: userID, ChatID: chatID, Marks: msgs})
	return err
}

// Download implements whatsapp.Sessions.
func (r *Router) Download(ctx context.Context, userID string, media *whatsapp.Media, maxBytes int64) ([]byte, error) {
	resp, err := r.call(ctx, request{Op: opDownload, UserID: userID, Media: media, MaxBytes: maxBytes})
	return resp.Data, err
}

// call runs req where the user's session runs: on this node when it runs
// here or on no other live node, else on the node holding its lease. When
// this node, trying to start the session, finds that another node took the
// lease meanwhile, req goes to that node.
func (r *Router) call(ctx context.Context, req request) (response, error) {
	node, err := r.owner(ctx, req.UserID)
	if err != nil {
		return response{}, err
	}
	if node == "" {
		resp, err := serve(ctx, r.local, req)
		var elsewhere *sessions.ElsewhereError
		if !errors.As(err, &elsewhere) {
			return resp, err
		}
		node = elsewhere.Node
	}
	return r.node.forward(ctx, node, req)
}

// owner returns the other live node that runs the user's session, or "".
func (r *Router) owner(ctx context.Context, userID string) (string, error) {
	id, here, err := r.local.Locate(ctx, userID)
	if err != nil || here {
		return "", err
	}
	node, err := r.node.Owner(ctx, id)
	if err != nil {
		r.node.o.Log.Warn("cannot tell which node runs the session; answering from this one", "user_id", userID, "session_id", id, "err", err)
		return "", nil
	}
	return node, nil
}

// serve runs req on this node's own sessions.
func serve(ctx context.Context, local Local, req request) (response, error) {
	var out response
	var st whatsapp.State
	var err error
	switch req.Op {
	case opStatus:
		st, err = local.Refresh(ctx, req.UserID)
	case opStart:
		st, err = local.Start(ctx, req.UserID)
	case opStop:
		st, err = local.Stop(ctx, req.UserID)
	case opRestart:
		st, err = local.Restart(ctx, req.UserID)
	case opLogout:
		st, err = local.Logout(ctx, req.UserID)
	case opQR:
		var q whatsapp.QRCode
		if q, err = local.QR(ctx, req.UserID, req.Force); err == nil {
			out.QR = &q
		}
		return out, err
	case opPair:
		out.Code, err = local.PairPhone(ctx, req.UserID, req.Phone)
		return out, err
	case opSend:
		var msg whatsapp.Message
		if req.Outgoing == nil {
			return out, errors.New("cluster: a send without a message")
		}
		if msg, err = local.Send(ctx, req.UserID, *req.Outgoing); err == nil {
			out.Message = &msg
		}
		return out, err
	case opHistory:
		if req.Oldest == nil {
			return out, errors.New("cluster: a history request without its oldest message")
		}
		return out, local.RequestHistory(ctx, req.UserID, req.ChatID, *req.Oldest, req.Count)
	case opDownload:
		out.Data, err = local.Download(ctx, req.UserID, req.Media, req.MaxBytes)
		return out, err
	case opPresence:
		return out, local.SetOnline(ctx, req.UserID, req.Online)
	case opMarkRead:
		return out, local.MarkRead(ctx, req.UserID, req.ChatID, req.Marks)
	default:
		return out, fmt.Errorf("cluster: unknown operation %q", req.Op)
	}
	if err == nil {
		out.State = &st
	}
	return out, err
}

// stateOf unpacks an answer of the operations that answer with a state.
func stateOf(resp response, err error) (whatsapp.State, error) {
	if err != nil {
		return whatsapp.State{}, err
	}
	if resp.State == nil {
		return whatsapp.State{}, errors.New("cluster: an answer without a state")
	}
	return *resp.State, nil
}

// ServeHTTP serves the operations other nodes forward to this one
// (RPCPath), on this node's own sessions.
func (r *Router) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	if hr.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, hr.Body, maxRPCBody))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	switch r.node.verify(hr.Header.Get("Authorization"), body) {
	case refused:
		r.node.o.Log.Warn("cluster: refused a forwarded request without a valid signature, or one already served", "remote", hr.RemoteAddr)
		http.Error(w, "not a node of this cluster", http.StatusUnauthorized)
		return
	case misdirected:
		http.Error(w, "this is not the node the request was signed for", http.StatusMisdirectedRequest)
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := serve(hr.Context(), r.local, req)
	reply := rpcReply{Response: resp}
	if err != nil {
		e := encodeError(err)
		reply.Error = &e
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}
