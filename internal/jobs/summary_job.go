package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/store"
)

// maxSummaryMessages bounds what one day's summary reads.
const maxSummaryMessages = 5000

// SummarizeArgs summarises one group's day (YYYY-MM-DD in the user's time
// zone).
type SummarizeArgs struct {
	UserID string `json:"user_id"`
	ChatID string `json:"chat_id"`
	Day    string `json:"day"`
	// Force regenerates an existing summary.
	Force bool `json:"force,omitempty"`
}

func (SummarizeArgs) Kind() string { return "summarize_day" }

func (SummarizeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueAI, MaxAttempts: 6}
}

type summarizeWorker struct {
	river.WorkerDefaults[SummarizeArgs]
	r *Runner
}

func (w *summarizeWorker) Timeout(*river.Job[SummarizeArgs]) time.Duration { return 3 * time.Minute }

func (w *summarizeWorker) Work(ctx context.Context, job *river.Job[SummarizeArgs]) error {
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
	if d.Summarizer != nil {
		in := ai.DayInput{Group: chat.Name, Date: from, Location: loc}
		for _, m := range msgs {
			if m.Text != "" {
				in.Messages = append(in.Messages, ai.DayMessage{Sender: m.FromName, Time: m.Timestamp, Text: m.Text})
			}
		}
		s, err := d.Summarizer.SummarizeDay(ctx, in)
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
	w.r.publish(a.UserID, EventSummary, saved)
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

func (w *dailySummariesWorker) Work(ctx context.Context, _ *river.Job[DailySummariesArgs]) error {
	_, err := w.r.QueueDailySummaries(ctx, w.r.d.Now())
	return err
}

// QueueDailySummaries queues the summaries of "yesterday" (in each user's
// time zone, as of now) that do not exist yet, and returns how many.
func (r *Runner) QueueDailySummaries(ctx context.Context, now time.Time) (int, error) {
	users, err := r.d.Store.ListUsers(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range users {
		loc, err := time.LoadLocation(u.Timezone)
		if err != nil {
			loc = time.UTC
		}
		local := now.In(loc)
		day := time.Date(local.Year(), local.Month(), local.Day()-1, 0, 0, 0, 0, loc).Format("2006-01-02")
		k, err := r.QueueSummaries(ctx, u.ID, "", day, false)
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// QueueSummaries queues summaries of day for the user's groups that were
// active that day (or only chatID), and returns how many. With force,
// existing summaries are made again.
func (r *Runner) QueueSummaries(ctx context.Context, userID, chatID, day string, force bool) (int, error) {
	u, err := r.d.Store.UserByID(ctx, userID)
	if err != nil {
		return 0, err
	}
	loc, err := time.LoadLocation(u.Timezone)
	if err != nil {
		loc = time.UTC
	}
	from, to, err := DayBounds(day, loc)
	if err != nil {
		return 0, err
	}
	active, err := r.d.Store.GroupActivity(ctx, userID, from, to)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range active {
		if chatID != "" && c.ChatID != chatID {
			continue
		}
		if !force {
			if ok, err := r.d.Store.SummaryExists(ctx, userID, c.ChatID, day); err != nil || ok {
				if err != nil {
					return n, err
				}
				continue
			}
		}
		opts := &river.InsertOpts{Queue: queueAI, MaxAttempts: 6, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueWhilePending}}
		if _, err := r.client.Insert(ctx, SummarizeArgs{UserID: userID, ChatID: c.ChatID, Day: day, Force: force}, opts); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RetentionArgs is the periodic job that deletes messages past retention.
type RetentionArgs struct{}

func (RetentionArgs) Kind() string { return "retention" }

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	r *Runner
}

func (w *retentionWorker) Timeout(*river.Job[RetentionArgs]) time.Duration { return 30 * time.Minute }

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

// uniqueWhilePending makes a job unique only while an identical one waits or
// runs, so that asking again later (a regeneration) is possible.
var uniqueWhilePending = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}
