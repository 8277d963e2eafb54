package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/tags"
	"github.com/synapse-kb/synapse/internal/validate"
)

// Images.

// ImageQuery filters images (see Filter; the time is when one was sent).
type ImageQuery = Filter

// Images lists the caller's images, newest first.
func (s *Service) Images(ctx context.Context, userID string, q ImageQuery, p Page) (List[store.Image], error) {
	f, opts, err := s.filterAndPage(ctx, userID, q, p)
	if err != nil {
		return List[store.Image]{}, err
	}
	return listOf(s.o.Store.ListImages(ctx, userID, store.ImageFilter{ChatID: f.ChatID, From: f.From, To: f.To, Tag: f.Tag, Person: f.Person}, opts))
}

// Image is one of the caller's images.
func (s *Service) Image(ctx context.Context, userID, id string) (store.Image, error) {
	if err := checkIDs(id); err != nil {
		return store.Image{}, err
	}
	im, err := s.o.Store.GetImage(ctx, userID, id)
	if err == nil {
		im.Sources, err = s.ItemSources(ctx, userID, domain.KindImage, id)
	}
	return im, err
}

// Voice memos.

// VoiceMemos lists the caller's voice memos, newest first (the time of
// the filter is when one was sent).
func (s *Service) VoiceMemos(ctx context.Context, userID string, q Filter, p Page) (List[store.VoiceMemo], error) {
	f, opts, err := s.filterAndPage(ctx, userID, q, p)
	if err != nil {
		return List[store.VoiceMemo]{}, err
	}
	return listOf(s.o.Store.ListVoiceMemos(ctx, userID, f, opts))
}

// VoiceMemo is one of the caller's voice memos with its transcript.
func (s *Service) VoiceMemo(ctx context.Context, userID, id string) (store.VoiceMemo, error) {
	if err := checkIDs(id); err != nil {
		return store.VoiceMemo{}, err
	}
	return s.o.Store.GetVoiceMemo(ctx, userID, id)
}

// Summaries.

// SummaryQuery filters summaries: one group, one day (YYYY-MM-DD).
type SummaryQuery struct {
	ChatID, Day string
}

// Summaries lists the caller's daily group summaries, most recently made
// first.
func (s *Service) Summaries(ctx context.Context, userID string, q SummaryQuery, p Page) (List[store.Summary], error) {
	opts, err := listOptions(p)
	if err != nil {
		return List[store.Summary]{}, err
	}
	var errs validate.Errors
	if q.Day != "" {
		if _, ok := parseDay(q.Day); !ok {
			errs.Add("day", "must be a date (YYYY-MM-DD)")
		}
	}
	chatID := filterID(&errs, "chatId", chatIDMessage, q.ChatID)
	if err := errs.Err(); err != nil {
		return List[store.Summary]{}, err
	}
	return listOf(s.o.Store.ListSummaries(ctx, userID, store.SummaryFilter{ChatID: chatID, Day: q.Day}, opts))
}

// Summary is one of the caller's summaries.
func (s *Service) Summary(ctx context.Context, userID, id string) (store.Summary, error) {
	if err := checkIDs(id); err != nil {
		return store.Summary{}, err
	}
	return s.o.Store.GetSummary(ctx, userID, id)
}

// Generated says what GenerateSummaries queued.
type Generated struct {
	// Queued is how many summaries are being made; each is announced by a
	// summary event when done.
	Queued int    `json:"queued"`
	Day    string `json:"day"`
}

// GenerateSummaries makes (or remakes) the summaries of one day (default:
// yesterday in the person's time zone), of one group or of every group
// active that day.
func (s *Service) GenerateSummaries(ctx context.Context, userID, chatID, day string) (Generated, error) {
	u, err := s.Me(ctx, userID)
	if err != nil {
		return Generated{}, err
	}
	if day == "" {
		day = yesterday(s.o.Now(), s.Location(u.Timezone))
	} else if _, ok := parseDay(day); !ok {
		return Generated{}, validate.Errors{{Field: "day", Message: "must be a date (YYYY-MM-DD)"}}
	}
	if chatID != "" {
		if _, err := s.Chat(ctx, userID, chatID); err != nil {
			return Generated{}, err
		}
	}
	if s.o.Jobs == nil {
		return Generated{}, ErrUnavailable
	}
	n, err := s.o.Jobs.QueueSummaries(ctx, userID, chatID, day, true)
	return Generated{Queued: n, Day: day}, err
}

// Yesterday is the day before today in the person's time zone.
func (s *Service) Yesterday(tz string) string { return yesterday(s.o.Now(), s.Location(tz)) }

// Search.

// DefaultSearchLimit is how many results a search returns unless asked.
const DefaultSearchLimit = 50

// SearchQuery is what to find: every word of Q, in the given kinds (all
// when empty), from one chat, sent or made From–To (RFC 3339 times or days
// in the person's zone; a day in To includes it), best first or Newest
// first, a page of Limit after Cursor.
type SearchQuery struct {
	Q        string
	Kinds    []string
	ChatID   string
	From, To string
	// Tag keeps only items with this tag; Person only what this person
	// (a WhatsApp id) sent or what was made from it.
	Tag, Person string
	Newest      bool
	// Sort is "relevance" (the default) or "newest" (sets Newest), as
	// people ask for it; anything else is a field error.
	Sort   string
	Limit  int
	Cursor string
}

// ParseKinds reads a comma-separated list of kinds.
func ParseKinds(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// Search finds the caller's messages and knowledge matching every word of
// the query, best (or newest) first, a page at a time.
func (s *Service) Search(ctx context.Context, userID string, q SearchQuery) (List[store.SearchHit], error) {
	var errs validate.Errors
	q.Q = strings.TrimSpace(q.Q)
	checkText(&errs, "q", &q.Q, true, MaxSearchQuery)
	if q.Limit < 0 || q.Limit > store.MaxPageSize {
		errs.Add("limit", fmt.Sprintf("must be a whole number from 1 to %d", store.MaxPageSize))
	}
	if q.Limit == 0 {
		q.Limit = DefaultSearchLimit
	}
	kinds := make([]domain.Kind, 0, len(q.Kinds))
	for _, k := range q.Kinds {
		if !domain.Kind(k).Valid() {
			errs.Add("kinds", "unknown kind "+k)
		}
		kinds = append(kinds, domain.Kind(k))
	}
	switch q.Sort {
	case "", "relevance":
	case "newest":
		q.Newest = true
	default:
		errs.Add("sort", "must be relevance or newest")
	}
	o := store.SearchOptions{Kinds: kinds, Newest: q.Newest, Limit: q.Limit}
	o.ChatID = filterID(&errs, "chatId", chatIDMessage, q.ChatID)
	if t := strings.TrimSpace(q.Tag); t != "" {
		var ok bool
		if o.Tag, ok = tags.Normalize(t); !ok {
			errs.Add("tag", tagMessage)
		}
	}
	o.Person = filterID(&errs, "person", personIDMessage, q.Person)
	o.From, o.To = s.timeRange(ctx, userID, q.From, q.To, &errs)
	page, err := listOptions(Page{Cursor: q.Cursor})
	if err != nil {
		return List[store.SearchHit]{}, err
	}
	if err := errs.Err(); err != nil {
		return List[store.SearchHit]{}, err
	}
	o.Cursor = page.Cursor
	p, err := s.o.Store.SearchPaged(ctx, userID, q.Q, o)
	if p.Hits == nil {
		p.Hits = []store.SearchHit{}
	}
	return List[store.SearchHit]{Items: p.Hits, NextCursor: p.NextCursor}, err
}

// Storage counts and sizes what the caller stores.
func (s *Service) Storage(ctx context.Context, userID string) (store.Usage, error) {
	return s.o.Store.StorageUsage(ctx, userID)
}

// Dashboard is the home page's summary of what is new.
type Dashboard struct {
	// Today counts the messages received since midnight (person's zone).
	Today     int
	OpenTasks []store.Task
	// Events are the next calendar events (see UpcomingEvents).
	Events    []store.Event
	Chats     []store.Chat
	Summaries []store.Summary
	// DueReminders went out in the last day for tasks still open.
	DueReminders []store.Reminder
}

// Dashboard gathers the home page.
func (s *Service) Dashboard(ctx context.Context, userID, tz string) (Dashboard, error) {
	var d Dashboard
	loc := s.Location(tz)
	now := s.o.Now().In(loc)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	var err error
	if d.Today, err = s.o.Store.CountMessages(ctx, userID, midnight); err != nil {
		return d, err
	}
	if d.OpenTasks, err = s.o.Store.OpenTasks(ctx, userID, 5); err != nil {
		return d, err
	}
	if d.Events, err = s.UpcomingEvents(ctx, userID, 5); err != nil {
		return d, err
	}
	if d.DueReminders, err = s.DueReminders(ctx, userID); err != nil {
		return d, err
	}
	chats, err := s.o.Store.ListChats(ctx, userID, store.AllChats, store.ListOptions{Limit: 6})
	if err != nil {
		return d, err
	}
	d.Chats = chats.Items
	sums, err := s.o.Store.ListSummaries(ctx, userID, store.SummaryFilter{}, store.ListOptions{Limit: 2})
	d.Summaries = sums.Items
	return d, err
}

// ImageView is one image with its place among the others, for a viewer.
type ImageView struct {
	store.Image
	// Newer and Older are the ids of the images next to it (in the same
	// chat when the view is of one chat); "" at either end.
	Newer, Older string
}

// ImageWithNeighbours is one of the caller's images and the ids of those
// next to it, within chatID when it is set.
func (s *Service) ImageWithNeighbours(ctx context.Context, userID, id, chatID string) (ImageView, error) {
	im, err := s.Image(ctx, userID, id)
	if err != nil {
		return ImageView{}, err
	}
	if chatID != "" && !validID(chatID) {
		chatID = ""
	}
	v := ImageView{Image: im}
	v.Newer, v.Older, err = s.o.Store.ImageNeighbours(ctx, userID, im, store.ImageFilter{ChatID: chatID})
	return v, err
}
