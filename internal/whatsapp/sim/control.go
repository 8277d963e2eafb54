package sim

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// voiceNote is a real OGG/Opus voice note (espeak-ng speech, opusenc), used
// when a simulated voice message brings no audio of its own.
//
//go:embed assets/voice-note.ogg
var voiceNote []byte

// Errors of the simulated phone (the seam's, so that callers need not
// import this package).
var (
	ErrNoClient  = whatsapp.ErrSimNoClient
	ErrWrongCode = whatsapp.ErrSimWrongCode
	ErrNotLinked = whatsapp.ErrSimNotLinked
)

// ScanOptions describe the phone that scans.
type ScanOptions = whatsapp.SimPhone

// Scan makes the session's phone scan the QR code currently shown: the
// device is paired and logs in.
func (e *Engine) Scan(sessionID string, o ScanOptions) (whatsapp.Account, error) {
	c := e.current(sessionID)
	if c == nil {
		return whatsapp.Account{}, ErrNoClient
	}
	c.emit.Lock()
	defer c.emit.Unlock()
	c.mu.Lock()
	if c.state != pairing || c.qr == "" {
		c.mu.Unlock()
		return whatsapp.Account{}, whatsapp.ErrNotPairing
	}
	if o.Code != "" && o.Code != c.qr {
		c.mu.Unlock()
		return whatsapp.Account{}, ErrWrongCode
	}
	c.stopQR()
	c.state = connecting
	c.mu.Unlock()
	return c.pair(o)
}

// ConfirmPairCode makes the session's phone confirm the pair code the device
// showed (the person typed it on the phone).
func (e *Engine) ConfirmPairCode(sessionID, code string, o ScanOptions) (whatsapp.Account, error) {
	c := e.current(sessionID)
	if c == nil {
		return whatsapp.Account{}, ErrNoClient
	}
	c.emit.Lock()
	defer c.emit.Unlock()
	c.mu.Lock()
	if c.state != pairing || c.pairCode == "" {
		c.mu.Unlock()
		return whatsapp.Account{}, whatsapp.ErrNotPairing
	}
	if !strings.EqualFold(strings.ReplaceAll(code, "-", ""), strings.ReplaceAll(c.pairCode, "-", "")) {
		c.mu.Unlock()
		return whatsapp.Account{}, ErrWrongCode
	}
	c.stopQR()
	c.state = connecting
	c.mu.Unlock()
	return c.pair(o)
}

// pair stores the device and reports the pairing; the login follows. Callers
// hold c.emit.
func (c *client) pair(o ScanOptions) (whatsapp.Account, error) {
	phone := onlyDigits(o.Phone)
	if phone == "" {
		phone = fmt.Sprintf("1555%07d", rand.IntN(10_000_000))
	}
	name := strings.TrimSpace(o.PushName)
	if name == "" {
		name = "Sim Phone " + phone[len(phone)-4:]
	}
	dev := &device{JID: phone + "@s.whatsapp.net", PushName: name, PairedAt: c.e.o.Now().UTC(), Groups: map[string]string{}}
	if err := c.e.saveDevice(c.ref.ID, dev); err != nil {
		c.setIdle()
		return whatsapp.Account{}, err
	}
	me := whatsapp.Account{JID: dev.JID, PushName: dev.PushName}
	c.h.HandleEvent(whatsapp.PairSuccess{Me: me})
	// Like WhatsApp, the device reconnects after pairing and then logs in.
	go func() {
		if err := c.login(dev); err != nil {
			c.ref.Log.Error("sim: login after pairing", "err", err)
		}
	}()
	return me, nil
}

// Unlink makes the phone remove the linked device: a connected client is
// logged out at once; an offline one is refused when it next connects.
func (e *Engine) Unlink(sessionID string) error {
	dev, err := e.loadDevice(sessionID)
	if err != nil {
		return err
	}
	if dev == nil || dev.Unlinked {
		return ErrNotLinked
	}
	c := e.current(sessionID)
	live := false
	if c != nil {
		c.emit.Lock()
		defer c.emit.Unlock()
		c.mu.Lock()
		live = c.state == connected
		if live {
			c.state = idle
			c.pending = nil
		}
		c.mu.Unlock()
	}
	if live {
		if err := e.deleteDevice(sessionID); err != nil {
			return err
		}
		c.h.HandleEvent(whatsapp.LoggedOut{Reason: "The phone unlinked this device. Scan a new QR code to connect again."})
		return nil
	}
	dev.Unlinked = true
	return e.saveDevice(sessionID, dev)
}

// Incoming is a message for the simulated phone to receive.
type Incoming = whatsapp.SimIncoming

// MaxMediaBytes bounds the media of one simulated message.
const MaxMediaBytes = 16 << 20

// Deliver makes the phone receive msgs and pass them to the linked device.
// They are queued first (and so survive the process) and handed over now if
// the device is connected, or when it next connects. It returns the messages
// as the device will see them.
func (e *Engine) Deliver(sessionID string, in []Incoming) ([]whatsapp.Message, error) {
	dev, err := e.loadDevice(sessionID)
	if err != nil {
		return nil, err
	}
	if dev == nil || dev.Unlinked {
		return nil, ErrNotLinked
	}
	msgs := make([]whatsapp.Message, 0, len(in))
	var errs validate.Errors
	newGroups := false
	for i := range in {
		m, err := e.convert(dev, &in[i])
		if err != nil {
			prefix := "messages[" + fmt.Sprint(i) + "]."
			var fe validate.Errors
			if errors.As(err, &fe) {
				for _, f := range fe {
					errs.Add(prefix+f.Field, f.Message)
				}
				continue
			}
			return nil, err
		}
		if m.IsGroup {
			if dev.Groups == nil {
				dev.Groups = map[string]string{}
			}
			if name, ok := dev.Groups[m.ChatID]; !ok || (m.ChatName != "" && m.ChatName != name) {
				dev.Groups[m.ChatID] = m.ChatName
				newGroups = true
			}
			if m.ChatName == "" {
				m.ChatName = dev.Groups[m.ChatID]
			}
		}
		msgs = append(msgs, m)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if newGroups {
		if err := e.saveDevice(sessionID, dev); err != nil {
			return nil, err
		}
	}
	files, err := e.sessionFiles(sessionID)
	if err != nil {
		return nil, err
	}
	files.mu.Lock()
	defer files.mu.Unlock()
	if err := files.enqueue(msgs); err != nil {
		return nil, fmt.Errorf("sim: queue messages: %w", err)
	}
	if c := e.current(sessionID); c != nil {
		c.offer(msgs)
	}
	return msgs, nil
}

// convert validates a simulated message and builds what the engine reports.
func (e *Engine) convert(dev *device, in *Incoming) (whatsapp.Message, error) {
	var errs validate.Errors
	typ := whatsapp.MessageType(in.Type)
	if in.Type == "" {
		typ = whatsapp.TypeText
	}
	if !typ.Valid() {
		errs.Add("type", "must be one of text, image, voice, audio, video, document, location, contact, sticker")
	}
	chatIn := in.Chat
	if strings.EqualFold(chatIn, "me") || strings.EqualFold(chatIn, "self") {
		// Only the person writes in their own chat ("Message yourself").
		chatIn, in.FromMe = dev.JID, true
	}
	chat, isGroup, err := NormalizeChat(chatIn, in.Group)
	if err != nil {
		errs.Add("chat", "must be a phone number with country code, a group id, or \"me\"")
	}
	if len(in.ID) > 128 {
		errs.Add("id", "must have at most 128 characters")
	}
	if len(in.Media) > MaxMediaBytes {
		errs.Add("media", fmt.Sprintf("must be at most %d bytes", MaxMediaBytes))
	}
	m := whatsapp.Message{
		ID: in.ID, ChatID: chat, ChatName: strings.TrimSpace(in.ChatName), IsGroup: isGroup,
		FromName: strings.TrimSpace(in.FromName), FromMe: in.FromMe, Type: typ, Text: in.Text,
		Timestamp: e.o.Now().UTC().Truncate(time.Second),
	}
	if m.ID == "" {
		m.ID = strings.ToUpper(randomHex(10))
	}
	m.ReplyTo = strings.TrimSpace(in.ReplyTo)
	m.Forwarded = in.Forwarded
	for _, p := range in.Mentions {
		if strings.EqualFold(p, "me") {
			m.Mentions = append(m.Mentions, dev.JID)
			continue
		}
		j, _, err := NormalizeChat(p, false)
		if err != nil {
			errs.Add("mentions", "must be phone numbers with country code, or \"me\"")
			break
		}
		m.Mentions = append(m.Mentions, j)
	}
	if in.Timestamp != nil {
		m.Timestamp = in.Timestamp.UTC()
	}
	switch {
	case in.FromMe:
		m.From, m.FromName = dev.JID, dev.PushName
	case in.From != "":
		from, _, err := NormalizeChat(in.From, false)
		if err != nil {
			errs.Add("from", "must be a phone number with country code")
		}
		m.From = from
	case isGroup:
		errs.Add("from", "is required for group messages")
	default:
		m.From = chat
	}
	if m.FromName == "" && !isGroup && !in.FromMe {
		m.FromName = m.ChatName
	}
	if !isGroup && m.ChatName == "" && !in.FromMe {
		m.ChatName = m.FromName
	}
	switch typ {
	case whatsapp.TypeText:
		if strings.TrimSpace(in.Text) == "" {
			errs.Add("text", "is required for text messages")
		}
	case whatsapp.TypeLocation:
		if in.Latitude == nil || *in.Latitude < -90 || *in.Latitude > 90 {
			errs.Add("latitude", "is required, between -90 and 90")
		}
		if in.Longitude == nil || *in.Longitude < -180 || *in.Longitude > 180 {
			errs.Add("longitude", "is required, between -180 and 180")
		}
		if len(errs) == 0 {
			m.Location = &whatsapp.Location{Latitude: *in.Latitude, Longitude: *in.Longitude, Name: in.Name, Address: in.Address}
		}
	case whatsapp.TypeContact:
		if strings.TrimSpace(in.Name) == "" {
			errs.Add("name", "is required for contact messages")
		}
		vcard := in.VCard
		if vcard == "" {
			vcard = "BEGIN:VCARD\nVERSION:3.0\nFN:" + in.Name + "\nEND:VCARD"
		}
		m.Contact = &whatsapp.Contact{DisplayName: in.Name, VCard: vcard}
	default: // media
		if in.Caption != "" {
			m.Text = in.Caption
		}
		md, err := e.storeMedia(typ, in)
		if err != nil {
			var fe validate.Errors
			if errors.As(err, &fe) {
				errs = append(errs, fe...)
			} else {
				return whatsapp.Message{}, err
			}
		}
		m.Media = md
	}
	if err := errs.Err(); err != nil {
		return whatsapp.Message{}, err
	}
	return m, nil
}

// storeMedia writes a message's media (given, or generated) into the media
// directory by content hash and describes it.
func (e *Engine) storeMedia(typ whatsapp.MessageType, in *Incoming) (*whatsapp.Media, error) {
	data, mime, name := in.Media, in.MimeType, in.FileName
	md := &whatsapp.Media{}
	if len(data) == 0 {
		switch typ {
		case whatsapp.TypeImage:
			data, md.Width, md.Height = generateImage()
			mime = "image/png"
		case whatsapp.TypeVoice, whatsapp.TypeAudio:
			data, mime = voiceNote, "audio/ogg; codecs=opus"
			md.Seconds = 6
		case whatsapp.TypeDocument:
			data, mime = generatePDF(in.Caption), "application/pdf"
			if name == "" {
				name = "document.pdf"
			}
		default:
			return nil, validate.Errors{{Field: "media", Message: "is required for " + string(typ) + " messages"}}
		}
	}
	if mime == "" {
		mime = defaultMime(typ)
	}
	if typ == whatsapp.TypeImage && md.Width == 0 {
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
			md.Width, md.Height = cfg.Width, cfg.Height
		}
	}
	ref, err := e.keepMedia(data)
	if err != nil {
		return nil, err
	}
	md.Ref, md.MimeType, md.FileName, md.Size, md.SHA256 = ref, mime, name, int64(len(data)), ref
	return md, nil
}

// keepMedia writes a file into the media directory by content hash (its
// ref) unless it is there already.
func (e *Engine) keepMedia(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	ref := hex.EncodeToString(sum[:])
	path := filepath.Join(e.o.Dir, "media", ref)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		tmp := path + ".tmp" + randomHex(4)
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			return "", fmt.Errorf("sim: store media: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return "", fmt.Errorf("sim: store media: %w", err)
		}
	}
	return ref, nil
}

func validMediaRef(ref string) bool {
	if len(ref) != 64 {
		return false
	}
	_, err := hex.DecodeString(ref)
	return err == nil
}

func defaultMime(t whatsapp.MessageType) string {
	switch t {
	case whatsapp.TypeImage:
		return "image/jpeg"
	case whatsapp.TypeVoice, whatsapp.TypeAudio:
		return "audio/ogg; codecs=opus"
	case whatsapp.TypeVideo:
		return "video/mp4"
	case whatsapp.TypeSticker:
		return "image/webp"
	}
	return "application/octet-stream"
}

// generateImage draws a small PNG: a gradient in a random hue, so that
// every generated image is different.
func generateImage() ([]byte, int, int) {
	const w, h = 320, 240
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r0, g0, b0 := rand.IntN(256), rand.IntN(256), rand.IntN(256)
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8((r0 + x) % 256), uint8((g0 + y) % 256), uint8((b0 + x + y) % 256), 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes(), w, h
}

// generatePDF returns a minimal valid one-page PDF showing text.
func generatePDF(text string) []byte {
	if text == "" {
		text = "Simulated document"
	}
	text = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(text)
	content := "BT /F1 18 Tf 72 720 Td (" + text + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// NormalizeChat turns a phone number or group id into a chat JID:
// "<digits>@s.whatsapp.net" or "<id>@g.us". Full JIDs are accepted as they
// are (after checking them).
func NormalizeChat(s string, group bool) (jid string, isGroup bool, err error) {
	s = strings.TrimSpace(s)
	if user, ok := strings.CutSuffix(s, "@g.us"); ok {
		s, group = user, true
	} else if user, ok := strings.CutSuffix(s, "@s.whatsapp.net"); ok {
		s = user
	} else if user, ok := strings.CutSuffix(s, "@c.us"); ok {
		s = user
	}
	if group {
		if s == "" || len(s) > 64 {
			return "", false, whatsapp.ErrInvalidChat
		}
		for _, r := range s {
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
				return "", false, whatsapp.ErrInvalidChat
			}
		}
		return s + "@g.us", true, nil
	}
	d := onlyDigits(s)
	if len(d) < 5 || len(d) > 15 || strings.Trim(s, "0123456789+-() .") != "" {
		return "", false, whatsapp.ErrInvalidChat
	}
	return d + "@s.whatsapp.net", false, nil
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SentMessage is a message the linked device sent through the phone.
type SentMessage = whatsapp.Message

func (e *Engine) recordSent(sessionID string, m whatsapp.Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(e.o.Dir, "sent", sessionID+".jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("sim: record sent message: %w", err)
	}
	defer f.Close()
	_, err = f.Write(append(b, '\n'))
	return err
}

// Sent returns what the session's device sent through the phone, oldest
// first.
func (e *Engine) Sent(sessionID string) ([]SentMessage, error) {
	f, err := os.Open(filepath.Join(e.o.Dir, "sent", sessionID+".jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []SentMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var m SentMessage
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out, sc.Err()
}

// ReportHistory makes the session's connected device report how far the
// import of its phone's history went, as the whatsmeow engine does after
// each history chunk it stores. The simulated phone sends no history
// itself; this is for tests of what shows that progress.
func (e *Engine) ReportHistory(sessionID string, p whatsapp.HistoryProgress) error {
	c := e.current(sessionID)
	if c == nil {
		return whatsapp.ErrSimNoClient
	}
	c.mu.Lock()
	connected := c.state == connected
	c.mu.Unlock()
	if !connected {
		return whatsapp.ErrNotConnected
	}
	c.emit.Lock()
	defer c.emit.Unlock()
	c.h.HandleEvent(p)
	return nil
}
