package service

import (
	"bytes"
	"net/http/httptest"
	"testing"
)

type seekCloser struct{ *bytes.Reader }

func (seekCloser) Close() error { return nil }

// TestMediaNeverRunsAsAPage: whatever type the sender claimed, only raster
// images, audio and video are shown inline; the rest is a sandboxed,
// non-sniffable download, on every route that serves media (they all go
// through ServeMedia).
func TestMediaNeverRunsAsAPage(t *testing.T) {
	for _, tc := range []struct {
		claimed, want string
		inline        bool
	}{
		{"image/jpeg", "image/jpeg", true},
		{"image/png", "image/png", true},
		{"audio/ogg; codecs=opus", "audio/ogg; codecs=opus", true},
		{"video/mp4", "video/mp4", true},
		{"text/html", "application/octet-stream", false},
		{"text/html; charset=utf-8", "application/octet-stream", false},
		{"image/svg+xml", "application/octet-stream", false},
		{"application/pdf", "application/octet-stream", false},
		{"application/xhtml+xml", "application/octet-stream", false},
		{"text/javascript", "application/octet-stream", false},
		{"", "application/octet-stream", false},
		{"image/jpeg; x=\x00", "application/octet-stream", false},
	} {
		ct, inline := InlineType(tc.claimed)
		if ct != tc.want || inline != tc.inline {
			t.Errorf("InlineType(%q) = %q, %v; want %q, %v", tc.claimed, ct, inline, tc.want, tc.inline)
		}
		rec := httptest.NewRecorder()
		ServeMedia(rec, httptest.NewRequest("GET", "/x", nil), &MediaFile{
			ReadSeekCloser: seekCloser{bytes.NewReader([]byte("<html><script>alert(1)</script>"))},
			Hash:           "h", ContentType: ct, Inline: inline, Name: "x.html"})
		h := rec.Header()
		if h.Get("Content-Type") != tc.want || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "default-src 'none'; sandbox" {
			t.Errorf("%q served with %v", tc.claimed, h)
		}
		if disp := h.Get("Content-Disposition"); (disp == "inline") != tc.inline {
			t.Errorf("%q served with Content-Disposition %q", tc.claimed, disp)
		}
	}
}
