package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

// Ask's limits.
const (
	// MaxQuestion bounds a question (characters).
	MaxQuestion = 1000
	// AsksPerMinute and AskBurst bound how often one person asks (each
	// question may cost a language-model call).
	AsksPerMinute = 10
	AskBurst      = 10
	// AskPassages is how many passages an answer is made from.
	AskPassages = 8
	// askCandidates is how deep each retrieval's list goes before fusion.
	askCandidates = 40
	// rrfK is reciprocal-rank fusion's constant.
	rrfK = 60
)

// AskQuery is a question about the person's own messages and knowledge,
// optionally scoped to one chat, one sender (a phone number or a WhatsApp
// id; messages only) and a time range From–To (RFC 3339 times or days in
// the person's zone; a day in To includes it).
type AskQuery struct {
	Question string
	ChatID   string
	Sender   string
	From, To string
}

// Citation is one passage an answer rests on (or, without a language
// model, one of the best passages). N is its number in the answer ("[N]").
type Citation struct {
	N    int         `json:"n"`
	Kind domain.Kind `json:"kind"`
	// ID is the thing's id; for a message, the message id.
	ID         string    `json:"id"`
	ChatID     string    `json:"chatId,omitempty"`
	ChatName   string    `json:"chatName,omitempty"`
	MessageID  string    `json:"messageId,omitempty"`
	Sender     string    `json:"sender,omitempty"`
	SenderName string    `json:"senderName,omitempty"`
	Title      string    `json:"title,omitempty"`
	Snippet    string    `json:"snippet"`
	Time       time.Time `json:"time"`
	// URL opens the exact message (its anchor in the chat page) or item
	// in the web UI; relative to the server.
	URL string `json:"url"`
}

// AskResult is Ask's answer.
type AskResult struct {
	// Answer is the language model's answer; nil when there is none (no
	// model configured, the model failed, or nothing was found).
	Answer *string `json:"answer"`
	// Mode is "answer" (a model answered from the passages) or "passages"
	// (the best passages only).
	Mode string `json:"mode"`
	// Retrieval is "hybrid" (full text and embeddings, fused) or
	// "fulltext".
	Retrieval string `json:"retrieval"`
	// Generator names the model that answered; empty without one.
	Generator string `json:"generator"`
	// Note says in words what happened when there is no answer, or what
	// retrieval could not do.
	Note string `json:"note,omitempty"`
	// Citations are the passages the answer cites, by number; in passages
	// mode, the best passages.
	Citations []Citation `json:"citations"`
}

// Ask modes and retrievals.
const (
	AskModeAnswer      = "answer"
	AskModePassages    = "passages"
	RetrievalHybrid    = "hybrid"
	RetrievalFullText  = "fulltext"
	noModelNote        = "No language model is configured (LLM_BASE_URL), so these are the passages that best match your question."
	noEmbeddingsNote   = "Retrieval is by full text only: no embeddings endpoint is configured (EMBEDDINGS_BASE_URL)."
	nothingFoundNote   = "Nothing in your messages, transcripts or items matches the question."
	modelFailedNote    = "The language model did not answer (%s), so these are the passages that best match your question."
	embeddingsDownNote = "The embeddings endpoint did not answer, so retrieval was by full text only."
)

// AskLimitError means the person asked more often than the Ask limit
// allows; they may ask again after RetryAfter.
type AskLimitError struct{ RetryAfter time.Duration }

func (e *AskLimitError) Error() string {
	return fmt.Sprintf("service: too many questions; try again in %s", e.RetryAfter.Round(time.Second))
}

// askLimiter keeps one token bucket per person.
type askLimiter struct {
	mu sync.Mutex
	by map[string]*rate.Limiter
}

func (l *askLimiter) reserve(userID string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[string]*rate.Limiter{}
	}
	lim := l.by[userID]
	if lim == nil {
		if len(l.by) > 100_000 {
			clear(l.by)
		}
		lim = rate.NewLimiter(rate.Every(time.Minute/AsksPerMinute), AskBurst)
		l.by[userID] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// HasAnswerer reports whether Ask answers with a language model.
func (s *Service) HasAnswerer() bool { return s.o.Answerer != nil }

// HasEmbedder reports whether Ask retrieves by embeddings too.
func (s *Service) HasEmbedder() bool { return s.o.Embedder != nil }

// checkAsk validates a question and turns it into a scope.
func (s *Service) checkAsk(ctx context.Context, userID string, q *AskQuery) (store.AskScope, error) {
	var errs validate.Errors
	q.Question = strings.TrimSpace(q.Question)
	checkText(&errs, "question", &q.Question, true, MaxQuestion)
	var scope store.AskScope
	scope.ChatID = filterID(&errs, "chatId", chatIDMessage, q.ChatID)
	if v := strings.TrimSpace(q.Sender); v != "" {
		var ok bool
		if scope.Sender, ok = whatsAppID(v); !ok {
			errs.Add("sender", "must be a WhatsApp id or a phone number with its country code")
		}
	}
	scope.From, scope.To = s.timeRange(ctx, userID, q.From, q.To, &errs)
	if err := errs.Err(); err != nil {
		return scope, err
	}
	if scope.ChatID != "" {
		if _, err := s.o.Store.GetChat(ctx, userID, scope.ChatID); err != nil {
			return scope, err // another person's chat is not found
		}
	}
	return scope, nil
}

// Ask answers a question from the person's own messages, transcripts and
// items, with citations that open the exact message or item. Retrieval
// fuses full-text hits with the nearest embeddings (when an embeddings
// endpoint is configured); the answer comes from the language model (when
// one is configured), which is given the passages as quoted data. Without
// a model, or when it fails, the best passages come back, labelled as
// such, instead of an error. Only the person's own data is ever read or
// sent. Too many questions is *AskLimitError; another person's chat is
// store.ErrNotFound.
func (s *Service) Ask(ctx context.Context, userID string, q AskQuery) (AskResult, error) {
	scope, err := s.checkAsk(ctx, userID, &q)
	if err != nil {
		return AskResult{}, err
	}
	if wait, ok := s.asks.reserve(userID, s.o.Now()); !ok {
		return AskResult{}, &AskLimitError{RetryAfter: wait}
	}
	passages, retrieval, note, err := s.Retrieve(ctx, userID, q.Question, scope, AskPassages)
	if err != nil {
		return AskResult{}, err
	}
	res := AskResult{Mode: AskModePassages, Retrieval: retrieval, Citations: []Citation{}}
	names := s.chatNamesOf(ctx, userID, passages)
	cite := func(n int, p store.Passage) Citation { return s.citation(n, p, names, q.Question) }
	notes := []string{}
	if note != "" {
		notes = append(notes, note)
	}
	switch {
	case len(passages) == 0:
		notes = append([]string{nothingFoundNote}, notes...)
	case s.o.Answerer == nil:
		notes = append([]string{noModelNote}, notes...)
	default:
		in := make([]ai.AskPassage, len(passages))
		for i, p := range passages {
			sender := p.SenderName
			if sender == "" && p.Sender != "" {
				sender = p.Sender
			}
			text := p.Text
			if p.Title != "" {
				text = p.Title + "\n" + text
			}
			in[i] = ai.AskPassage{Kind: p.Kind.Label(), Sender: sender, Chat: names[p.ChatID], Time: p.Time, Text: text}
		}
		ans, err := s.o.Answerer.Answer(ctx, q.Question, in)
		if err != nil {
			if ctx.Err() != nil {
				return AskResult{}, ctx.Err()
			}
			s.o.Log.Warn("ask: the language model did not answer", "user_id", userID, "err", err)
			notes = append([]string{fmt.Sprintf(modelFailedNote, modelFailure(err))}, notes...)
			break
		}
		res.Mode, res.Answer, res.Generator = AskModeAnswer, &ans.Text, s.o.AnswerModel
		for _, n := range ans.Cited {
			res.Citations = append(res.Citations, cite(n, passages[n-1]))
		}
		res.Note = strings.Join(notes, " ")
		return res, nil
	}
	for i, p := range passages {
		res.Citations = append(res.Citations, cite(i+1, p))
	}
	res.Note = strings.Join(notes, " ")
	return res, nil
}

// modelFailure says in a few words why the model failed.
func modelFailure(err error) string {
	var pe *ai.ProviderError
	switch {
	case errors.As(err, &pe) && pe.Timeout:
		return "it timed out"
	case errors.As(err, &pe) && pe.StatusCode != 0:
		return fmt.Sprintf("it answered HTTP %d", pe.StatusCode)
	case errors.Is(err, ai.ErrInvalidAnswer):
		return "its answer was not usable"
	}
	return "it could not be reached"
}

// Retrieve finds the passages that best match a question within the
// scope: full-text hits fused (reciprocal rank) with the nearest
// embeddings when an embedder is configured. It says which retrieval ran
// and, when embeddings were wanted but failed, why not.
func (s *Service) Retrieve(ctx context.Context, userID, question string, scope store.AskScope, limit int) ([]store.Passage, string, string, error) {
	full, err := s.o.Store.AskSearch(ctx, userID, question, scope, askCandidates)
	if err != nil {
		return nil, "", "", err
	}
	retrieval, note := RetrievalFullText, ""
	lists := [][]store.AskHit{full}
	if s.o.Embedder == nil {
		note = noEmbeddingsNote
	} else {
		near, ready, err := s.nearest(ctx, userID, question, scope, askCandidates)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, "", "", ctx.Err()
		case err != nil:
			s.o.Log.Warn("ask: embedding the question failed; full text only", "user_id", userID, "err", err)
			note = embeddingsDownNote
		case !ready:
			note = vectorsLoadingNote
		default:
			retrieval = RetrievalHybrid
			lists = append(lists, near)
		}
	}
	fused := fuse(lists)
	var out []store.Passage
	for _, h := range fused {
		if len(out) == limit {
			break
		}
		p, err := s.o.Store.AskPassage(ctx, userID, h.Kind, h.Ref)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted or emptied since it was indexed or embedded
		} else if err != nil {
			return nil, "", "", err
		}
		if !inScope(p, scope) {
			continue
		}
		out = append(out, p)
	}
	return out, retrieval, note, nil
}

// inScope checks a loaded passage against the scope again (a stale vector
// may carry an old chat or time).
func inScope(p store.Passage, sc store.AskScope) bool {
	if sc.ChatID != "" && p.ChatID != sc.ChatID {
		return false
	}
	if sc.Sender != "" && (p.Kind != domain.KindMessage || p.Sender != sc.Sender) {
		return false
	}
	if !sc.From.IsZero() && p.Time.Before(sc.From) || !sc.To.IsZero() && !p.Time.Before(sc.To) {
		return false
	}
	return true
}

// fuse merges ranked lists by reciprocal rank: each hit scores the sum of
// 1/(rrfK+rank) over the lists it is in.
func fuse(lists [][]store.AskHit) []store.AskHit {
	type scored struct {
		h     store.AskHit
		score float64
		first int
	}
	by := map[store.AskHit]*scored{}
	var order []*scored
	for _, l := range lists {
		for rank, h := range l {
			sc := by[h]
			if sc == nil {
				sc = &scored{h: h, first: len(order)}
				by[h] = sc
				order = append(order, sc)
			}
			sc.score += 1 / float64(rrfK+rank+1)
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].score != order[j].score {
			return order[i].score > order[j].score
		}
		return order[i].first < order[j].first
	})
	out := make([]store.AskHit, len(order))
	for i, sc := range order {
		out[i] = sc.h
	}
	return out
}

// citation renders passage p as citation number n.
func (s *Service) citation(n int, p store.Passage, names map[string]string, question string) Citation {
	c := Citation{N: n, Kind: p.Kind, ID: p.ID, ChatID: p.ChatID, ChatName: names[p.ChatID], MessageID: p.MessageID,
		Sender: p.Sender, SenderName: p.SenderName, Title: p.Title, Time: p.Time}
	c.Snippet = store.Snippet(strings.Join(strings.Fields(p.Text), " "), store.AskTerms(question), 240)
	if c.Snippet == "" {
		c.Snippet = p.Title
	}
	c.URL = ItemURL(p.Kind, p.ID, p.ChatID)
	return c
}

// chatNamesOf names the chats the passages came from.
func (s *Service) chatNamesOf(ctx context.Context, userID string, ps []store.Passage) map[string]string {
	names := map[string]string{}
	for _, p := range ps {
		if p.ChatID == "" {
			continue
		}
		if _, ok := names[p.ChatID]; ok {
			continue
		}
		c, err := s.o.Store.GetChat(ctx, userID, p.ChatID)
		if err == nil {
			names[p.ChatID] = c.Name
		} else {
			names[p.ChatID] = ""
		}
	}
	return names
}

// ItemURL is where the web UI shows a thing: a message at its anchor in
// its chat, an item on its page.
func ItemURL(kind domain.Kind, id, chatID string) string {
	e := url.PathEscape(id)
	switch kind {
	case domain.KindMessage:
		return "/chats/" + url.PathEscape(chatID) + "#m-" + e
	case domain.KindBookmark:
		return "/bookmarks/" + e + "/edit"
	case domain.KindTask:
		return "/tasks/" + e + "/edit"
	case domain.KindNote:
		return "/notes/" + e + "/edit"
	case domain.KindIdea:
		return "/ideas/" + e + "/edit"
	case domain.KindLocation:
		return "/locations/" + e + "/edit"
	case domain.KindEvent:
		return "/events/" + e + "/edit"
	case domain.KindVoiceMemo:
		return "/voice-memos#v-" + e
	case domain.KindSummary:
		return "/summaries#s-" + e
	case domain.KindImage:
		return "/gallery/" + e
	}
	return "/"
}
