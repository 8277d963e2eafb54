package auth

import (
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
)

// Credential is one thing a person is signed in with: an access token of an
// API log-in, a web UI session, or a personal access token. What a credential opened (a live
// stream) must end when the credential does: at ExpiresAt, or when a
// Revocation matches it.
type Credential struct {
	UserID string `json:"userId"`
	// ID names the credential: "api:<family>" for the access tokens of
	// one API log-in (its refresh-token family; a refresh keeps the id),
	// "web:<session id>" for a web UI session, "pat:<token id>" for a
	// personal access token, "" for an access token bound to no log-in.
	ID        string    `json:"id,omitempty"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func apiCredentialID(family string) string { return "api:" + family }

// WebCredential is a web UI session as a credential.
func WebCredential(ws store.WebSession) Credential {
	return Credential{UserID: ws.UserID, ID: "web:" + ws.ID, IssuedAt: ws.CreatedAt, ExpiresAt: ws.ExpiresAt}
}

// webSessionID is the session id of a web credential, or "".
func (c Credential) webSessionID() string {
	id, _ := strings.CutPrefix(c.ID, "web:")
	if id == c.ID {
		return ""
	}
	return id
}

// isAPI reports whether c is an API log-in's access token.
func (c Credential) isAPI() bool { return strings.HasPrefix(c.ID, "api:") }

// Reasons of a Revocation.
const (
	ReasonLogout          = "logout"
	ReasonSignOut         = "signed-out-everywhere"
	ReasonPasswordChanged = "password-changed"
	ReasonDisabled        = "disabled"
	ReasonDeleted         = "deleted"
	ReasonTokenRevoked    = "token-revoked"
)

// Revocation says that credentials of one user ended before their expiry.
// It is plain data (JSON-encodable), so that a cluster can carry it to
// every node.
type Revocation struct {
	UserID string `json:"userId"`
	// CredentialID, when All is false, names the one credential that
	// ended.
	CredentialID string `json:"credentialId,omitempty"`
	// All ends every credential of the user issued before At (any time,
	// when At is zero: a deleted account), except the one named Keep;
	// credentials issued from At on, such as the new log-in a password
	// change returns, are not affected.
	All  bool      `json:"all,omitempty"`
	Keep string    `json:"keep,omitempty"`
	At   time.Time `json:"at"`
	// Reason is one of the Reason constants, for logs and for deciding
	// what else ends (a disabled or deleted account's WhatsApp session).
	Reason string `json:"reason"`
}

// Matches reports whether c is one of the credentials r ended. Personal
// access tokens end one by one (revoked) or with their account (disabled,
// deleted); a password change or signing out everywhere leaves them, since
// the person manages them apart, in the list of tokens.
func (r Revocation) Matches(c Credential) bool {
	if c.UserID != r.UserID {
		return false
	}
	if !r.All {
		return r.CredentialID != "" && c.ID == r.CredentialID
	}
	if c.isPersonal() && r.Reason != ReasonDisabled && r.Reason != ReasonDeleted {
		return false
	}
	return (r.Keep == "" || c.ID != r.Keep) && (r.At.IsZero() || c.IssuedAt.Before(r.At))
}

// RevocationListener is told, after the fact, of every Revocation the
// Service makes: log-out, signing out everywhere, a password change, an
// account disabled or deleted. The process wires it to its realtime hub,
// which closes the streams the revoked credentials opened; in a cluster it
// must also carry the Revocation to the other nodes' hubs. Revoked must not
// block.
type RevocationListener interface {
	Revoked(Revocation)
}

// RevocationFunc adapts a function to a RevocationListener.
type RevocationFunc func(Revocation)

// Revoked calls f(r).
func (f RevocationFunc) Revoked(r Revocation) { f(r) }
