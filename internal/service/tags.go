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

// Filter narrows any list of items, as people ask for it: items with Tag,
// from the chat ChatID, from the person Person (the WhatsApp id of the
// sender of the message an item came from), made (or, for images and
// voice memos, sent; for events, starting) From–To: RFC 3339 times or
// days (YYYY-MM-DD in the person's zone; a day in To includes it). Empty
// fields do not narrow. Bad values are field errors named as the API's
// query parameters (tag, chatId, person, from, to).
type Filter struct {
	Tag, ChatID, Person string
	From, To            string
}

// Empty says whether the filter narrows nothing.
func (f Filter) Empty() bool { return f == Filter{} }

const tagMessage = "must be a tag: letters, digits, _ and - (at most 50)"

// itemFilter checks a filter and turns it into the store's.
func (s *Service) itemFilter(ctx context.Context, userID string, f Filter, errs *validate.Errors) store.ItemFilter {
	var out store.ItemFilter
	if t := strings.TrimSpace(f.Tag); t != "" {
		n, ok := tags.Normalize(t)
		if !ok {
			errs.Add("tag", tagMessage)
		}
		out.Tag = n
	}
	out.ChatID = filterID(errs, "chatId", chatIDMessage, f.ChatID)
	out.Person = filterID(errs, "person", personIDMessage, f.Person)
	out.From, out.To = s.timeRange(ctx, userID, f.From, f.To, errs)
	return out
}

// filterID reads a chat or person filter (whatsAppID); empty narrows
// nothing.
func filterID(errs *validate.Errors, field, message, v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	id, ok := whatsAppID(v)
	if !ok {
		errs.Add(field, message)
	}
	return id
}

// timeRange reads from and to (see Filter); zero times leave a side open.
func (s *Service) timeRange(ctx context.Context, userID, from, to string, errs *validate.Errors) (time.Time, time.Time) {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if from == "" && to == "" {
		return time.Time{}, time.Time{}
	}
	loc := s.userLocation(ctx, userID)
	var f, t time.Time
	var ok bool
	if from != "" {
		if f, ok = parseMoment(from, loc, false); !ok {
			errs.Add("from", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		}
	}
	if to != "" {
		if t, ok = parseMoment(to, loc, true); !ok {
			errs.Add("to", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		}
	}
	if !f.IsZero() && !t.IsZero() && t.Before(f) {
		errs.Add("to", "must not be before from")
	}
	return f, t
}

// filterAndPage checks a filter and a page request together.
func (s *Service) filterAndPage(ctx context.Context, userID string, f Filter, p Page) (store.ItemFilter, store.ListOptions, error) {
	var errs validate.Errors
	sf := s.itemFilter(ctx, userID, f, &errs)
	if err := errs.Err(); err != nil {
		return sf, store.ListOptions{}, err
	}
	opts, err := listOptions(p)
	return sf, opts, err
}

// TagKind reads a kind that carries tags (store.TaggedKinds); any other is
// store.ErrNotFound.
func TagKind(kind string) (domain.Kind, error) {
	for _, k := range store.TaggedKinds {
		if string(k) == kind {
			return k, nil
		}
	}
	return "", store.ErrNotFound
}

// TagChange changes an item's tags: Set replaces them all (nil: not
// given), then Add adds and Remove removes some.
type TagChange struct {
	Set         *[]string
	Add, Remove []string
}

// cleanTags normalises a list of tags given in field, or adds field errors.
func cleanTags(errs *validate.Errors, field string, in []string) []string {
	out, bad, tooMany := tags.Clean(in)
	for _, b := range bad {
		errs.Add(field, fmt.Sprintf("%q %s", b, tagMessage))
	}
	if tooMany {
		errs.Add(field, fmt.Sprintf("an item carries at most %d tags", tags.MaxPerItem))
	}
	return out
}

// ChangeTags changes the tags of one of the caller's items (of a kind that
// carries tags) and returns its tags after the change.
func (s *Service) ChangeTags(ctx context.Context, userID string, kind domain.Kind, id string, c TagChange) ([]string, error) {
	if _, err := TagKind(string(kind)); err != nil {
		return nil, err
	}
	if err := checkIDs(id); err != nil {
		return nil, err
	}
	var errs validate.Errors
	var set *[]string
	if c.Set != nil {
		v := cleanTags(&errs, "tags", *c.Set)
		set = &v
	}
	add := cleanTags(&errs, "tags", c.Add)
	var remove []string
	for _, t := range c.Remove {
		// A tag that could never be stored is not on the item: nothing to do.
		if n, ok := tags.Normalize(t); ok {
			remove = append(remove, n)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	out, err := s.o.Store.ChangeTags(ctx, userID, kind, id, set, add, remove)
	if err == store.ErrTooManyTags {
		return nil, validate.Errors{{Field: "tags", Message: fmt.Sprintf("an item carries at most %d tags", tags.MaxPerItem)}}
	}
	return out, err
}

// ItemTags returns the tags of one of the caller's items.
func (s *Service) ItemTags(ctx context.Context, userID string, kind domain.Kind, id string) ([]string, error) {
	if _, err := TagKind(string(kind)); err != nil {
		return nil, err
	}
	if err := checkIDs(id); err != nil {
		return nil, err
	}
	return s.o.Store.ItemTags(ctx, userID, kind, id)
}

// Tags lists the caller's tags with how many items carry each, the most
// used first.
func (s *Service) Tags(ctx context.Context, userID string) ([]store.TagCount, error) {
	return s.o.Store.ListTags(ctx, userID)
}

// People lists the people the caller's items came from (for a picker of
// the person filter), by name.
func (s *Service) People(ctx context.Context, userID string) ([]store.Person, error) {
	return s.o.Store.ListPeople(ctx, userID)
}
