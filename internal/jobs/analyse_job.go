package jobs

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/store"
)

// AnalyseArgs turns a transcript, a note to self or a location message into
// tasks, notes, ideas, locations and events.
type AnalyseArgs struct {
	UserID     string      `json:"user_id"`
	MemoID     string      `json:"memo_id,omitempty"`
	Message    *MessageRef `json:"message,omitempty"`
	NoteToSelf bool        `json:"note_to_self,omitempty"`
	// EventsOnly keeps only the events found: a message from a chat with
	// others is read for meetings and plans, not for the person's tasks.
	EventsOnly bool `json:"events_only,omitempty"`
	// Revision is the edit time of an edited message (0: its first
	// version), so that an edit is analysed again.
	Revision int64 `json:"revision,omitempty"`
}

func (AnalyseArgs) Kind() string { return "analyse" }

func (AnalyseArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueAI, MaxAttempts: 8, UniqueOpts: whilePending}
}

// AnalyseMemoTx queues, in tx, the analysis of a transcribed voice memo.
func (r *Runner) AnalyseMemoTx(ctx context.Context, tx *store.Tx, userID, memoID string) error {
	return r.insertTx(ctx, tx, AnalyseArgs{UserID: userID, MemoID: memoID}, r.analyseOpts())
}

type analyseWorker struct {
	river.WorkerDefaults[AnalyseArgs]
	r *Runner
}

func (w *analyseWorker) Work(ctx context.Context, job *river.Job[AnalyseArgs]) error {
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
	var src store.Source
	var text string
	var direct []store.Extracted
	var read *store.Message // the message as read, when analysing one
	switch {
	case a.MemoID != "":
		memo, err := d.Store.GetVoiceMemo(ctx, a.UserID, a.MemoID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		src = store.Source{Kind: store.SourceVoiceMemo, VoiceMemoID: memo.ID, ChatID: memo.ChatID, MessageID: memo.MessageID,
			Snapshot: store.Snapshot{From: memo.Sender, FromName: memo.SenderName, Text: memo.Transcript, Time: memo.SentAt}}
		text = memo.Transcript
	case a.Message != nil:
		m, err := d.Store.GetMessage(ctx, a.UserID, a.Message.ChatID, a.Message.MessageID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		read = &m
		src = store.Source{Kind: store.SourceMessage, ChatID: m.ChatID, MessageID: m.ID,
			Snapshot: store.Snapshot{From: m.From, FromName: m.FromName, Text: m.Text, Time: m.Timestamp}}
		if a.NoteToSelf && m.Text != "" {
			// What Synapse wrote to the person's own chat is no note;
			// a capture or a reply to a reminder is handled here.
			if done, err := w.r.selfChat(ctx, user, loc, m, a.Revision); done || err != nil {
				return err
			}
		}
		if m.Location != nil {
			// A shared location is a location as it is.
			l := m.Location
			name := l.Name
			if name == "" {
				name = l.Address
			}
			if name == "" {
				name = "Shared location"
			}
			lat, lng := l.Latitude, l.Longitude
			direct = []store.Extracted{{Kind: "location", Title: name, Address: l.Address, Latitude: &lat, Longitude: &lng, URL: l.URL}}
		}
		text = m.Text
	default:
		return permanent(errNoText)
	}
	items := direct
	if items == nil && text != "" {
		items, err = w.extract(ctx, job, text, user.CreatedAt, loc, a.NoteToSelf)
		if err != nil {
			return err
		}
		if a.EventsOnly {
			items = slices.DeleteFunc(items, func(x store.Extracted) bool { return x.Kind != domain.KindEvent })
		}
	}
	// The items and, for a memo, the mark that it was analysed commit
	// together: the sweep analyses again only memos without the mark.
	var created []any
	err = d.Store.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if read != nil && len(items) > 0 {
			// Deleted for everyone or edited while it was read: the
			// deletion removed what it made, the edit queued its own
			// analysis.
			if same, err := tx.MessageUnchanged(ctx, a.UserID, read.ChatID, read.ID, read.EditedAt); err != nil || !same {
				return err
			}
		}
		if created, err = tx.AddExtracted(ctx, a.UserID, src, items); err != nil {
			return err
		}
		if err := w.r.syncCreatedTx(ctx, tx, a.UserID, created); err != nil {
			return err
		}
		if a.MemoID != "" {
			return tx.SetMemoAnalysed(ctx, a.UserID, a.MemoID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, it := range created {
		switch v := it.(type) {
		case store.Task:
			w.r.publish(a.UserID, "task", v)
		case store.Note:
			w.r.publish(a.UserID, "note", v)
		case store.Idea:
			w.r.publish(a.UserID, "idea", v)
		case store.Location:
			w.r.publish(a.UserID, "location", v)
		case store.Event:
			w.r.publish(a.UserID, domain.KindEvent, v)
		}
	}
	return nil
}

// extract runs the configured model, or the built-in analyser. Dates are
// resolved relative to when the text was said (the job's creation).
func (w *analyseWorker) extract(ctx context.Context, job *river.Job[AnalyseArgs], text string, _ time.Time, loc *time.Location, noteToSelf bool) ([]store.Extracted, error) {
	d := w.r.d
	now := job.CreatedAt.In(loc)
	var items []knowledge.Item
	if d.Analyser != nil {
		var err error
		items, err = d.Analyser.ExtractItems(ctx, text, now, loc)
		if err != nil {
			// The built-in analyser is the terminal fallback: a provider
			// that keeps failing still leaves the person with items.
			ferr := w.r.providerFailure(ctx, job.Attempt, job.MaxAttempts, err, func(string) error { return nil })
			var cancel *river.JobCancelError
			if !errors.As(ferr, &cancel) {
				return nil, ferr
			}
			d.Log.Warn("model analysis failed; using the built-in analyser", "err", err)
			items = nil
		} else if len(items) == 0 && noteToSelf {
			items = knowledge.AnalyseNoteToSelf(text, now, loc)
		}
	}
	if items == nil {
		if noteToSelf {
			items = knowledge.AnalyseNoteToSelf(text, now, loc)
		} else {
			items = knowledge.Analyse(text, now, loc)
		}
	}
	out := make([]store.Extracted, 0, len(items))
	for _, it := range items {
		x := store.Extracted{Kind: it.Kind, Title: it.Title, Body: it.Body, Due: it.Due, DueHasTime: it.DueHasTime,
			Address: it.Address, Latitude: it.Latitude, Longitude: it.Longitude}
		if it.Kind == domain.KindEvent {
			if it.Start == nil {
				continue
			}
			x.Due, x.DueHasTime = nil, false
			x.Start, x.End, x.Place, x.People, x.TimeZone = it.Start, it.End, it.Place, it.People, loc.String()
		}
		out = append(out, x)
	}
	return out, nil
}
