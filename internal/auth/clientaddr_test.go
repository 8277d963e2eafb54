package auth

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		remote, xff, want string
	}{
		{"203.0.113.7:5000", "", "203.0.113.7"},
		{"203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},                  // not from a proxy: header ignored
		{"10.0.0.2:5000", "198.51.100.1", "198.51.100.1"},                    // from a proxy: its client
		{"10.0.0.2:5000", "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"}, // right to left past proxies
		{"10.0.0.2:5000", "garbage", "10.0.0.2"},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := ClientAddr(r, proxies); got != tc.want {
			t.Errorf("%s / %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}
