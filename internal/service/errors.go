package service

import "errors"

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
	// ErrNoSimulator means the simulated phone's controls were asked for on
	// a server that talks to the real WhatsApp.
	ErrNoSimulator = errors.New("service: there is no simulated phone on this server")
)
