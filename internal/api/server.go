// Package api is Synapse's HTTP API: JSON over HTTP with JWT bearer tokens,
// RFC 9457 problem documents, cursor pagination, realtime streams, and an
// OpenAPI 3 document generated from the route table in this package.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/httplimit"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/service"
)

// Options are the API's dependencies.
type Options struct {
	// Service is every use case; the API only decodes, calls it and
	// encodes.
	Service        *service.Service
	Tokens         *auth.Tokens
	Hub            *realtime.Hub
	Log            *slog.Logger
	MaxBodyBytes   int64
	TrustedProxies []netip.Prefix
	// Registry is served at /metrics; MetricsToken, when set, guards it.
	Registry     *prometheus.Registry
	MetricsToken string
	// MetricsPublic serves /metrics to every client (without a token,
	// only this machine may read it).
	MetricsPublic bool
	// Ready reports whether the process can serve (database reachable,
	// not shutting down).
	Ready   func(context.Context) error
	Version string
	Stream  realtime.StreamOptions
}

// Server routes API requests.
type Server struct {
	o      Options
	mux    *http.ServeMux
	routes []*route
	doc    []byte

	mRequests *prometheus.CounterVec
	mDuration *prometheus.HistogramVec
}

type access int

const (
	public access = iota
	user
	admin
)

// route is one operation: the handler and what the OpenAPI document says
// about it.
type route struct {
	method, path string
	summary      string
	description  string
	tag          string
	access       access
	// scope is what a personal access token needs to call the route; empty
	// means the rule of scopeOf, which add applies.
	scope  auth.Scope
	status int
	query  []param
	// reqType and respType are the JSON body types (nil: no body);
	// respRaw documents a non-JSON response by content type.
	reqType, respType reflect.Type
	respRaw           string
	// optionalBody accepts an empty body as the zero value.
	optionalBody bool
	// maxBody overrides Options.MaxBodyBytes for this route.
	maxBody int64
	// queryToken accepts the access token as ?access_token= (streams and
	// media, which browsers load without headers).
	queryToken bool
	alias      bool
	// operationID overrides the one made from method and path (for an
	// alias that would make the same one).
	operationID string
	serve       func(w http.ResponseWriter, r *http.Request, c *call)
}

// param is a query parameter; a schema ending in "!" ("string!") is a
// required one.
type param struct {
	name, description, schema string
}

// call is what a handler knows about its request.
type call struct {
	r      *http.Request
	w      http.ResponseWriter
	userID string
	admin  bool
	// cred is what the caller authenticated with; token is the bearer
	// token itself (streams check it again while they last).
	cred  auth.Credential
	token string
}

func (c *call) ctx() context.Context { return c.r.Context() }

// endpoint is a handler with the body types it reads and writes.
type endpoint struct {
	reqType, respType reflect.Type
	serve             func(s *Server, w http.ResponseWriter, r *http.Request, c *call, rt *route)
}

// noBody marks operations without a request body.
type noBody struct{}

// typed adapts fn: the request body (unless In is noBody) is decoded into an
// In, and fn's result is written as JSON with the route's status.
func typed[In, Out any](fn func(c *call, in *In) (Out, error)) endpoint {
	var in In
	var out Out
	ep := endpoint{respType: reflect.TypeOf(out)}
	_, bodyless := any(in).(noBody)
	if !bodyless {
		ep.reqType = reflect.TypeOf(in)
	}
	ep.serve = func(s *Server, w http.ResponseWriter, r *http.Request, c *call, rt *route) {
		var in In
		if !bodyless && !(rt.optionalBody && r.ContentLength == 0) {
			if err := s.decodeJSON(w, r, &in, rt.maxBody); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		out, err := fn(c, &in)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if rt.status == http.StatusNoContent {
			w.WriteHeader(rt.status)
			return
		}
		writeJSON(w, rt.status, out)
	}
	return ep
}

// rawEndpoint is a handler that writes its own response (streams, files).
func rawEndpoint(fn func(w http.ResponseWriter, r *http.Request, c *call)) endpoint {
	return endpoint{serve: func(_ *Server, w http.ResponseWriter, r *http.Request, c *call, _ *route) { fn(w, r, c) }}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// New builds the API server.
func New(o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	s := &Server{o: o, mux: http.NewServeMux()}
	s.mRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "synapse_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	s.mDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "synapse_http_request_seconds", Help: "HTTP request duration by route (streams excluded).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"route"})
	if o.Registry != nil {
		o.Registry.MustRegister(s.mRequests, s.mDuration)
	}
	s.registerAuth()
	s.registerWhatsApp()
	s.registerRealtime()
	s.registerAdmin()
	s.registerKnowledge()
	s.registerAsk()
	s.registerEvents()
	s.registerTags()
	s.registerTokens()
	s.registerWebhooks()
	s.registerReminders()
	s.registerSuggestions()
	s.registerExport()
	s.registerCalendar()
	s.registerPush()
	if o.Service.Simulated() {
		s.registerSim()
	}
	s.registerOps()
	doc, err := s.openAPI()
	if err != nil {
		return nil, err
	}
	s.doc = doc
	return s, nil
}

// add registers a route. It panics when the route has no scope decision
// (see scopeOf).
func (s *Server) add(rt route, ep endpoint) {
	rt.reqType, rt.respType = ep.reqType, ep.respType
	sc, err := scopeOf(&rt)
	if err != nil {
		panic(err)
	}
	rt.scope = sc
	if rt.status == 0 {
		rt.status = http.StatusOK
	}
	r := &rt
	r.serve = func(w http.ResponseWriter, req *http.Request, c *call) { ep.serve(s, w, req, c, r) }
	s.routes = append(s.routes, r)
	s.mux.HandleFunc(rt.method+" "+rt.path, s.wrap(r))
}

// wrap authenticates the request as the route requires and records metrics.
func (s *Server) wrap(rt *route) http.HandlerFunc {
	stream := rt.respRaw == "text/event-stream" || strings.HasSuffix(rt.path, "/ws")
	queryToken := rt.queryToken || stream
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		w = sw
		w.Header().Set("X-Content-Type-Options", "nosniff")
		c := &call{r: r, w: w}
		if rt.access != public {
			id, tok, err := s.authenticate(r, queryToken)
			if err != nil {
				s.writeError(w, r, err)
			} else if !id.Allows(rt.scope) {
				s.writeError(w, r, &auth.ScopeError{Needed: rt.scope})
			} else if rt.access == admin && !id.Admin {
				s.writeError(w, r, problem(http.StatusForbidden, "forbidden", "Forbidden", "this needs an administrator"))
			} else {
				c.userID, c.admin, c.cred, c.token = id.UserID, id.Admin, id.Credential, tok
				rt.serve(w, r, c)
			}
		} else {
			rt.serve(w, r, c)
		}
		label := rt.method + " " + rt.path
		s.mRequests.WithLabelValues(label, statusClass(sw.status)).Inc()
		if !stream {
			s.mDuration.WithLabelValues(label).Observe(time.Since(start).Seconds())
		}
	}
}

func statusClass(code int) string {
	return string(rune('0'+code/100)) + "xx"
}

// authenticate reads the access token (a log-in's JWT or a personal access
// token) from the Authorization header, or, where allowed (browsers cannot
// set headers on EventSource, WebSocket and <img>/<audio>), from the
// access_token query parameter, and checks it and its account (live, not
// disabled, the token not ended). The caller checks the route's scope.
func (s *Server) authenticate(r *http.Request, queryToken bool) (auth.Identity, string, error) {
	tok := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return auth.Identity{}, "", auth.ErrInvalidToken
		}
		tok = strings.TrimSpace(rest)
	} else if queryToken {
		tok = r.URL.Query().Get("access_token")
	}
	if tok == "" {
		return auth.Identity{}, "", auth.ErrInvalidToken
	}
	id, err := s.o.Service.Authenticate(r.Context(), tok)
	return id, tok, err
}

// Guard serves next to requests whose Authorization header bears a valid
// access token (a log-in's JWT or a personal access token, checked as for
// every route: the account live and not disabled, the token neither
// revoked nor expired), on every request, so that a revocation counts at
// once. Other requests get the API's 401 problem with WWW-Authenticate.
// It is for a handler outside the route table (the MCP endpoint, which is
// JSON-RPC rather than REST and so not in the OpenAPI document); next
// checks scopes itself. label names the handler in the request metrics.
func (s *Server) Guard(label string, next func(w http.ResponseWriter, r *http.Request, id auth.Identity)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		w = sw
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if id, _, err := s.authenticate(r, false); err != nil {
			s.writeError(w, r, err)
		} else {
			next(w, r, id)
		}
		s.mRequests.WithLabelValues(label, statusClass(sw.status)).Inc()
	})
}

// clientAddr is the caller's IP address for rate limits.
func (s *Server) clientAddr(r *http.Request) string {
	return auth.ClientAddr(r, s.o.TrustedProxies)
}

// ServeHTTP implements http.Handler: API routes, and a problem document for
// unknown paths and methods. The root router (internal/app) mounts it at
// /api/ and the operations paths.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" {
		// Unknown paths and wrong methods answer with a problem too.
		rec := &probe{header: http.Header{}}
		s.mux.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.header.Get("Allow"))
			s.writeError(w, r, problem(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", r.Method+" is not allowed here"))
			return
		}
		s.writeError(w, r, problem(http.StatusNotFound, "not-found", "Not found", "no such API route"))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// OpsPaths are the operations routes outside /api/ that the API serves.
var OpsPaths = []string{"/healthz", "/readyz", "/metrics"}

// probe records what the mux's fallback handler would answer.
type probe struct {
	header http.Header
	status int
}

func (p *probe) Header() http.Header         { return p.header }
func (p *probe) Write(b []byte) (int, error) { return len(b), nil }
func (p *probe) WriteHeader(code int)        { p.status = code }

type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// metricsHandler serves the registry: with MetricsToken to those who bear
// it, with MetricsPublic to everyone, else to this machine only.
func (s *Server) metricsHandler() http.Handler {
	return httplimit.GuardMetrics(promhttp.HandlerFor(s.o.Registry, promhttp.HandlerOpts{}),
		httplimit.MetricsAccess{Token: s.o.MetricsToken, Public: s.o.MetricsPublic})
}
