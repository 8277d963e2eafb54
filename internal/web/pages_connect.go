package web

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, v *viewer) {
	d, err := h.o.Service.Dashboard(r.Context(), v.User.ID, v.User.Timezone)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.render(w, r, v, http.StatusOK, "dashboard", &page{Title: "Dashboard", Nav: "home",
		Live: liveKinds{domain.KindMessage, domain.KindTask, domain.KindEvent, domain.Kind(domain.EventEventDeleted), domain.KindSummary, domain.EventReminderDue}, Data: d})
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
	st, err := h.o.Service.Status(r.Context(), v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.PairSupported = h.o.Service.SupportsPairCode()
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
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	q, ok := h.o.Service.CurrentQR(ctx, userID)
	if !ok {
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
	_, err := h.o.Service.QR(ctx, v.User.ID, r.PostForm.Get("force") == "1")
	var stopped *whatsapp.StoppedError
	var waiting *whatsapp.WaitingError
	switch {
	case err == nil, errors.Is(err, whatsapp.ErrQRNotReady):
		// The code follows live.
	case errors.Is(err, whatsapp.ErrAlreadyConnected):
		h.done(w, r, "/connect?ok=connected")
		return
	case errors.As(err, &waiting):
		h.connectFailed(w, r, v, http.StatusServiceUnavailable, waiting.Reason)
		return
	case errors.As(err, &stopped):
		h.connectFailed(w, r, v, http.StatusConflict, "The session could not start pairing. "+stopped.Reason)
		return
	default:
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, "/connect")
}

// connectFailed says why connecting did not start: in words to the page's
// script, or on the Connect page.
func (h *Handler) connectFailed(w http.ResponseWriter, r *http.Request, v *viewer, status int, msg string) {
	if isFetch(r) {
		http.Error(w, msg, status)
		return
	}
	h.renderConnect(w, r, v, status, connectData{Error: msg})
}

// connectPairCode starts linking by phone number: the page then shows the
// code to type on the phone.
func (h *Handler) connectPairCode(w http.ResponseWriter, r *http.Request, v *viewer) {
	raw := r.PostForm.Get("phone")
	ctx, cancel := context.WithTimeout(r.Context(), 25*time.Second)
	defer cancel()
	code, err := h.o.Service.PairPhone(ctx, v.User.ID, raw)
	var stopped *whatsapp.StoppedError
	var waiting *whatsapp.WaitingError
	fe, invalid := fieldErrors(err)
	switch {
	case invalid:
		h.renderConnect(w, r, v, http.StatusBadRequest, connectData{Phone: raw, Error: "The phone number " + fe["phone"] + "."})
	case err == nil:
		h.renderConnect(w, r, v, http.StatusOK, connectData{PairCode: code, Phone: raw})
	case errors.Is(err, whatsapp.ErrNotSupported):
		h.renderConnect(w, r, v, http.StatusNotImplemented, connectData{Phone: raw, Error: flashes["unsupported"]})
	case errors.Is(err, whatsapp.ErrAlreadyConnected):
		redirect(w, r, "/connect?ok=connected")
	case errors.Is(err, whatsapp.ErrNotPairing), errors.Is(err, whatsapp.ErrQRNotReady):
		h.renderConnect(w, r, v, http.StatusConflict, connectData{Phone: raw, Error: "The session is not ready to pair yet. Try again in a moment."})
	case errors.As(err, &waiting):
		h.renderConnect(w, r, v, http.StatusServiceUnavailable, connectData{Phone: raw, Error: waiting.Reason})
	case errors.As(err, &stopped):
		h.renderConnect(w, r, v, http.StatusConflict, connectData{Phone: raw, Error: "The session could not start pairing. " + stopped.Reason})
	default:
		h.fail(w, r, v, err)
	}
}

// simScan makes the simulated phone scan the code shown (sim engine only).
func (h *Handler) simScan(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.simPair(w, r, v, func() error {
		_, err := h.o.Service.SimScan(r.Context(), v.User.ID, whatsapp.SimPhone{})
		return err
	})
}

// simPairCode makes the simulated phone confirm a pair code (sim engine
// only).
func (h *Handler) simPairCode(w http.ResponseWriter, r *http.Request, v *viewer) {
	code := strings.TrimSpace(r.PostForm.Get("code"))
	h.simPair(w, r, v, func() error {
		_, err := h.o.Service.SimPairCode(r.Context(), v.User.ID, code, whatsapp.SimPhone{})
		return err
	})
}

func (h *Handler) simPair(w http.ResponseWriter, r *http.Request, v *viewer, pair func() error) {
	err := pair()
	switch {
	case err == nil:
		h.done(w, r, "/connect?ok=scanned")
	case errors.Is(err, whatsapp.ErrNotPairing):
		h.refuse(w, r, http.StatusConflict, "/connect?ok=notpairing")
	case errors.Is(err, whatsapp.ErrSimNoClient):
		h.refuse(w, r, http.StatusConflict, "/connect?ok=notrunning")
	case errors.Is(err, whatsapp.ErrSimWrongCode):
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
	op := service.SessionOp(r.PathValue("op"))
	if _, ok := sessionOps[string(op)]; !ok {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	if _, err := h.o.Service.Session(r.Context(), v.User.ID, op); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, "/?ok="+sessionFlashes[op])
}

// sessionFlashes say what a session operation did.
var sessionFlashes = map[service.SessionOp]string{service.OpRestart: "restarted", service.OpStop: "stopped", service.OpLogout: "loggedout"}
