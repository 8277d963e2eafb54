package linkpreview

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/idna"
)

// Address ranges that are never dialled (unless the host:port is in
// Options.AllowedHosts).
var (
	forbiddenV4 = prefixes(
		"0.0.0.0/8",       // "this network", includes 0.0.0.0
		"10.0.0.0/8",      // private
		"100.64.0.0/10",   // carrier-grade NAT
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local, includes 169.254.169.254 (cloud metadata)
		"172.16.0.0/12",   // private
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // deprecated 6to4 relay anycast
		"192.168.0.0/16",  // private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, includes 255.255.255.255 (broadcast)
	)
	forbiddenV6 = prefixes(
		"::/96",          // unspecified, loopback, deprecated IPv4-compatible
		"64:ff9b:1::/48", // local-use NAT64
		"100::/64",       // discard-only
		"2001::/32",      // Teredo
		"2001:db8::/32",  // documentation
		"fc00::/7",       // unique local, includes fd00:ec2::254 (AWS metadata)
		"fe80::/10",      // link-local
		"fec0::/10",      // deprecated site-local
		"ff00::/8",       // multicast
	)
	// Ranges that embed an IPv4 address, which is checked in turn.
	// (IPv4-mapped ::ffff:0:0/96 is handled by Unmap.)
	nat64     = netip.MustParsePrefix("64:ff9b::/96")    // well-known NAT64: last 32 bits
	siit      = netip.MustParsePrefix("::ffff:0:0:0/96") // IPv4-translated: last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")       // 6to4: bits 16..47
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// PublicAddr reports whether a may be dialled: a global unicast address
// outside every refused range, looking through the IPv6 forms that embed an
// IPv4 address (IPv4-mapped, IPv4-translated, NAT64 64:ff9b::/96, 6to4).
func PublicAddr(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	if a.Is4() {
		for _, p := range forbiddenV4 {
			if p.Contains(a) {
				return false
			}
		}
		return a.IsGlobalUnicast()
	}
	if !a.Is6() {
		return false
	}
	for _, p := range forbiddenV6 {
		if p.Contains(a) {
			return false
		}
	}
	b := a.As16()
	switch {
	case nat64.Contains(a), siit.Contains(a):
		return PublicAddr(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(a):
		return PublicAddr(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return a.IsGlobalUnicast()
}

// dialer dials only public addresses, except for the exact host:port pairs
// it was told to allow. It resolves names itself (through lookup) and dials
// the checked addresses, and a Control hook checks the address of every
// socket once more just before it connects, so the rule holds after DNS
// (no rebinding between check and use) and on every redirect hop.
type dialer struct {
	allowed map[string]bool
	lookup  func(ctx context.Context, host string) ([]net.IP, error)
	net     net.Dialer
}

type allowCtxKey struct{}

func newDialer(allowed map[string]bool, lookup func(ctx context.Context, host string) ([]net.IP, error)) *dialer {
	d := &dialer{allowed: allowed, lookup: lookup}
	d.net = net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, ControlContext: controlDial}
	if d.lookup == nil {
		d.lookup = func(ctx context.Context, host string) ([]net.IP, error) {
			return net.DefaultResolver.LookupIP(ctx, "ip", host)
		}
	}
	return d
}

// maxAddrs caps how many resolved addresses are tried.
const maxAddrs = 8

func (d *dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("linkpreview: refusing to dial %s", network)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	allowed := d.allowed[hostPortKey(host, port)]

	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		if !allowed && localName(host) {
			return nil, &ForbiddenAddressError{Host: host}
		}
		ips, err := d.lookup(ctx, host)
		if err != nil {
			return nil, err
		}
		seen := map[netip.Addr]bool{}
		for _, ip := range ips {
			a, ok := netip.AddrFromSlice(ip)
			if !ok || seen[a.Unmap()] {
				continue
			}
			seen[a.Unmap()] = true
			addrs = append(addrs, a.Unmap())
		}
		if len(addrs) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
	}
	if !allowed {
		// A name with any refused address is refused as a whole: a public
		// name has no business resolving into a private network.
		for _, a := range addrs {
			if !PublicAddr(a) {
				return nil, &ForbiddenAddressError{Host: host, Addr: a}
			}
		}
	}
	if len(addrs) > maxAddrs {
		addrs = addrs[:maxAddrs]
	}
	ctx = context.WithValue(ctx, allowCtxKey{}, allowed)
	var firstErr error
	for _, a := range addrs {
		conn, err := d.net.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// controlDial runs on every socket just before it connects, with the
// address actually being dialled.
func controlDial(ctx context.Context, network, address string, _ syscall.RawConn) error {
	if allowed, _ := ctx.Value(allowCtxKey{}).(bool); allowed {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &ForbiddenAddressError{Host: address}
	}
	if !PublicAddr(ap.Addr()) {
		return &ForbiddenAddressError{Addr: ap.Addr()}
	}
	return nil
}

// localName reports names that always mean this machine (RFC 6761).
func localName(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// hostPortKey is the canonical form of a host:port pair: lowercase ASCII
// host name without a trailing dot, or an IP address in its canonical
// spelling (an IPv4-mapped IPv6 address stays distinct from the IPv4 one).
func hostPortKey(host, port string) string {
	if a, err := netip.ParseAddr(host); err == nil {
		return net.JoinHostPort(a.String(), port)
	}
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if !isASCII(h) {
		if ascii, err := idna.Lookup.ToASCII(h); err == nil {
			h = ascii
		}
	}
	return net.JoinHostPort(h, port)
}

// allowedHosts validates and normalises Options.AllowedHosts.
func allowedHosts(list []string) (map[string]bool, error) {
	m := make(map[string]bool, len(list))
	for _, hp := range list {
		hp = strings.TrimSpace(hp)
		host, port, err := net.SplitHostPort(hp)
		if err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("linkpreview: allowed host %q is not host:port", hp)
		}
		if _, err := netip.ParseAddr(host); err != nil && !isASCII(host) {
			if _, err := idna.Lookup.ToASCII(host); err != nil {
				return nil, fmt.Errorf("linkpreview: allowed host %q: %v", hp, err)
			}
		}
		m[hostPortKey(host, port)] = true
	}
	return m, nil
}

// GuardedTransportLookup is GuardedTransport with its own name lookup
// (tests resolve names to chosen addresses). Webhooks use it, so that one
// rule guards every outgoing request to a URL people give.
func GuardedTransportLookup(hosts []string, lookup func(ctx context.Context, host string) ([]net.IP, error)) (*http.Transport, error) {
	allowed, err := allowedHosts(hosts)
	if err != nil {
		return nil, err
	}
	return guardedTransport(allowed, lookup), nil
}

// ParseURL accepts an absolute http(s) URL with a valid host, as Fetch
// does (internationalised host names in ASCII, credentials and fragment
// dropped); anything else is ErrInvalidURL or ErrUnsupportedScheme.
func ParseURL(raw string) (*url.URL, error) { return parseURL(raw) }

// Refused reports whether a URL's host is refused before any lookup: a
// literal address outside the public ones, or a name that always means
// this machine, unless its host:port is among allowedHosts. (Names are
// checked again, after DNS, on every dial.)
func Refused(u *url.URL, hosts []string) bool {
	allowed, err := allowedHosts(hosts)
	if err != nil {
		return true
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	if allowed[hostPortKey(u.Hostname(), port)] {
		return false
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil {
		return !PublicAddr(a)
	}
	return localName(u.Hostname())
}
