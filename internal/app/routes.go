package app

import (
	"net/http"

	"github.com/synapse-kb/synapse/internal/api"
	"github.com/synapse-kb/synapse/internal/cluster"
	"github.com/synapse-kb/synapse/internal/mcpserver"
)

// WAHAWebhookPath is where WAHA posts its webhooks.
const WAHAWebhookPath = "/api/v1/webhooks/waha"

// Handler is the process's one HTTP root. Everything the process serves is
// mounted here, visibly:
//
//	/api/…, /healthz, /readyz, /metrics   the HTTP API (JSON, bearer tokens)
//	/mcp                                  the MCP server (JSON-RPC over streamable HTTP,
//	                                      bearer tokens checked by the API; outside the
//	                                      REST route table and its OpenAPI document)
//	/api/v1/webhooks/waha                 WAHA's signed webhooks (waha engine)
//	/internal/cluster/…                   other nodes' signed session RPC (cluster)
//	GET /calendar/<secret>.ics            private calendar feeds (the secret is the credential)
//	/ (everything else)                   the web UI (HTML, cookie sessions)
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", a.API)
	for _, p := range api.OpsPaths {
		mux.Handle(p, a.API)
	}
	mux.Handle(api.CalendarFeedPattern, a.API)
	mux.Handle(mcpserver.Path, a.API.Guard("MCP "+mcpserver.Path, a.MCP.Serve))
	if a.waha != nil {
		mux.Handle(WAHAWebhookPath, a.waha)
	}
	if a.Cluster != nil {
		mux.Handle(cluster.RPCPath, a.router)
	}
	mux.Handle("/", a.Web)
	return mux
}
