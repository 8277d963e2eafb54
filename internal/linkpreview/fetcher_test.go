package linkpreview

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// page is a local test site, reachable only because its address is in
// AllowedHosts.
type page struct {
	srv *httptest.Server
	f   *Fetcher
}

func newPage(t *testing.T, opts Options, h http.HandlerFunc) page {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts.AllowedHosts = append(opts.AllowedHosts, srv.Listener.Addr().String())
	f, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return page{srv: srv, f: f}
}

// serve answers every request with the content type and body.
func serve(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		_, _ = w.Write(body)
	}
}

func TestFetchPreviews(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		path        string
		contentType string
		body        string
		want        Preview // URL is filled in from path
		wantBase    bool    // ImageURL and FaviconURL are relative to the server
	}{
		{
			name:        "OpenGraph",
			path:        "/articles/42",
			contentType: "text/html; charset=utf-8",
			body: `<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="  The  Real
  Title ">
<meta property="og:description" content="What the article is about &amp; why.">
<meta property="og:site_name" content="Example News">
<meta property="og:image" content="/img/cover.png">
<meta property="og:image" content="/img/second.png">
<meta name="twitter:title" content="Twitter title">
<meta name="description" content="Meta description">
<link rel="shortcut icon" href="/favicon.ico">
</head><body><h1>Hi</h1></body></html>`,
			want: Preview{Title: "The Real Title", Description: "What the article is about & why.", SiteName: "Example News",
				ImageURL: "/img/cover.png", FaviconURL: "/favicon.ico", ContentType: "text/html"},
			wantBase: true,
		},
		{
			name:        "Twitter tags only",
			path:        "/t",
			contentType: "text/html",
			body: `<html><head><meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="Tweet-sized title"><meta name="twitter:description" content="Short.">
<meta name="twitter:image" content="https://cdn.example.com/t.jpg"></head></html>`,
			want: Preview{Title: "Tweet-sized title", Description: "Short.", ImageURL: "https://cdn.example.com/t.jpg", ContentType: "text/html"},
		},
		{
			name:        "only a title",
			path:        "/plain",
			contentType: "text/html",
			body:        "<html><head><title>\n   Hello &amp;\tWorld  \n</title></head><body><svg><title>icon</title></svg></body></html>",
			want:        Preview{Title: "Hello & World", ContentType: "text/html"},
		},
		{
			name:        "relative og:image against the page and a base href",
			path:        "/blog/2026/post.html",
			contentType: "text/html",
			body: `<head><meta property="og:image" content="../images/a.jpg?w=1200&amp;h=630">
<link rel="apple-touch-icon" href="touch.png"></head>`,
			want:     Preview{ImageURL: "/blog/images/a.jpg?w=1200&h=630", FaviconURL: "/blog/2026/touch.png", ContentType: "text/html"},
			wantBase: true,
		},
		{
			name:        "base href",
			path:        "/x",
			contentType: "text/html",
			body: `<head><base href="https://static.example.org/assets/"><meta property="og:image" content="img/a.png">
<link rel="icon" href="data:image/png;base64,AAAA"><link rel="icon" href="javascript:alert(1)"></head>`,
			want: Preview{ImageURL: "https://static.example.org/assets/img/a.png", ContentType: "text/html"},
		},
		{
			name:        "ISO-8859-1 from the header",
			path:        "/latin1",
			contentType: "text/html; charset=ISO-8859-1",
			body:        "<title>Caf\xe9 M\xfcller \xa7 Fu\xdfball</title><meta name=description content=\"Gr\xfc\xdfe\">",
			want:        Preview{Title: "Café Müller § Fußball", Description: "Grüße", ContentType: "text/html"},
		},
		{
			name:        "ISO-8859-1 from a meta tag",
			path:        "/latin1-meta",
			contentType: "text/html",
			body:        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><title>Ol\xe1 S\xe3o Paulo</title>",
			want:        Preview{Title: "Olá São Paulo", ContentType: "text/html"},
		},
		{
			name:        "XHTML",
			path:        "/x.xhtml",
			contentType: "application/xhtml+xml",
			body:        `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>XHTML page</title></head></html>`,
			want:        Preview{Title: "XHTML page", ContentType: "application/xhtml+xml"},
		},
		{
			name: "no content type: sniffed",
			path: "/sniff",
			body: "<!DOCTYPE html><html><head><title>Sniffed</title></head></html>",
			want: Preview{Title: "Sniffed", ContentType: "text/html"},
		},
		{
			name:        "not HTML",
			path:        "/doc.pdf",
			contentType: "application/pdf",
			body:        "%PDF-1.7 <title>not a page</title>",
			want:        Preview{ContentType: "application/pdf"},
		},
		{
			name:        "JSON",
			path:        "/api",
			contentType: "application/json",
			body:        `{"title":"<title>nope</title>"}`,
			want:        Preview{ContentType: "application/json"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ua atomic.Value
			p := newPage(t, Options{}, func(w http.ResponseWriter, r *http.Request) {
				ua.Store(r.UserAgent())
				serve(tc.contentType, []byte(tc.body))(w, r)
			})
			got, err := p.f.Fetch(context.Background(), p.srv.URL+tc.path)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.URL = p.srv.URL + tc.path
			if tc.wantBase {
				want.ImageURL = p.srv.URL + want.ImageURL
				if want.FaviconURL != "" {
					want.FaviconURL = p.srv.URL + want.FaviconURL
				}
			}
			if got != want {
				t.Errorf("preview =\n%+v\nwant\n%+v", got, want)
			}
			if got := ua.Load(); got != DefaultUserAgent {
				t.Errorf("User-Agent = %q", got)
			}
		})
	}
}

// A page larger than the limit is read up to the limit and parsed, quickly;
// what comes after the cut is not seen.
func TestFetchOversizedPage(t *testing.T) {
	t.Parallel()
	p := newPage(t, Options{MaxHTMLBytes: 64 << 10}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, `<html><head><title>Big page</title><meta name="description" content="Short"></head><body><p>`)
		// 40 MiB of 2-byte runes (so the cut can split one), unless cut off.
		chunk := bytes.Repeat([]byte("é"), 16<<10)
		for i := 0; i < 20*64 && r.Context().Err() == nil; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `</p><meta property="og:title" content="too late"></body></html>`)
	})
	start := time.Now()
	got, err := p.f.Fetch(context.Background(), p.srv.URL+"/big")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Big page" || got.Description != "Short" {
		t.Errorf("preview = %+v, want the title and description before the cut", got)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestFetchSlowPage(t *testing.T) {
	t.Parallel()
	p := newPage(t, Options{Timeout: 200 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/slow-body" {
			_, _ = io.WriteString(w, "<html><head>")
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	for _, path := range []string{"/slow-headers", "/slow-body"} {
		start := time.Now()
		_, err := p.f.Fetch(context.Background(), p.srv.URL+path)
		if err == nil || !IsRetryable(err) {
			t.Errorf("%s: err = %v, want a retryable timeout", path, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v with a 200ms limit", path, d)
		}
	}
}

func TestFetchStatus(t *testing.T) {
	t.Parallel()
	p := newPage(t, Options{}, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/gone":
			http.Error(w, "gone", http.StatusNotFound)
		case "/busy":
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case "/slow-down":
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}
	})
	for path, retry := range map[string]bool{"/gone": false, "/busy": true, "/slow-down": true} {
		_, err := p.f.Fetch(context.Background(), p.srv.URL+path)
		var se *StatusError
		if !errors.As(err, &se) || IsRetryable(err) != retry {
			t.Errorf("%s: err = %v (retryable %v), want a StatusError, retryable %v", path, err, IsRetryable(err), retry)
		}
	}
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 255, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFetchImage(t *testing.T) {
	t.Parallel()
	pngData := pngBytes(t)
	big := append(append([]byte{}, pngData...), make([]byte, 4096)...)
	p := newPage(t, Options{}, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.png":
			serve("image/png", pngData)(w, r)
		case "/mislabelled.jpg":
			serve("image/jpeg", pngData)(w, r) // what the bytes are counts
		case "/fake.png":
			serve("image/png", []byte("<html><script>alert(1)</script></html>"))(w, r)
		case "/logo.svg":
			serve("image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))(w, r)
		case "/big.png":
			serve("image/png", big)(w, r)
		case "/big-chunked.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(big[:100])
			w.(http.Flusher).Flush()
			_, _ = w.Write(big[100:])
		case "/empty.png":
			w.Header().Set("Content-Type", "image/png")
		}
	})
	for _, path := range []string{"/a.png", "/mislabelled.jpg"} {
		data, ct, err := p.f.FetchImage(context.Background(), p.srv.URL+path, 1024)
		if err != nil || ct != "image/png" || !bytes.Equal(data, pngData) {
			t.Errorf("%s: %d bytes, %q, %v; want the PNG", path, len(data), ct, err)
		}
	}
	for path, want := range map[string]error{
		"/fake.png":        ErrNotImage,
		"/logo.svg":        ErrNotImage,
		"/empty.png":       ErrNotImage,
		"/big.png":         ErrTooLarge,
		"/big-chunked.png": ErrTooLarge,
	} {
		if _, _, err := p.f.FetchImage(context.Background(), p.srv.URL+path, 1024); !errors.Is(err, want) || IsRetryable(err) {
			t.Errorf("%s: err = %v, want %v", path, err, want)
		}
	}
}

func TestSniffImageAVIF(t *testing.T) {
	t.Parallel()
	avif := append([]byte{0, 0, 0, 0x20}, []byte("ftypavif\x00\x00\x00\x00mif1miaf")...)
	if got := sniffImage(avif); got != "image/avif" {
		t.Errorf("sniffImage(avif) = %q", got)
	}
}

func TestIsRetryable(t *testing.T) {
	t.Parallel()
	if IsRetryable(nil) || IsRetryable(errors.New("x")) {
		t.Error("nil or a plain error is retryable")
	}
	if !IsRetryable(context.DeadlineExceeded) {
		t.Error("a deadline is not retryable")
	}
	f, _ := New(Options{LookupIP: fakeDNS(nil)})
	_, err := f.Fetch(context.Background(), "http://no-such-host.example/")
	if err == nil || IsRetryable(err) || !strings.Contains(err.Error(), "no-such-host.example") {
		t.Errorf("unknown host: %v, want a permanent error naming the host", err)
	}
}
