package web

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// dashboardData is the home page: the session and what is new.
type dashboardData struct {
	Today     int
	OpenTasks []store.Task
	Chats     []store.Chat
	Summaries []store.Summary
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	now := h.o.Now().In(v.Loc)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, v.Loc)
	var d dashboardData
	var err error
	if d.Today, err = h.o.Store.CountMessages(ctx, v.User.ID, midnight); err != nil {
		h.fail(w, r, v, err)
		return
	}
	if d.OpenTasks, err = h.o.Store.OpenTasks(ctx, v.User.ID, 5); err != nil {
		h.fail(w, r, v, err)
		return
	}
	chats, err := h.o.Store.ListChats(ctx, v.User.ID, store.AllChats, store.ListOptions{Limit: 6})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Chats = chats.Items
	sums, err := h.o.Store.ListSummaries(ctx, v.User.ID, store.SummaryFilter{}, store.ListOptions{Limit: 2})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Summaries = sums.Items
	h.render(w, r, v, http.StatusOK, "dashboard", &page{Title: "Dashboard", Nav: "home",
		Live: "message task summary", Data: d})
}

// connectData is the Connect WhatsApp page.
type connectData struct {
	// QR is the code currently shown, when the session is pairing.
	QR            *qrView
	PairSupported bool
	PairCode      string
	Phone         string
	Error         string
}

func (h *Handler) connectPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderConnect(w, r, v, http.StatusOK, connectData{})
}

func (h *Handler) renderConnect(w http.ResponseWriter, r *http.Request, v *viewer, status int, d connectData) {
	st, err := h.o.Sessions.Status(r.Context(), v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.PairSupported = h.o.Sessions.Engine().SupportsPairCode()
	if d.QR == nil && st.Status == whatsapp.StatusScanQR {
		if q := h.currentQR(r.Context(), v.User.ID); q != nil && strings.HasPrefix(q.Image, "data:image/png;base64,") {
			// A PNG data URL made by Synapse itself: safe as an image source.
			d.QR = &qrView{Image: template.URL(q.Image), ExpiresAt: q.ExpiresAt}
		}
	}
	h.render(w, r, v, status, "connect", &page{Title: "Connect WhatsApp", Nav: "connect", State: st, Data: d})
}

// qrView is a QR code for the page.
type qrView struct {
	Image     template.URL
	ExpiresAt time.Time
}

// currentQR returns the code being shown, without starting anything.
func (h *Handler) currentQR(ctx context.Context, userID string) *whatsapp.QRCode {
	st, err := h.o.Sessions.Status(ctx, userID)
	if err != nil || st.Status != whatsapp.StatusScanQR {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	q, err := h.o.Sessions.QR(ctx, userID, false)
	if err != nil {
		return nil
	}
	return &q
}

// connectQR answers the page's script with the code being shown, as JSON
// ({"qr": data URL, "expiresAt"}), or 204 when there is none. It never
// starts a session.
func (h *Handler) connectQR(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := h.currentQR(r.Context(), v.User.ID)
	if q == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		QR        string    `json:"qr"`
		ExpiresAt time.Time `json:"expiresAt"`
	}{q.Image, q.ExpiresAt})
}

// connectStart starts pairing (or, with a linked device, logging in) and
// waits briefly for the first code; force starts a fresh pairing.
func (h *Handler) connectStart(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx, cancel := context.WithTimeout(r.Context(), 25*time.Second)
	defer cancel()
	_, err := h.o.Sessions.QR(ctx, v.User.ID, r.PostForm.Get("force") == "1")
	var stopped *whatsapp.StoppedError
	switch {
	case err == nil, errors.Is(err, whatsapp.ErrQRNotReady):
		// The code follows live.
	case errors.Is(err, whatsapp.ErrAlreadyConnected):
		h.done(w, r, "/connect?ok=connected")
		return
	case errors.As(err, &stopped):
		h.renderConnect(w, r, v, http.StatusConflict, connectData{Error: "The session could not start pairing: " + stopped.Reason})
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, "/connect")
}

// connectPairCode starts linking by phone number: the page then shows the
// code to type on the phone.
func (h *Handler) connectPairCode(w http.ResponseWriter, r *http.Request, v *viewer) {
	raw := r.PostForm.Get("phone")
	phone, ok := parsePhone(raw)
	if !ok {
		h.renderConnect(w, r, v, http.StatusBadRequest, connectData{Phone: raw,
			Error: "Enter the phone number with its country code: 7 to 15 digits, such as +44 7700 900123."})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 25*time.Second)
	defer cancel()
	code, err := h.o.Sessions.PairPhone(ctx, v.User.ID, phone)
	var stopped *whatsapp.StoppedError
	switch {
	case err == nil:
		h.renderConnect(w, r, v, http.StatusOK, connectData{PairCode: code, Phone: raw})
	case errors.Is(err, whatsapp.ErrNotSupported):
		h.renderConnect(w, r, v, http.StatusNotImplemented, connectData{Phone: raw, Error: flashes["unsupported"]})
	case errors.Is(err, whatsapp.ErrAlreadyConnected):
		redirect(w, r, "/connect?ok=connected")
	case errors.Is(err, whatsapp.ErrNotPairing), errors.Is(err, whatsapp.ErrQRNotReady):
		h.renderConnect(w, r, v, http.StatusConflict, connectData{Phone: raw, Error: "The session is not ready to pair yet. Try again in a moment."})
	case errors.As(err, &stopped):
		h.renderConnect(w, r, v, http.StatusConflict, connectData{Phone: raw, Error: "The session could not start pairing: " + stopped.Reason})
	default:
		h.fail(w, r, v, err)
	}
}

// parsePhone turns a phone number as people type it ("+44 7700-900 123",
// "(11) 98765 4321") into its digits: 7 to 15 of them, with only spaces,
// dots, dashes, brackets and a leading plus between.
func parsePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == '+' && i == 0:
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	d := b.String()
	if len(d) < 7 || len(d) > 15 {
		return "", false
	}
	return d, true
}

// simScan makes the simulated phone scan the code shown (sim engine only).
func (h *Handler) simScan(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.simPair(w, r, v, func(sid string) error {
		_, err := h.o.Sim.Scan(sid, sim.ScanOptions{})
		return err
	})
}

// simPairCode makes the simulated phone confirm a pair code (sim engine
// only).
func (h *Handler) simPairCode(w http.ResponseWriter, r *http.Request, v *viewer) {
	code := strings.TrimSpace(r.PostForm.Get("code"))
	h.simPair(w, r, v, func(sid string) error {
		_, err := h.o.Sim.ConfirmPairCode(sid, code, sim.ScanOptions{})
		return err
	})
}

func (h *Handler) simPair(w http.ResponseWriter, r *http.Request, v *viewer, pair func(sessionID string) error) {
	if h.o.Sim == nil {
		h.errorPage(w, r, v, http.StatusNotFound, "There is no simulated phone: this server talks to the real WhatsApp.")
		return
	}
	sid, err := h.o.Sessions.SessionID(r.Context(), v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	err = pair(sid)
	switch {
	case err == nil:
		h.done(w, r, "/connect?ok=scanned")
	case errors.Is(err, whatsapp.ErrNotPairing):
		h.refuse(w, r, http.StatusConflict, "/connect?ok=notpairing")
	case errors.Is(err, sim.ErrNoClient):
		h.refuse(w, r, http.StatusConflict, "/connect?ok=notrunning")
	case errors.Is(err, sim.ErrWrongCode):
		h.refuse(w, r, http.StatusConflict, "/connect?ok=wrongcode")
	default:
		h.fail(w, r, v, err)
	}
}

// done ends a successful action: the page's script gets 204, a plain form
// post is redirected to a page.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, to string) {
	if isFetch(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	redirect(w, r, to)
}

// refuse ends an action that the state did not allow: the script gets the
// status and the flash text, a form post goes to the page that says why.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, to string) {
	if isFetch(r) {
		msg := "refused"
		if _, key, ok := strings.Cut(to, "?ok="); ok {
			msg = flashes[key]
		}
		http.Error(w, msg, status)
		return
	}
	redirect(w, r, to)
}

// confirmData is a page that asks before doing something that cannot be
// undone.
type confirmData struct {
	Heading string
	Body    []string
	Action  string
	Button  string
	Cancel  string
	Danger  bool
}

// sessionOps are the dashboard's session actions, each explained before it
// is done.
var sessionOps = map[string]confirmData{
	"restart": {Heading: "Restart the WhatsApp session?", Button: "Restart now",
		Body: []string{"Synapse disconnects from WhatsApp and connects again. Your linked device is kept, so no QR code is needed.",
			"Messages that arrive meanwhile wait on your phone and are delivered when it is back."}},
	"stop": {Heading: "Disconnect from WhatsApp?", Button: "Disconnect",
		Body: []string{"Synapse stops receiving messages until you connect again. Your linked device is kept: connecting again needs no QR code.",
			"Everything already stored stays."}},
	"logout": {Heading: "Log out and unlink this device?", Button: "Log out and unlink", Danger: true,
		Body: []string{"Synapse is removed from your phone's Linked devices. To receive messages again you must scan a new QR code.",
			"Everything already stored stays in Synapse."}},
}

func (h *Handler) sessionConfirm(w http.ResponseWriter, r *http.Request, v *viewer) {
	d, ok := sessionOps[r.PathValue("op")]
	if !ok {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	d.Action, d.Cancel = "/session/"+r.PathValue("op"), "/"
	h.render(w, r, v, http.StatusOK, "confirm", &page{Title: d.Heading, Nav: "home", Data: d})
}

func (h *Handler) sessionOp(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	var err error
	var flash string
	switch r.PathValue("op") {
	case "restart":
		_, err = h.o.Sessions.Restart(ctx, v.User.ID)
		flash = "restarted"
	case "stop":
		_, err = h.o.Sessions.Stop(ctx, v.User.ID)
		flash = "stopped"
	case "logout":
		_, err = h.o.Sessions.Logout(ctx, v.User.ID)
		flash = "loggedout"
	default:
		err = store.ErrNotFound
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.o.Log.Info("web: session action", "user_id", v.User.ID, "op", r.PathValue("op"))
	redirect(w, r, "/?ok="+flash)
}
