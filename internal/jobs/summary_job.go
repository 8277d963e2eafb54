package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/store"
)

// maxSummaryMessages bounds what one day's summary reads.
const maxSummaryMessages = 5000

// SummariseArgs summarises one group's day (YYYY-MM-DD in the user's time
// zone).
type SummariseArgs struct {
	UserID string `json:"user_id"`
	ChatID string `json:"chat_id"`
	Day    string `json:"day"`
	// Force regenerates an existing summary.
	Force bool `json:"force,omitempty"`
}

// Kind keeps the name jobs were queued under before the code settled on
// "summarise": queued jobs of an older version must still be worked.
func (SummariseArgs) Kind() string { return "summarize_day" }

func (SummariseArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueAI, MaxAttempts: 6, UniqueOpts: whilePending}
}

type summariseWorker struct {
	river.WorkerDefaults[SummariseArgs]
	r *Runner
}

func (w *summariseWorker) Timeout(*river.Job[SummariseArgs]) time.Duration {
	return w.r.timeout(3 * time.Minute)
}

func (w *summariseWorker) Work(ctx context.Context, job *river.Job[SummariseArgs]) error {
	d := w.r.d
	a := job.Args
	user, err := d.Store.UserByID(ctx, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(user.Timezone)
	if err != nil {
		loc = time.UTC
	}
	from, to, err := DayBounds(a.Day, loc)
	if err != nil {
		return permanent(err)
	}
	if !a.Force {
		if ok, err := d.Store.SummaryExists(ctx, a.UserID, a.ChatID, a.Day); err != nil || ok {
			return err
		}
	}
	chat, err := d.Store.GetChat(ctx, a.UserID, a.ChatID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	msgs, err := d.Store.MessagesBetween(ctx, a.UserID, a.ChatID, from, to, maxSummaryMessages)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		return nil
	}
	builtin := knowledge.Summarise(summaryInput(msgs))
	stats, _ := json.Marshal(builtin)
	x := store.Summary{ChatID: a.ChatID, ChatName: chat.Name, Day: a.Day, Language: builtin.Language, Text: builtin.Text, Stats: stats, Generator: "builtin"}
	if d.Summariser != nil {
		in := ai.DayInput{Group: chat.Name, Date: from, Location: loc}
		for _, m := range msgs {
			if m.Text != "" {
				in.Messages = append(in.Messages, ai.DayMessage{Sender: m.FromName, Time: m.Timestamp, Text: m.Text})
			}
		}
		s, err := d.Summariser.SummariseDay(ctx, in)
		if err != nil {
			ferr := w.r.providerFailure(ctx, job.Attempt, job.MaxAttempts, err, func(string) error { return nil })
			var cancel *river.JobCancelError
			if !errors.As(ferr, &cancel) {
				return ferr
			}
			d.Log.Warn("model summary failed; keeping the built-in one", "err", err)
		} else {
			x.Text, x.Language, x.Generator = s.Text, s.Language, "llm"
		}
	}
	saved, err := d.Store.PutSummary(ctx, a.UserID, x)
	if err != nil {
		return err
	}
	w.r.publish(a.UserID, domain.KindSummary, saved)
	return nil
}

func summaryInput(msgs []store.Message) []knowledge.SummaryMessage {
	out := make([]knowledge.SummaryMessage, 0, len(msgs))
	for _, m := range msgs {
		text := m.Text
		if text == "" && m.Location != nil {
			text = m.Location.Name
		}
		out = append(out, knowledge.SummaryMessage{ID: m.ID, From: m.From, FromName: m.FromName, Text: text, Type: m.Type, Time: m.Timestamp})
	}
	return out
}

// DayBounds returns the instants a calendar day (YYYY-MM-DD) starts and
// ends in loc. Days are not always 24 hours long (daylight saving).
func DayBounds(day string, loc *time.Location) (time.Time, time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", day, loc)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("jobs: day %q is not YYYY-MM-DD", day)
	}
	return d, time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc), nil
}

// DailySummariesArgs is the periodic job that queues, for every user whose
// previous day has ended in their time zone, a summary of each group that
// was active that day and has none yet.
type DailySummariesArgs struct{}

func (DailySummariesArgs) Kind() string { return "daily_summaries" }

type dailySummariesWorker struct {
	river.WorkerDefaults[DailySummariesArgs]
	r *Runner
}

func (w *dailySummariesWorker) Work(ctx context.Context, job *river.Job[DailySummariesArgs]) error {
	// The summaries it queues and its own completion commit together.
	_, err := w.r.queueDailySummaries(ctx, w.r.d.Now(), func(tx *store.Tx) error { return completeTx(ctx, tx, job) })
	return err
}

// QueueDailySummaries queues the summaries of "yesterday" (in each user's
// time zone, as of now) that do not exist yet, and returns how many.
func (r *Runner) QueueDailySummaries(ctx context.Context, now time.Time) (int, error) {
	return r.queueDailySummaries(ctx, now, nil)
}

// queueDailySummaries reads what to queue, then queues it all in one
// transaction, in which also runs (when not nil).
func (r *Runner) queueDailySummaries(ctx context.Context, now time.Time, also func(tx *store.Tx) error) (int, error) {
	users, err := r.d.Store.ListUsers(ctx)
	if err != nil {
		return 0, err
	}
	var params []river.InsertManyParams
	for _, u := range users {
		loc, err := time.LoadLocation(u.Timezone)
		if err != nil {
			loc = time.UTC
		}
		local := now.In(loc)
		day := time.Date(local.Year(), local.Month(), local.Day()-1, 0, 0, 0, 0, loc).Format("2006-01-02")
		p, err := r.summaryJobs(ctx, u.ID, "", day, false)
		if err != nil {
			return 0, err
		}
		params = append(params, p...)
	}
	err = r.d.Store.WithTx(ctx, func(tx *store.Tx) error {
		if err := r.insertManyTx(ctx, tx, params); err != nil {
			return err
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(params), nil
}

// QueueSummaries queues summaries of day for the user's groups that were
// active that day (or only chatID), and returns how many. With force,
// existing summaries are made again.
func (r *Runner) QueueSummaries(ctx context.Context, userID, chatID, day string, force bool) (int, error) {
	params, err := r.summaryJobs(ctx, userID, chatID, day, force)
	if err != nil {
		return 0, err
	}
	err = r.d.Store.WithTx(ctx, func(tx *store.Tx) error { return r.insertManyTx(ctx, tx, params) })
	if err != nil {
		return 0, err
	}
	return len(params), nil
}

// QueueSummariesTx is QueueSummaries with the jobs queued in tx. What to
// queue is decided from committed data, read outside tx: on SQLite, where
// tx holds the only write connection, this is why it must be short.
func (r *Runner) QueueSummariesTx(ctx context.Context, tx *store.Tx, userID, chatID, day string, force bool) (int, error) {
	params, err := r.summaryJobs(ctx, userID, chatID, day, force)
	if err != nil {
		return 0, err
	}
	if err := r.insertManyTx(ctx, tx, params); err != nil {
		return 0, err
	}
	return len(params), nil
}

// summaryJobs decides which summaries of day to queue for the user (all
// groups active that day, or only chatID).
func (r *Runner) summaryJobs(ctx context.Context, userID, chatID, day string, force bool) ([]river.InsertManyParams, error) {
	u, err := r.d.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(u.Timezone)
	if err != nil {
		loc = time.UTC
	}
	from, to, err := DayBounds(day, loc)
	if err != nil {
		return nil, err
	}
	active, err := r.d.Store.GroupActivity(ctx, userID, from, to)
	if err != nil {
		return nil, err
	}
	var out []river.InsertManyParams
	for _, c := range active {
		if chatID != "" && c.ChatID != chatID {
			continue
		}
		if !force {
			ok, err := r.d.Store.SummaryExists(ctx, userID, c.ChatID, day)
			if err != nil {
				return nil, err
			}
			if ok {
				continue
			}
		}
		out = append(out, river.InsertManyParams{Args: SummariseArgs{UserID: userID, ChatID: c.ChatID, Day: day, Force: force}})
	}
	return out, nil
}

// RetentionArgs is the periodic job that deletes messages past retention.
type RetentionArgs struct{}

func (RetentionArgs) Kind() string { return "retention" }

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	r *Runner
}

func (w *retentionWorker) Timeout(*river.Job[RetentionArgs]) time.Duration {
	return w.r.timeout(30 * time.Minute)
}

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	_, err := w.r.ApplyRetention(ctx, w.r.d.Now())
	return err
}

// ApplyRetention deletes messages older than the retention period as of now
// and returns how many.
func (r *Runner) ApplyRetention(ctx context.Context, now time.Time) (int64, error) {
	cutoff := now.Add(-time.Duration(r.d.RetentionDays) * 24 * time.Hour)
	n, err := r.d.Store.DeleteMessagesBefore(ctx, cutoff, 1000)
	if n > 0 {
		r.d.Log.Info("retention deleted messages", "count", n, "older_than", cutoff.UTC().Format(time.RFC3339))
	}
	return n, err
}
