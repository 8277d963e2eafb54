package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/store"
)

// sniffType asks serveBlob to tell a file's type from its first bytes.
const sniffType = "sniff"

// mediaRef is a file to send: its content hash in the media store and its
// type as recorded.
type mediaRef struct {
	hash, ctype, name string
}

// media wraps a handler that finds one of the person's files. Someone
// else's ids, like unknown ones and files not downloaded yet, are 404.
func (h *Handler) media(find func(r *http.Request, v *viewer) (mediaRef, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h.viewer(w, r)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		ref, err := find(r, v)
		if err == nil && (ref.hash == "" || h.o.Blobs == nil) {
			err = store.ErrNotFound
		}
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				http.NotFound(w, r)
				return
			}
			h.fail(w, r, v, err)
			return
		}
		h.serveBlob(w, r, v, ref)
	}
}

// serveBlob sends a media file: private to its owner, cacheable for long
// (a hash names its content), never able to run as a page of this site
// (sandboxed, and only image, audio and video types are shown inline).
func (h *Handler) serveBlob(w http.ResponseWriter, r *http.Request, v *viewer, ref mediaRef) {
	f, _, err := h.o.Blobs.Open(r.Context(), v.User.ID, ref.hash)
	if errors.Is(err, media.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	defer f.Close()
	if ref.ctype == sniffType {
		buf := make([]byte, 512)
		n, _ := io.ReadFull(f, buf)
		ref.ctype = http.DetectContentType(buf[:n])
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			h.fail(w, r, v, err)
			return
		}
	}
	ct, inline := inlineType(ref.ctype)
	hdr := w.Header()
	hdr.Set("Content-Type", ct)
	hdr.Set("ETag", `"`+ref.hash+`"`)
	hdr.Set("Cache-Control", "private, max-age=31536000, immutable")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if inline {
		hdr.Set("Content-Disposition", "inline")
	} else {
		disp := mime.FormatMediaType("attachment", map[string]string{"filename": ref.name})
		if disp == "" || ref.name == "" {
			disp = "attachment"
		}
		hdr.Set("Content-Disposition", disp)
	}
	http.ServeContent(w, r, "", time.Time{}, f)
}

// inlineType returns the type to send a file with and whether a browser
// may show it in the page: raster images, audio and video. Everything else
// (HTML, SVG, PDF, unknown) is sent as a download.
func inlineType(ct string) (string, bool) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "application/octet-stream", false
	}
	switch {
	case mt == "image/png", mt == "image/jpeg", mt == "image/gif", mt == "image/webp":
		return mt, true
	case strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"):
		if c := params["codecs"]; c != "" {
			return mime.FormatMediaType(mt, map[string]string{"codecs": c}), true
		}
		return mt, true
	}
	return "application/octet-stream", false
}

func (h *Handler) imageThumbnail(r *http.Request, v *viewer) (mediaRef, error) {
	im, err := h.o.Store.GetImage(r.Context(), v.User.ID, r.PathValue("id"))
	if err != nil {
		return mediaRef{}, err
	}
	if im.ThumbSHA256 == "" {
		return mediaRef{hash: im.SHA256, ctype: im.MimeType}, nil
	}
	return mediaRef{hash: im.ThumbSHA256, ctype: "image/jpeg"}, nil
}

func (h *Handler) imageOriginal(r *http.Request, v *viewer) (mediaRef, error) {
	im, err := h.o.Store.GetImage(r.Context(), v.User.ID, r.PathValue("id"))
	return mediaRef{hash: im.SHA256, ctype: im.MimeType, name: "image"}, err
}

func (h *Handler) voiceMemoAudio(r *http.Request, v *viewer) (mediaRef, error) {
	m, err := h.o.Store.GetVoiceMemo(r.Context(), v.User.ID, r.PathValue("id"))
	return mediaRef{hash: m.SHA256, ctype: m.MimeType, name: "voice-memo.ogg"}, err
}

func (h *Handler) bookmarkImage(r *http.Request, v *viewer) (mediaRef, error) {
	b, err := h.o.Store.GetBookmark(r.Context(), v.User.ID, r.PathValue("id"))
	if err != nil {
		return mediaRef{}, err
	}
	// The preview's type is what its bytes are; sniff rather than trust the
	// site that served it.
	return mediaRef{hash: b.ImageSHA256, ctype: sniffType}, nil
}

// messageMedia is a message's attachment, once the pipeline has downloaded
// it: served from the person's own record of it, never by the hash the
// message claims (the sender chose that).
func (h *Handler) messageMedia(r *http.Request, v *viewer) (mediaRef, error) {
	chat, id := r.PathValue("chat"), r.PathValue("id")
	if len(chat) > maxChatID || len(id) > 128 {
		return mediaRef{}, store.ErrNotFound
	}
	m, err := h.o.Store.GetMessage(r.Context(), v.User.ID, chat, id)
	if err != nil {
		return mediaRef{}, err
	}
	if m.Media == nil {
		return mediaRef{}, store.ErrNotFound
	}
	stored, err := h.o.Store.MessageMedia(r.Context(), v.User.ID, chat, id)
	if err != nil {
		return mediaRef{}, err
	}
	return mediaRef{hash: stored.SHA256, ctype: stored.MimeType, name: m.Media.FileName}, nil
}
