package service

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
)

var (
	// ErrBookmarkExists means the person already has a bookmark for the
	// link (links are compared normalised).
	ErrBookmarkExists = errors.New("service: you already have a bookmark for this link")
	// ErrUnavailable means this server is not set up for the use case (for
	// example no job runner to fetch previews or make summaries).
	ErrUnavailable = errors.New("service: not available on this server")
	// ErrForbidden means the caller may not do this (an administrator's use
	// case asked by someone who is not one).
	ErrForbidden = errors.New("service: forbidden")
	// ErrSelf means an administrator asked to disable, demote or delete
	// their own account through the administration (which would lock
	// them out); they use their own settings instead.
	ErrSelf = errors.New("service: administrators cannot do this to their own account here")
	// ErrNoSimulator means the simulated phone's controls were asked for on
	// a server that talks to the real WhatsApp.
	ErrNoSimulator = errors.New("service: there is no simulated phone on this server")
	// ErrNothingOlder means a chat's oldest kept message is already at the
	// edge of the history window: nothing older would be kept.
	ErrNothingOlder = errors.New("service: nothing older is kept for this chat")
	// ErrMediaExpired means WhatsApp no longer serves a message's media
	// (it expired before Synapse kept it); it can never be downloaded.
	ErrMediaExpired = errors.New("service: WhatsApp no longer serves this file")
	// ErrMediaTooLarge means a message's media is over
	// WHATSAPP_MAX_MEDIA_BYTES; it stays on the phone only.
	ErrMediaTooLarge = errors.New("service: this file is larger than this server keeps")
	// ErrTooManyTokens means the person already has MaxAccessTokens
	// personal access tokens; they revoke one to make another.
	ErrTooManyTokens = errors.New("service: too many personal access tokens; revoke one first")
	// ErrActionLinkExpired means a reminder action link (from a push
	// notification) expired, or its reminder changed since it was made
	// (snoozed, moved): it no longer acts.
	ErrActionLinkExpired = errors.New("service: this link has expired or its reminder changed since")
	// ErrTooManyWebhooks means the person already has MaxWebhookEndpoints
	// endpoints.
	ErrTooManyWebhooks = errors.New("service: too many webhook endpoints; delete one first")
)

// ErrorID is a short random id under which a failure is logged, for the
// person who saw it to quote.
func ErrorID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
