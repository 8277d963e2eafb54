package api

import (
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
)

type webhookList struct {
	Items []service.WebhookEndpoint `json:"items"`
}

type webhookRequest struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
	// Events are one or more of message, bookmark, task, note, idea,
	// event, location, voice_memo, summary, session_status.
	Events []string `json:"events"`
	// Enabled defaults to true.
	Enabled *bool `json:"enabled,omitempty"`
}

type webhookPatch struct {
	URL         *string   `json:"url,omitempty"`
	Description *string   `json:"description,omitempty"`
	Events      *[]string `json:"events,omitempty"`
	Enabled     *bool     `json:"enabled,omitempty"`
}

type replayRequest struct {
	// Status of the deliveries to send again (default failed).
	Status string `json:"status,omitempty"`
	// Since is an RFC 3339 time: deliveries made at or after it.
	Since string `json:"since"`
}

type replayResult struct {
	// Queued is how many deliveries were queued again.
	Queued int `json:"queued"`
}

// maxWebhookBody bounds a webhook route's request body.
const maxWebhookBody = 8 << 10

// registerWebhooks adds the webhook routes. Reading needs read; making an
// endpoint, rotating its secret and deleting it need a log-in (a secret is
// account-level power); the rest needs write.
func (s *Server) registerWebhooks() {
	add := func(rt route, ep endpoint) {
		rt.access, rt.tag, rt.maxBody = user, "webhooks", maxWebhookBody
		s.add(rt, ep)
	}
	add(route{method: "GET", path: "/api/v1/webhooks", scope: auth.ScopeRead,
		summary: "The caller's webhook endpoints (never their secrets)"}, typed(s.listWebhooks))
	add(route{method: "POST", path: "/api/v1/webhooks", scope: auth.ScopeSession, status: http.StatusCreated,
		summary: "Add a webhook endpoint",
		description: "The answer's secret (whsec_…) verifies the Standard Webhooks signatures of the requests; it is shown this once. " +
			"The URL must be http(s) and must not point to a private or local address. At most 20 endpoints per person (409 too-many-webhooks)."},
		typed(s.createWebhook))
	add(route{method: "GET", path: "/api/v1/webhooks/{id}", scope: auth.ScopeRead, summary: "One webhook endpoint"}, typed(s.getWebhook))
	add(route{method: "PATCH", path: "/api/v1/webhooks/{id}", scope: auth.ScopeWrite,
		summary:     "Change a webhook endpoint (URL, description, events, enabled)",
		description: "Enabling an endpoint that Synapse disabled after continuous failure clears its failure record."}, typed(s.updateWebhook))
	add(route{method: "DELETE", path: "/api/v1/webhooks/{id}", scope: auth.ScopeSession, status: http.StatusNoContent,
		summary: "Delete a webhook endpoint and its delivery log"}, typed(s.deleteWebhook))
	add(route{method: "POST", path: "/api/v1/webhooks/{id}/rotate-secret", scope: auth.ScopeSession, optionalBody: true,
		summary:     "Give a webhook endpoint a new secret",
		description: "The answer holds the new secret, shown this once. The previous secret keeps signing for 24 hours: meanwhile every request carries two signatures."},
		typed(s.rotateWebhook))
	add(route{method: "GET", path: "/api/v1/webhooks/{id}/deliveries", scope: auth.ScopeRead,
		summary: "An endpoint's delivery log, newest first",
		query:   append([]param{{"status", "Only deliveries in this state: pending, retrying, succeeded, failed.", "string"}}, pageQuery...)},
		typed(s.listDeliveries))
	add(route{method: "GET", path: "/api/v1/webhooks/{id}/deliveries/{deliveryId}", scope: auth.ScopeRead,
		summary: "One delivery"}, typed(s.getDelivery))
	add(route{method: "POST", path: "/api/v1/webhooks/{id}/deliveries/{deliveryId}/replay", scope: auth.ScopeWrite, optionalBody: true,
		status: http.StatusAccepted, summary: "Send one delivery again",
		description: "With the same webhook-id (receivers that processed it already ignore it), a fresh timestamp and signature."},
		typed(s.replayDelivery))
	add(route{method: "POST", path: "/api/v1/webhooks/{id}/deliveries/replay", scope: auth.ScopeWrite, status: http.StatusAccepted,
		summary:     "Send again every delivery in a state since a time",
		description: "For instance {\"status\": \"failed\", \"since\": \"2026-01-02T15:04:05Z\"}; at most 1000 at a time."},
		typed(s.replayDeliveries))
}

func (s *Server) listWebhooks(c *call, _ *noBody) (webhookList, error) {
	list, err := s.o.Service.WebhookEndpoints(c.ctx(), c.userID)
	return webhookList{Items: list}, err
}

func (s *Server) createWebhook(c *call, in *webhookRequest) (service.WebhookEndpointWithSecret, error) {
	return s.o.Service.CreateWebhookEndpoint(c.ctx(), c.userID, service.NewWebhookEndpoint{
		URL: in.URL, Description: in.Description, Events: in.Events, Enabled: in.Enabled})
}

func (s *Server) getWebhook(c *call, _ *noBody) (service.WebhookEndpoint, error) {
	return s.o.Service.WebhookEndpoint(c.ctx(), c.userID, c.r.PathValue("id"))
}

func (s *Server) updateWebhook(c *call, in *webhookPatch) (service.WebhookEndpoint, error) {
	return s.o.Service.UpdateWebhookEndpoint(c.ctx(), c.userID, c.r.PathValue("id"), service.WebhookEndpointChange{
		URL: in.URL, Description: in.Description, Events: in.Events, Enabled: in.Enabled})
}

func (s *Server) deleteWebhook(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.DeleteWebhookEndpoint(c.ctx(), c.userID, c.r.PathValue("id"))
}

func (s *Server) rotateWebhook(c *call, _ *noBody) (service.WebhookEndpointWithSecret, error) {
	return s.o.Service.RotateWebhookSecret(c.ctx(), c.userID, c.r.PathValue("id"))
}

func (s *Server) listDeliveries(c *call, _ *noBody) (service.DeliveryPage, error) {
	p := pageOf(c.r)
	return s.o.Service.WebhookDeliveries(c.ctx(), c.userID, c.r.PathValue("id"), c.r.URL.Query().Get("status"), p.Cursor, p.Limit)
}

func (s *Server) getDelivery(c *call, _ *noBody) (service.WebhookDelivery, error) {
	return s.o.Service.WebhookDelivery(c.ctx(), c.userID, c.r.PathValue("id"), c.r.PathValue("deliveryId"))
}

func (s *Server) replayDelivery(c *call, _ *noBody) (service.WebhookDelivery, error) {
	return s.o.Service.ReplayWebhookDelivery(c.ctx(), c.userID, c.r.PathValue("id"), c.r.PathValue("deliveryId"))
}

func (s *Server) replayDeliveries(c *call, in *replayRequest) (replayResult, error) {
	n, err := s.o.Service.ReplayWebhookDeliveries(c.ctx(), c.userID, c.r.PathValue("id"), service.BulkReplay{Status: in.Status, Since: in.Since})
	return replayResult{Queued: n}, err
}
