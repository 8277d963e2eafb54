package linkpreview

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// Field caps, in characters (URLs: bytes).
const (
	maxTitle       = 300
	maxDescription = 1000
	maxSiteName    = 100
	maxFieldURL    = 2048
	// maxRawValue caps what is kept of one attribute or title while
	// scanning, before cleaning.
	maxRawValue = 16 << 10
)

// ParseHTML reads the metadata of an HTML document: OpenGraph (og:*),
// Twitter (twitter:*), <title>, <meta name="description">, icons and
// <base href>. body is decoded from the charset named by contentType (the
// Content-Type header value), a byte order mark or a <meta charset> in the
// first 1,024 bytes, defaulting to windows-1252 as browsers do. Relative
// image and icon URLs are resolved against the <base href>, else pageURL;
// with a nil pageURL only absolute URLs are kept. Any input is safe: the
// result always follows the rules documented on Preview (URL and
// ContentType are left empty).
func ParseHTML(body []byte, contentType string, pageURL *url.URL) Preview {
	m := scanHead(decode(body, contentType))

	base := pageURL
	if base != nil && !httpURL(base) {
		base = nil
	}
	if m.base != "" {
		if ref, err := url.Parse(m.base); err == nil {
			var b *url.URL
			if base != nil {
				b = base.ResolveReference(ref)
			} else if ref.IsAbs() {
				b = ref
			}
			if b != nil && httpURL(b) {
				base = b
			}
		}
	}

	p := Preview{
		Title:       firstText(maxTitle, m.meta["og:title"], m.meta["twitter:title"], m.title),
		Description: firstText(maxDescription, m.meta["og:description"], m.meta["twitter:description"], m.meta["description"]),
		SiteName:    firstText(maxSiteName, m.meta["og:site_name"], m.meta["application-name"]),
	}
	for _, key := range []string{"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"} {
		if p.ImageURL = resolve(base, m.meta[key]); p.ImageURL != "" {
			break
		}
	}
	for _, href := range []string{m.icon, m.touchIcon} {
		if p.FaviconURL = resolve(base, href); p.FaviconURL != "" {
			break
		}
	}
	return p
}

// decode converts body to UTF-8. A decoder error (which the encodings
// used here do not produce) falls back to the raw bytes.
func decode(body []byte, contentType string) []byte {
	enc, _, _ := charset.DetermineEncoding(body, contentType)
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// headMeta is what scanHead found. The first occurrence of each key wins.
type headMeta struct {
	title     string
	meta      map[string]string // og:*, twitter:*, description, application-name
	base      string
	icon      string
	touchIcon string
}

// scanHead tokenizes the document once. It keeps the first <title> outside
// <svg> and <math> (whose own <title> elements are not the page's), the
// first value of each interesting <meta>, the first <base href> and icons.
func scanHead(doc []byte) headMeta {
	m := headMeta{meta: map[string]string{}}
	z := html.NewTokenizer(bytes.NewReader(doc))
	foreign := 0 // depth inside <svg> or <math>
	inTitle, haveTitle := false, false
	var title strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if inTitle {
				m.title = title.String() // an unclosed <title> at the end
			}
			return m
		case html.TextToken:
			if inTitle && title.Len() < maxRawValue {
				title.Write(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "title":
				if inTitle {
					inTitle, haveTitle = false, true
					m.title = title.String()
				}
			case "svg", "math":
				if foreign > 0 {
					foreign--
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "svg", "math":
				if tt == html.StartTagToken {
					foreign++
				}
			case "title":
				if foreign == 0 && !haveTitle && tt == html.StartTagToken {
					inTitle = true
				}
			case "meta":
				if hasAttr {
					m.addMeta(attrs(z))
				}
			case "link":
				if hasAttr {
					m.addLink(attrs(z))
				}
			case "base":
				if a := attrs(z); m.base == "" && a["href"] != "" {
					m.base = a["href"]
				}
			}
		}
	}
}

// attrs returns a tag's attributes (first of each name; values capped).
func attrs(z *html.Tokenizer) map[string]string {
	a := map[string]string{}
	for {
		k, v, more := z.TagAttr()
		key := string(k)
		if _, dup := a[key]; !dup {
			if len(v) > maxRawValue {
				v = v[:maxRawValue]
			}
			a[key] = string(v)
		}
		if !more {
			return a
		}
	}
}

func (m *headMeta) addMeta(a map[string]string) {
	content, ok := a["content"]
	if !ok {
		return
	}
	for _, attr := range []string{"property", "name"} {
		key := strings.ToLower(strings.TrimSpace(a[attr]))
		switch {
		case strings.HasPrefix(key, "og:"), strings.HasPrefix(key, "twitter:"),
			key == "description", key == "application-name":
		default:
			continue
		}
		if _, seen := m.meta[key]; !seen && strings.TrimSpace(content) != "" {
			m.meta[key] = content
		}
	}
}

func (m *headMeta) addLink(a map[string]string) {
	href := strings.TrimSpace(a["href"])
	if href == "" {
		return
	}
	for _, rel := range strings.Fields(strings.ToLower(a["rel"])) {
		switch rel {
		case "icon":
			if m.icon == "" {
				m.icon = href
			}
		case "apple-touch-icon", "apple-touch-icon-precomposed":
			if m.touchIcon == "" {
				m.touchIcon = href
			}
		}
	}
}

// firstText is the first of vals that is not empty once cleaned.
func firstText(n int, vals ...string) string {
	for _, v := range vals {
		if c := cleanText(v, n); c != "" {
			return c
		}
	}
	return ""
}

// cleanText makes s valid UTF-8, turns control characters into spaces,
// folds white space, trims, and caps it at n characters, marking a cut
// with "…".
func cleanText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if utf8.RuneCountInString(out) <= n {
		return out
	}
	r := []rune(out)
	return strings.TrimRightFunc(string(r[:n-1]), unicode.IsSpace) + "…"
}

// resolve returns ref as an absolute http(s) URL against base, or "" when it
// is not one (data:, javascript:, too long, unparsable).
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > maxFieldURL {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		r = base.ResolveReference(r)
	}
	if !httpURL(r) {
		return ""
	}
	r.User = nil
	s := r.String()
	if len(s) > maxFieldURL || !utf8.ValidString(s) {
		return ""
	}
	return s
}

func httpURL(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
