package knowledge

import (
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

const (
	// MaxLinks is the most links ExtractLinks returns for one text.
	MaxLinks = 20
	// MaxURLLength is the longest URL, in bytes, that NormalizeURL accepts
	// or produces.
	MaxURLLength = 2048
)

// linkSpan is one link found in a text: where it was written and the
// absolute URL it stands for.
type linkSpan struct {
	start, end int // byte offsets of the link as written
	url        string
}

// ExtractLinks returns the http and https links in text, as WhatsApp would
// show them as links: explicit http:// and https:// URLs, and bare domains
// that have a path, a port, a "www." prefix or a well-known top-level domain
// ("example.com/page", "www.site.org", "wa.me"). Bare domains get "https://"
// in front. Trailing punctuation, WhatsApp formatting marks (*bold*, _it_,
// ~strike~) and closing brackets or quotes that have no opening partner in the
// link are not part of it; e-mail addresses and other schemes (ftp:, mailto:)
// are ignored.
//
// Links are returned as written (not normalised), in order of appearance,
// without repeats: two links with the same NormalizeURL key count once, and the
// first spelling wins. At most MaxLinks links are returned; the result is nil
// when there are none. Every returned link parses with net/url as an absolute
// http or https URL with a host, and is accepted by NormalizeURL (a link with
// an impossible port or host is left out).
func ExtractLinks(text string) []string {
	spans := findLinks(text, MaxLinks)
	if len(spans) == 0 {
		return nil
	}
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.url
	}
	return out
}

// findLinks does the work of ExtractLinks and also reports where each link
// was written, so that analysers can mask links out of the text.
func findLinks(text string, limit int) []linkSpan { return scanLinks(text, limit, true) }

// withoutLinks returns text with every link, repeated ones too, replaced by
// a space.
func withoutLinks(text string) string {
	var cuts [][2]int
	for _, l := range scanLinks(text, len(text), false) {
		cuts = append(cuts, [2]int{l.start, l.end})
	}
	return cutSpans(text, 0, cuts)
}

// scanLinks finds up to limit links in text, each once when dedupe is set.
func scanLinks(text string, limit int, dedupe bool) []linkSpan {
	var out []linkSpan
	var seen map[string]bool
	prev := rune(-1)
	for i := 0; i < len(text) && len(out) < limit; {
		r, size := utf8.DecodeRuneInString(text[i:])
		if isLinkBoundary(prev) && (isASCIIAlnum(r) || unicode.IsLetter(r)) {
			span, next, ok := scanLink(text, i, prev)
			if ok {
				key, err := NormalizeURL(span.url)
				if err == nil && (!dedupe || !seen[key]) {
					if seen == nil {
						seen = make(map[string]bool)
					}
					seen[key] = true
					out = append(out, span)
				}
			}
			if next > i {
				prev, _ = utf8.DecodeLastRuneInString(text[:next])
				i = next
				continue
			}
		}
		prev = r
		i += size
	}
	return out
}

// isLinkBoundary reports whether a link may start right after prev (-1 at
// the start of the text): after a space or an opening bracket, quote or
// formatting mark, but not inside a word, an e-mail address or a path.
func isLinkBoundary(prev rune) bool {
	if prev < 0 || unicode.IsSpace(prev) {
		return true
	}
	switch prev {
	case '(', '[', '{', '<', '"', '\'', '*', '_', '~', ',', ';', ':', '!', '?', '¿', '¡',
		'“', '‘', '«', '|', '>', '=':
		return true
	}
	return false
}

func isASCIIAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

// hasPrefixFold reports whether s starts with the ASCII prefix p, ignoring case.
func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// scanLink tries to read a link that starts at text[i]. It returns the link,
// the offset where scanning should resume, and whether a link was found.
func scanLink(text string, i int, opener rune) (linkSpan, int, bool) {
	for _, scheme := range [...]string{"https://", "http://"} {
		if hasPrefixFold(text[i:], scheme) {
			end := scanLinkBody(text, i+len(scheme))
			raw := trimLinkEnd(text[i:end], opener)
			if len(raw) <= len(scheme) || !validLink(raw) {
				return linkSpan{}, end, false
			}
			return linkSpan{start: i, end: i + len(raw), url: raw}, i + len(raw), true
		}
	}

	// A bare domain: letters, digits, hyphens and dots.
	j := i
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if r == utf8.RuneError || !(r == '-' || r == '.' || isASCIIAlnum(r) || unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)) {
			break
		}
		j += size
	}
	if j < len(text) && text[j] == '@' {
		return linkSpan{}, j, false // the local part of an e-mail address
	}
	hostEnd := j
	for hostEnd > i && (text[hostEnd-1] == '.' || text[hostEnd-1] == '-') {
		hostEnd--
	}
	host := text[i:hostEnd]
	tld, ok := bareHostTLD(host)
	if !ok {
		return linkSpan{}, j, false
	}
	end := hostEnd
	hasPort, hasPath := false, false
	if hostEnd == j {
		if k := scanPort(text, j); k > j {
			end, hasPort = k, true
		}
		if end < len(text) && (text[end] == '/' || text[end] == '?' || text[end] == '#') {
			bodyEnd := scanLinkBody(text, end)
			trimmed := trimLinkEnd(text[i:bodyEnd], opener)
			if i+len(trimmed) > end {
				end, hasPath = i+len(trimmed), true
			}
		}
	}
	if !hasPath && !hasPort && !knownTLDs[strings.ToLower(tld)] && !hasPrefixFold(host, "www.") {
		return linkSpan{}, j, false
	}
	raw := "https://" + text[i:end]
	if !validLink(raw) {
		return linkSpan{}, max(end, j), false
	}
	return linkSpan{start: i, end: end, url: raw}, end, true
}

// bareHostTLD checks that host looks like a domain name (at least two
// labels, none empty, none starting or ending with a hyphen, a top-level
// domain of two or more letters) and returns its top-level domain.
func bareHostTLD(host string) (string, bool) {
	if !strings.Contains(host, ".") || len(host) > 253 {
		return "", false
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
	}
	tld := labels[len(labels)-1]
	if utf8.RuneCountInString(tld) < 2 {
		return "", false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
			return "", false
		}
	}
	return tld, true
}

// scanPort reads ":digits" at text[j:] and returns the offset after it, or j
// when there is no port there.
func scanPort(text string, j int) int {
	if j >= len(text) || text[j] != ':' {
		return j
	}
	k := j + 1
	for k < len(text) && k-j <= 5 && text[k] >= '0' && text[k] <= '9' {
		k++
	}
	if k == j+1 {
		return j
	}
	if k < len(text) {
		r, _ := utf8.DecodeRuneInString(text[k:])
		if isASCIIAlnum(r) || unicode.IsLetter(r) || r == ':' || r == '.' {
			return j // "10:30am", a clock time, or something else
		}
	}
	return k
}

// scanLinkBody returns the offset where a link that continues at text[k]
// ends: at a space, a control character, invalid UTF-8 or a character that
// cannot be part of a link as typed (<, >, ", backquote, typographic quotes).
func scanLinkBody(text string, k int) int {
	for k < len(text) {
		r, size := utf8.DecodeRuneInString(text[k:])
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			break
		}
		switch r {
		case '<', '>', '"', '`', '\\', '“', '”', '‘', '’', '«', '»':
			return k
		case ',', ';', '|':
			// "https://a.com,https://b.com" is two links.
			if hasPrefixFold(text[k+1:], "http://") || hasPrefixFold(text[k+1:], "https://") {
				return k
			}
		}
		k += size
	}
	return k
}

// trimLinkEnd removes what a reader would not take as part of a link from the
// end of s: sentence punctuation, quotes, formatting marks, and closing
// brackets that have no opening partner inside the link. A trailing "_" is
// removed only when the link was opened by "_" (italics), because "_" is
// common inside URLs.
func trimLinkEnd(s string, opener rune) string {
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		switch {
		case strings.ContainsRune(".,;:!?'*~…", r):
		case r == '_' && opener == '_':
		case r == ')' && strings.Count(s, "(") < strings.Count(s, ")"):
		case r == ']' && strings.Count(s, "[") < strings.Count(s, "]"):
		case r == '}' && strings.Count(s, "{") < strings.Count(s, "}"):
		default:
			return s
		}
		s = s[:len(s)-size]
	}
	return s
}

// validLink reports whether raw parses as an absolute http(s) URL whose host
// is a plausible name (labels of letters, digits, "-" and "_", none empty) or
// an IPv6 literal.
func validLink(raw string) bool {
	if len(raw) > MaxURLLength {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return false
	}
	h := u.Hostname()
	if h == "" {
		return false
	}
	if strings.Contains(h, ":") {
		_, err := netip.ParseAddr(h)
		return err == nil
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		alnum := false
		for _, r := range label {
			switch {
			case isASCIIAlnum(r) || unicode.IsLetter(r) || unicode.IsDigit(r):
				alnum = true
			case r == '-' || r == '_' || unicode.Is(unicode.Mn, r):
			default:
				return false
			}
		}
		if !alnum {
			return false // an empty label: "http://.0", "http://a..b"
		}
	}
	return true
}

// hostProfile maps a host name for lookup (case folding, width mapping, NFC)
// and converts IDNs to punycode. It is more lenient than idna.Lookup about
// underscores and hyphens, which real host names do carry.
var hostProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
)

// NormalizeURL returns the key under which a link is stored as a bookmark,
// so that the same page shared twice is one bookmark. It accepts only absolute
// http and https URLs (a bare "example.com" is ErrUnsupportedScheme: use
// ExtractLinks first) of at most MaxURLLength bytes (else ErrURLTooLong), and:
//   - lowercases the scheme and host, converts an internationalised host to
//     punycode, drops a trailing dot from the host;
//   - drops user information, the fragment, and the default port (80 for
//     http, 443 for https);
//   - turns an empty path into "/", resolves "." and ".." path segments, and
//     writes percent-escapes in one canonical way (unreserved characters
//     decoded, hex digits in upper case, other bytes escaped);
//   - removes empty and tracking query parameters (utm_*, fbclid, gclid,
//     dclid, msclkid, mc_cid, mc_eid, igshid, ref_src, and site-specific ones
//     such as si on YouTube and Spotify) and sorts the rest by name then value.
//
// The path keeps its case and its trailing slash, since servers tell those
// apart. The result is idempotent: NormalizeURL(NormalizeURL(x)) gives the same
// string without error. Errors wrap ErrInvalidURL, ErrUnsupportedScheme or
// ErrURLTooLong.
func NormalizeURL(raw string) (string, error) {
	if len(raw) > MaxURLLength {
		return "", ErrURLTooLong
	}
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", ErrUnsupportedScheme
	}
	if u.Opaque != "" || u.Host == "" {
		return "", fmt.Errorf("%w: no host", ErrInvalidURL)
	}
	host, err := normalizeHost(u.Hostname())
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(raw) + 1)
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return "", fmt.Errorf("%w: bad port %q", ErrInvalidURL, p)
		}
		if !(scheme == "http" && n == 80) && !(scheme == "https" && n == 443) {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(n))
		}
	}
	path := removeDotSegments(canonicalEscapes(u.EscapedPath(), false))
	if path == "" {
		path = "/"
	}
	b.WriteString(path)
	if q := normalizeQuery(u.RawQuery, host); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	if b.Len() > MaxURLLength {
		return "", ErrURLTooLong
	}
	return b.String(), nil
}

// normalizeHost lowercases h, converts it to punycode and checks that what
// is left is a host name or an IP address.
func normalizeHost(h string) (string, error) {
	if h == "" {
		return "", fmt.Errorf("%w: empty host", ErrInvalidURL)
	}
	if strings.Contains(h, ":") {
		addr, err := netip.ParseAddr(h)
		if err != nil || addr.Zone() != "" {
			return "", fmt.Errorf("%w: bad IPv6 host", ErrInvalidURL)
		}
		return "[" + addr.String() + "]", nil
	}
	if addr, err := netip.ParseAddr(h); err == nil && addr.Is4() {
		return addr.String(), nil
	}
	a, err := hostProfile.ToASCII(strings.ToLower(strings.TrimSuffix(h, ".")))
	if err != nil {
		return "", fmt.Errorf("%w: host: %v", ErrInvalidURL, err)
	}
	a = strings.TrimSuffix(a, ".")
	if a == "" || len(a) > 253 {
		return "", fmt.Errorf("%w: bad host length", ErrInvalidURL)
	}
	for _, l := range strings.Split(a, ".") {
		if l == "" || len(l) > 63 {
			return "", fmt.Errorf("%w: bad host label", ErrInvalidURL)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("%w: bad character in host", ErrInvalidURL)
			}
		}
	}
	return a, nil
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// canonicalEscapes rewrites an escaped path or query component so that equal
// strings have one spelling: escapes of unreserved characters are decoded,
// other escapes use upper-case hex, a stray "%" becomes "%25", and bytes that
// may not appear raw are escaped. In a query component (query true), "&", "#"
// and "+" keep their meaning and so are left as they are written.
func canonicalEscapes(s string, query bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(v) {
				b.WriteByte(v)
			} else {
				b.WriteByte('%')
				b.WriteByte(hex[v>>4])
				b.WriteByte(hex[v&15])
			}
			i += 2
		case isUnreserved(c) || strings.IndexByte("!$&'()*+,;=:@/", c) >= 0 || query && c == '?':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// removeDotSegments resolves "." and ".." segments of an absolute path as
// RFC 3986 §5.2.4 does.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") || !strings.HasPrefix(p, "/") {
		return p
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

// normalizeQuery drops empty and tracking parameters from a raw query,
// canonicalises the escapes of the rest and sorts them by name, then value.
func normalizeQuery(raw, host string) string {
	if raw == "" {
		return ""
	}
	type param struct{ key, text string }
	var params []param
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		key, value, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(key)
		if err != nil {
			name = key
		}
		if isTrackingParam(strings.ToLower(name), host) {
			continue
		}
		k := canonicalEscapes(key, true)
		text := k
		if hasValue {
			text += "=" + canonicalEscapes(value, true)
		}
		params = append(params, param{k, text})
	}
	sort.Slice(params, func(i, j int) bool {
		if params[i].key != params[j].key {
			return params[i].key < params[j].key
		}
		return params[i].text < params[j].text
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// trackingParams are query parameters that identify a click, a campaign or a
// sharer rather than the page.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "twclid": true, "ttclid": true, "li_fat_id": true,
	"mc_cid": true, "mc_eid": true, "igshid": true, "igsh": true, "ref_src": true, "ref_url": true,
	"_ga": true, "_gl": true, "_hsenc": true, "_hsmi": true, "__hstc": true, "__hssc": true,
	"__hsfp": true, "hsctatracking": true, "mkt_tok": true, "oly_anon_id": true, "oly_enc_id": true,
	"vero_id": true, "vero_conv": true, "wickedid": true, "s_cid": true, "srsltid": true,
}

// siteTrackingParams are tracking parameters only on some sites (and their
// subdomains); elsewhere the same names can select content.
var siteTrackingParams = map[string][]string{
	"youtube.com":   {"si", "feature", "pp"},
	"youtu.be":      {"si", "feature"},
	"spotify.com":   {"si", "context"},
	"twitter.com":   {"s", "t"},
	"x.com":         {"s", "t"},
	"instagram.com": {"img_index"},
}

func isTrackingParam(name, host string) bool {
	if strings.HasPrefix(name, "utm_") || trackingParams[name] {
		return true
	}
	for domain, names := range siteTrackingParams {
		if host == domain || strings.HasSuffix(host, "."+domain) {
			for _, n := range names {
				if n == name {
					return true
				}
			}
		}
	}
	return false
}
