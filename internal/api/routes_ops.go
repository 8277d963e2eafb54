package api

import (
	"context"
	"net/http"
	"time"
)

type health struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
}

func (s *Server) registerOps() {
	s.add(route{method: "GET", path: "/healthz", tag: "operations", summary: "Liveness: the process answers"},
		typed(func(c *call, _ *noBody) (health, error) { return health{Status: "ok", Version: s.o.Version}, nil }))
	s.add(route{method: "GET", path: "/readyz", tag: "operations", summary: "Readiness: the database answers and the server is not shutting down"},
		typed(func(c *call, _ *noBody) (health, error) {
			if s.o.Ready != nil {
				ctx, cancel := context.WithTimeout(c.ctx(), 3*time.Second)
				defer cancel()
				if err := s.o.Ready(ctx); err != nil {
					s.o.Log.Warn("not ready", "err", err)
					return health{}, problem(http.StatusServiceUnavailable, "not-ready", "Not ready", err.Error())
				}
			}
			return health{Status: "ready", Version: s.o.Version}, nil
		}))
	s.add(route{method: "GET", path: "/metrics", tag: "operations", respRaw: "text/plain",
		summary: "Prometheus metrics: to this machine only, unless SYNAPSE_METRICS_TOKEN (as a bearer token) or SYNAPSE_METRICS_PUBLIC=true"},
		rawEndpoint(func(w http.ResponseWriter, r *http.Request, _ *call) { s.metricsHandler().ServeHTTP(w, r) }))
	s.add(route{method: "GET", path: "/api/v1/openapi.json", tag: "operations", respRaw: "application/json",
		summary: "This document"},
		rawEndpoint(func(w http.ResponseWriter, r *http.Request, _ *call) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(s.doc)
		}))
}
