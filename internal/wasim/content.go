package wasim

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"regexp"
	"time"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/util/cbcutil"
	"go.mau.fi/whatsmeow/util/hkdfutil"
)

// uploaded is a media file encrypted as WhatsApp encrypts it and stored on
// the simulator's media host.
type uploaded struct {
	directPath string
	mediaKey   []byte
	fileSHA256 []byte
	encSHA256  []byte
	length     uint64
}

// upload encrypts plain with a fresh media key (download.go: HKDF-SHA256 of
// the key with the media type's info string gives IV, AES-CBC key and HMAC
// key; the file is the ciphertext followed by the first 10 bytes of the
// HMAC of IV‖ciphertext) and stores it under a new direct path.
func (s *Server) upload(plain []byte, mt whatsmeow.MediaType) (*uploaded, error) {
	key := randomBytes(32)
	exp := hkdfutil.SHA256(key, nil, []byte(mt), 112)
	iv, cipherKey, macKey := exp[:16], exp[16:48], exp[48:80]
	enc, err := cbcutil.Encrypt(cipherKey, iv, plain)
	if err != nil {
		return nil, fmt.Errorf("wasim: encrypt media: %w", err)
	}
	mac := hmac.New(sha256.New, macKey)
	mac.Write(iv)
	mac.Write(enc)
	file := append(enc, mac.Sum(nil)[:10]...)
	encSum := sha256.Sum256(file)
	sum := sha256.Sum256(plain)
	path, direct := newDirectPath("/v/t62.7118-24/")
	s.storeMedia(path, file)
	return &uploaded{
		directPath: direct, mediaKey: key, fileSHA256: sum[:], encSHA256: encSum[:], length: uint64(len(plain)),
	}, nil
}

var urlPattern = regexp.MustCompile(`https?://[^\s]+`)

// textMessage is a text as WhatsApp clients send it: a text with a link
// goes out as an extended text message with the link as its matched text.
func textMessage(text string) *waE2E.Message {
	if u := urlPattern.FindString(text); u != "" {
		return &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
			Text: proto.String(text), MatchedText: proto.String(u),
			PreviewType: waE2E.ExtendedTextMessage_NONE.Enum(),
		}}
	}
	return &waE2E.Message{Conversation: proto.String(text)}
}

// SendText sends a text message. A text with a link goes out as an
// extended text message with the link as its matched text, as WhatsApp
// clients send it.
func (p *Phone) SendText(to, text string, opts ...SendOptions) (string, error) {
	return p.Send(to, textMessage(text), opts...)
}

// Image describes an image to send.
type Image struct {
	Data     []byte
	MimeType string // default image/jpeg
	Caption  string
	Width    int
	Height   int
}

func (s *Server) imageMessage(img Image) (*waE2E.Message, error) {
	if img.MimeType == "" {
		img.MimeType = "image/jpeg"
	}
	u, err := s.upload(img.Data, whatsmeow.MediaImage)
	if err != nil {
		return nil, err
	}
	m := &waE2E.ImageMessage{
		Mimetype: proto.String(img.MimeType), DirectPath: proto.String(u.directPath), MediaKey: u.mediaKey,
		FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256, FileLength: proto.Uint64(u.length),
		URL: proto.String(s.mediaURL(u.directPath)), MediaKeyTimestamp: proto.Int64(time.Now().Unix()),
	}
	if img.Caption != "" {
		m.Caption = proto.String(img.Caption)
	}
	if img.Width > 0 {
		m.Width, m.Height = proto.Uint32(uint32(img.Width)), proto.Uint32(uint32(img.Height))
	}
	return &waE2E.Message{ImageMessage: m}, nil
}

func (s *Server) mediaURL(directPath string) string {
	return "https://" + s.o.MediaHost + directPath + "&mms3=true"
}

// SendImage sends an image.
func (p *Phone) SendImage(to string, img Image, opts ...SendOptions) (string, error) {
	m, err := p.s.imageMessage(img)
	if err != nil {
		return "", err
	}
	return p.Send(to, m, opts...)
}

// SendVoice sends a voice note (push-to-talk audio, "audio/ogg; codecs=opus").
func (p *Phone) SendVoice(to string, ogg []byte, seconds int, opts ...SendOptions) (string, error) {
	return p.sendMedia(to, func() (*waE2E.Message, error) { return p.s.audioMessage(ogg, "audio/ogg; codecs=opus", seconds, true) }, opts)
}

// SendAudio sends an audio file that is not a voice note.
func (p *Phone) SendAudio(to string, data []byte, mimeType string, seconds int, opts ...SendOptions) (string, error) {
	return p.sendMedia(to, func() (*waE2E.Message, error) { return p.s.audioMessage(data, mimeType, seconds, false) }, opts)
}

func (p *Phone) sendMedia(to string, build func() (*waE2E.Message, error), opts []SendOptions) (string, error) {
	m, err := build()
	if err != nil {
		return "", err
	}
	return p.Send(to, m, opts...)
}

func (s *Server) audioMessage(data []byte, mime string, seconds int, ptt bool) (*waE2E.Message, error) {
	u, err := s.upload(data, whatsmeow.MediaAudio)
	if err != nil {
		return nil, err
	}
	return &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
		Mimetype: proto.String(mime), DirectPath: proto.String(u.directPath), MediaKey: u.mediaKey,
		FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256, FileLength: proto.Uint64(u.length),
		URL: proto.String(s.mediaURL(u.directPath)), MediaKeyTimestamp: proto.Int64(time.Now().Unix()),
		Seconds: proto.Uint32(uint32(seconds)), PTT: proto.Bool(ptt),
	}}, nil
}

// Document describes a document to send.
type Document struct {
	Data     []byte
	MimeType string // default application/octet-stream
	FileName string
	Caption  string
}

func (s *Server) documentMessage(doc Document) (*waE2E.Message, error) {
	if doc.MimeType == "" {
		doc.MimeType = "application/octet-stream"
	}
	u, err := s.upload(doc.Data, whatsmeow.MediaDocument)
	if err != nil {
		return nil, err
	}
	m := &waE2E.DocumentMessage{
		Mimetype: proto.String(doc.MimeType), DirectPath: proto.String(u.directPath), MediaKey: u.mediaKey,
		FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256, FileLength: proto.Uint64(u.length),
		URL: proto.String(s.mediaURL(u.directPath)), MediaKeyTimestamp: proto.Int64(time.Now().Unix()),
		FileName: proto.String(doc.FileName), Title: proto.String(doc.FileName),
	}
	if doc.Caption != "" {
		m.Caption = proto.String(doc.Caption)
	}
	return &waE2E.Message{DocumentMessage: m}, nil
}

// SendDocument sends a document.
func (p *Phone) SendDocument(to string, doc Document, opts ...SendOptions) (string, error) {
	return p.sendMedia(to, func() (*waE2E.Message, error) { return p.s.documentMessage(doc) }, opts)
}

func (s *Server) videoMessage(data []byte, mimeType, caption string, seconds int) (*waE2E.Message, error) {
	if mimeType == "" {
		mimeType = "video/mp4"
	}
	u, err := s.upload(data, whatsmeow.MediaVideo)
	if err != nil {
		return nil, err
	}
	m := &waE2E.VideoMessage{
		Mimetype: proto.String(mimeType), DirectPath: proto.String(u.directPath), MediaKey: u.mediaKey,
		FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256, FileLength: proto.Uint64(u.length),
		URL: proto.String(s.mediaURL(u.directPath)), MediaKeyTimestamp: proto.Int64(time.Now().Unix()),
		Seconds: proto.Uint32(uint32(seconds)),
	}
	if caption != "" {
		m.Caption = proto.String(caption)
	}
	return &waE2E.Message{VideoMessage: m}, nil
}

// SendVideo sends a video.
func (p *Phone) SendVideo(to string, data []byte, mimeType, caption string, seconds int, opts ...SendOptions) (string, error) {
	return p.sendMedia(to, func() (*waE2E.Message, error) { return p.s.videoMessage(data, mimeType, caption, seconds) }, opts)
}

func (s *Server) stickerMessage(webp []byte) (*waE2E.Message, error) {
	u, err := s.upload(webp, whatsmeow.MediaImage)
	if err != nil {
		return nil, err
	}
	return &waE2E.Message{StickerMessage: &waE2E.StickerMessage{
		Mimetype: proto.String("image/webp"), DirectPath: proto.String(u.directPath), MediaKey: u.mediaKey,
		FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256, FileLength: proto.Uint64(u.length),
		URL: proto.String(s.mediaURL(u.directPath)), MediaKeyTimestamp: proto.Int64(time.Now().Unix()),
	}}, nil
}

// SendSticker sends a sticker (WebP).
func (p *Phone) SendSticker(to string, webp []byte, opts ...SendOptions) (string, error) {
	return p.sendMedia(to, func() (*waE2E.Message, error) { return p.s.stickerMessage(webp) }, opts)
}

// Location describes a shared place.
type Location struct {
	Latitude, Longitude float64
	Name, Address, URL  string
}

func locationMessage(loc Location) *waE2E.Message {
	m := &waE2E.LocationMessage{DegreesLatitude: proto.Float64(loc.Latitude), DegreesLongitude: proto.Float64(loc.Longitude)}
	if loc.Name != "" {
		m.Name = proto.String(loc.Name)
	}
	if loc.Address != "" {
		m.Address = proto.String(loc.Address)
	}
	if loc.URL != "" {
		m.URL = proto.String(loc.URL)
	}
	return &waE2E.Message{LocationMessage: m}
}

// SendLocation shares a place.
func (p *Phone) SendLocation(to string, loc Location, opts ...SendOptions) (string, error) {
	return p.Send(to, locationMessage(loc), opts...)
}

func contactMessage(displayName, vcard string) *waE2E.Message {
	return &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String(displayName), Vcard: proto.String(vcard)}}
}

// SendContact shares a contact card.
func (p *Phone) SendContact(to, displayName, vcard string, opts ...SendOptions) (string, error) {
	return p.Send(to, contactMessage(displayName, vcard), opts...)
}
