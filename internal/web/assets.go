package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file, served under a URL that names its
// content hash: the URL changes whenever the file does, so browsers may
// keep it forever.
type asset struct {
	url   string
	ctype string
	etag  string
	body  []byte
	gz    []byte // nil when gzip does not help
}

type assets struct {
	byName map[string]*asset // "app.css"
	byFile map[string]*asset // "app.3f2a9c1d0b.css"
}

// loadAssets hashes (and gzips) every file under static/.
func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]*asset{}, byFile: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:5])
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		file := strings.TrimSuffix(path.Base(name), ext) + "." + hash + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		x := &asset{url: "/assets/" + file, ctype: ct, etag: `"` + hash + `"`, body: body}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(body)
		if zw.Close() == nil && gz.Len() < len(body)*9/10 {
			x.gz = gz.Bytes()
		}
		a.byName[name] = x
		a.byFile[file] = x
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: load assets: %w", err)
	}
	return a, nil
}

// assetURL is the content-hash URL of a static file, for templates.
func (h *Handler) assetURL(name string) (string, error) {
	a, ok := h.assets.byName[name]
	if !ok {
		return "", fmt.Errorf("web: no asset %q", name)
	}
	return a.url, nil
}

// serveAsset sends a static file, cacheable for a year (its URL changes
// with its content), gzipped when the browser accepts it.
func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets.byFile[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h.sendAsset(w, r, a, "public, max-age=31536000, immutable")
}

func (h *Handler) sendAsset(w http.ResponseWriter, r *http.Request, a *asset, cache string) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.ctype)
	hdr.Set("Cache-Control", cache)
	hdr.Set("ETag", a.etag)
	hdr.Set("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil && acceptsGzip(r) {
		hdr.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// acceptsGzip reports whether Accept-Encoding allows gzip (and not with
// q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
			return err == nil && f > 0
		}
		return true
	}
	return false
}

// favicon answers browsers that ask for /favicon.ico with the SVG icon.
func (h *Handler) favicon(w http.ResponseWriter, r *http.Request) {
	h.sendAsset(w, r, h.assets.byName["icon.svg"], "public, max-age=86400")
}
