package webpush_test

import (
	"testing"

	"github.com/synapse-kb/synapse/internal/webpush"
)

// FuzzSubscription feeds what a browser (or anyone with a session) posts as
// a subscription, and what a configuration holds as keys, to the checks:
// they never panic, and what they accept is usable.
func FuzzSubscription(f *testing.F) {
	keys, err := webpush.GenerateKeys()
	if err != nil {
		f.Fatal(err)
	}
	s, err := webpush.New(webpush.Options{Keys: keys, Subject: "mailto:a@b", AllowedHosts: []string{"127.0.0.1:8080"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("https://fcm.googleapis.com/fcm/send/abc", keys.PublicKey, "AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("http://127.0.0.1:8080/push/1", keys.PublicKey+"==", "AAAAAAAAAAAAAAAAAAAAAA==")
	f.Add("http://[::1]:8080/x", "BA", "")
	f.Add("https://user@host/x", "\x00", "%%%")
	f.Fuzz(func(t *testing.T, endpoint, p256dh, auth string) {
		if s.CheckEndpoint(endpoint) == nil && len(endpoint) > webpush.MaxEndpointBytes {
			t.Fatalf("accepted an endpoint of %d bytes", len(endpoint))
		}
		if webpush.CheckKeys(p256dh, auth) == nil && (len(p256dh) < 87 || len(auth) < 22) {
			t.Fatalf("accepted keys too short to hold a point and a secret: %q %q", p256dh, auth)
		}
		_, _ = webpush.ParseKeys(p256dh, auth)
		_ = webpush.Origin(endpoint)
	})
}
