package api

import (
	"mime"
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
)

func (s *Server) registerExport() {
	desc := "A zip archive, streamed as it is made: data/*.json (account, tasks, notes, ideas, locations, bookmarks, images, " +
		"voice-memos, summaries, chats, messages; JSON arrays of the items in this API's shapes) and vault/, an Obsidian-compatible " +
		"Markdown vault with one note per day (vault/YYYY-MM-DD.md, YAML front matter with the date and counts) and the files it " +
		"embeds under vault/media/. An error once the archive has started cuts the transfer: a download that ends early is incomplete."
	for _, m := range []string{"GET", "POST"} {
		s.add(route{method: m, path: "/api/v1/export", tag: "account", access: user, scope: auth.ScopeRead, respRaw: "application/zip", alias: m == "POST",
			summary: "Export everything of the caller's as a zip archive", description: desc}, rawEndpoint(s.export))
	}
}

// export streams the archive straight into the response.
func (s *Server) export(w http.ResponseWriter, r *http.Request, c *call) {
	if err := s.o.Service.CheckExport(r.Context(), c.userID); err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": s.o.Service.ExportFileName()}))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := s.o.Service.Export(r.Context(), c.userID, w); err != nil {
		if r.Context().Err() == nil {
			s.o.Log.Error("export failed", "error_id", service.ErrorID(), "user_id", c.userID, "err", err)
		}
		// The client must not take a truncated archive for a whole one.
		panic(http.ErrAbortHandler)
	}
}
