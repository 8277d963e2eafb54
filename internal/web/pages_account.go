package web

import (
	"errors"
	"mime"
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
)

// exportDownload streams the person's export (the same archive as the
// API's GET /api/v1/export) as a download.
func (h *Handler) exportDownload(w http.ResponseWriter, r *http.Request, v *viewer) {
	hd := w.Header()
	hd.Set("Content-Type", "application/zip")
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": h.o.Service.ExportFileName()}))
	w.WriteHeader(http.StatusOK)
	if err := h.o.Service.Export(r.Context(), v.User.ID, w); err != nil {
		if r.Context().Err() == nil {
			h.o.Log.Error("export failed", "error_id", service.ErrorID(), "user_id", v.User.ID, "err", err)
		}
		// The browser must not take a truncated archive for a whole one.
		panic(http.ErrAbortHandler)
	}
}

// deleteAccount deletes the person's own account once they confirmed it
// and gave their current password, then signs the browser out.
func (h *Handler) deleteAccount(w http.ResponseWriter, r *http.Request, v *viewer) {
	d := settingsData{Name: v.User.Name, Timezone: v.User.Timezone}
	if r.PostForm.Get("confirm") != "yes" {
		d.Errors = formErrors{"deleteConfirm": "must be ticked to delete your account"}
		h.renderSettings(w, r, v, http.StatusBadRequest, d)
		return
	}
	err := h.o.Service.DeleteAccount(r.Context(), v.User.ID, r.PostForm.Get("password"))
	if _, ok := fieldErrors(err); ok || errors.Is(err, auth.ErrBadCredentials) {
		d.Errors = formErrors{"deletePassword": "is not right"}
		if ok {
			d.Errors = formErrors{"deletePassword": "is required"}
		}
		h.renderSettings(w, r, v, http.StatusBadRequest, d)
		return
	}
	if status, msg := authFailure(w, err); status != 0 {
		h.errorPage(w, r, v, status, msg)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.setCookie(w, r, sessionCookie, "", 0)
	redirect(w, r, "/signin?ok=accountdeleted")
}
