package api

import (
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
)

type vapidKey struct {
	// PublicKey is the applicationServerKey for PushManager.subscribe
	// (base64url, an uncompressed P-256 point).
	PublicKey string `json:"publicKey"`
}

type pushSubscriptionList struct {
	Items []service.PushSubscription `json:"items"`
}

// pushSubscriptionRequest is a browser's PushSubscription.toJSON(), with
// an optional label.
type pushSubscriptionRequest struct {
	Endpoint string `json:"endpoint"`
	// ExpirationTime is accepted and ignored (browsers send null).
	ExpirationTime *int64   `json:"expirationTime,omitempty"`
	Keys           pushKeys `json:"keys"`
	// Label names the browser; absent: derived from the User-Agent.
	Label string `json:"label,omitempty"`
}

// pushKeys are a subscription's keys (base64url): p256dh the browser's
// P-256 public key, auth its 16-byte secret.
type pushKeys struct {
	P256dh string `json:"p256dh"`
	Auth   string `json:"auth"`
}

type pushEndpointRequest struct {
	Endpoint string `json:"endpoint"`
}

// registerPush adds the Web Push routes.
//
// Adding or removing a subscription needs a log-in (auth.ScopeSession),
// as making a token does: a subscription is a destination to which
// Synapse itself sends the person's reminders (task titles, times), so a
// personal access token, even one with write, must not be able to add
// one (a leaked token would forward every reminder to a URL of its
// holder's choosing) nor to silence the person's browsers. Reading the
// list (no endpoints, no keys) is read; sending a test is write (it
// changes nothing but what the person's own browsers show).
func (s *Server) registerPush() {
	s.add(route{method: "GET", path: "/api/v1/push/vapid-public-key", tag: "push", access: user,
		summary:     "The VAPID public key to subscribe browsers with",
		description: "Pass it, decoded from base64url, as applicationServerKey to PushManager.subscribe. 503 when this server does not send Web Push."},
		typed(s.vapidPublicKey))
	s.add(route{method: "GET", path: "/api/v1/push/subscriptions", tag: "push", access: user,
		summary:     "The caller's subscribed browsers, newest first",
		description: "Endpoints and keys are never shown: pushService is the origin of the endpoint."},
		typed(s.listPushSubscriptions))
	s.add(route{method: "POST", path: "/api/v1/push/subscriptions", tag: "push", access: user, scope: auth.ScopeSession, status: http.StatusCreated,
		summary: "Subscribe a browser to the caller's notifications",
		description: "The body is the browser's PushSubscription.toJSON() (endpoint, keys.p256dh, keys.auth), with an optional label. " +
			"Subscribing an endpoint again updates it and keeps its id; an endpoint another account had subscribed becomes the caller's. " +
			"At most 20 browsers per person: the oldest are forgotten. The endpoint must be an https URL of a push service."},
		typed(s.subscribePush))
	s.add(route{method: "DELETE", path: "/api/v1/push/subscriptions", tag: "push", access: user, scope: auth.ScopeSession, status: http.StatusNoContent,
		summary: "Unsubscribe a browser by its endpoint", description: "What a browser sends when it unsubscribes itself. 404 when the caller has no subscription with this endpoint."},
		typed(s.unsubscribePushEndpoint))
	s.add(route{method: "DELETE", path: "/api/v1/push/subscriptions/{id}", tag: "push", access: user, scope: auth.ScopeSession, status: http.StatusNoContent,
		summary: "Unsubscribe a browser by id"}, typed(s.unsubscribePush))
	s.add(route{method: "POST", path: "/api/v1/push/test", tag: "push", access: user, scope: auth.ScopeWrite,
		summary:     "Send a test notification to every subscribed browser of the caller",
		description: "Counts what became of it: sent, removed (the push service no longer knows the browser; it was forgotten), retrying (busy push service; tried again with back-off), failed."},
		typed(s.pushTest))
}

func (s *Server) vapidPublicKey(c *call, _ *noBody) (vapidKey, error) {
	k, err := s.o.Service.VAPIDPublicKey()
	return vapidKey{PublicKey: k}, err
}

func (s *Server) listPushSubscriptions(c *call, _ *noBody) (pushSubscriptionList, error) {
	list, err := s.o.Service.PushSubscriptions(c.ctx(), c.userID)
	return pushSubscriptionList{Items: list}, err
}

func (s *Server) subscribePush(c *call, in *pushSubscriptionRequest) (service.PushSubscription, error) {
	return s.o.Service.SubscribePush(c.ctx(), c.userID, service.NewPushSubscription{Endpoint: in.Endpoint,
		P256dh: in.Keys.P256dh, Auth: in.Keys.Auth, Label: in.Label, UserAgent: c.r.UserAgent()})
}

func (s *Server) unsubscribePushEndpoint(c *call, in *pushEndpointRequest) (noBody, error) {
	return noBody{}, s.o.Service.UnsubscribePushEndpoint(c.ctx(), c.userID, in.Endpoint)
}

func (s *Server) unsubscribePush(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.UnsubscribePush(c.ctx(), c.userID, c.r.PathValue("id"))
}

func (s *Server) pushTest(c *call, _ *noBody) (service.PushResult, error) {
	return s.o.Service.PushTest(c.ctx(), c.userID)
}
