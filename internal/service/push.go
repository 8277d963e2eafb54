package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/synapse-kb/synapse/internal/jobs"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/webpush"
)

// Web Push limits.
const (
	// MaxPushSubscriptions is how many browsers one person keeps
	// subscribed; subscribing one more forgets the oldest.
	MaxPushSubscriptions = 20
	// MaxPushTitle and MaxPushBody bound a notification's text (in
	// characters); longer text is cut, with an ellipsis.
	MaxPushTitle = 120
	MaxPushBody  = 1000
	// MaxPushActions is how many action buttons a notification carries
	// (browsers show two or three; Notification.maxActions).
	MaxPushActions = 4
	// maxPushLabel bounds a subscription's label.
	maxPushLabel = 100
)

// Notification is what PushNotify shows on every subscribed browser of a
// person. Title is required; the rest is optional.
type Notification struct {
	Title string
	Body  string
	// URL is opened when the notification itself is clicked: a path on
	// this site ("/tasks"); empty opens the dashboard.
	URL string
	// Tag replaces an earlier notification with the same tag on the
	// device (one per reminder, so that a snoozed one does not pile up).
	Tag string
	// Actions are the notification's buttons, at most MaxPushActions.
	Actions []Action
	// TTL is how long push services keep the message for a browser that
	// is offline, and how long failed deliveries are retried (default
	// webpush.DefaultTTL).
	TTL time.Duration
	// Urgency is the push's urgency (default: the push service's,
	// "normal"); reminders are "high".
	Urgency webpush.Urgency
}

// Action is a button of a Notification.
type Action struct {
	// Action names the button ("snooze-10m", "done").
	Action string
	Title  string
	// URL, a path on this site, is where the service worker POSTs (with
	// the browser's cookies, no body) when the button is pressed, without
	// opening a tab. Empty: the button opens the notification's URL. The
	// service worker has no CSRF token: such a URL must be safe to POST
	// without one (a capability URL whose secret token authorises just
	// this action).
	URL string
}

// pushPayload is the JSON the service worker (web/static/sw.js) receives.
type pushPayload struct {
	Title     string              `json:"title"`
	Body      string              `json:"body,omitempty"`
	URL       string              `json:"url,omitempty"`
	Tag       string              `json:"tag,omitempty"`
	Timestamp int64               `json:"timestamp"`
	Actions   []pushPayloadAction `json:"actions,omitempty"`
}

type pushPayloadAction struct {
	Action string `json:"action"`
	Title  string `json:"title"`
	URL    string `json:"url,omitempty"`
}

// PushResult counts what became of a notification, one per subscription.
type PushResult struct {
	// Sent: accepted by the push service.
	Sent int `json:"sent"`
	// Removed: the push service no longer knows the subscription; it was
	// deleted.
	Removed int `json:"removed"`
	// Retrying: the push service was busy or unreachable; it is tried
	// again later (a River job), until the TTL has passed.
	Retrying int `json:"retrying"`
	// Failed: refused by the push service, or could not be queued again.
	Failed int `json:"failed"`
}

// PushSubscription is a subscribed browser as its owner sees it. The
// endpoint itself is not shown: it is a capability of the browser.
type PushSubscription struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	// PushService is the origin of the endpoint (which push service
	// delivers to the browser).
	PushService string    `json:"pushService"`
	CreatedAt   time.Time `json:"createdAt"`
	// LastSuccessAt is absent before the first delivery; it is recorded at
	// most about hourly.
	LastSuccessAt *time.Time `json:"lastSuccessAt,omitempty"`
	// Failures counts failed deliveries since the last success.
	Failures int `json:"failures"`
}

// NewPushSubscription is a browser's PushSubscription (its toJSON()) and
// how to name it.
type NewPushSubscription struct {
	Endpoint string
	P256dh   string
	Auth     string
	// Label names the browser; empty: derived from UserAgent.
	Label     string
	UserAgent string
}

func viewPushSubscription(p store.PushSubscription) PushSubscription {
	v := PushSubscription{ID: p.ID, Label: p.Label, PushService: webpush.Origin(p.Endpoint), CreatedAt: p.CreatedAt, Failures: p.Failures}
	if !p.LastSuccessAt.IsZero() {
		t := p.LastSuccessAt
		v.LastSuccessAt = &t
	}
	return v
}

// PushEnabled reports whether this server sends Web Push.
func (s *Service) PushEnabled() bool { return s.o.Push != nil }

// VAPIDPublicKey is the key browsers subscribe with (base64url, the
// applicationServerKey of PushManager.subscribe); ErrUnavailable without
// Web Push.
func (s *Service) VAPIDPublicKey() (string, error) {
	if s.o.Push == nil {
		return "", ErrUnavailable
	}
	return s.o.Push.PublicKey(), nil
}

// PushSubscriptions lists the person's subscribed browsers, newest first.
func (s *Service) PushSubscriptions(ctx context.Context, userID string) ([]PushSubscription, error) {
	list, err := s.o.Store.ListPushSubscriptions(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]PushSubscription, len(list))
	for i, p := range list {
		out[i] = viewPushSubscription(p)
	}
	return out, nil
}

// SubscribePush checks in and keeps a browser's subscription for the
// person. Subscribing an endpoint again updates it (the same id); an
// endpoint that another account had subscribed becomes this person's.
func (s *Service) SubscribePush(ctx context.Context, userID string, in NewPushSubscription) (PushSubscription, error) {
	if s.o.Push == nil {
		return PushSubscription{}, ErrUnavailable
	}
	var errs validate.Errors
	in.Endpoint = strings.TrimSpace(in.Endpoint)
	switch {
	case in.Endpoint == "":
		errs.Add("endpoint", "is required")
	case s.o.Push.CheckEndpoint(in.Endpoint) != nil:
		errs.Add("endpoint", "must be the https URL of a push service")
	}
	if err := webpush.CheckKeys(in.P256dh, in.Auth); err != nil {
		if strings.Contains(err.Error(), "auth") {
			errs.Add("keys.auth", "must be 16 bytes in base64url")
		} else {
			errs.Add("keys.p256dh", "must be a P-256 public key (65 bytes) in base64url")
		}
	}
	label := strings.TrimSpace(in.Label)
	if label == "" {
		label = BrowserLabel(in.UserAgent)
	}
	label = cut(label, maxPushLabel)
	if !cleanText(label) {
		errs.Add("label", "is not valid text")
	}
	if err := errs.Err(); err != nil {
		return PushSubscription{}, err
	}
	p, err := s.o.Store.PutPushSubscription(ctx, userID, store.PushSubscription{Endpoint: in.Endpoint,
		P256dh: strings.TrimRight(in.P256dh, "="), Auth: strings.TrimRight(in.Auth, "="), Label: label}, MaxPushSubscriptions)
	if err != nil {
		return PushSubscription{}, err
	}
	return viewPushSubscription(p), nil
}

// UnsubscribePush forgets one of the person's subscriptions by id.
func (s *Service) UnsubscribePush(ctx context.Context, userID, id string) error {
	return s.o.Store.DeletePushSubscription(ctx, userID, id)
}

// UnsubscribePushEndpoint forgets the person's subscription with this
// endpoint (a browser unsubscribing itself).
func (s *Service) UnsubscribePushEndpoint(ctx context.Context, userID, endpoint string) error {
	endpoint = strings.TrimSpace(endpoint)
	if endpoint == "" {
		return validate.Errors{{Field: "endpoint", Message: "is required"}}
	}
	return s.o.Store.DeletePushSubscriptionByEndpoint(ctx, userID, endpoint)
}

// PushTest sends a test notification to every subscribed browser of the
// person.
func (s *Service) PushTest(ctx context.Context, userID string) (PushResult, error) {
	return s.PushNotify(ctx, userID, Notification{
		Title: "Synapse notifications work",
		Body:  "This browser will show your reminders, even with Synapse closed.",
		URL:   "/settings#push", Tag: "synapse-test", TTL: 10 * time.Minute,
	})
}

// PushNotify shows n on every subscribed browser of the person, at once
// and concurrently. A subscription the push service reports gone is
// deleted; one whose push service is busy or failing (429, 5xx) or
// unreachable is tried again by a River job with back-off until n.TTL has
// passed. The result counts the outcomes; the error is only for a
// notification that cannot be sent at all (ErrUnavailable without Web
// Push, validate.Errors for a bad notification, a store failure). A person
// without subscriptions gets a zero result and no error.
//
// It is safe to call from a River job: every delivery is recorded before
// it returns, and retries run as their own jobs, so the caller's job never
// needs to run again for the push's sake (running it again would notify
// the browsers that already got the message a second time).
func (s *Service) PushNotify(ctx context.Context, userID string, n Notification) (PushResult, error) {
	if s.o.Push == nil {
		return PushResult{}, ErrUnavailable
	}
	subs, err := s.o.Store.ListPushSubscriptions(ctx, userID)
	if err != nil {
		return PushResult{}, err
	}
	return s.pushTo(ctx, userID, subs, n)
}

// PushBatch holds the subscribed browsers of several people, read in one
// go, to notify each of them (the reminders due at one instant).
type PushBatch struct {
	s    *Service
	subs map[string][]store.PushSubscription
}

// PushBatch reads the subscriptions of these people (ErrUnavailable
// without Web Push).
func (s *Service) PushBatch(ctx context.Context, userIDs []string) (*PushBatch, error) {
	if s.o.Push == nil {
		return nil, ErrUnavailable
	}
	subs, err := s.o.Store.PushSubscriptionsOf(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	return &PushBatch{s: s, subs: subs}, nil
}

// Notify is PushNotify for one of the batch's people, to the browsers
// they had when the batch was read (a person not in the batch has none).
func (b *PushBatch) Notify(ctx context.Context, userID string, n Notification) (PushResult, error) {
	return b.s.pushTo(ctx, userID, b.subs[userID], n)
}

// pushTo shows n on these browsers of the person (see PushNotify).
func (s *Service) pushTo(ctx context.Context, userID string, subs []store.PushSubscription, n Notification) (PushResult, error) {
	payload, err := s.pushPayload(n)
	if err != nil || len(subs) == 0 {
		return PushResult{}, err
	}
	ttl := n.TTL
	if ttl <= 0 {
		ttl = webpush.DefaultTTL
	}
	now := s.o.Now()
	msg := webpush.Message{Payload: payload, TTL: ttl, Urgency: n.Urgency}
	outcomes := make([]webpush.Outcome, len(subs))
	errs := make([]error, len(subs))
	var wg sync.WaitGroup
	for i, sub := range subs {
		wg.Go(func() {
			outcomes[i], errs[i] = s.o.Push.Deliver(ctx, s.o.Store, userID, sub, msg, now)
		})
	}
	wg.Wait()
	var res PushResult
	for i, o := range outcomes {
		switch o {
		case webpush.Delivered:
			res.Sent++
			if errs[i] != nil {
				s.o.Log.Warn("web push: delivered, but not recorded", "user_id", userID, "err", errs[i])
			}
		case webpush.Removed:
			res.Removed++
		case webpush.Retry:
			if s.o.Jobs == nil {
				res.Failed++
				continue
			}
			err := s.o.Jobs.EnqueuePushRetry(ctx, jobs.PushRetryArgs{UserID: userID, SubscriptionID: subs[i].ID,
				Payload: payload, TTLSeconds: int(ttl / time.Second), Urgency: string(n.Urgency), Expires: now.Add(ttl)})
			if err != nil {
				s.o.Log.Error("web push: cannot queue a retry", "user_id", userID, "err", err)
				res.Failed++
				continue
			}
			res.Retrying++
		default:
			s.o.Log.Warn("web push: refused by the push service", "user_id", userID, "err", errs[i])
			res.Failed++
		}
	}
	return res, nil
}

// pushPayload checks n and encodes what the service worker receives,
// cutting the body until it fits one push message.
func (s *Service) pushPayload(n Notification) ([]byte, error) {
	var errs validate.Errors
	title, body := cut(strings.TrimSpace(n.Title), MaxPushTitle), cut(strings.TrimSpace(n.Body), MaxPushBody)
	if title == "" {
		errs.Add("title", "is required")
	}
	if !cleanText(title) || !cleanText(body) || !cleanText(n.Tag) {
		errs.Add("title", "is not valid text")
	}
	if n.URL != "" && !sitePath(n.URL) {
		errs.Add("url", "must be a path on this site")
	}
	if len(n.Actions) > MaxPushActions {
		errs.Add("actions", fmt.Sprintf("must be at most %d", MaxPushActions))
	}
	p := pushPayload{Title: title, Body: body, URL: n.URL, Tag: cut(n.Tag, 64), Timestamp: s.o.Now().UnixMilli()}
	for _, a := range n.Actions {
		if a.Action == "" || a.Title == "" || !cleanText(a.Action) || !cleanText(a.Title) || (a.URL != "" && !sitePath(a.URL)) {
			errs.Add("actions", "need a name, a title and, optionally, a path on this site")
			break
		}
		p.Actions = append(p.Actions, pushPayloadAction{Action: cut(a.Action, 64), Title: cut(a.Title, 40), URL: a.URL})
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	for {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		if len(b) <= webpush.MaxPayloadBytes {
			return b, nil
		}
		if p.Body == "" {
			return nil, webpush.ErrPayloadTooLarge
		}
		p.Body = cut(p.Body, utf8.RuneCountInString(p.Body)*3/4)
	}
}

// sitePath reports whether u is a path on this site ("/…", not "//host").
func sitePath(u string) bool {
	if len(u) > 2048 || !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") || strings.ContainsAny(u, "\\\x00\r\n") {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "" && p.Host == ""
}

// cut shortens s to at most n characters, ending in "…" when it cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return ""
	}
	r := []rune(s)[:n-1]
	return strings.TrimSpace(string(r)) + "…"
}

// BrowserLabel names a browser from its User-Agent header ("Firefox on
// Linux"); "Browser" when it cannot tell.
func BrowserLabel(ua string) string {
	browser := "Browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"}, {"Firefox/", "Firefox"},
		{"Chrome/", "Chrome"}, {"Chromium/", "Chromium"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return browser + " on " + o.name
		}
	}
	return browser
}
