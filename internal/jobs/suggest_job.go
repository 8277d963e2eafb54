package jobs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/store"
)

// SuggestMaxAge is how old a message may be and still give a suggestion:
// the history a phone sends a newly linked device does not fill the
// Suggested inbox with requests of last year.
const SuggestMaxAge = 14 * 24 * time.Hour

// SuggestArgs reads one chat message for a promise the person made or a
// request made to them (knowledge.Suggest), and, for a message of the
// person's, marks answered the requests of the chat it answers.
type SuggestArgs struct {
	MessageRef
	// Revision is the edit time of an edited message (0: its first
	// version).
	Revision int64 `json:"revision,omitempty"`
}

func (SuggestArgs) Kind() string { return "suggest" }

func (SuggestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 8, UniqueOpts: whilePending}
}

// suggestJob decides whether a new message is read for suggestions: every
// message the person writes in a chat with others (it may promise, and it
// answers), a contact's message in a direct chat, and a group message that
// mentions someone or quotes a message, when it may hold a request at all.
func suggestJob(m *store.IncomingMessage) bool {
	if m.Type != "text" && m.Type != "image" && m.Type != "document" || strings.TrimSpace(m.Text) == "" {
		return false
	}
	if m.FromMe {
		return true
	}
	if m.IsGroup && len(m.Mentions) == 0 && m.ReplyTo == "" {
		return false
	}
	return knowledge.MayBeSuggestion(m.Text)
}

type suggestWorker struct {
	river.WorkerDefaults[SuggestArgs]
	r *Runner
}

func (w *suggestWorker) Work(ctx context.Context, job *river.Job[SuggestArgs]) error {
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
	m, err := d.Store.GetMessage(ctx, a.UserID, a.ChatID, a.MessageID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	chat, err := d.Store.GetChat(ctx, a.UserID, a.ChatID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.FromMe {
		// The person wrote in the chat: the requests it answers leave
		// the inbox.
		answered, err := d.Store.AnswerRequests(ctx, a.UserID, m.ChatID, chat.IsGroup, m.ReplyTo, m.Timestamp)
		if err != nil {
			return err
		}
		for _, g := range answered {
			w.r.publish(a.UserID, domain.EventSuggestion, g)
		}
	}
	if chat.NoSuggestions || m.DeletedAt != nil || m.Text == "" || time.Since(m.Timestamp) > SuggestMaxAge {
		return nil
	}
	said := knowledge.Said{Text: m.Text, FromMe: m.FromMe, Group: chat.IsGroup}
	if chat.IsGroup && !m.FromMe {
		if said.AddressedToMe, err = w.addressedToMe(ctx, a.UserID, m); err != nil {
			return err
		}
	}
	sg, ok, err := w.suggest(ctx, job, said, m.Timestamp.In(loc), loc)
	if err != nil || !ok {
		return err
	}
	n := store.NewSuggestion{Kind: string(sg.Kind), Title: sg.Title, Due: sg.Due, DueHasTime: sg.DueHasTime, ChatID: m.ChatID, MessageID: m.ID,
		Snapshot: store.Snapshot{From: m.From, FromName: m.FromName, Text: m.Text, Time: m.Timestamp}}
	if sg.Kind == knowledge.SuggestRequest {
		done, err := d.Store.AnsweredSince(ctx, a.UserID, m.ChatID, m.ID, chat.IsGroup, m.Timestamp)
		if err != nil {
			return err
		}
		if done {
			// Answered before it was read (history, a re-analysis): kept
			// as answered, so that it never comes up.
			n.Status = store.SuggestionAnswered
		}
	}
	g, added, err := d.Store.AddSuggestion(ctx, a.UserID, n)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if added && g.Status == store.SuggestionOpen {
		w.r.publish(a.UserID, domain.EventSuggestion, g)
	}
	return nil
}

// suggest runs the configured model when it can read suggestions and the
// message has a word a cue starts with (knowledge.MayBeSuggestion), else
// the built-in detector, which also stands in when the model fails for
// good.
func (w *suggestWorker) suggest(ctx context.Context, job *river.Job[SuggestArgs], said knowledge.Said, now time.Time, loc *time.Location) (knowledge.Suggestion, bool, error) {
	if s, ok := w.r.d.Analyser.(ai.Suggester); ok && knowledge.MayBeSuggestion(said.Text) {
		sg, found, err := s.Suggest(ctx, said, now, loc)
		if err == nil {
			return sg, found, nil
		}
		ferr := w.r.providerFailure(ctx, job.Attempt, job.MaxAttempts, err, func(string) error { return nil })
		var cancel *river.JobCancelError
		if !errors.As(ferr, &cancel) {
			return knowledge.Suggestion{}, false, ferr
		}
		w.r.d.Log.Warn("model suggestion failed; using the built-in detector", "err", err)
	}
	sg, ok := knowledge.Suggest(said, now, loc)
	return sg, ok, nil
}

// addressedToMe reports a group message that mentions the person or quotes
// one of their messages.
func (w *suggestWorker) addressedToMe(ctx context.Context, userID string, m store.Message) (bool, error) {
	if len(m.Mentions) > 0 {
		sess, err := w.r.d.Store.SessionByUser(ctx, userID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		if me := jidUser(sess.JID); me != "" && slices.ContainsFunc(m.Mentions, func(j string) bool { return jidUser(j) == me }) {
			return true, nil
		}
	}
	if m.ReplyTo != "" {
		q, err := w.r.d.Store.GetMessage(ctx, userID, m.ChatID, m.ReplyTo)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return q.FromMe, nil
	}
	return false, nil
}

// jidUser is the user part of a JID, without its device: "5511…" of
// "5511…:12@s.whatsapp.net".
func jidUser(j string) string {
	u, _, _ := strings.Cut(j, "@")
	u, _, _ = strings.Cut(u, ":")
	return u
}

// Resuggest queues one stored message to be read for suggestions again,
// as a new rule or model would: what the person dismissed or accepted
// stays so. It returns the job's id.
func (r *Runner) Resuggest(ctx context.Context, userID, chatID, messageID string) (int64, error) {
	res, err := r.client.Insert(ctx, SuggestArgs{MessageRef: MessageRef{UserID: userID, ChatID: chatID, MessageID: messageID},
		Revision: time.Now().UnixNano()}, nil)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}
