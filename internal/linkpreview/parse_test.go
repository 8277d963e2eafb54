package linkpreview

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseHTMLEdges(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://example.com/a/b")
	tests := []struct {
		name string
		body string
		ct   string
		want Preview
	}{
		{"empty", "", "", Preview{}},
		{"unclosed title", "<title>Never closed", "text/html", Preview{Title: "Never closed"}},
		{"title in svg only", "<svg><title>x</title></svg><title>Page</title>", "text/html", Preview{Title: "Page"}},
		{"first title wins", "<title>One</title><title>Two</title>", "", Preview{Title: "One"}},
		{"control characters", "<title>a\x00b\x07c\u200bd</title>", "text/html; charset=utf-8", Preview{Title: "a\uFFFDb c d"}},
		{"empty og falls back", `<meta property="og:title" content="  "><title>T</title>`, "", Preview{Title: "T"}},
		{"uppercase keys", `<META PROPERTY="OG:TITLE" CONTENT="Shout">`, "", Preview{Title: "Shout"}},
		{"name and property", `<meta name="og:description" content="by name">`, "", Preview{Description: "by name"}},
		{"protocol-relative image", `<meta property="og:image" content="//cdn.example.net/i.png">`, "",
			Preview{ImageURL: "https://cdn.example.net/i.png"}},
		{"image with credentials", `<meta property="og:image" content="https://u:p@cdn.example.net/i.png">`, "",
			Preview{ImageURL: "https://cdn.example.net/i.png"}},
		{"base href javascript is ignored", `<base href="javascript:x"><meta property="og:image" content="i.png">`, "",
			Preview{ImageURL: "https://example.com/a/i.png"}},
		{"utf-16 BOM", "\xff\xfe<\x00t\x00i\x00t\x00l\x00e\x00>\x00H\x00i\x00<\x00/\x00t\x00i\x00t\x00l\x00e\x00>\x00", "",
			Preview{Title: "Hi"}},
		{"windows-1252 default", "<title>\x93quoted\x94</title>", "text/html", Preview{Title: "\u201cquoted\u201d"}},
	}
	for _, tc := range tests {
		got := ParseHTML([]byte(tc.body), tc.ct, base)
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestParseHTMLCapsFields(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ünïcödé ", 1000)
	body := `<title>` + long + `</title><meta name="description" content="` + long + `">` +
		`<meta property="og:site_name" content="` + long + `">` +
		`<meta property="og:image" content="/` + strings.Repeat("a", 3000) + `">`
	p := ParseHTML([]byte(body), "text/html; charset=utf-8", &url.URL{Scheme: "https", Host: "example.com"})
	for name, v := range map[string]struct {
		s string
		n int
	}{"title": {p.Title, maxTitle}, "description": {p.Description, maxDescription}, "site name": {p.SiteName, maxSiteName}} {
		if c := utf8.RuneCountInString(v.s); c != v.n || !strings.HasSuffix(v.s, "…") {
			t.Errorf("%s: %d runes, want %d ending in …", name, c, v.n)
		}
	}
	if p.ImageURL != "" {
		t.Errorf("an over-long image URL was kept: %d bytes", len(p.ImageURL))
	}
}

// FuzzParseHTML: any bytes, any content type, never a panic, and the result
// always within the documented bounds.
func FuzzParseHTML(f *testing.F) {
	seeds := []string{
		`<html><head><title>T</title><meta property="og:title" content="OG"><meta property="og:image" content="/i.png"></head></html>`,
		`<meta name="twitter:image" content="../x.jpg"><base href="https://b.example/c/"><link rel="icon" href="f.ico">`,
		"<title>Caf\xe9</title>",
		"\xfe\xff\x00<\x00t\x00i\x00t\x00l\x00e\x00>",
		`<svg><title>x</title><math><title>y</title></math></svg><title>z`,
		`<meta content="x" property="og:description"><meta content property=og:site_name>`,
		"<title>\x00\x01\u202e\ufeff</title>",
		`<base href="http://[::1"><meta property="og:image" content="http://%zz">`,
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s), "text/html")
	}
	f.Add([]byte("<title>x</title>"), "text/html; charset=iso-2022-jp")
	f.Add([]byte("<title>x</title>"), "text/html; charset=utf-16")
	f.Add([]byte("<title>x</title>"), "text/html; charset=\"")
	base, _ := url.Parse("https://example.com/dir/page?q=1")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		p := ParseHTML(body, contentType, base)
		for name, v := range map[string]struct {
			s string
			n int
		}{"Title": {p.Title, maxTitle}, "Description": {p.Description, maxDescription}, "SiteName": {p.SiteName, maxSiteName}} {
			if !utf8.ValidString(v.s) {
				t.Errorf("%s is not valid UTF-8: %q", name, v.s)
			}
			if c := utf8.RuneCountInString(v.s); c > v.n {
				t.Errorf("%s has %d runes, cap %d", name, c, v.n)
			}
			if strings.TrimSpace(v.s) != v.s || strings.Contains(v.s, "  ") {
				t.Errorf("%s is not trimmed and folded: %q", name, v.s)
			}
		}
		for name, u := range map[string]string{"ImageURL": p.ImageURL, "FaviconURL": p.FaviconURL} {
			if u == "" {
				continue
			}
			if len(u) > maxFieldURL || !utf8.ValidString(u) ||
				!(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
				t.Errorf("%s = %q is not a bounded http(s) URL", name, u)
			}
		}
		if p.URL != "" || p.ContentType != "" {
			t.Errorf("ParseHTML set URL or ContentType: %+v", p)
		}
	})
}
