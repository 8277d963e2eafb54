// Package service holds every use case of Synapse, once: the rules that
// check what a person asks for (text limits, time zones, phone numbers,
// places, due dates, page sizes), the write to the store and the follow-up
// work it queues, and the reads that pages and API routes show. The HTTP API
// (internal/api) and the web UI (internal/web) are thin adapters over it:
// they decode a request, call one method here, and encode or render the
// answer, so that no rule exists in both.
//
// Every method on a person's data takes their user id; another person's ids
// are not found (store.ErrNotFound), exactly like ids that do not exist.
// Invalid input is reported as validate.Errors, one entry per field; the API
// maps that to a problem document and the web UI to form errors. The other
// errors a method can return are the sentinels of this package
// (errors.go), of store, auth and whatsapp.
package service

import (
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/jobs"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/webpush"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Options are the service's dependencies. Store and Sessions are required.
type Options struct {
	Store    *store.Store
	Auth     *auth.Service
	Sessions whatsapp.Sessions
	// Jobs queues follow-up work; without it the use cases that need it
	// answer ErrUnavailable.
	Jobs *jobs.Runner
	// WebhookAllowedHosts are the host:port pairs webhook endpoints may
	// name although the SSRF rules refuse them (WEBHOOK_ALLOWED_HOSTS).
	WebhookAllowedHosts []string
	// Blobs holds media files; without it media is not found.
	Blobs media.Blobs
	// Simulator is the simulated WhatsApp's control, set only with the sim
	// engine.
	Simulator whatsapp.Simulator
	// Publisher announces changes made here (calendar events) to the
	// person's realtime clients; nil announces nothing.
	Publisher realtime.Publisher
	// Push sends Web Push notifications; without it the push use cases
	// answer ErrUnavailable.
	Push *webpush.Sender
	// Embedder embeds questions for Ask's semantic retrieval; without it
	// Ask retrieves by full text only.
	Embedder ai.Embedder
	// Answerer answers Ask's questions (the language model, AnswerModel
	// its name); without it Ask returns the best passages.
	Answerer    ai.Answerer
	AnswerModel string
	// Transcriber reports whether voice memos can be transcribed.
	Transcriber bool
	// HistoryDays is how far back messages are kept from the phone's
	// history (WHATSAPP_HISTORY_DAYS); 0 keeps none.
	HistoryDays int
	// PublicURL is the server's public base URL (SYNAPSE_PUBLIC_URL):
	// calendar feed URLs start with it, and its host ends their UIDs.
	// Empty: feed URLs start with the origin of the request that made them.
	PublicURL string
	Log       *slog.Logger
	// ReminderChannels names the channels reminders can go through
	// (default: whatsapp and web); a push channel adds its name.
	ReminderChannels []string
	// ActionKey signs the capability links of reminder notifications'
	// buttons (ReminderActionURL); every node sharing a database needs
	// the same. Empty: a random key for this process.
	ActionKey []byte
	// Now replaces the clock (tests).
	Now func() time.Time
}

// Service is safe for concurrent use.
type Service struct {
	o     Options
	zones zoneCache
	sends sendLimiter
	asks  askLimiter
	// vectors caches each person's embeddings for Ask.
	vectors vectorCache
	// calMisses limits unknown calendar feed secrets per address.
	calMisses calendarMisses
}

// New returns a Service.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.ActionKey) == 0 {
		o.ActionKey = make([]byte, 32)
		if _, err := rand.Read(o.ActionKey); err != nil {
			panic(err)
		}
	}
	return &Service{o: o}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.o.Now() }

// EngineName is the configured engine's name.
func (s *Service) EngineName() string { return s.o.Sessions.Engine().Name() }

// SupportsPairCode reports whether a session can be linked by phone number.
func (s *Service) SupportsPairCode() bool { return s.o.Sessions.Engine().SupportsPairCode() }

// CanQueue reports whether follow-up work can be queued on this server
// (adding bookmarks by hand, making summaries).
func (s *Service) CanQueue() bool { return s.o.Jobs != nil }

// HasTranscriber reports whether voice memos are transcribed.
func (s *Service) HasTranscriber() bool { return s.o.Transcriber }

// Simulated reports whether the engine is the simulator (its controls are
// offered).
func (s *Service) Simulated() bool { return s.o.Simulator != nil }
