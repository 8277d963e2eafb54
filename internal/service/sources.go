package service

import (
	"context"
	"errors"
	"net/url"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

// mergedKinds are the kinds whose items merge repeats and can be split,
// by the name of their collection in the API.
var mergedKinds = map[string]domain.Kind{
	"tasks": domain.KindTask, "notes": domain.KindNote, "ideas": domain.KindIdea,
	"locations": domain.KindLocation, "calendar-events": domain.KindEvent, "images": domain.KindImage,
}

// MergedKind is the item kind of an API collection name ("tasks",
// "calendar-events", …) whose items have sources.
func MergedKind(collection string) (domain.Kind, bool) {
	k, ok := mergedKinds[collection]
	return k, ok
}

// SourceURL is where the web UI shows a source message.
func SourceURL(chatID, messageID string) string {
	return "/chats/" + url.PathEscape(chatID) + "#m-" + url.PathEscape(messageID)
}

// ItemSources lists the messages one of the caller's items was found in,
// the first one first.
func (s *Service) ItemSources(ctx context.Context, userID string, kind domain.Kind, id string) ([]store.ItemSource, error) {
	if err := checkIDs(id); err != nil {
		return nil, store.ErrNotFound
	}
	srcs, err := s.o.Store.ItemSources(ctx, userID, kind, id)
	for i := range srcs {
		srcs[i].URL = SourceURL(srcs[i].ChatID, srcs[i].MessageID)
	}
	return srcs, err
}

// SplitInput names the source to split off an item.
type SplitInput struct {
	ChatID    string `json:"chatId"`
	MessageID string `json:"messageId"`
}

// Split is what a split made.
type Split struct {
	Kind domain.Kind `json:"kind"`
	// ID is the new item's; From the item it was split from.
	ID   string `json:"id"`
	From string `json:"from"`
}

// SplitSource undoes a wrong merge: the source message in of one of the
// caller's items becomes an item of its own (a copy of the item), which
// later analysis of that message keeps apart.
func (s *Service) SplitSource(ctx context.Context, userID string, kind domain.Kind, id string, in SplitInput) (Split, error) {
	if err := checkIDs(id); err != nil {
		return Split{}, store.ErrNotFound
	}
	var errs validate.Errors
	if in.ChatID == "" {
		errs.Add("chatId", "is required: the chat of the source message to split off")
	}
	if in.MessageID == "" {
		errs.Add("messageId", "is required: the source message to split off")
	}
	if err := errs.Err(); err != nil {
		return Split{}, err
	}
	newID, err := s.o.Store.SplitSource(ctx, userID, kind, id, in.ChatID, in.MessageID)
	if errors.Is(err, store.ErrOnlySource) {
		errs.Add("messageId", "is the message the item was first found in; split off one of its other sources")
		return Split{}, errs.Err()
	}
	if err != nil {
		return Split{}, err
	}
	// The copy reminds like the item it came from.
	switch kind {
	case domain.KindTask:
		var t store.Task
		if t, err = s.o.Store.GetTask(ctx, userID, newID); err == nil {
			err = s.syncReminder(ctx, userID, t, nil)
		}
	case domain.KindEvent:
		var e store.Event
		if e, err = s.o.Store.GetEvent(ctx, userID, newID); err == nil {
			err = s.syncEventReminder(ctx, userID, e, nil)
		}
	}
	if err != nil {
		s.o.Log.Warn("the reminder of a split item was not scheduled", "user_id", userID, "kind", kind, "id", newID, "err", err)
	}
	return Split{Kind: kind, ID: newID, From: id}, nil
}
