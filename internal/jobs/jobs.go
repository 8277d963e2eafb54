// Package jobs is the knowledge pipeline: durable River jobs that turn
// stored messages into images, voice memos and their transcripts, bookmarks,
// tasks / notes / ideas / locations and daily summaries, plus the periodic
// retention and summary schedules.
//
// Follow-up work is enqueued in the same transaction as the write that
// causes it: a message with its downloads and analyses (Runner.IngestHook),
// a bookmark with the fetch of its preview, a voice memo with its
// transcription, a transcript with its analysis. They commit together or
// not at all, so a failure or a crash between the two loses nothing. What
// can still be left waiting (work given up after its last attempt, or left
// by an older version) is found and queued again by a periodic sweep.
//
// Every job is idempotent: its writes are keyed by what caused them, events
// are published only for rows it actually created (after its transaction
// commits), and jobs that follow from data are unique while one waits or
// runs, so a job repeated after a crash, or queued again by the sweep,
// changes nothing visible.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/linkpreview"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/webpush"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Downloader fetches a message's media through the user's session.
type Downloader interface {
	Download(ctx context.Context, userID string, m *whatsapp.Media, maxBytes int64) ([]byte, error)
}

// Deps are what the jobs work with. Transcriber, Analyser and Summariser
// are optional: without them voice memos wait for a transcriber, and the
// built-in analyser and summariser run.
type Deps struct {
	Store       *store.Store
	Blobs       media.Blobs
	Downloader  Downloader
	Publisher   realtime.Publisher
	Previews    *linkpreview.Fetcher
	Transcriber ai.Transcriber
	Analyser    ai.Analyser
	Summariser  ai.Summariser
	// Embedder embeds messages and knowledge for Ask (EMBEDDINGS_*);
	// without it nothing is embedded and Ask retrieves by full text.
	Embedder ai.Embedder
	// Push sends Web Push messages again (push_retry); optional.
	Push *webpush.Sender
	Log  *slog.Logger
	// MaxMediaBytes caps downloads.
	MaxMediaBytes int64
	// AutoDownloadBytes: documents up to this size are downloaded as they
	// arrive; larger ones when the person asks (0: never by themselves).
	AutoDownloadBytes int64
	// RetentionDays is how long messages are kept.
	RetentionDays int
	// Webhooks delivers events to people's endpoints (Sender nil: none).
	Webhooks WebhookOptions
	// ReminderChannels deliver reminders, in order; the first is retried
	// when it fails (see reminderWorker.Work). The app registers the
	// WhatsApp self-chat and the realtime channel (app.newPipeline); a
	// browser push channel is appended there.
	ReminderChannels []reminders.Channel
	// SelfChat writes capture confirmations and replies into the person's
	// own chat; without it capture is off.
	SelfChat SelfWriter
	// Now replaces the clock (tests).
	Now func() time.Time
}

// Options tune the runner.
type Options struct {
	// PollInterval is how often idle queues look for new jobs (default
	// 50 ms; SQLite and database/sql have no LISTEN, so River polls: an
	// idle poll finds nothing and writes nothing, and the interval is most
	// of the delay between a message and, say, its thumbnail).
	PollInterval time.Duration
	// Workers per queue (default: media 4, links 8, ai 4, default 8).
	MediaWorkers, LinkWorkers, AIWorkers, DefaultWorkers int
	// ReminderWorkers is how many reminders this node sends at once
	// (default 128). River fetches at most this many due jobs per fetch
	// (about every PollInterval), so it bounds the rate too.
	ReminderWorkers int
	// ReminderBatch is how many reminders due at one instant one job
	// claims and sends at once (default 256; ReminderBatchArgs), and
	// ReminderParts how many such parts this node sends at once (default
	// 4): together they bound what a crash leaves claimed and unsent.
	ReminderBatch, ReminderParts int
	// ReminderSends is how many sends this node has in flight at once
	// through each reminder channel (default 128).
	ReminderSends int
	// NoSchedules leaves out the periodic jobs (tests that drive them by
	// hand).
	NoSchedules bool
	// RescueAfter is how long a job may stay running before it is
	// considered abandoned (its process died) and run again (default
	// 5 minutes; every job's own timeout is shorter).
	RescueAfter time.Duration
	// SweepInterval is how often the sweep looks for work left waiting
	// (default 10 minutes; it also runs at start).
	SweepInterval time.Duration
	// SweepBatch is how many rows one sweep step examines per kind of work
	// (default 500); a sweep that has more to see continues in another job.
	SweepBatch int
	// ReminderSweepInterval is how often pending reminders whose time
	// passed without a job to send them are looked for (default a minute;
	// ReminderSweepArgs).
	ReminderSweepInterval time.Duration
	// LinkFetchesPerUser is how many of one person's link previews this
	// node fetches at once (default 2), and LinkFetchesPerHost how many
	// from one site (default 4); fetches over either limit wait their turn
	// (see link_fairness.go).
	LinkFetchesPerUser, LinkFetchesPerHost int

	// jobTimeout replaces the default job timeout of 2 minutes (tests that
	// need abandoned jobs rescued sooner than RescueAfter allows).
	jobTimeout time.Duration
	// linkSnooze replaces how long a fetch over its limits waits (tests).
	linkSnooze time.Duration
}

// Queues.
const (
	queueMedia = "media"
	queueLinks = "links"
	queueAI    = "ai"
	// queueReminders sends reminders: many fall due at the same minute,
	// and each mostly waits (for the database's writer, a push service,
	// the WhatsApp session), so it has many workers of its own.
	queueReminders = "reminders"
)

// Runner runs the pipeline's jobs.
type Runner struct {
	d      Deps
	o      Options
	client *river.Client[*sql.Tx]
	// userFetches and hostFetches bound the link previews fetched at once
	// per person and per site.
	userFetches, hostFetches *slots
	// reminderParts bounds the parts of reminder batches this node sends
	// at once, and reminderSends the sends in flight per channel name.
	reminderParts chan struct{}
	reminderSends map[string]chan struct{}
	// beforeEnqueue, when set (tests only), runs inside a write's
	// transaction after the write and before its follow-up job of the
	// given kind is inserted; an error from it fails that transaction, as
	// a failed insert or a crash would.
	beforeEnqueue func(kind string) error
}

// New migrates River's tables (on their own version line) in the store's
// database and prepares a client; call Start to work jobs.
func New(ctx context.Context, d Deps, o Options) (*Runner, error) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxMediaBytes <= 0 {
		d.MaxMediaBytes = 64 << 20
	}
	if d.RetentionDays <= 0 {
		d.RetentionDays = 3
	}
	w := &d.Webhooks
	if w.RetryBase <= 0 {
		w.RetryBase = 10 * time.Second
	}
	if w.RetryMax <= 0 {
		w.RetryMax = 6 * time.Hour
	}
	w.RetryMax = max(w.RetryMax, w.RetryBase)
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 15
	}
	if w.DisableAfter <= 0 {
		w.DisableAfter = 24 * time.Hour
	}
	if w.Workers <= 0 {
		w.Workers = 16
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 50 * time.Millisecond
	}
	def := func(v *int, n int) {
		if *v <= 0 {
			*v = n
		}
	}
	def(&o.MediaWorkers, 4)
	def(&o.LinkWorkers, 8)
	def(&o.AIWorkers, 4)
	def(&o.DefaultWorkers, 8)
	def(&o.ReminderWorkers, 128)
	def(&o.ReminderBatch, 256)
	def(&o.ReminderParts, 4)
	def(&o.ReminderSends, 128)
	if o.RescueAfter <= 0 {
		o.RescueAfter = max(5*time.Minute, o.jobTimeout)
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = 10 * time.Minute
	}
	def(&o.SweepBatch, 500)
	if o.ReminderSweepInterval <= 0 {
		o.ReminderSweepInterval = time.Minute
	}
	def(&o.LinkFetchesPerUser, 2)
	def(&o.LinkFetchesPerHost, 4)

	var driver riverdriver.Driver[*sql.Tx]
	switch d.Store.Dialect() {
	case store.SQLite:
		driver = riversqlite.New(d.Store.DB())
	default:
		driver = riverdatabasesql.New(d.Store.DB())
	}
	// River reports routine work (every migration, job counts every few
	// seconds) at INFO; only its warnings and errors reach the process log.
	riverLog := slog.New(atLeast{d.Log.Handler(), slog.LevelWarn})
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: riverLog})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("jobs: migrate river: %w", err)
	}
	r := &Runner{d: d, o: o, userFetches: newSlots(o.LinkFetchesPerUser), hostFetches: newSlots(o.LinkFetchesPerHost),
		reminderParts: make(chan struct{}, o.ReminderParts), reminderSends: map[string]chan struct{}{}}
	for _, ch := range d.ReminderChannels {
		r.reminderSends[ch.Name()] = make(chan struct{}, o.ReminderSends)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &mediaWorker{r: r})
	river.AddWorker(workers, &transcribeWorker{r: r})
	river.AddWorker(workers, &analyseWorker{r: r})
	river.AddWorker(workers, &suggestWorker{r: r})
	river.AddWorker(workers, &bookmarksWorker{r: r})
	river.AddWorker(workers, &bookmarkFetchWorker{r: r})
	river.AddWorker(workers, &summariseWorker{r: r})
	river.AddWorker(workers, &dailySummariesWorker{r: r})
	river.AddWorker(workers, &retentionWorker{r: r})
	river.AddWorker(workers, &sweepWorker{r: r})
	river.AddWorker(workers, &webhookWorker{r: r})
	river.AddWorker(workers, &pushRetryWorker{r: r})
	river.AddWorker(workers, &reminderWorker{r: r})
	river.AddWorker(workers, &reminderBatchWorker{r: r})
	river.AddWorker(workers, &embedWorker{r: r})
	river.AddWorker(workers, &embedSweepWorker{r: r})
	river.AddWorker(workers, &reminderSweepWorker{r: r})
	cfg := &river.Config{
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: o.DefaultWorkers},
			queueMedia:         {MaxWorkers: o.MediaWorkers},
			queueLinks:         {MaxWorkers: o.LinkWorkers},
			queueAI:            {MaxWorkers: o.AIWorkers},
			queueWebhooks:      {MaxWorkers: d.Webhooks.Workers},
			queueEmbed:         {MaxWorkers: 2},
			queueReminders:     {MaxWorkers: o.ReminderWorkers},
		},
		Workers:              workers,
		FetchPollInterval:    o.PollInterval,
		FetchCooldown:        min(o.PollInterval, 100*time.Millisecond),
		Logger:               riverLog,
		MaxAttempts:          12,
		JobTimeout:           cmp.Or(o.jobTimeout, 2*time.Minute),
		RescueStuckJobsAfter: o.RescueAfter,
	}
	if !o.NoSchedules {
		cfg.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return RetentionArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return DailySummariesArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(o.SweepInterval), func() (river.JobArgs, *river.InsertOpts) {
				return SweepArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(o.ReminderSweepInterval), func() (river.JobArgs, *river.InsertOpts) {
				return ReminderSweepArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
		}
		if d.Embedder != nil {
			cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return EmbedSweepArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}))
		}
	}
	r.client, err = river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return r, nil
}

// Start works jobs until Stop. Unless schedules are off, the sweep runs
// at once: work left waiting (voice memos that waited for a transcriber
// configured only now, among others) is queued again.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits (until ctx ends) for running ones.
func (r *Runner) Stop(ctx context.Context) error {
	return r.client.Stop(ctx)
}

// Client is the River client, for tests and administration.
func (r *Runner) Client() *river.Client[*sql.Tx] { return r.client }

// timeout is a job's timeout: d, unless the tests set one for every job.
func (r *Runner) timeout(d time.Duration) time.Duration {
	if r.o.jobTimeout > 0 {
		return r.o.jobTimeout
	}
	return d
}

// publish announces a new or changed thing of a kind (the realtime event
// type is the kind).
func (r *Runner) publish(userID string, kind domain.Kind, data any) {
	if r.d.Publisher != nil {
		r.d.Publisher.Publish(userID, string(kind), data)
	}
	// What changed may be worth embedding for Ask (a new item, a
	// transcript).
	r.embedSoon(context.Background(), userID)
}

// permanent marks errors that retrying will not fix: the job is cancelled.
func permanent(err error) error { return river.JobCancel(err) }

var errNoText = errors.New("jobs: nothing to analyse")

// atLeast passes on only records of at least level.
type atLeast struct {
	slog.Handler
	level slog.Level
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h atLeast) WithAttrs(as []slog.Attr) slog.Handler {
	return atLeast{h.Handler.WithAttrs(as), h.level}
}

func (h atLeast) WithGroup(name string) slog.Handler {
	return atLeast{h.Handler.WithGroup(name), h.level}
}
