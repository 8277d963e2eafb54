package wasim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/util/cbcutil"
	"go.mau.fi/whatsmeow/util/hkdfutil"
)

// mediaFile is a file on the media host: encrypted media (or plain
// newsletter media) and, once it expired or was deleted, the status
// downloads get instead.
type mediaFile struct {
	data   []byte
	encSHA []byte // SHA-256 of data
	gone   int    // 0, or 404 / 410
}

// mediaAuthTTL is how long a media_conn auth token is valid (its
// auth_ttl).
const mediaAuthTTL = 6 * time.Hour

// mediaAuth makes a media_conn auth token: its expiry signed with the
// server's secret, so that the server keeps no state per token.
func (s *Server) mediaAuth() string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().Add(mediaAuthTTL).Unix()))
	mac := hmac.New(sha256.New, s.mediaSecret)
	mac.Write(b[:8])
	copy(b[8:], mac.Sum(nil))
	return base64.URLEncoding.EncodeToString(b[:])
}

func (s *Server) validMediaAuth(auth string) bool {
	b, err := base64.URLEncoding.DecodeString(auth)
	if err != nil || len(b) != 24 {
		return false
	}
	mac := hmac.New(sha256.New, s.mediaSecret)
	mac.Write(b[:8])
	return hmac.Equal(mac.Sum(nil)[:16], b[8:]) && time.Now().Unix() < int64(binary.BigEndian.Uint64(b[:8]))
}

// newDirectPath returns a direct path like WhatsApp's: the file name, then
// a query with the cache and expiry parameters (whatsmeow appends
// "&hash=…" to it, so it must have a query).
func newDirectPath(prefix string) (file, direct string) {
	file = prefix + strconv.FormatUint(uint64(randomUint32()), 10) + "_" + strconv.FormatUint(uint64(randomUint32()), 10) + "_n.enc"
	oe := strconv.FormatInt(time.Now().Add(14*24*time.Hour).Unix(), 16)
	return file, file + "?ccb=11-4&oh=01_" + randomID(12) + "&oe=" + strings.ToUpper(oe) + "&_nc_sid=5e03e0"
}

func (s *Server) storeMedia(path string, data []byte) {
	sum := sha256.Sum256(data)
	s.mu.Lock()
	s.media[path] = &mediaFile{data: data, encSHA: sum[:]}
	s.mu.Unlock()
}

func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.media[r.URL.Path]
	var data []byte
	var gone int
	if f != nil {
		data, gone = f.data, f.gone
	}
	s.mu.Unlock()
	switch {
	case f == nil:
		http.Error(w, "media not found", http.StatusNotFound)
	case gone != 0:
		http.Error(w, "media gone", gone)
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data)
	}
}

// uploadResponse is what the media host answers an upload with.
type uploadResponse struct {
	URL        string `json:"url"`
	DirectPath string `json:"direct_path"`
	Handle     string `json:"handle,omitempty"`
}

// serveUpload stores a file a client uploads (whatsmeow Upload: POST
// /mms/<type>/<token>?auth=…&token=…, the token being the URL-safe base64
// of the body's SHA-256; newsletter media under /newsletter/, unencrypted)
// and answers its URL and direct path, as WhatsApp's media host does.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !s.validMediaAuth(q.Get("auth")) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid auth"})
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 128<<20))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": err.Error()})
		return
	}
	sum := sha256.Sum256(data)
	token := r.PathValue("token")
	if token != base64.URLEncoding.EncodeToString(sum[:]) || q.Get("token") != token {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "token does not match the file"})
		return
	}
	prefix := "/v/t62.7118-24/"
	if strings.HasPrefix(r.URL.Path, "/newsletter/") {
		prefix = "/m1/v/t24/"
	}
	file, direct := newDirectPath(prefix)
	s.storeMedia(file, data)
	resp := uploadResponse{URL: "https://" + s.o.MediaHost + direct + "&mms3=true", DirectPath: direct}
	if strings.HasPrefix(r.URL.Path, "/newsletter/") {
		resp.Handle = randomID(16)
	}
	writeJSON(w, http.StatusOK, resp)
}

// serveMediaDelete deletes a file as whatsmeow's DeleteMedia asks (after
// downloading a history sync): DELETE /mms/<type>/<token>?d_md=<base64 of
// the direct path>&auth=…, the token naming the encrypted file's hash.
func (s *Server) serveMediaDelete(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !s.validMediaAuth(q.Get("auth")) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid auth"})
		return
	}
	path, err := base64.RawURLEncoding.DecodeString(q.Get("d_md"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad d_md"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.media[string(path)]
	if f == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	if r.PathValue("token") != base64.URLEncoding.EncodeToString(f.encSHA) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "token does not match the file"})
		return
	}
	delete(s.media, string(path))
	writeJSON(w, http.StatusOK, map[string]any{})
}

// mediaPath returns the path part of a direct path.
func mediaPath(directPath string) string {
	path, _, _ := strings.Cut(directPath, "?")
	return path
}

// SetMediaGone makes downloads of the media at directPath (as in a
// message's DirectPath) fail with status 404 (deleted) or 410 (expired),
// as WhatsApp's media host does once media is older than its retention.
func (s *Server) SetMediaGone(directPath string, status int) error {
	if status != http.StatusNotFound && status != http.StatusGone {
		return fmt.Errorf("wasim: media status must be 404 or 410, not %d", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.media[mediaPath(directPath)]
	if f == nil {
		return errUnknownMedia
	}
	f.gone = status
	return nil
}

var errUnknownMedia = errors.New("wasim: no media at this path")

// downloadable is the part of a message that carries media.
type downloadable interface {
	GetDirectPath() string
	GetMediaKey() []byte
	GetFileSHA256() []byte
	GetFileEncSHA256() []byte
}

func mediaOf(m *waE2E.Message) (downloadable, whatsmeow.MediaType) {
	switch {
	case m.ImageMessage != nil:
		return m.ImageMessage, whatsmeow.MediaImage
	case m.StickerMessage != nil:
		return m.StickerMessage, whatsmeow.MediaImage
	case m.VideoMessage != nil:
		return m.VideoMessage, whatsmeow.MediaVideo
	case m.AudioMessage != nil:
		return m.AudioMessage, whatsmeow.MediaAudio
	case m.DocumentMessage != nil:
		return m.DocumentMessage, whatsmeow.MediaDocument
	}
	return nil, ""
}

// fetchMedia downloads and decrypts the media of a message, as the phone
// that receives it does, into r.Media, checking the encrypted file's hash,
// its MAC and the plaintext's hash; r.MediaError says what failed.
func (s *Server) fetchMedia(r *RecordedMessage, m *waE2E.Message) {
	dl, mt := mediaOf(unwrap(m))
	if dl == nil {
		return
	}
	data, err := s.download(dl.GetDirectPath(), dl.GetMediaKey(), dl.GetFileSHA256(), dl.GetFileEncSHA256(), mt)
	if err != nil {
		r.MediaError = err.Error()
		return
	}
	r.Media = data
}

// download fetches a file from the media host and decrypts it
// (download.go: HKDF of the media key gives IV, AES key and MAC key).
func (s *Server) download(directPath string, mediaKey, fileSHA, encSHA []byte, mt whatsmeow.MediaType) ([]byte, error) {
	s.mu.Lock()
	f := s.media[mediaPath(directPath)]
	s.mu.Unlock()
	if f == nil || f.gone != 0 {
		return nil, errUnknownMedia
	}
	if !bytes.Equal(f.encSHA, encSHA) {
		return nil, errors.New("wasim: encrypted media hash mismatch")
	}
	if len(f.data) <= 10 || len(mediaKey) != 32 {
		return nil, errors.New("wasim: malformed media")
	}
	exp := hkdfutil.SHA256(mediaKey, nil, []byte(mt), 112)
	iv, cipherKey, macKey := exp[:16], exp[16:48], exp[48:80]
	enc, tag := f.data[:len(f.data)-10], f.data[len(f.data)-10:]
	mac := hmac.New(sha256.New, macKey)
	mac.Write(iv)
	mac.Write(enc)
	if !hmac.Equal(mac.Sum(nil)[:10], tag) {
		return nil, errors.New("wasim: media MAC mismatch")
	}
	plain, err := cbcutil.Decrypt(cipherKey, iv, bytes.Clone(enc))
	if err != nil {
		return nil, fmt.Errorf("wasim: decrypt media: %w", err)
	}
	if sum := sha256.Sum256(plain); !bytes.Equal(sum[:], fileSHA) {
		return nil, errors.New("wasim: media hash mismatch")
	}
	return plain, nil
}

// DeleteMedia removes every stored media file, as WhatsApp does after a
// while; later downloads get 404.
func (s *Server) DeleteMedia() {
	s.mu.Lock()
	clear(s.media)
	s.mu.Unlock()
}
