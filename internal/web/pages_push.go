package web

import (
	"errors"
	"net/http"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// serviceWorker serves the service worker (static/sw.js) from the site
// root, so that its scope is the whole site. It is revalidated on every
// registration check (no-cache), so a new version reaches browsers at
// once. It is public: a browser fetches it without cookies.
func (h *Handler) serviceWorker(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Service-Worker-Allowed", "/")
	h.sendAsset(w, r, h.assets.byName["sw.js"], "no-cache")
}

// pushTestResult is the text a test notification's outcome is shown as.
func pushTestResult(res service.PushResult) string {
	switch {
	case res.Sent+res.Removed+res.Retrying+res.Failed == 0:
		return "nopush"
	case res.Sent > 0:
		return "pushsent"
	}
	return "pushfailed"
}

// subscribePush keeps this browser's subscription (posted by app.js).
func (h *Handler) subscribePush(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, err := h.o.Service.SubscribePush(r.Context(), v.User.ID, service.NewPushSubscription{
		Endpoint: r.PostForm.Get("endpoint"), P256dh: r.PostForm.Get("p256dh"), Auth: r.PostForm.Get("auth"),
		UserAgent: r.UserAgent(),
	})
	if _, ok := fieldErrors(err); ok {
		http.Error(w, "This browser's subscription was refused.", http.StatusBadRequest)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// unsubscribePush forgets this browser's subscription (posted by app.js);
// one already forgotten is fine.
func (h *Handler) unsubscribePush(w http.ResponseWriter, r *http.Request, v *viewer) {
	err := h.o.Service.UnsubscribePushEndpoint(r.Context(), v.User.ID, r.PostForm.Get("endpoint"))
	if _, ok := fieldErrors(err); ok {
		http.Error(w, "No subscription was named.", http.StatusBadRequest)
		return
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, v, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// removePush forgets one of the person's subscribed browsers (a plain
// form: works without JavaScript).
func (h *Handler) removePush(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := h.o.Service.UnsubscribePush(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=pushremoved#push")
}

// testPush sends a test notification to every subscribed browser (a plain
// form: works without JavaScript).
func (h *Handler) testPush(w http.ResponseWriter, r *http.Request, v *viewer) {
	res, err := h.o.Service.PushTest(r.Context(), v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok="+pushTestResult(res)+"#push")
}
