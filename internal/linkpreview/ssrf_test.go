package linkpreview

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// canary is a local server that must never be reached.
type canary struct {
	srv  *httptest.Server
	hits atomic.Int32
}

func newCanary(t *testing.T) *canary {
	t.Helper()
	c := &canary{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.hits.Add(1)
		_, _ = w.Write([]byte("<title>secret internal page</title>"))
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *canary) port() string {
	_, port, _ := net.SplitHostPort(c.srv.Listener.Addr().String())
	return port
}

// fakeDNS resolves the names it knows and nothing else.
func fakeDNS(names map[string][]string) func(ctx context.Context, host string) ([]net.IP, error) {
	return func(ctx context.Context, host string) ([]net.IP, error) {
		addrs, ok := names[strings.TrimSuffix(strings.ToLower(host), ".")]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var ips []net.IP
		for _, a := range addrs {
			ips = append(ips, net.ParseIP(a))
		}
		return ips, nil
	}
}

func TestFetchRefusesForbiddenAddresses(t *testing.T) {
	t.Parallel()
	c := newCanary(t)
	p := c.port()
	f, err := New(Options{
		Timeout: 3 * time.Second,
		LookupIP: fakeDNS(map[string][]string{
			"localhost":          {"127.0.0.1", "::1"},
			"intranet.example":   {"10.1.2.3"},
			"rebind.example":     {"127.0.0.1"},
			"mixed.example":      {"93.184.215.14", "127.0.0.1"},
			"metadata.example":   {"169.254.169.254"},
			"v6private.example":  {"fd12:3456::1"},
			"mapped.example":     {"::ffff:10.0.0.1"},
			"cgnat.example":      {"100.100.1.1"},
			"broadcast.example":  {"255.255.255.255"},
			"multicast.example":  {"224.0.0.251"},
			"benchmark.example":  {"198.18.0.1"},
			"ietf.example":       {"192.0.0.170"},
			"reserved.example":   {"240.0.0.1"},
			"nat64-10.example":   {"64:ff9b::a00:1"},
			"linklocal6.example": {"fe80::1"},
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	urls := []string{
		"http://127.0.0.1:" + p + "/",
		"http://127.1.2.3:" + p + "/",
		"http://10.0.0.1/",
		"http://172.16.5.4/",
		"http://192.168.1.1/",
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://100.64.0.1/",
		"http://0.0.0.0:" + p + "/",
		"http://[::1]:" + p + "/",
		"http://[::]:" + p + "/",
		"http://[::ffff:127.0.0.1]:" + p + "/",
		"http://[::ffff:7f00:1]:" + p + "/",
		"http://[::ffff:169.254.169.254]/",
		"http://[::127.0.0.1]:" + p + "/",        // IPv4-compatible
		"http://[64:ff9b::127.0.0.1]:" + p + "/", // NAT64 of loopback
		"http://[64:ff9b::a9fe:a9fe]/",           // NAT64 of 169.254.169.254
		"http://[2002:7f00:1::1]/",               // 6to4 of loopback
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://[fc00::1]/",
		"http://[fe80::1%25lo]:" + p + "/",
		"http://[ff02::1]/",
		"http://localhost:" + p + "/",
		"http://LOCALHOST.:" + p + "/",
		"http://app.localhost:" + p + "/",
		"http://intranet.example:" + p + "/",
		"http://rebind.example:" + p + "/",
		"http://mixed.example:" + p + "/",
		"http://metadata.example/latest/meta-data/",
		"http://v6private.example/",
		"http://mapped.example/",
		"http://cgnat.example/",
		"http://broadcast.example/",
		"http://multicast.example/",
		"http://benchmark.example/",
		"http://ietf.example/",
		"http://reserved.example/",
		"http://nat64-10.example/",
		"http://linklocal6.example/",
	}
	for _, u := range urls {
		start := time.Now()
		_, err := f.Fetch(context.Background(), u)
		var fe *ForbiddenAddressError
		if !errors.Is(err, ErrForbiddenAddress) || !errors.As(err, &fe) {
			t.Errorf("Fetch(%s) = %v, want ErrForbiddenAddress", u, err)
			continue
		}
		if IsRetryable(err) {
			t.Errorf("Fetch(%s): refused address reported retryable", u)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Fetch(%s) took %v to refuse", u, d)
		}
		if _, _, err := f.FetchImage(context.Background(), u, 0); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("FetchImage(%s) = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if n := c.hits.Load(); n != 0 {
		t.Errorf("the internal server was reached %d times", n)
	}
}

// AllowedHosts lets through exactly the named host:port, nothing near it.
func TestAllowedHostsAreExact(t *testing.T) {
	t.Parallel()
	allowed := newCanary(t)
	other := newCanary(t)
	f, err := New(Options{
		AllowedHosts: []string{"127.0.0.1:" + allowed.port(), "Page.Test:" + other.port()},
		LookupIP:     fakeDNS(map[string][]string{"page.test": {"127.0.0.1"}, "alias.test": {"127.0.0.1"}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	ok := []string{
		"http://127.0.0.1:" + allowed.port() + "/",
		"http://page.test:" + other.port() + "/",
		"http://PAGE.test.:" + other.port() + "/",
	}
	for _, u := range ok {
		if p, err := f.Fetch(context.Background(), u); err != nil || p.Title != "secret internal page" {
			t.Errorf("Fetch(%s) = %+v, %v; want the allowed page", u, p, err)
		}
	}
	refused := []string{
		"http://localhost:" + allowed.port() + "/",          // another name for an allowed address
		"http://[::ffff:127.0.0.1]:" + allowed.port() + "/", // another form of it
		"http://alias.test:" + other.port() + "/",
		"http://127.0.0.1:" + other.port() + "/",   // allowed name's address, by number
		"http://page.test:" + allowed.port() + "/", // allowed name, other port
	}
	before := allowed.hits.Load() + other.hits.Load()
	for _, u := range refused {
		if _, err := f.Fetch(context.Background(), u); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("Fetch(%s) = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if after := allowed.hits.Load() + other.hits.Load(); after != before {
		t.Errorf("refused URLs reached a server %d times", after-before)
	}
}

func TestNewRejectsMalformedAllowedHosts(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"localhost", "http://x:80", ":80", "x:"} {
		if _, err := New(Options{AllowedHosts: []string{h}}); err == nil {
			t.Errorf("AllowedHosts %q accepted", h)
		}
	}
}

func TestFetchRefusesSchemes(t *testing.T) {
	t.Parallel()
	f, _ := New(Options{})
	for u, want := range map[string]error{
		"file:///etc/passwd":                            ErrUnsupportedScheme,
		"ftp://ftp.example.com/pub/x":                   ErrUnsupportedScheme,
		"gopher://127.0.0.1:70/_GET":                    ErrUnsupportedScheme,
		"javascript:alert(1)":                           ErrUnsupportedScheme,
		"data:text/html,<title>x</title>":               ErrUnsupportedScheme,
		"//example.com/":                                ErrUnsupportedScheme,
		"http:///path":                                  ErrInvalidURL,
		"http://exa mple.com/":                          ErrInvalidURL,
		"http://" + strings.Repeat("a", 5000) + ".com/": ErrInvalidURL,
	} {
		if _, err := f.Fetch(context.Background(), u); !errors.Is(err, want) || IsRetryable(err) {
			t.Errorf("Fetch(%q) = %v, want %v", u, err, want)
		}
		if _, _, err := f.FetchImage(context.Background(), u, 0); !errors.Is(err, want) {
			t.Errorf("FetchImage(%q) = %v, want %v", u, err, want)
		}
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	c := newCanary(t)
	var loops atomic.Int32
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-loopback":
			http.Redirect(w, r, "http://127.0.0.1:"+c.port()+"/admin", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusMovedPermanently)
		case "/to-localhost-name":
			http.Redirect(w, r, "http://localhost:"+c.port()+"/", http.StatusTemporaryRedirect)
		case "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/to-gopher":
			http.Redirect(w, r, "gopher://127.0.0.1:"+c.port()+"/_x", http.StatusFound)
		case "/loop":
			loops.Add(1)
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/chain/0":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<title>end of chain</title>"))
		default:
			if strings.HasPrefix(r.URL.Path, "/chain/") {
				n := strings.TrimPrefix(r.URL.Path, "/chain/")
				http.Redirect(w, r, "/chain/"+string(rune(n[0]-1)), http.StatusFound)
				return
			}
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(page.Close)
	f, err := New(Options{AllowedHosts: []string{page.Listener.Addr().String()}, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]error{
		"/to-loopback":       ErrForbiddenAddress,
		"/to-metadata":       ErrForbiddenAddress,
		"/to-localhost-name": ErrForbiddenAddress,
		"/to-file":           ErrUnsupportedScheme,
		"/to-gopher":         ErrUnsupportedScheme,
		"/loop":              ErrTooManyRedirects,
		"/chain/6":           ErrTooManyRedirects,
	} {
		_, err := f.Fetch(context.Background(), page.URL+path)
		if !errors.Is(err, want) || IsRetryable(err) {
			t.Errorf("Fetch(%s) = %v, want %v", path, err, want)
		}
	}
	if n := loops.Load(); n != 1+MaxRedirects {
		t.Errorf("the loop was requested %d times, want %d", n, 1+MaxRedirects)
	}
	if n := c.hits.Load(); n != 0 {
		t.Errorf("a redirect reached the internal server %d times", n)
	}
	p, err := f.Fetch(context.Background(), page.URL+"/chain/5")
	if err != nil || p.Title != "end of chain" || p.URL != page.URL+"/chain/0" {
		t.Errorf("five redirects: %+v, %v; want the final page and its URL", p, err)
	}
}

func TestPublicAddr(t *testing.T) {
	t.Parallel()
	public := []string{
		"8.8.8.8", "1.1.1.1", "93.184.215.14", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
		"2606:4700:4700::1111", "2a00:1450:4001:81b::200e",
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
	}
	refused := []string{
		"0.0.0.0", "0.1.2.3", "10.255.255.255", "100.64.0.0", "100.127.255.255", "127.0.0.1", "127.255.255.254",
		"169.254.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1",
		"192.168.0.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1",
		"239.255.255.250", "240.0.0.1", "255.255.255.255",
		"::", "::1", "::127.0.0.1", "::10.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
		"::ffff:0:127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::c0a8:101", "64:ff9b:1::808:808",
		"2002:7f00:1::", "2002:a00:1::", "2001::1", "2001:db8::1", "100::1",
		"fc00::1", "fd00:ec2::254", "fe80::1", "fe80::1%eth0", "fec0::1", "ff02::1", "ff0e::1",
	}
	for _, s := range public {
		if !PublicAddr(netip.MustParseAddr(s)) {
			t.Errorf("PublicAddr(%s) = false, want true", s)
		}
	}
	for _, s := range refused {
		if PublicAddr(netip.MustParseAddr(s)) {
			t.Errorf("PublicAddr(%s) = true, want false", s)
		}
	}
	if PublicAddr(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
}

// The Control hook refuses on its own, whatever the resolver said: it sees
// the address the socket is about to connect to.
func TestControlHookRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:169.254.169.254]:80", "10.0.0.1:8080", "garbage"} {
		if err := controlDial(ctx, "tcp", addr, nil); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("controlDial(%s) = %v, want ErrForbiddenAddress", addr, err)
		}
	}
	if err := controlDial(ctx, "tcp", "93.184.215.14:443", nil); err != nil {
		t.Errorf("controlDial(public) = %v", err)
	}
	allowed := context.WithValue(ctx, allowCtxKey{}, true)
	if err := controlDial(allowed, "tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("controlDial(allowed host) = %v", err)
	}

	// And a dialer whose resolver check is bypassed still cannot connect:
	// the net.Dialer itself carries the hook.
	c := newCanary(t)
	d := newDialer(nil, nil)
	conn, err := d.net.DialContext(ctx, "tcp", c.srv.Listener.Addr().String())
	if err == nil {
		_ = conn.Close()
		t.Fatal("the raw dialer connected to loopback")
	}
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("raw dial: %v, want ErrForbiddenAddress", err)
	}
}
