package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
)

// ReminderBatchArgs sends the reminders due at one instant (FireAt, unix
// milliseconds), of every person: one job per instant, however many
// reminders fall due then, instead of a job per reminder (River's fetching
// and completing of one job per reminder bounded the rate; see
// docs/PERFORMANCE.md).
//
// A run claims up to Options.ReminderBatch of them with one UPDATE
// (store.Tx.ClaimRemindersAt) and, when it found that many, queues the next
// part (Seq+1) in the same transaction, then sends its part concurrently
// and records them sent in one statement. The parts form a chain that any
// node may continue: a node that dies while sending leaves only the part
// it had claimed (those stay "sending" and are not sent again, at most
// once as for a single reminder), and the next part, already queued, goes
// on elsewhere or after the restart.
//
// After is the id of a job for the same instant that was already running
// when a reminder was added to it (see ScheduleReminderTx): the running
// one may have claimed its last part, so the addition gets a job of its
// own.
type ReminderBatchArgs struct {
	FireAt int64 `json:"fire_at"`
	Seq    int   `json:"seq,omitempty"`
	After  int64 `json:"after,omitempty"`
}

func (ReminderBatchArgs) Kind() string { return "reminder_batch" }

func (ReminderBatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: reminderAttempts, UniqueOpts: whilePending, Queue: queueReminders}
}

// ScheduleReminderTx queues, in tx, the sending of a reminder at fireAt (on
// the runner's clock) and returns the job's id: the job of every reminder
// due at that instant, shared (a job already waiting for it is reused).
func (r *Runner) ScheduleReminderTx(ctx context.Context, tx *store.Tx, userID, reminderID string, fireAt time.Time) (int64, error) {
	// River schedules on the wall clock; the runner's clock may be a test's.
	at := time.Now().Add(fireAt.Sub(r.d.Now()))
	args := ReminderBatchArgs{FireAt: fireAt.UnixMilli()}
	if r.beforeEnqueue != nil {
		if err := r.beforeEnqueue(args.Kind()); err != nil {
			return 0, err
		}
	}
	for range 8 {
		res, err := r.client.InsertTx(ctx, tx.SQL(), args, &river.InsertOpts{ScheduledAt: at})
		if err != nil {
			return 0, fmt.Errorf("jobs: schedule reminder %s of %s: %w", reminderID, userID, err)
		}
		if !res.UniqueSkippedAsDuplicate || res.Job.State != rivertype.JobStateRunning {
			// A new job, or one that has not claimed anything yet (River
			// cannot start it before this transaction commits: the
			// duplicate insert locks its row on PostgreSQL, and SQLite
			// has one writer), so it will see this reminder.
			return res.Job.ID, nil
		}
		args.After = res.Job.ID
	}
	return 0, fmt.Errorf("jobs: schedule reminder %s of %s: every job for %d is running", reminderID, userID, args.FireAt)
}

type reminderBatchWorker struct {
	river.WorkerDefaults[ReminderBatchArgs]
	r *Runner
}

func (w *reminderBatchWorker) Work(ctx context.Context, job *river.Job[ReminderBatchArgs]) error {
	r, d, a := w.r, w.r.d, job.Args
	fireAt := time.UnixMilli(a.FireAt)
	if wait := fireAt.Sub(d.Now()); wait > 0 {
		// Early by the runner's clock (a test's, or a clock that was set
		// back): wait for it.
		return river.JobSnooze(wait)
	}
	// A few parts at a time per node: what is claimed and not yet sent is
	// what a crash would strand.
	select {
	case r.reminderParts <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-r.reminderParts }()
	var part []store.ClaimedReminder
	err := d.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		var full bool
		part, full, err = tx.ClaimRemindersAt(ctx, fireAt, r.o.ReminderBatch)
		if err != nil || !full {
			return err
		}
		next := ReminderBatchArgs{FireAt: a.FireAt, Seq: a.Seq + 1, After: a.After}
		if r.beforeEnqueue != nil {
			if err := r.beforeEnqueue(next.Kind()); err != nil {
				return err
			}
		}
		if _, err := r.client.InsertTx(ctx, tx.SQL(), next, nil); err != nil {
			return fmt.Errorf("jobs: queue the next part of the reminders due at %d: %w", a.FireAt, err)
		}
		return nil
	})
	if err != nil || len(part) == 0 {
		return err
	}
	return r.sendPart(ctx, part, fireAt, job.Attempt < job.MaxAttempts)
}

// sendPart sends claimed reminders concurrently (each channel bounded per
// node by Options.ReminderSends), records the sent ones in one statement
// and gives back those whose first channel failed when retry allows (the
// job's error then has River run it again, which claims them anew).
func (r *Runner) sendPart(ctx context.Context, part []store.ClaimedReminder, fireAt time.Time, retry bool) error {
	d := r.d
	ids := partPeople(part)
	people := newPeopleCache(d.Store)
	if err := people.load(ctx, ids); err != nil {
		d.Log.Warn("reminders: could not read a part's people at once", "err", err)
	}
	channels := r.partChannels(ctx, ids)
	sent := make([]string, 0, len(part))
	var failed []string
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range part {
		wg.Go(func() {
			err := r.sendReminder(ctx, people, channels, c, fireAt, retry)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = append(failed, c.ID)
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			sent = append(sent, c.ID)
		})
	}
	wg.Wait()
	// The sent record needs no transaction with the job's completion: a
	// run again after a crash finds them sent, or still claimed, and
	// sends nothing.
	if err := d.Store.MarkRemindersSent(context.WithoutCancel(ctx), sent, d.Now()); err != nil {
		return err
	}
	if err := d.Store.ReleaseReminders(context.WithoutCancel(ctx), failed); err != nil {
		return err
	}
	d.Log.Info("reminders sent", "fire_at", fireAt, "sent", len(sent), "to_retry", len(failed))
	return firstErr
}

// errReminderRetry marks a reminder whose first channel failed and that is
// to be tried again.
var errReminderRetry = errors.New("jobs: reminder to be tried again")

// sendReminder sends one claimed reminder through the person's channels.
// It returns an error only when the first channel (WhatsApp) failed and
// retry allows another attempt: nothing went out then.
func (r *Runner) sendReminder(ctx context.Context, people *peopleCache, channels []reminders.Channel, c store.ClaimedReminder, fireAt time.Time, retry bool) error {
	d := r.d
	p, err := people.get(ctx, c.UserID)
	if err != nil {
		return fmt.Errorf("%w: %w", errReminderRetry, err)
	}
	out := reminderMessage(d.Now(), c.Reminder, fireAt, p.loc)
	log := d.Log.With("user_id", c.UserID, "reminder_id", c.ID)
	for i, ch := range channels {
		if !p.settings.HasChannel(ch.Name()) {
			continue
		}
		err := r.throughChannel(ctx, ch, c.UserID, out)
		if err != nil {
			if i == 0 && retry {
				// The first channel (WhatsApp) failed before anything went
				// out: give the claim back and try again later.
				return fmt.Errorf("%w: through %s: %w", errReminderRetry, ch.Name(), err)
			}
			log.Warn("a reminder could not go out through a channel", "channel", ch.Name(), "err", err)
		}
	}
	log.Debug("reminder sent")
	return nil
}

// partChannels are the channels to send a part through: a
// reminders.BatchChannel reads what it needs of the part's people at once
// (on failure, the channel itself reads it for each reminder).
func (r *Runner) partChannels(ctx context.Context, ids []string) []reminders.Channel {
	d := r.d
	out := slices.Clone(d.ReminderChannels)
	for i, ch := range out {
		bc, ok := ch.(reminders.BatchChannel)
		if !ok {
			continue
		}
		if pc, err := bc.ForPeople(ctx, ids); err == nil {
			out[i] = pc
		} else {
			d.Log.Warn("reminders: a channel could not read a part's people at once", "channel", ch.Name(), "err", err)
		}
	}
	return out
}

// partPeople are the people of a part, each once.
func partPeople(part []store.ClaimedReminder) []string {
	seen := map[string]bool{}
	var ids []string
	for _, c := range part {
		if !seen[c.UserID] {
			seen[c.UserID] = true
			ids = append(ids, c.UserID)
		}
	}
	return ids
}

// throughChannel sends through ch, waiting while the node has
// Options.ReminderSends sends through it in flight.
func (r *Runner) throughChannel(ctx context.Context, ch reminders.Channel, userID string, out reminders.Reminder) error {
	if slots := r.reminderSends[ch.Name()]; slots != nil {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-slots }()
	}
	return ch.Send(ctx, userID, out)
}

// person is what sending needs to know of a person.
type person struct {
	loc      *time.Location
	settings store.ReminderSettings
}

// peopleCache reads each person of a part once.
type peopleCache struct {
	st *store.Store
	mu sync.Mutex
	m  map[string]*personEntry
}

type personEntry struct {
	once sync.Once
	p    person
	err  error
}

func newPeopleCache(st *store.Store) *peopleCache {
	return &peopleCache{st: st, m: map[string]*personEntry{}}
}

// load reads these people in one query; one it does not find (or all,
// when it fails) is read by get on its own.
func (c *peopleCache) load(ctx context.Context, userIDs []string) error {
	found, err := c.st.ReminderPeople(ctx, userIDs)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, rp := range found {
		e := &personEntry{p: person{settings: rp.Settings, loc: time.UTC}}
		if loc, err := time.LoadLocation(rp.Timezone); err == nil {
			e.p.loc = loc
		}
		e.once.Do(func() {})
		c.m[id] = e
	}
	return nil
}

func (c *peopleCache) get(ctx context.Context, userID string) (person, error) {
	c.mu.Lock()
	e := c.m[userID]
	if e == nil {
		e = &personEntry{}
		c.m[userID] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		user, err := c.st.UserByID(ctx, userID)
		if err != nil {
			e.err = err
			return
		}
		e.p.settings, e.err = c.st.ReminderSettings(ctx, userID)
		if e.p.loc, err = time.LoadLocation(user.Timezone); err != nil {
			e.p.loc = time.UTC
		}
	})
	return e.p, e.err
}

// busyReminderInstants returns the instants whose reminders a batch job is
// sending or about to send (a later part of a chain, or a run to be tried
// again): the sweep leaves their reminders alone, although the job they
// name (the first of the chain) may have ended.
func (r *Runner) busyReminderInstants(ctx context.Context) ([]time.Time, error) {
	params := river.NewJobListParams().Kinds(ReminderBatchArgs{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable).
		First(10000)
	res, err := r.client.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("jobs: reminder jobs under way: %w", err)
	}
	seen := map[int64]bool{}
	var out []time.Time
	for _, j := range res.Jobs {
		var a ReminderBatchArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil || seen[a.FireAt] {
			continue
		}
		seen[a.FireAt] = true
		out = append(out, time.UnixMilli(a.FireAt))
	}
	return out, nil
}

// cancelReminderJobTx cancels, in tx, the job of a reminder whose time
// changed or that is gone, when the job was its own (a job per reminder,
// as queued before batches); a batch job is shared by every reminder due
// at its instant, and simply finds nothing of this one when it runs.
func (r *Runner) cancelReminderJobTx(ctx context.Context, tx *store.Tx, jobID int64) error {
	if jobID == 0 {
		return nil
	}
	j, err := r.client.JobGetTx(ctx, tx.SQL(), jobID)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs: reminder job: %w", err)
	}
	if j.Kind != (ReminderArgs{}).Kind() {
		return nil
	}
	return r.CancelJobTx(ctx, tx, jobID)
}
