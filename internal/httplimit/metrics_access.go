package httplimit

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
)

// MetricsAccess says who may read the metrics (the config package's
// SYNAPSE_METRICS_TOKEN and SYNAPSE_METRICS_PUBLIC).
type MetricsAccess struct {
	// Token, when set, is required as "Authorization: Bearer <token>",
	// from anywhere.
	Token string
	// Public serves everyone (when no Token is set). The operator opts in.
	Public bool
}

// forwardingHeaders mark a request that came through a proxy: its peer
// address is the proxy's, not the client's.
var forwardingHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip", "X-Forwarded-Host", "Via"}

// GuardMetrics wraps the metrics handler: with a token, only requests that
// carry it; with Public, everyone; otherwise (the default) only requests
// from the machine itself: a loopback peer that carries no forwarding
// header. Behind a reverse proxy on the same machine every request has a
// loopback peer, so a proxy that adds none of those headers (nginx's
// plain proxy_pass) makes the metrics public: set a token, or do not
// proxy /metrics. Refused requests get 401 (wrong or missing token) or
// 403.
func GuardMetrics(next http.Handler, a MetricsAccess) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case a.Token != "":
			if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+a.Token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "metrics need the bearer token SYNAPSE_METRICS_TOKEN", http.StatusUnauthorized)
				return
			}
		case a.Public:
		case !fromThisMachine(r):
			http.Error(w, "metrics are served to this machine only; set SYNAPSE_METRICS_TOKEN (or SYNAPSE_METRICS_PUBLIC=true)", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// fromThisMachine reports whether r came straight from a loopback address.
func fromThisMachine(r *http.Request) bool {
	for _, h := range forwardingHeaders {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
