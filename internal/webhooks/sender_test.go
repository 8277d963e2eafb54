package webhooks_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/linkpreview"
	"github.com/synapse-kb/synapse/internal/webhooks"
	"github.com/synapse-kb/synapse/internal/webhooks/webhookstest"
)

// The sender passes the link previews' SSRF guard: a local receiver is
// refused unless its host:port is allowed, so is a public-looking name that
// resolves to a private address, and redirects are not followed.
func TestSenderGuardsTargets(t *testing.T) {
	secret := webhooks.NewSecret()
	recv := webhookstest.NewReceiver(t, secret)
	body := []byte(`{"id":"evt_1","type":"task","data":{}}`)
	ctx := context.Background()

	closed, err := webhooks.NewSender(webhooks.SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res := closed.Send(ctx, recv.URL, "evt_1", time.Now(), body, []string{secret})
	if !errors.Is(res.Err, linkpreview.ErrForbiddenAddress) || webhooks.Describe(res.Err) != "address not allowed (private or local network)" || len(recv.Requests()) != 0 {
		t.Fatalf("local receiver without an allowance: %+v", res)
	}
	rebinding, _ := webhooks.NewSender(webhooks.SenderOptions{LookupIP: func(context.Context, string) ([]net.IP, error) {
		return []net.IP{net.ParseIP("10.0.0.7")}, nil
	}})
	if res := rebinding.Send(ctx, "http://hooks.example.com/in", "evt_1", time.Now(), body, []string{secret}); !errors.Is(res.Err, linkpreview.ErrForbiddenAddress) {
		t.Fatalf("name resolving to a private address: %+v", res)
	}

	open, err := webhooks.NewSender(webhooks.SenderOptions{AllowedHosts: []string{recv.Host}})
	if err != nil {
		t.Fatal(err)
	}
	if res := open.Send(ctx, recv.URL, "evt_1", time.Now(), body, []string{secret}); !res.OK() || res.Code != http.StatusNoContent {
		t.Fatalf("allowed receiver: %+v", res)
	}
	// A redirect is an answer outside 2xx, not followed.
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, recv.URL, http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	u, _ := url.Parse(redirect.URL)
	both, _ := webhooks.NewSender(webhooks.SenderOptions{AllowedHosts: []string{recv.Host, u.Host}})
	if res := both.Send(ctx, redirect.URL, "evt_2", time.Now(), body, []string{secret}); res.OK() || res.Code != http.StatusTemporaryRedirect || len(recv.Accepted()) != 1 {
		t.Fatalf("redirect: %+v", res)
	}
}
