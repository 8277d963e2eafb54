package service

import (
	"context"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

// Suggestions lists the caller's suggestions of one status (open,
// accepted, dismissed, answered; "" for all), newest first.
func (s *Service) Suggestions(ctx context.Context, userID, status string, p Page) (List[store.Suggestion], error) {
	if status != "" && !store.ValidSuggestionStatus(status) {
		return List[store.Suggestion]{}, validate.Errors{{Field: "status", Message: "must be open, accepted, dismissed or answered"}}
	}
	opts, err := listOptions(p)
	if err != nil {
		return List[store.Suggestion]{}, err
	}
	return listOf(s.o.Store.ListSuggestions(ctx, userID, status, opts))
}

// Suggestion is one of the caller's suggestions.
func (s *Service) Suggestion(ctx context.Context, userID, id string) (store.Suggestion, error) {
	if err := checkIDs(id); err != nil {
		return store.Suggestion{}, err
	}
	return s.o.Store.GetSuggestion(ctx, userID, id)
}

// OpenSuggestions counts the caller's open suggestions (the inbox badge).
func (s *Service) OpenSuggestions(ctx context.Context, userID string) (int, error) {
	return s.o.Store.CountOpenSuggestions(ctx, userID)
}

// SuggestionAccept changes what the task of an accepted suggestion says;
// nil fields keep the suggestion's.
type SuggestionAccept struct {
	Title *string
	// Due is a day (YYYY-MM-DD) or an RFC 3339 time, "" for none.
	Due *string
	// DueTime is a time of day (HH:MM) on the Due day.
	DueTime *string
}

// AcceptedSuggestion is an accepted suggestion and the task it became.
type AcceptedSuggestion struct {
	Suggestion store.Suggestion `json:"suggestion"`
	Task       store.Task       `json:"task"`
}

// AcceptSuggestion makes a task of a suggestion, with its message as the
// task's source, and a reminder like any task's. Accepting it again
// answers the same task.
func (s *Service) AcceptSuggestion(ctx context.Context, userID, id string, in SuggestionAccept) (AcceptedSuggestion, error) {
	if err := checkIDs(id); err != nil {
		return AcceptedSuggestion{}, err
	}
	p, err := s.taskPatch(ctx, userID, TaskInput{Title: in.Title, Due: in.Due, DueTime: in.DueTime}, false)
	if err != nil {
		return AcceptedSuggestion{}, err
	}
	var title string
	if p.Title != nil {
		title = *p.Title
	}
	keepDue := in.Due == nil && in.DueTime == nil
	hasTime := p.DueHasTime != nil && *p.DueHasTime
	g, t, fresh, err := s.o.Store.AcceptSuggestion(ctx, userID, id, title, p.Due, hasTime, keepDue)
	if err != nil {
		return AcceptedSuggestion{}, err
	}
	if fresh {
		s.publish(userID, string(domain.KindTask), t)
		s.publish(userID, domain.EventSuggestion, g)
		if err := s.syncReminder(ctx, userID, t, nil); err != nil {
			return AcceptedSuggestion{}, err
		}
	}
	return AcceptedSuggestion{Suggestion: g, Task: t}, nil
}

// DismissSuggestion dismisses a suggestion for good: analysing its message
// again never suggests it again.
func (s *Service) DismissSuggestion(ctx context.Context, userID, id string) (store.Suggestion, error) {
	if err := checkIDs(id); err != nil {
		return store.Suggestion{}, err
	}
	g, err := s.o.Store.DismissSuggestion(ctx, userID, id)
	if err == nil {
		s.publish(userID, domain.EventSuggestion, g)
	}
	return g, err
}

// SetChatSuggestions includes a chat in suggestions (on) or excludes it:
// its messages are then not read for promises and requests.
func (s *Service) SetChatSuggestions(ctx context.Context, userID, chatID string, on bool) (store.Chat, error) {
	if err := checkIDs(chatID); err != nil {
		return store.Chat{}, err
	}
	return s.o.Store.SetChatSuggestions(ctx, userID, chatID, on)
}

// ChatSettings are what the person may change of a chat; nil fields stay
// as they are.
type ChatSettings struct {
	// Keep: whether the chat's messages are stored.
	Keep *bool
	// Purge removes what the chat stored (with Keep false, or alone).
	Purge bool
	// Suggest: whether the chat is read for suggestions.
	Suggest *bool
}

// UpdateChat applies chat settings: keeping (SetChatKept) and
// suggestions (SetChatSuggestions).
func (s *Service) UpdateChat(ctx context.Context, userID, chatID string, in ChatSettings) (store.Chat, error) {
	if err := checkIDs(chatID); err != nil {
		return store.Chat{}, err
	}
	if in.Keep == nil && in.Suggest == nil {
		return store.Chat{}, validate.Errors{{Field: "keep", Message: "is required (true or false), unless suggest is given"}}
	}
	if in.Purge && in.Keep != nil && *in.Keep {
		return store.Chat{}, validate.Errors{{Field: "purge", Message: "goes only with keep false (a chat kept is not purged; POST …/purge removes what it stored)"}}
	}
	var c store.Chat
	var err error
	if in.Suggest != nil {
		if c, err = s.SetChatSuggestions(ctx, userID, chatID, *in.Suggest); err != nil {
			return c, err
		}
	}
	if in.Keep != nil {
		return s.SetChatKept(ctx, userID, chatID, in.Keep, in.Purge)
	}
	if in.Purge {
		return c, s.PurgeChat(ctx, userID, chatID)
	}
	return c, nil
}
