package web

import (
	"errors"
	"net/http"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// media wraps a handler that opens one of the person's files. Someone
// else's ids, like unknown ones and files not downloaded yet, are 404.
func (h *Handler) media(open func(r *http.Request, v *viewer) (*service.MediaFile, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h.viewer(w, r)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		f, err := open(r, v)
		if errors.Is(err, store.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		if r.URL.Query().Get("download") == "1" {
			f.Inline = false
		}
		service.ServeMedia(w, r, f)
	}
}

func (h *Handler) imageThumbnail(r *http.Request, v *viewer) (*service.MediaFile, error) {
	return h.o.Service.ImageFile(r.Context(), v.User.ID, r.PathValue("id"), true)
}

func (h *Handler) imageOriginal(r *http.Request, v *viewer) (*service.MediaFile, error) {
	return h.o.Service.ImageFile(r.Context(), v.User.ID, r.PathValue("id"), false)
}

func (h *Handler) voiceMemoAudio(r *http.Request, v *viewer) (*service.MediaFile, error) {
	return h.o.Service.VoiceMemoAudio(r.Context(), v.User.ID, r.PathValue("id"))
}

func (h *Handler) bookmarkImage(r *http.Request, v *viewer) (*service.MediaFile, error) {
	return h.o.Service.BookmarkImage(r.Context(), v.User.ID, r.PathValue("id"))
}

// messageMedia is a message's attachment, once the pipeline has stored it.
func (h *Handler) messageMedia(r *http.Request, v *viewer) (*service.MediaFile, error) {
	return h.o.Service.MessageMedia(r.Context(), v.User.ID, r.PathValue("chat"), r.PathValue("id"))
}
