package service

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/store"
)

// MediaFile is one of a person's stored files, opened for sending.
type MediaFile struct {
	io.ReadSeekCloser
	// Hash names the content (an ETag).
	Hash string
	// ContentType is what the file is sent as: the recorded type when it is
	// one a browser may show in a page (raster images, audio, video),
	// application/octet-stream otherwise.
	ContentType string
	// Inline reports whether a browser may show the file in a page; other
	// files are downloads named Name.
	Inline bool
	Name   string
}

// sniffType asks openBlob to tell a file's type from its first bytes.
const sniffType = "sniff"

// openBlob opens a file of the person's: blobs are content-addressed
// within each person's own space only, so someone else's file, like one
// not downloaded yet, is not found.
func (s *Service) openBlob(ctx context.Context, userID, hash, ctype, name string) (*MediaFile, error) {
	if hash == "" || s.o.Blobs == nil {
		return nil, store.ErrNotFound
	}
	f, _, err := s.o.Blobs.Open(ctx, userID, hash)
	if errors.Is(err, media.ErrNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if ctype == sniffType {
		buf := make([]byte, 512)
		n, _ := io.ReadFull(f, buf)
		ctype = http.DetectContentType(buf[:n])
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
	}
	ct, inline := InlineType(ctype)
	return &MediaFile{ReadSeekCloser: f, Hash: hash, ContentType: ct, Inline: inline, Name: name}, nil
}

// InlineType returns the type to send a file with and whether a browser
// may show it in a page: raster images, audio and video. Everything else
// (HTML, SVG, PDF, unknown) is sent as application/octet-stream, a
// download: a type that a sender chose never makes a file run as a page of
// this site.
func InlineType(ct string) (string, bool) {
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

// ServeMedia sends an opened file: private to its owner, cacheable for long
// (its hash names its content), sandboxed so that it can never run as a
// page of this site, with Range requests. It closes f.
func ServeMedia(w http.ResponseWriter, r *http.Request, f *MediaFile) {
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("ETag", `"`+f.Hash+`"`)
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	if f.Inline {
		h.Set("Content-Disposition", "inline")
	} else {
		disp := ""
		if f.Name != "" {
			disp = mime.FormatMediaType("attachment", map[string]string{"filename": f.Name})
		}
		if disp == "" {
			disp = "attachment"
		}
		h.Set("Content-Disposition", disp)
	}
	http.ServeContent(w, r, "", time.Time{}, f)
}

// ImageFile opens an image, or its thumbnail (a JPEG of at most 480 px;
// the original when none could be made).
func (s *Service) ImageFile(ctx context.Context, userID, id string, thumbnail bool) (*MediaFile, error) {
	im, err := s.Image(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if thumbnail && im.ThumbSHA256 != "" {
		return s.openBlob(ctx, userID, im.ThumbSHA256, "image/jpeg", "thumbnail.jpg")
	}
	return s.openBlob(ctx, userID, im.SHA256, im.MimeType, "image")
}

// VoiceMemoAudio opens a voice memo's audio.
func (s *Service) VoiceMemoAudio(ctx context.Context, userID, id string) (*MediaFile, error) {
	v, err := s.VoiceMemo(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	return s.openBlob(ctx, userID, v.SHA256, v.MimeType, "voice-memo.ogg")
}

// BookmarkImage opens a bookmark's preview image. Its type is what its
// bytes are, not what the site that served it claimed.
func (s *Service) BookmarkImage(ctx context.Context, userID, id string) (*MediaFile, error) {
	b, err := s.Bookmark(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	return s.openBlob(ctx, userID, b.ImageSHA256, sniffType, "preview")
}

// MessageMedia opens a message's attachment once the pipeline has
// downloaded it: from the person's own record of it, never by the hash the
// message claims (the sender chose that).
func (s *Service) MessageMedia(ctx context.Context, userID, chatID, id string) (*MediaFile, error) {
	if err := checkIDs(chatID, id); err != nil {
		return nil, err
	}
	m, err := s.o.Store.GetMessage(ctx, userID, chatID, id)
	if err != nil {
		return nil, err
	}
	if m.Media == nil {
		return nil, store.ErrNotFound
	}
	stored, err := s.o.Store.MessageMedia(ctx, userID, chatID, id)
	if errors.Is(err, store.ErrNotFound) {
		if ferr := s.mediaFailure(ctx, userID, chatID, id); ferr != nil {
			return nil, ferr
		}
	}
	if err != nil {
		return nil, err
	}
	return s.openBlob(ctx, userID, stored.SHA256, stored.MimeType, m.Media.FileName)
}

// DownloadMessageMedia asks for a message's document to be downloaded
// into the media store (documents over WHATSAPP_AUTO_DOWNLOAD_BYTES wait
// for this). It returns at once; the file is there when the message's
// media link works. Images and voice notes are downloaded by themselves.
func (s *Service) DownloadMessageMedia(ctx context.Context, userID, chatID, id string) error {
	if err := checkIDs(chatID, id); err != nil {
		return err
	}
	m, err := s.o.Store.GetMessage(ctx, userID, chatID, id)
	if err != nil {
		return err
	}
	if m.Media == nil || m.DeletedAt != nil {
		return store.ErrNotFound
	}
	if _, err := s.o.Store.MessageMedia(ctx, userID, chatID, id); err == nil {
		return nil // here already
	}
	if err := s.mediaFailure(ctx, userID, chatID, id); err != nil {
		return err
	}
	if s.o.Jobs == nil {
		return ErrUnavailable
	}
	return s.o.Jobs.DownloadMedia(ctx, userID, chatID, id)
}

// mediaFailure is ErrMediaExpired or ErrMediaTooLarge when a message's
// media can never be downloaded, else nil (other failures may pass).
func (s *Service) mediaFailure(ctx context.Context, userID, chatID, id string) error {
	reason, err := s.o.Store.MediaFailure(ctx, userID, chatID, id)
	switch {
	case err != nil:
		return nil
	case reason == store.MediaFailedGone:
		return ErrMediaExpired
	case reason == store.MediaFailedTooLarge:
		return ErrMediaTooLarge
	}
	return nil
}

// MessageMediaLinks are the web UI's links to a message's attachment and
// its thumbnail; both empty while nothing is stored for it.
func (s *Service) MessageMediaLinks(ctx context.Context, userID string, m store.Message) (media, thumb string) {
	if m.Media == nil || s.o.Blobs == nil {
		return "", ""
	}
	stored, err := s.o.Store.MessageMedia(ctx, userID, m.ChatID, m.ID)
	if err != nil {
		return "", ""
	}
	return s.mediaLinks(m, stored)
}

// MediaMissing says, for people, why a message's media is not here: it
// can never be downloaded (""; it is on its way, or not downloaded).
func (s *Service) MediaMissing(ctx context.Context, userID string, m store.Message) string {
	reason, err := s.o.Store.MediaFailure(ctx, userID, m.ChatID, m.ID)
	if err != nil || reason == "" {
		return ""
	}
	switch {
	case reason == store.MediaFailedGone || strings.Contains(reason, "no longer available"):
		return "No longer available on WhatsApp (it expired before Synapse could keep it)."
	case reason == store.MediaFailedTooLarge || strings.Contains(reason, "size limit"):
		return "Too large to keep here; it is still on your phone."
	}
	return "Could not be downloaded."
}

func (s *Service) mediaLinks(m store.Message, stored store.MessageMedia) (media, thumb string) {
	media = "/media/messages/" + url.PathEscape(m.ChatID) + "/" + url.PathEscape(m.ID)
	if stored.ThumbSHA256 != "" {
		thumb = "/media/images/" + url.PathEscape(stored.ImageID) + "/thumbnail"
	}
	return media, thumb
}
