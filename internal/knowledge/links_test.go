package knowledge

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestExtractLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"none", "see you tomorrow at 5", nil},
		{"explicit", "look https://example.com/a?b=1 ok", []string{"https://example.com/a?b=1"}},
		{"explicit http upper", "HTTP://Example.com/X", []string{"HTTP://Example.com/X"}},
		{"trailing full stop", "Read this: https://example.com/page.", []string{"https://example.com/page"}},
		{"trailing punctuation run", "wow https://example.com/x?!...", []string{"https://example.com/x"}},
		{"question mark", "Have you seen https://example.com/?", []string{"https://example.com/"}},
		{"comma list", "https://a.com,https://b.com;http://c.com", []string{"https://a.com", "https://b.com", "http://c.com"}},
		{"two links comma space", "https://a.com, https://b.com", []string{"https://a.com", "https://b.com"}},
		{"parenthesised", "(see https://example.com/page)", []string{"https://example.com/page"}},
		{"balanced parens kept", "https://en.wikipedia.org/wiki/Go_(language) is nice", []string{"https://en.wikipedia.org/wiki/Go_(language)"}},
		{"balanced parens then close", "(https://en.wikipedia.org/wiki/Go_(language))", []string{"https://en.wikipedia.org/wiki/Go_(language)"}},
		{"brackets", "[https://example.com/x]", []string{"https://example.com/x"}},
		{"angle brackets", "<https://example.com/x>", []string{"https://example.com/x"}},
		{"quotes", `"https://example.com/x" and 'www.site.org'`, []string{"https://example.com/x", "https://www.site.org"}},
		{"typographic quotes", "“https://example.com/x”", []string{"https://example.com/x"}},
		{"bold", "*https://example.com/x*", []string{"https://example.com/x"}},
		{"italic", "_https://example.com/a_b_", []string{"https://example.com/a_b"}},
		{"underscore kept without italics", "https://example.com/a_", []string{"https://example.com/a_"}},
		{"strike", "~www.example.com~", []string{"https://www.example.com"}},
		{"bare with path", "go to example.com/page now", []string{"https://example.com/page"}},
		{"bare www", "www.site.org", []string{"https://www.site.org"}},
		{"bare known tld", "check google.com.br", []string{"https://google.com.br"}},
		{"bare wa.me", "wa.me/5511999999999", []string{"https://wa.me/5511999999999"}},
		{"bare unknown tld without path", "file.txt and node.js and hello.there", nil},
		{"bare unknown tld with path", "hello.there/x", []string{"https://hello.there/x"}},
		{"bare with port", "localhost.dev:8080/x", []string{"https://localhost.dev:8080/x"}},
		{"bare sentence end", "Visit example.com.", []string{"https://example.com"}},
		{"email ignored", "mail john.doe@example.com or jane@gmail.com", nil},
		{"email and link", "write to a@b.com, see b.com/x", []string{"https://b.com/x"}},
		{"mention ignored", "@example.com", nil},
		{"mailto ignored", "mailto:joe@example.com", nil},
		{"ftp ignored", "ftp://example.com/file", nil},
		{"missing space after stop", "I went there.it was great", nil},
		{"abbreviations", "e.g. i.e. etc. U.S.A.", nil},
		{"decimal", "costs 3.50 or 1.5/2", nil},
		{"clock time", "at 10:30am", nil},
		{"idn", "café.com/menu", []string{"https://café.com/menu"}},
		{"duplicates", "https://example.com/a https://EXAMPLE.com/a?utm_source=x example.com/a", []string{"https://example.com/a"}},
		{"scheme only", "http:// and https://", nil},
		{"empty host label", "http://.0 https://a..b/ http://-.x", nil}, // found by FuzzSummarise
		{"ipv4", "http://192.168.0.1:8080/x", []string{"http://192.168.0.1:8080/x"}},
		{"ipv6", "http://[::1]/x", []string{"http://[::1]/x"}},
		{"bad port", "https://example.com:99x/", nil},
		{"port out of range", "https://example.com:99999/ and example.org:70000/x", nil},
		{"inside word", "xhttps://example.com", nil},
		{"portuguese", "Olha esse site: www.exemplo.com.br/pagina, é ótimo!", []string{"https://www.exemplo.com.br/pagina"}},
		{"spanish", "¿Viste https://elpais.es/noticia?", []string{"https://elpais.es/noticia"}},
		{"hebrew around", "תראה https://example.co.il/x בבקשה", []string{"https://example.co.il/x"}},
		{"fragment kept", "https://example.com/a#b", []string{"https://example.com/a#b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExtractLinks(tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("ExtractLinks(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestExtractLinksCap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, "https://example.com/%d ", i)
	}
	got := ExtractLinks(b.String())
	if len(got) != MaxLinks {
		t.Fatalf("got %d links, want %d", len(got), MaxLinks)
	}
	if got[0] != "https://example.com/0" || got[MaxLinks-1] != "https://example.com/19" {
		t.Errorf("links out of order: first %q, last %q", got[0], got[MaxLinks-1])
	}
}

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"https://example.com", "https://example.com/"},
		{"HTTPS://EXAMPLE.COM/Path", "https://example.com/Path"},
		{"http://example.com:80/a", "http://example.com/a"},
		{"https://example.com:443/a", "https://example.com/a"},
		{"http://example.com:443/a", "http://example.com:443/a"},
		{"https://example.com:08080/a", "https://example.com:8080/a"},
		{"https://example.com/a#section", "https://example.com/a"},
		{"https://user:pass@example.com/a", "https://example.com/a"},
		{"https://example.com./a", "https://example.com/a"},
		{"https://example.com/a/", "https://example.com/a/"},
		{"https://example.com/a/./b/../c", "https://example.com/a/c"},
		{"https://example.com/%7euser/%e2%82%ac", "https://example.com/~user/%E2%82%AC"},
		{"https://example.com/a%2Fb", "https://example.com/a%2Fb"},
		{"https://example.com/?b=2&a=1&a=0", "https://example.com/?a=0&a=1&b=2"},
		{"https://example.com/?", "https://example.com/"},
		{"https://example.com/?&&x=1&", "https://example.com/?x=1"},
		{"https://example.com/p?utm_source=wa&utm_medium=social&id=7", "https://example.com/p?id=7"},
		{"https://example.com/p?UTM_Campaign=x&fbclid=abc&gclid=1&dclid=2&msclkid=3", "https://example.com/p"},
		{"https://example.com/p?mc_cid=1&mc_eid=2&igshid=3&ref_src=twsrc", "https://example.com/p"},
		{"https://example.com/p?utm%5Fsource=x", "https://example.com/p"},
		{"https://www.youtube.com/watch?v=dQw4w9WgXcQ&si=abc", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
		{"https://youtu.be/dQw4w9WgXcQ?si=abc&t=42", "https://youtu.be/dQw4w9WgXcQ?t=42"},
		{"https://example.com/search?si=keep", "https://example.com/search?si=keep"},
		{"https://open.spotify.com/track/1?si=x", "https://open.spotify.com/track/1"},
		{"https://x.com/user/status/1?s=20&t=abc", "https://x.com/user/status/1"},
		{"https://münchen.de/", "https://xn--mnchen-3ya.de/"},
		{"https://MÜNCHEN.de/", "https://xn--mnchen-3ya.de/"},
		{"https://xn--mnchen-3ya.de/", "https://xn--mnchen-3ya.de/"},
		{"https://例え.jp/", "https://xn--r8jz45g.jp/"},
		{"https://café.com/menu", "https://xn--caf-dma.com/menu"},
		{"http://[2001:DB8::1]:8080/", "http://[2001:db8::1]:8080/"},
		{"http://192.168.0.1/", "http://192.168.0.1/"},
		{"  https://example.com/a  ", "https://example.com/a"},
		{"https://example.com/a b", "https://example.com/a%20b"},
		{"https://example.com/?q=a+b&q2=%20", "https://example.com/?q=a+b&q2=%20"},
		{"https://example.com/?q=%3d", "https://example.com/?q=%3D"},
	}
	for _, tt := range tests {
		got, err := NormalizeURL(tt.in)
		if err != nil {
			t.Errorf("NormalizeURL(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("NormalizeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		again, err := NormalizeURL(got)
		if err != nil || again != got {
			t.Errorf("NormalizeURL not idempotent on %q: %q, %v", got, again, err)
		}
	}
}

func TestNormalizeURLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want error
	}{
		{"ftp://example.com/", ErrUnsupportedScheme},
		{"mailto:joe@example.com", ErrUnsupportedScheme},
		{"example.com/page", ErrUnsupportedScheme},
		{"javascript:alert(1)", ErrUnsupportedScheme},
		{"https://", ErrInvalidURL},
		{"https:example.com", ErrInvalidURL},
		{"https://exa mple.com/", ErrInvalidURL},
		{"https://example.com:99999/", ErrInvalidURL},
		{"https://example.com/%zz", ErrInvalidURL},
		{"https://a..b.com/", ErrInvalidURL},
		{"https://ex!ample.com/", ErrInvalidURL},
		{"http://[fe80::1%25en0]/", ErrInvalidURL},
		{"https://example.com/" + strings.Repeat("a", MaxURLLength), ErrURLTooLong},
		{"https://example.com/" + strings.Repeat("é", 800), ErrURLTooLong}, // fits raw, not escaped
	}
	for _, tt := range tests {
		got, err := NormalizeURL(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("NormalizeURL(%.60q) = %q, %v; want error %v", tt.in, got, err, tt.want)
		}
	}
}
