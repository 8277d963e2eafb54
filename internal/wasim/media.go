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

// SendText sends a text message. A text with a link goes out as an
// extended text message with the link as its matched text, as WhatsApp
// clients send it.
func (p *Phone) SendText(to, text string, opts ...SendOptions) (string, error) {
	msg := &waE2E.Message{Conversation: proto.String(text)}
	if u := urlPattern.FindString(text); u != "" {
		msg = &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
			Text: proto.String(text), MatchedText: proto.String(u),
			PreviewType: waE2E.ExtendedTextMessage_NONE.Enum(),
		}}
	}
	return p.Send(to, msg, opts...)
}

// Image describes an image to send.
type Image struct {
	Data     []byte
	MimeType string // default image/jpeg
	Caption  string
	Width    int
	Height   int
}

// SendImage sends an image.
func (p *Phone) SendImage(to string, img Image, opts ...SendOptions) (string, error) {
	if img.MimeType == "" {
		img.MimeType = "image/jpeg"
	}
	u, err := p.s.upload(img.Data, whatsmeow.MediaImage)
	if err != nil {
		return "", err
	}
	m := &waE2E.ImageMessage{
		Mimetype: proto.String(img.MimeType), DirectPath: proto.String(u.directPath), MediaKey: u.mediaKey,
		FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256, FileLength: proto.Uint64(u.length),
		URL: proto.String("https://" + p.s.o.MediaHost + u.directPath), MediaKeyTimestamp: proto.Int64(time.Now().Unix()),
	}
	if img.Caption != "" {
		m.Caption = proto.String(img.Caption)
	}
	if img.Width > 0 {
		m.Width, m.Height = proto.Uint32(uint32(img.Width)), proto.Uint32(uint32(img.Height))
	}
	return p.Send(to, &waE2E.Message{ImageMessage: m}, opts...)
}

// SendVoice sends a voice note (push-to-talk audio, "audio/ogg; codecs=opus").
func (p *Phone) SendVoice(to string, ogg []byte, seconds int, opts ...SendOptions) (string, error) {
	return p.sendAudio(to, ogg, "audio/ogg; codecs=opus", seconds, true, opts...)
}

// SendAudio sends an audio file that is not a voice note.
func (p *Phone) SendAudio(to string, data []byte, mimeType string, seconds int, opts ...SendOptions) (string, error) {
	return p.sendAudio(to, data, mimeType, seconds, false, opts...)
}

func (p *Phone) sendAudio(to string, data []byte, mime string, seconds int, ptt bool, opts ...SendOptions) (string, error) {
	u, err := p.s.upload(data, whatsmeow.MediaAudio)
	if err != nil {
		return "", err
	}
	return p.Send(to, &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
		Mimetype: proto.String(mime), DirectPath: proto.String(u.directPath), MediaKey: u.mediaKey,
		FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256, FileLength: proto.Uint64(u.length),
		URL: proto.String("https://" + p.s.o.MediaHost + u.directPath), MediaKeyTimestamp: proto.Int64(time.Now().Unix()),
		Seconds: proto.Uint32(uint32(seconds)), PTT: proto.Bool(ptt),
	}}, opts...)
}

// Document describes a document to send.
type Document struct {
	Data     []byte
	MimeType string // default application/octet-stream
	FileName string
	Caption  string
}

// SendDocument sends a document.
func (p *Phone) SendDocument(to string, doc Document, opts ...SendOptions) (string, error) {
	if doc.MimeType == "" {
		doc.MimeType = "application/octet-stream"
	}
	u, err := p.s.upload(doc.Data, whatsmeow.MediaDocument)
	if err != nil {
		return "", err
	}
	m := &waE2E.DocumentMessage{
		Mimetype: proto.String(doc.MimeType), DirectPath: proto.String(u.directPath), MediaKey: u.mediaKey,
		FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256, FileLength: proto.Uint64(u.length),
		URL: proto.String("https://" + p.s.o.MediaHost + u.directPath), MediaKeyTimestamp: proto.Int64(time.Now().Unix()),
		FileName: proto.String(doc.FileName), Title: proto.String(doc.FileName),
	}
	if doc.Caption != "" {
		m.Caption = proto.String(doc.Caption)
	}
	return p.Send(to, &waE2E.Message{DocumentMessage: m}, opts...)
}

// SendVideo sends a video.
func (p *Phone) SendVideo(to string, data []byte, mimeType, caption string, seconds int, opts ...SendOptions) (string, error) {
	if mimeType == "" {
		mimeType = "video/mp4"
	}
	u, err := p.s.upload(data, whatsmeow.MediaVideo)
	if err != nil {
		return "", err
	}
	m := &waE2E.VideoMessage{
		Mimetype: proto.String(mimeType), DirectPath: proto.String(u.directPath), MediaKey: u.mediaKey,
		FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256, FileLength: proto.Uint64(u.length),
		URL: proto.String("https://" + p.s.o.MediaHost + u.directPath), MediaKeyTimestamp: proto.Int64(time.Now().Unix()),
		Seconds: proto.Uint32(uint32(seconds)),
	}
	if caption != "" {
		m.Caption = proto.String(caption)
	}
	return p.Send(to, &waE2E.Message{VideoMessage: m}, opts...)
}

// SendSticker sends a sticker (WebP).
func (p *Phone) SendSticker(to string, webp []byte, opts ...SendOptions) (string, error) {
	u, err := p.s.upload(webp, whatsmeow.MediaImage)
	if err != nil {
		return "", err
	}
	return p.Send(to, &waE2E.Message{StickerMessage: &waE2E.StickerMessage{
		Mimetype: proto.String("image/webp"), DirectPath: proto.String(u.directPath), MediaKey: u.mediaKey,
		FileSHA256: u.fileSHA256, FileEncSHA256: u.encSHA256, FileLength: proto.Uint64(u.length),
		URL: proto.String("https://" + p.s.o.MediaHost + u.directPath), MediaKeyTimestamp: proto.Int64(time.Now().Unix()),
	}}, opts...)
}

// Location describes a shared place.
type Location struct {
	Latitude, Longitude float64
	Name, Address, URL  string
}

// SendLocation shares a place.
func (p *Phone) SendLocation(to string, loc Location, opts ...SendOptions) (string, error) {
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
	return p.Send(to, &waE2E.Message{LocationMessage: m}, opts...)
}

// SendContact shares a contact card.
func (p *Phone) SendContact(to, displayName, vcard string, opts ...SendOptions) (string, error) {
	return p.Send(to, &waE2E.Message{ContactMessage: &waE2E.ContactMessage{
		DisplayName: proto.String(displayName), Vcard: proto.String(vcard),
	}}, opts...)
}
