package whatsapp

import (
	"errors"
	"time"
)

// Simulator controls the simulated phones of the sim engine: the phone that
// scans a session's QR code (or confirms its pair code), the messages it
// receives, and what the linked device sent through it. Only the sim engine
// implements it; the API and the web UI offer its controls when the
// configured engine does.
type Simulator interface {
	// Scan makes the session's phone scan the QR code currently shown.
	Scan(sessionID string, o SimPhone) (Account, error)
	// ConfirmPairCode makes the phone confirm the pair code shown.
	ConfirmPairCode(sessionID, code string, o SimPhone) (Account, error)
	// Deliver makes the phone receive messages and pass them to the linked
	// device; it returns them as the device sees them.
	Deliver(sessionID string, in []SimIncoming) ([]Message, error)
	// Unlink makes the phone remove the linked device.
	Unlink(sessionID string) error
	// Sent lists what the linked device sent through the phone, oldest
	// first.
	Sent(sessionID string) ([]Message, error)
}

// Errors of the simulated phone.
var (
	// ErrSimNoClient means the session has never been started in this
	// process.
	ErrSimNoClient = errors.New("sim: session is not running")
	// ErrSimWrongCode means the scanned QR or confirmed pair code is not
	// the one currently shown.
	ErrSimWrongCode = errors.New("sim: that code is not the one currently shown (it may have expired)")
	// ErrSimNotLinked means the phone has no linked device to act on.
	ErrSimNotLinked = errors.New("sim: no device is linked")
)

// SimPhone describes the simulated phone that scans or confirms a code.
type SimPhone struct {
	// Code is the QR payload scanned; empty scans whatever is showing.
	Code string `json:"code,omitempty"`
	// Phone is the phone's number (digits with country code); empty picks
	// one.
	Phone string `json:"phone,omitempty"`
	// PushName is the account's display name; empty picks one.
	PushName string `json:"pushName,omitempty"`
}

// SimIncoming is a message the simulated phone receives and passes on to the
// linked device. Its JSON form is the body of POST /api/v1/sim/messages.
type SimIncoming struct {
	// ID is the WhatsApp message id; a repeated id is a redelivery of the
	// same message. Empty picks a new one.
	ID string `json:"id,omitempty"`
	// Chat is a phone number, a group id, or "me" (a note to self).
	Chat     string `json:"chat"`
	ChatName string `json:"chatName,omitempty"`
	Group    bool   `json:"group,omitempty"`
	// From is the sender's phone number (groups; DMs default to the chat).
	From     string `json:"from,omitempty"`
	FromName string `json:"fromName,omitempty"`
	// FromMe marks a message sent from the phone itself.
	FromMe    bool       `json:"fromMe,omitempty"`
	Type      string     `json:"type"`
	Text      string     `json:"text,omitempty"`
	Caption   string     `json:"caption,omitempty"`
	Latitude  *float64   `json:"latitude,omitempty"`
	Longitude *float64   `json:"longitude,omitempty"`
	Name      string     `json:"name,omitempty"`
	Address   string     `json:"address,omitempty"`
	Timestamp *time.Time `json:"timestamp,omitempty"`
	// Media is the attachment's bytes (base64 in JSON). Images, voice notes
	// and documents without it get generated real ones.
	Media    []byte `json:"media,omitempty"`
	MimeType string `json:"mimeType,omitempty"`
	FileName string `json:"fileName,omitempty"`
	// ReplyTo is the id of a message of the same chat this one quotes.
	ReplyTo string `json:"replyTo,omitempty"`
	// Mentions are the phone numbers the message mentions (@someone);
	// "me" is the account's own.
	Mentions []string `json:"mentions,omitempty"`
	// Forwarded marks the message forwarded from elsewhere.
	Forwarded bool `json:"forwarded,omitempty"`
	// VCard is a contact card, for type contact.
	VCard string `json:"vcard,omitempty"`
}
