// Package web is Synapse's server-rendered web UI: html/template pages
// embedded in the binary, a little plain JavaScript for live updates, and a
// browser session cookie on the same accounts as the API.
package web

import (
	"log/slog"
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/jobs"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// Options are the UI's dependencies.
type Options struct {
	Store    *store.Store
	Auth     *auth.Service
	Sessions *whatsapp.Manager
	Hub      *realtime.Hub
	Blobs    media.Blobs
	Jobs     *jobs.Runner
	// Sim is set when the engine is the simulator: the UI then offers a
	// "scan with simulated phone" button.
	Sim *sim.Engine
	Log *slog.Logger
	// PublicURL, when https, makes cookies Secure regardless of the request.
	PublicURL string
	Version   string
}

// Handler serves the UI.
type Handler struct {
	o   Options
	mux *http.ServeMux
}

// New builds the UI handler.
func New(o Options) (*Handler, error) {
	h := &Handler{o: o, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>Synapse</title><h1>Synapse</h1><p>The web UI is being built. The API is at <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p>"))
	})
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }
