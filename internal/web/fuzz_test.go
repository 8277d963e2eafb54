package web

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var anchorOpen = regexp.MustCompile(`<a href="([^"]*)" rel="noopener noreferrer nofollow" target="_blank">`)

// checkMarkup verifies that out is in escaped from text plus only the
// allowed tags: removing those tags and unescaping gives text back, and no
// other "<" survives.
func checkMarkup(t *testing.T, text, out string, allowed ...*regexp.Regexp) {
	t.Helper()
	stripped := out
	for _, re := range allowed {
		stripped = re.ReplaceAllString(stripped, "")
	}
	if strings.ContainsAny(stripped, "<>\"'") {
		t.Fatalf("markup left in %q (from %q)", out, text)
	}
	if got := html.UnescapeString(stripped); got != text {
		t.Fatalf("text changed:\n in  %q\n out %q", text, got)
	}
}

var linkifySeeds = []string{
	"", "plain text", "see https://example.com/a?b=c&d=<e> now", "www.example.org/x and example.com/page.",
	`<script>alert(1)</script> https://x.io/"onmouseover="alert(1)`, "(https://example.com/path)", "https://a.b/c https://a.b/c twice",
	"javascript:alert(1) data:text/html,<b>x</b>", "ünïcödé https://ex.com/ä?ö=ü", "https://[::1]:80/", "*https://bold.example/*",
}

func FuzzLinkify(f *testing.F) {
	for _, s := range linkifySeeds {
		f.Add(s)
	}
	closeA := regexp.MustCompile(`</a>`)
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return // ingest cleans text to valid UTF-8 before it is stored
		}
		out := string(linkify(text))
		for _, m := range anchorOpen.FindAllStringSubmatch(out, -1) {
			u, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("link %q is not an http(s) URL (from %q)", m[1], text)
			}
		}
		if strings.Count(out, "<a ") != strings.Count(out, "</a>") {
			t.Fatalf("unbalanced anchors in %q", out)
		}
		checkMarkup(t, text, out, anchorOpen, closeA)
	})
}

func FuzzHighlight(f *testing.F) {
	for _, s := range linkifySeeds {
		f.Add(s, "exam")
	}
	f.Add("Ação rápida <b>AÇÃO</b>", "acao")
	f.Add("נִסָּיוֹן test", "נסיון")
	mark := regexp.MustCompile(`</?mark>`)
	f.Fuzz(func(t *testing.T, text, q string) {
		if !utf8.ValidString(text) {
			return
		}
		out := string(highlight(text, searchTerms(q)))
		if strings.Count(out, "<mark>") != strings.Count(out, "</mark>") {
			t.Fatalf("unbalanced marks in %q", out)
		}
		checkMarkup(t, text, out, mark)
	})
}

func TestLinkifyAndHighlight(t *testing.T) {
	for in, want := range map[string]string{
		"go to https://example.com/a?x=1&y=2.":      `go to <a href="https://example.com/a?x=1&amp;y=2" rel="noopener noreferrer nofollow" target="_blank">https://example.com/a?x=1&amp;y=2</a>.`,
		"<b>example.org/page</b>":                   `&lt;b&gt;<a href="https://example.org/page" rel="noopener noreferrer nofollow" target="_blank">example.org/page</a>&lt;/b&gt;`,
		`javascript:alert("x") and ftp://host/file`: `javascript:alert(&#34;x&#34;) and ftp://host/file`,
	} {
		if got := string(linkify(in)); got != want {
			t.Errorf("linkify(%q)\n got %s\nwant %s", in, got, want)
		}
	}
	if got := string(highlight("Ação <rápida> acaoX", searchTerms("acao"))); got != "<mark>Ação</mark> &lt;rápida&gt; <mark>acaoX</mark>" {
		t.Errorf("highlight: %s", got)
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/tasks?view=done", "//evil.example", "/\\evil.example", "https://evil.example", "/%2F%2Fevil",
		"/\t/evil", "javascript:alert(1)", "/a#b", "", "/ok?next=//evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next, "/home")
		if got == "/home" {
			return
		}
		if got != next {
			t.Fatalf("safeNext(%q) = %q: changed, not refused", next, got)
		}
		// What a browser would make of it, relative to this site, stays
		// on this site.
		base, _ := url.Parse("https://synapse.example/page")
		u, err := base.Parse(got)
		if err != nil || u.Host != "synapse.example" || u.Scheme != "https" {
			t.Fatalf("safeNext(%q) leads to %v (%v)", next, u, err)
		}
		if strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\t\r\n") {
			t.Fatalf("safeNext(%q) accepted a path browsers read as another host", next)
		}
	})
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/tasks?view=done": "/tasks?view=done", "/": "/", "": "/d", "//evil.example/x": "/d", "/\\evil.example": "/d",
		"https://evil.example/": "/d", "tasks": "/d", "/a\nb": "/d", "/%0d%0aSet-Cookie:x": "/%0d%0aSet-Cookie:x",
	} {
		if got := safeNext(in, "/d"); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
