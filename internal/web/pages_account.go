package web

import (
	"mime"
	"net/http"

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
