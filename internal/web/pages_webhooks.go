package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// webhookView is one endpoint on the Settings page with its recent
// deliveries.
type webhookView struct {
	service.WebhookEndpoint
	Recent []service.WebhookDelivery
}

// webhookForm is the form that adds an endpoint.
type webhookForm struct {
	URL, Description string
	Events           map[string]bool
}

// recentDeliveries is how many deliveries Settings shows per endpoint.
const recentDeliveries = 10

// replayWindows are the periods "replay failed deliveries" offers.
var replayWindows = map[string]time.Duration{"hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour}

func (h *Handler) webhookViews(r *http.Request, v *viewer) ([]webhookView, error) {
	list, err := h.o.Service.WebhookEndpoints(r.Context(), v.User.ID)
	if err != nil {
		return nil, err
	}
	out := make([]webhookView, len(list))
	for i, e := range list {
		page, err := h.o.Service.WebhookDeliveries(r.Context(), v.User.ID, e.ID, "", "", recentDeliveries)
		if err != nil {
			return nil, err
		}
		out[i] = webhookView{WebhookEndpoint: e, Recent: page.Items}
	}
	return out, nil
}

// createWebhook adds an endpoint and shows the settings page with its
// secret, the one time it is shown.
func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request, v *viewer) {
	f := webhookForm{URL: formText(r, "webhook_url"), Description: formText(r, "webhook_description"), Events: map[string]bool{}}
	events := r.PostForm["webhook_event"]
	for _, e := range events {
		f.Events[e] = true
	}
	d := settingsData{Name: v.User.Name, Timezone: v.User.Timezone, WebhookForm: f}
	created, err := h.o.Service.CreateWebhookEndpoint(r.Context(), v.User.ID, service.NewWebhookEndpoint{URL: f.URL, Description: f.Description, Events: events})
	if errs, ok := fieldErrors(err); ok {
		d.Errors = formErrors{}
		for k, m := range errs {
			d.Errors["webhook_"+k] = m
		}
		h.renderSettings(w, r, v, http.StatusBadRequest, d)
		return
	}
	if errors.Is(err, service.ErrTooManyWebhooks) {
		d.Errors = formErrors{"webhooks": fmt.Sprintf("You have %d webhooks, the most allowed: delete one first.", service.MaxWebhookEndpoints)}
		h.renderSettings(w, r, v, http.StatusConflict, d)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.NewWebhook, d.WebhookForm = &created, webhookForm{}
	h.renderSettings(w, r, v, http.StatusOK, d)
}

// enableWebhook turns an endpoint on (enabled=1) or off.
func (h *Handler) enableWebhook(w http.ResponseWriter, r *http.Request, v *viewer) {
	on := formText(r, "enabled") == "1"
	if _, err := h.o.Service.UpdateWebhookEndpoint(r.Context(), v.User.ID, r.PathValue("id"), service.WebhookEndpointChange{Enabled: &on}); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=saved#webhooks")
}

// rotateWebhook gives an endpoint a new secret and shows it once.
func (h *Handler) rotateWebhook(w http.ResponseWriter, r *http.Request, v *viewer) {
	rotated, err := h.o.Service.RotateWebhookSecret(r.Context(), v.User.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.renderSettings(w, r, v, http.StatusOK, settingsData{Name: v.User.Name, Timezone: v.User.Timezone, NewWebhook: &rotated})
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Service.DeleteWebhookEndpoint(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=deleted#webhooks")
}

// replayDelivery sends one delivery again.
func (h *Handler) replayDelivery(w http.ResponseWriter, r *http.Request, v *viewer) {
	if _, err := h.o.Service.ReplayWebhookDelivery(r.Context(), v.User.ID, r.PathValue("id"), r.PathValue("delivery")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=replayed#webhooks")
}

// replayFailed sends again the deliveries that failed in the period
// chosen (hour, day, week).
func (h *Handler) replayFailed(w http.ResponseWriter, r *http.Request, v *viewer) {
	win, ok := replayWindows[formText(r, "since")]
	if !ok {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	since := h.o.Now().Add(-win).UTC().Format(time.RFC3339)
	if _, err := h.o.Service.ReplayWebhookDeliveries(r.Context(), v.User.ID, r.PathValue("id"), service.BulkReplay{Status: store.DeliveryFailed, Since: since}); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=replayed#webhooks")
}

// disabledBySynapse are the endpoints Synapse disabled, for the notice.
func disabledBySynapse(list []webhookView) []webhookView {
	return slices.DeleteFunc(slices.Clone(list), func(e webhookView) bool { return e.Enabled || e.DisabledReason == "" })
}
