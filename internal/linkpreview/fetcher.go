// Package linkpreview fetches the title, description, site name and image of
// a web page for a bookmark, safely: the fetcher refuses to reach anything
// but public Internet addresses (SSRF protection), follows few redirects,
// and bounds time and size.
//
// The address rule is enforced on the address actually dialled, after DNS,
// for every connection, including each redirect hop. The only way around it
// is Options.AllowedHosts, a list of exact host:port pairs
// (LINK_PREVIEW_ALLOWED_HOSTS).
package linkpreview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// Defaults for Options.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultMaxHTMLBytes  = 1 << 20
	DefaultMaxImageBytes = 5 << 20
	// MaxRedirects is the most redirects followed; Options may only lower it.
	MaxRedirects     = 5
	DefaultUserAgent = "SynapseLinkPreview/1.0 (+https://github.com/synapse-kb/synapse; link previews for a personal knowledge base)"
	// maxURLBytes caps the URL given to Fetch and FetchImage.
	maxURLBytes = 4096
)

// Options configure a Fetcher. The zero value is ready to use.
type Options struct {
	// AllowedHosts are exact host:port pairs (as in "intranet.lan:8080" or
	// "127.0.0.1:8081") that may be dialled even though they are, or
	// resolve to, refused addresses. Nothing else loosens the rules: the
	// same host on another port, or another name for the same address, is
	// still refused.
	AllowedHosts []string
	// LookupIP resolves host names; nil uses the system resolver. Tests use
	// it to make names resolve to refused addresses.
	LookupIP func(ctx context.Context, host string) ([]net.IP, error)
	// Timeout bounds a whole Fetch or FetchImage, redirects and body
	// included. Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxHTMLBytes is how much of a page is read; the rest is ignored and
	// what was read is parsed. Zero means DefaultMaxHTMLBytes.
	MaxHTMLBytes int64
	// MaxRedirects is how many redirects are followed, at most
	// MaxRedirects (5). Zero means MaxRedirects; negative follows none.
	MaxRedirects int
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
}

// Preview is what a page says about itself. Text fields are valid UTF-8,
// trimmed, with white space folded, and capped in length (title 300,
// description 1,000, site name 100 characters); URLs are absolute http(s)
// URLs of at most 2,048 bytes, or empty.
type Preview struct {
	// URL is the final URL, after redirects.
	URL string
	// Title is og:title, else twitter:title, else <title>.
	Title string
	// Description is og:description, else twitter:description, else
	// <meta name="description">.
	Description string
	// SiteName is og:site_name, else <meta name="application-name">.
	SiteName string
	// ImageURL is og:image (or og:image:url, og:image:secure_url), else
	// twitter:image, resolved against the page's URL (or its <base href>).
	ImageURL string
	// FaviconURL is the icon the page declares (<link rel="icon">, else
	// apple-touch-icon), resolved likewise; empty when it declares none.
	FaviconURL string
	// ContentType is the response's media type without parameters, as in
	// "text/html". Only text/html and application/xhtml+xml are parsed; for
	// other types the Preview carries just URL and ContentType.
	ContentType string
}

// Fetcher fetches previews. It is safe for concurrent use.
type Fetcher struct {
	client       *http.Client
	timeout      time.Duration
	maxHTML      int64
	maxRedirects int
	userAgent    string
}

// New returns a Fetcher. It fails only on a malformed AllowedHosts entry.
func New(opts Options) (*Fetcher, error) {
	allowed, err := allowedHosts(opts.AllowedHosts)
	if err != nil {
		return nil, err
	}
	f := &Fetcher{
		timeout:      opts.Timeout,
		maxHTML:      opts.MaxHTMLBytes,
		maxRedirects: opts.MaxRedirects,
		userAgent:    opts.UserAgent,
	}
	if f.timeout <= 0 {
		f.timeout = DefaultTimeout
	}
	if f.maxHTML <= 0 {
		f.maxHTML = DefaultMaxHTMLBytes
	}
	switch {
	case f.maxRedirects == 0 || f.maxRedirects > MaxRedirects:
		f.maxRedirects = MaxRedirects
	case f.maxRedirects < 0:
		f.maxRedirects = 0
	}
	if f.userAgent == "" {
		f.userAgent = DefaultUserAgent
	}
	transport := guardedTransport(allowed, opts.LookupIP)
	transport.MaxIdleConns, transport.MaxIdleConnsPerHost = 32, 2
	f.client = &http.Client{Transport: transport, CheckRedirect: f.checkRedirect}
	return f, nil
}

// GuardedTransport returns an HTTP transport that dials by the rule of this
// package: public Internet addresses only, checked after DNS on every
// connection, except the exact host:port pairs in allowed (see
// Options.AllowedHosts). It never uses a proxy. Other packages that send
// requests to URLs they are handed (Web Push endpoints) use it, so there is
// one guard. It fails only on a malformed allowed entry.
func GuardedTransport(allowed []string) (*http.Transport, error) {
	m, err := allowedHosts(allowed)
	if err != nil {
		return nil, err
	}
	return guardedTransport(m, nil), nil
}

func guardedTransport(allowed map[string]bool, lookup func(ctx context.Context, host string) ([]net.IP, error)) *http.Transport {
	d := newDialer(allowed, lookup)
	return &http.Transport{
		Proxy:                  nil, // never a proxy from the environment: it would dial for us, unchecked
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		IdleConnTimeout:        30 * time.Second,
		TLSHandshakeTimeout:    5 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// checkRedirect allows at most maxRedirects redirects, each to http(s).
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.maxRedirects {
		return fmt.Errorf("%w (more than %d)", ErrTooManyRedirects, f.maxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect to a %q URL", ErrUnsupportedScheme, req.URL.Scheme)
	}
	if req.URL.Host == "" {
		return fmt.Errorf("%w: redirect without a host", ErrInvalidURL)
	}
	// Credentials in a redirect target are not forwarded.
	req.URL.User = nil
	return nil
}

// Fetch fetches rawURL and returns what the page says about itself. Only the
// first MaxHTMLBytes of an HTML page are read and parsed; its charset is
// taken from the Content-Type header, a byte order mark or a <meta> tag. A
// non-2xx answer is a *StatusError; a refused address is a
// *ForbiddenAddressError (errors.Is ErrForbiddenAddress).
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (Preview, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return Preview{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	resp, err := f.get(ctx, u, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	if err != nil {
		return Preview{}, err
	}
	defer resp.Body.Close()

	final := resp.Request.URL
	header := resp.Header.Get("Content-Type")
	mediaType, _, _ := mime.ParseMediaType(header)
	p := Preview{URL: final.String(), ContentType: mediaType}
	if mediaType != "" && !htmlType(mediaType) {
		return p, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxHTML))
	if err != nil {
		return Preview{}, fmt.Errorf("linkpreview: read %s: %w", redact(u), err)
	}
	if mediaType == "" {
		header = http.DetectContentType(body)
		mediaType, _, _ = mime.ParseMediaType(header)
		p.ContentType = mediaType
		if !htmlType(mediaType) {
			return p, nil
		}
	}
	meta := ParseHTML(body, header, final)
	meta.URL, meta.ContentType = p.URL, p.ContentType
	return meta, nil
}

// FetchImage fetches an image (such as a Preview's ImageURL) of at most
// maxBytes (≤ 0 means DefaultMaxImageBytes) under the same rules as Fetch.
// It returns the bytes and their content type as sniffed from the bytes,
// not as claimed by the server; anything that does not sniff as a raster
// image (image/png, jpeg, gif, webp, bmp, x-icon, avif) is ErrNotImage,
// so SVG, which can carry scripts, is refused.
func (f *Fetcher) FetchImage(ctx context.Context, rawURL string, maxBytes int64) ([]byte, string, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxImageBytes
	}
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	resp, err := f.get(ctx, u, "image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8")
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.ContentLength > maxBytes {
		return nil, "", fmt.Errorf("%w: %s has %d bytes, limit %d", ErrTooLarge, redact(u), resp.ContentLength, maxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("linkpreview: read %s: %w", redact(u), err)
	}
	if int64(len(data)) > maxBytes {
		return nil, "", fmt.Errorf("%w: %s exceeds %d bytes", ErrTooLarge, redact(u), maxBytes)
	}
	ct := sniffImage(data)
	if ct == "" {
		return nil, "", fmt.Errorf("%w: %s is %s", ErrNotImage, redact(u), http.DetectContentType(data))
	}
	return data, ct, nil
}

// get sends a GET and returns a 2xx response.
func (f *Fetcher) get(ctx context.Context, u *url.URL, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", accept)
	resp, err := f.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("linkpreview: get %s: no answer in time (limit %s): %w", redact(u), f.timeout, err)
		}
		return nil, fmt.Errorf("linkpreview: get %s: %w", redact(u), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_ = resp.Body.Close()
		return nil, &StatusError{StatusCode: resp.StatusCode, URL: redact(resp.Request.URL)}
	}
	return resp, nil
}

// parseURL accepts absolute http(s) URLs with a valid host, converts an
// internationalised host name to its ASCII form, and drops credentials and
// the fragment.
func parseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > maxURLBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidURL, maxURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedScheme, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("%w: no host in %q", ErrInvalidURL, raw)
	}
	if !isASCII(host) {
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return nil, fmt.Errorf("%w: host %q: %v", ErrInvalidURL, host, err)
		}
		if port := u.Port(); port != "" {
			u.Host = net.JoinHostPort(ascii, port)
		} else {
			u.Host = ascii
		}
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// redact is u without query (which may carry tokens), for messages.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "…"
	}
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func htmlType(mediaType string) bool {
	return mediaType == "text/html" || mediaType == "application/xhtml+xml"
}

// sniffImage returns the content type of a raster image, or "".
func sniffImage(data []byte) string {
	ct := http.DetectContentType(data)
	if strings.HasPrefix(ct, "image/") && ct != "image/svg+xml" {
		return ct
	}
	// AVIF, which DetectContentType may not know: an ISO BMFF "ftyp" box
	// with an avif brand.
	if len(data) >= 12 && bytes.Equal(data[4:8], []byte("ftyp")) &&
		(bytes.Equal(data[8:12], []byte("avif")) || bytes.Equal(data[8:12], []byte("avis"))) {
		return "image/avif"
	}
	return ""
}
