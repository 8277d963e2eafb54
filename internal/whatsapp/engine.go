// Package whatsapp is the one seam between Synapse and WhatsApp: the Engine
// and Client interfaces that every engine (whatsmeow, waha, sim) implements,
// the events a client reports and the message types, and the Sessions
// interface through which the rest of Synapse drives a person's session.
// It holds types and interfaces only: the session state machine is in
// internal/sessions, and the routing of operations between the nodes of a
// cluster in internal/cluster.
package whatsapp

import (
	"context"
	"log/slog"
	"time"
)

// Status is a session's connection state. The names follow WAHA, which the
// existing Synapse front end understands.
type Status string

const (
	StatusStopped  Status = "STOPPED"
	StatusStarting Status = "STARTING"
	StatusScanQR   Status = "SCAN_QR_CODE"
	StatusWorking  Status = "WORKING"
	StatusFailed   Status = "FAILED"
)

// Running reports whether a session in this state holds a live client.
func (s Status) Running() bool {
	return s == StatusStarting || s == StatusScanQR || s == StatusWorking
}

// Engine creates one Client per session. Implementations must be safe for
// concurrent use.
type Engine interface {
	// Name is the engine's configuration name: "whatsmeow", "waha" or "sim".
	Name() string
	// NewClient prepares a client for the session. It does not connect; the
	// client reports everything that happens to it through h.
	NewClient(ctx context.Context, s SessionRef, h Handler) (Client, error)
	// SupportsPairCode reports whether Client.PairPhone can work.
	SupportsPairCode() bool
}

// SessionRef names the session a client belongs to.
type SessionRef struct {
	ID     string
	UserID string
	// Log carries user_id and session_id; engines log through it only.
	Log *slog.Logger
}

// Client is one WhatsApp session's connection. Methods may be called from any
// goroutine.
type Client interface {
	// Connect starts connecting and returns once the attempt is under way.
	// With a stored device the client logs in (Connected follows); without one
	// it starts pairing and reports rotating QR codes. An error means the
	// attempt could not start at all (the caller retries with back-off).
	// ctx bounds only this call: the caller cancels it when Connect returns,
	// so the connection must not live on it.
	Connect(ctx context.Context) error
	// Disconnect closes the connection and keeps the device, so that a later
	// Connect logs in without a QR code. No events follow it.
	Disconnect()
	// Logout unlinks this device from the phone and deletes the stored
	// device. No events follow it.
	Logout(ctx context.Context) error
	// PairPhone asks WhatsApp for a code that the person types on the phone
	// with the given number (digits, with country code) instead of scanning a
	// QR code. Must be called after Connect, while pairing. Engines without
	// this return ErrNotSupported.
	PairPhone(ctx context.Context, phone string) (string, error)
	// Send sends a message (a text, possibly quoting an earlier message, or
	// an image or file with a caption) and returns it as it would be
	// stored.
	Send(ctx context.Context, out Outgoing) (Message, error)
	// Groups lists the groups the account has joined.
	Groups(ctx context.Context) ([]Chat, error)
	// Download fetches and decrypts a message's media, refusing anything
	// larger than maxBytes with ErrMediaTooLarge. It needs a connected client.
	Download(ctx context.Context, m *Media, maxBytes int64) ([]byte, error)
	// HasDevice reports whether a paired device is stored for this session.
	HasDevice() bool
}

// Handler receives what happens to one session's client. The session state
// machine (internal/sessions) implements it.
type Handler interface {
	// HandleEvent receives lifecycle and directory events (the types below).
	// It must not block for long.
	HandleEvent(evt Event)
	// HandleMessages receives incoming (and own outgoing, echoed) messages. It
	// returns nil only once every message is durably stored; the client
	// acknowledges them to WhatsApp only after that. On error the client
	// acknowledges nothing, so that WhatsApp redelivers.
	HandleMessages(ctx context.Context, msgs []Message) error
}

// Detacher is implemented by clients whose session lives outside the
// process (WAHA): Detach stops delivering its events here without stopping
// the session itself, which another node now drives.
type Detacher interface {
	Detach()
}

// Event is one of the event types below.
type Event interface{ isEvent() }

// QR is a new pairing code to show; it replaces the previous one. Engines
// rotate codes as WhatsApp does (the first lives about 60 s, later ones about
// 20 s).
type QR struct {
	Code      string
	ExpiresAt time.Time
}

// QRTimeout means no code was scanned in time; pairing has stopped and the
// client is disconnected.
type QRTimeout struct{}

// PairSuccess means the phone accepted this device; Connected follows.
type PairSuccess struct{ Me Account }

// PairError means the phone's pairing could not be completed; the client is
// disconnected.
type PairError struct{ Reason string }

// Connected means the session is logged in and receiving messages.
type Connected struct{ Me Account }

// Disconnected means the connection was lost. With Retrying the client is
// already reconnecting by itself; without it the session cannot continue
// (for example a temporary ban or an outdated client) and Reason says why.
type Disconnected struct {
	// Reason is a sentence for people (no error chains or addresses).
	Reason string
	// Code names the reason for programs when the session cannot continue:
	// banned, outdated, replaced or refused (the default).
	Code     string
	Retrying bool
}

// LoggedOut means the phone unlinked this device (or WhatsApp rejected it).
// The stored device has been cleared; a new pairing is needed.
type LoggedOut struct{ Reason string }

// ChatsUpdated carries chats and groups learned outside of messages (joined
// groups, history sync, renamed groups).
type ChatsUpdated struct{ Chats []Chat }

// HistoryProgress reports the import of the history a phone sends a newly
// linked device: Chats and Messages stored so far by this client (running
// totals), and the phone's own estimate of how far its sync is (0–100).
// It is also what the session status and the history.progress event carry.
type HistoryProgress struct {
	Chats    int  `json:"chats"`
	Messages int  `json:"messages"`
	Progress int  `json:"progress"`
	Done     bool `json:"done"` // the phone sent its last chunk
}

func (HistoryProgress) isEvent() {}

type backfillKey struct{}

// Backfill marks ctx as carrying history, not live messages: a Handler
// whose HandleMessages gets it may store the messages behind live ones and
// pace them, so that importing a phone's history never delays what
// arrives now.
func Backfill(ctx context.Context) context.Context {
	return context.WithValue(ctx, backfillKey{}, true)
}

// IsBackfill reports whether ctx was marked by Backfill.
func IsBackfill(ctx context.Context) bool {
	v, _ := ctx.Value(backfillKey{}).(bool)
	return v
}

func (QR) isEvent()           {}
func (QRTimeout) isEvent()    {}
func (PairSuccess) isEvent()  {}
func (PairError) isEvent()    {}
func (Connected) isEvent()    {}
func (Disconnected) isEvent() {}
func (LoggedOut) isEvent()    {}
func (ChatsUpdated) isEvent() {}

// Account is the WhatsApp account a session is logged in as.
type Account struct {
	JID      string `json:"jid"`
	PushName string `json:"pushName"`
}

// Chat is a direct chat or a group.
type Chat struct {
	ID      string // JID: "<digits>@s.whatsapp.net" or "<id>@g.us"
	Name    string // push name or group subject; empty keeps the known one
	IsGroup bool
	// Contact makes this an address-book entry rather than a chat: the
	// name the person gave the contact on their phone (ContactName, empty
	// when they removed it), which outranks Name wherever the contact's
	// chat is named. It creates no chat.
	Contact     bool
	ContactName string
	// Rename makes this a new name (a push name or business name seen)
	// for a chat that may exist: it renames a direct chat Synapse has and
	// creates none (a group member or someone who only posted a Status is
	// not a chat of the person).
	Rename bool
	// Unnamed, with Rename, names only a chat that has no name yet (the
	// push names a phone sends with its history fill gaps; they do not
	// replace the phone's own name for a chat).
	Unnamed bool
}

// MessageType is the kind of a message.
type MessageType string

const (
	TypeText     MessageType = "text"
	TypeImage    MessageType = "image"
	TypeVoice    MessageType = "voice"
	TypeAudio    MessageType = "audio"
	TypeVideo    MessageType = "video"
	TypeDocument MessageType = "document"
	TypeLocation MessageType = "location"
	TypeContact  MessageType = "contact"
	TypeSticker  MessageType = "sticker"
)

// Valid reports whether t is one of the known types.
func (t MessageType) Valid() bool {
	switch t {
	case TypeText, TypeImage, TypeVoice, TypeAudio, TypeVideo, TypeDocument, TypeLocation, TypeContact, TypeSticker:
		return true
	}
	return false
}

// HasMedia reports whether messages of this type carry downloadable media.
func (t MessageType) HasMedia() bool {
	switch t {
	case TypeImage, TypeVoice, TypeAudio, TypeVideo, TypeDocument, TypeSticker:
		return true
	}
	return false
}

// Message is one message as an engine reports it.
type Message struct {
	ID        string // WhatsApp message id, unique within its chat
	ChatID    string
	ChatName  string // group subject or contact name, when known
	IsGroup   bool
	From      string // sender JID (the account's own JID when FromMe)
	FromName  string // sender's push name, when known
	FromMe    bool
	Type      MessageType
	Text      string // the body of a text, or the caption of media
	Timestamp time.Time
	Media     *Media    // for types with media
	Location  *Location // for TypeLocation
	Contact   *Contact  // for TypeContact
	// ReplyTo is the id of the message of the same chat this one quotes.
	ReplyTo string
	// Mentions are the JIDs the message mentions (@someone).
	Mentions []string
	// Forwarded says the sender forwarded the message from elsewhere
	// (WhatsApp shows "Forwarded" above it).
	Forwarded bool
	// Change, when set, makes this a change to an earlier message of the
	// same chat by its sender (an edit, or a deletion for everyone) rather
	// than a message of its own: ID is the change's own id, From who made
	// it, Timestamp when, and for an edit Text the new text.
	Change *Change
	// ChatLID and FromLID are the LIDs ("<digits>@lid") that the direct
	// chat's contact and the sender also go by, when the message shows
	// both their LID and their phone number (ChatID and From): anything
	// stored under the LID before the number was known belongs to them.
	ChatLID, FromLID string
}

// ChangeKind is what a change does to an earlier message.
type ChangeKind string

const (
	// ChangeEdit replaces the text (or caption) of the message.
	ChangeEdit ChangeKind = "edit"
	// ChangeRevoke deletes the message for everyone.
	ChangeRevoke ChangeKind = "revoke"
)

// Change names the earlier message a change applies to.
type Change struct {
	Kind     ChangeKind
	TargetID string // the id of the changed message, in the same chat
	// ByAdmin is set when a group administrator deleted another member's
	// message (WhatsApp checks that they are one).
	ByAdmin bool
}

// Media describes a message's attachment. Ref is opaque outside the engine
// that made it; Client.Download takes the whole Media back.
type Media struct {
	Ref      string
	MimeType string
	FileName string
	Size     int64
	SHA256   string // hex of the plaintext, when the engine knows it
	Seconds  int    // duration of audio and video
	Width    int
	Height   int
}

// Location is a shared place.
type Location struct {
	Latitude  float64
	Longitude float64
	Name      string
	Address   string
	URL       string
}

// Contact is a shared contact card.
type Contact struct {
	DisplayName string
	VCard       string
}

// Outgoing is a message to send.
type Outgoing struct {
	ChatID string
	// Text is the text, or the caption of an attachment.
	Text string
	// ReplyTo makes the message quote an earlier one of the same chat.
	ReplyTo *Quote
	// Attachment makes it an image or a file.
	Attachment *Attachment
}

// Quote names the message a reply quotes, with what the recipient's phone
// shows of it.
type Quote struct {
	ID     string
	From   string // the quoted message's sender JID
	FromMe bool
	Text   string // its text or caption
}

// Attachment is the file of an outgoing image (TypeImage) or document
// (TypeDocument).
type Attachment struct {
	Type     MessageType
	Data     []byte
	MimeType string
	FileName string
	Width    int // of images, when known
	Height   int
}

// HistoryRequester is implemented by clients that can ask the own phone
// for a chat's messages older than the oldest one this device has (an
// on-demand history request); the phone's answer arrives later, through
// HandleMessages, as history does.
type HistoryRequester interface {
	RequestHistory(ctx context.Context, chatID string, oldest MessageRef, count int) error
}

// MessageRef names a stored message.
type MessageRef struct {
	ID        string
	FromMe    bool
	Timestamp time.Time
}

// Presencer is implemented by clients that can tell WhatsApp that the
// person is online and has read messages. Synapse uses it only for people
// who turned presence sharing on.
type Presencer interface {
	// SetOnline sends "available" (online) or "unavailable" presence.
	SetOnline(ctx context.Context, online bool) error
	// MarkRead sends read receipts for messages of a chat.
	MarkRead(ctx context.Context, chatID string, msgs []ReadMark) error
}

// ReadMark names a message to mark read: its id, sender JID and time.
type ReadMark struct {
	ID        string
	Sender    string
	Timestamp time.Time
}
