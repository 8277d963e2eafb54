package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig of sent photos
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Outgoing is a message to send from the person's WhatsApp: a text,
// possibly quoting an earlier message of the chat, or a photo or file with
// an optional caption.
type Outgoing struct {
	// ChatID is a chat id, or a phone number with country code.
	ChatID string
	// Text is the message, or the caption of an attachment.
	Text string
	// ReplyTo is the id of a message of the same chat to quote.
	ReplyTo string
	// Attachment is a photo or file to send.
	Attachment *Upload
}

// Upload is a file a person sends. Photos (JPEG, PNG, GIF, recognised by
// their content) go as images, anything else as a document.
type Upload struct {
	FileName string
	// MimeType is what the sender declared; the content decides for
	// photos, and a missing or malformed type is recognised from it.
	MimeType string
	Data     []byte
}

// SendLimitError means the person sent more messages than the send limit
// allows (it protects their WhatsApp account from being flagged for spam);
// they may send again after RetryAfter.
type SendLimitError struct{ RetryAfter time.Duration }

func (e *SendLimitError) Error() string {
	return fmt.Sprintf("service: too many messages sent; try again in %s", e.RetryAfter.Round(time.Second))
}

// sendLimiter keeps one token bucket per person.
type sendLimiter struct {
	mu sync.Mutex
	by map[string]*rate.Limiter
}

// reserve takes one send from the person's bucket, or says how long until
// one is free.
func (l *sendLimiter) reserve(userID string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[string]*rate.Limiter{}
	}
	lim := l.by[userID]
	if lim == nil {
		if len(l.by) > 100_000 {
			clear(l.by) // full buckets are forgotten; at worst a burst is allowed again
		}
		lim = rate.NewLimiter(rate.Every(time.Minute/SendsPerMinute), SendBurst)
		l.by[userID] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// Send sends a message and returns it as stored.
func (s *Service) Send(ctx context.Context, userID string, in Outgoing) (store.Message, error) {
	var errs validate.Errors
	in.ChatID = strings.TrimSpace(in.ChatID)
	if in.ChatID == "" || len(in.ChatID) > MaxID || !cleanText(in.ChatID) {
		errs.Add("chatId", "is required: a chat id from /chats, or a phone number with country code")
	}
	switch {
	case strings.TrimSpace(in.Text) == "" && in.Attachment == nil:
		errs.Add("text", "is required")
	case len(in.Text) > MaxMessageText:
		errs.Add("text", "must be at most 65536 bytes")
	case !utf8.ValidString(in.Text) || strings.ContainsRune(in.Text, 0):
		errs.Add("text", "is not valid text")
	}
	var att *whatsapp.Attachment
	if in.Attachment != nil {
		att = checkUpload(&errs, in.Attachment)
	}
	in.ReplyTo = strings.TrimSpace(in.ReplyTo)
	if in.ReplyTo != "" && (len(in.ReplyTo) > MaxID || !cleanText(in.ReplyTo)) {
		errs.Add("replyTo", "is not a message id")
		in.ReplyTo = ""
	}
	if err := errs.Err(); err != nil {
		return store.Message{}, err
	}
	out := whatsapp.Outgoing{ChatID: in.ChatID, Text: in.Text, Attachment: att}
	if in.ReplyTo != "" {
		q, err := s.o.Store.GetMessage(ctx, userID, in.ChatID, in.ReplyTo)
		if errors.Is(err, store.ErrNotFound) || err == nil && q.DeletedAt != nil {
			return store.Message{}, validate.Errors{{Field: "replyTo", Message: "is not a message of this chat"}}
		}
		if err != nil {
			return store.Message{}, err
		}
		out.ReplyTo = &whatsapp.Quote{ID: q.ID, From: q.From, FromMe: q.FromMe, Text: q.Text}
	}
	if wait, ok := s.sends.reserve(userID, s.o.Now()); !ok {
		s.o.Log.Info("send refused by the send limit", "user_id", userID, "retry_after", wait.String())
		return store.Message{}, &SendLimitError{RetryAfter: wait}
	}
	m, err := s.o.Sessions.Send(ctx, userID, out)
	if err != nil {
		return store.Message{}, err
	}
	s.o.Log.Info("message sent", "user_id", userID, "chat_id", m.ChatID, "message_id", m.ID, "type", string(m.Type))
	stored, err := s.o.Store.GetMessage(ctx, userID, m.ChatID, m.ID)
	if errors.Is(err, store.ErrNotFound) {
		// Sent to a chat the person chose not to keep: sent all the
		// same, and not stored.
		return store.Message{ChatID: m.ChatID, ID: m.ID, From: m.From, FromName: m.FromName, FromMe: true,
			Type: string(m.Type), Text: m.Text, Timestamp: m.Timestamp, ReplyTo: m.ReplyTo}, nil
	}
	return stored, err
}

// photoTypes are the image formats WhatsApp shows as photos.
var photoTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true}

// checkUpload validates a file to send and decides how it goes: as a
// photo when its content is one, else as a document.
func checkUpload(errs *validate.Errors, u *Upload) *whatsapp.Attachment {
	switch {
	case len(u.Data) == 0:
		errs.Add("attachment", "is empty")
		return nil
	case len(u.Data) > MaxAttachmentBytes:
		errs.Add("attachment", fmt.Sprintf("must be at most %d MiB", MaxAttachmentBytes>>20))
		return nil
	}
	name := strings.TrimSpace(path.Base(strings.ReplaceAll(u.FileName, `\`, "/")))
	if name == "." || name == "/" {
		name = ""
	}
	if utf8.RuneCountInString(name) > MaxFileName || !cleanText(name) || strings.ContainsAny(name, "\r\n\t") {
		errs.Add("attachment.fileName", fmt.Sprintf("must be a file name of at most %d characters", MaxFileName))
		return nil
	}
	sniffed, _, _ := strings.Cut(http.DetectContentType(u.Data), ";")
	a := &whatsapp.Attachment{Type: whatsapp.TypeDocument, Data: u.Data, FileName: name}
	if photoTypes[sniffed] {
		a.Type, a.MimeType = whatsapp.TypeImage, sniffed
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(u.Data)); err == nil {
			a.Width, a.Height = cfg.Width, cfg.Height
		}
		return a
	}
	declared, _, err := mime.ParseMediaType(u.MimeType)
	switch {
	case err == nil && declared != "application/octet-stream" && len(declared) <= 128:
		a.MimeType = declared
	case name != "" && mime.TypeByExtension(path.Ext(name)) != "":
		a.MimeType, _, _ = strings.Cut(mime.TypeByExtension(path.Ext(name)), ";")
	default:
		a.MimeType = sniffed
	}
	if a.FileName == "" {
		a.FileName = "file"
	}
	return a
}

// Message returns one of the person's messages.
func (s *Service) Message(ctx context.Context, userID, chatID, id string) (store.Message, error) {
	return s.o.Store.GetMessage(ctx, userID, chatID, id)
}

// PinMessage pins (or unpins) one of the person's messages: a pinned
// message is kept past the retention window.
func (s *Service) PinMessage(ctx context.Context, userID, chatID, id string, pin bool) (store.Message, error) {
	if err := checkIDs(chatID, id); err != nil {
		return store.Message{}, err
	}
	return s.o.Store.PinMessage(ctx, userID, chatID, id, pin, s.o.Now())
}

// CanRequestOlder reports whether the phone can be asked for older
// messages on this server (the whatsmeow engine, with history kept).
func (s *Service) CanRequestOlder() bool {
	return s.o.HistoryDays > 0 && s.o.Sessions.Engine().Name() == "whatsmeow"
}

// RequestOlder asks the person's phone for a chat's messages older than
// the oldest one Synapse has, within the history window (older messages
// would not be kept). They arrive in the background; ErrNothingOlder
// means the oldest one kept is already at the window's edge.
func (s *Service) RequestOlder(ctx context.Context, userID, chatID string) error {
	if _, err := s.o.Store.GetChat(ctx, userID, chatID); err != nil {
		return err
	}
	oldest, err := s.o.Store.OldestMessage(ctx, userID, chatID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if s.o.HistoryDays <= 0 {
		return whatsapp.ErrNotSupported
	}
	ref := whatsapp.MessageRef{Timestamp: s.o.Now()}
	if err == nil {
		if oldest.Timestamp.Before(s.o.Now().AddDate(0, 0, -s.o.HistoryDays)) {
			return ErrNothingOlder
		}
		ref = whatsapp.MessageRef{ID: oldest.ID, FromMe: oldest.FromMe, Timestamp: oldest.Timestamp}
	}
	if err := s.o.Sessions.RequestHistory(ctx, userID, chatID, ref, OlderMessagesPerRequest); err != nil {
		return err
	}
	s.o.Log.Info("older messages requested from the phone", "user_id", userID, "chat_id", chatID)
	return nil
}
