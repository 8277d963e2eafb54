package api

import (
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// filterQuery documents the filter every list of items takes (service.Filter).
var filterQuery = []param{
	{"tag", "Only items with this tag.", "string"},
	{"chatId", "Only items from this chat: its id, or a phone number with its country code.", "string"},
	{"person", "Only items from what this person (a WhatsApp id, as GET /api/v1/people lists them, or a phone number with its country code) sent.", "string"},
	{"from", "Only items made (images and voice memos: sent; calendar events: starting) at or after this RFC 3339 time or day (YYYY-MM-DD, in the caller's time zone).", "string"},
	{"to", "Only items made (sent, starting) before this RFC 3339 time, or up to the end of this day.", "string"},
}

// filterOf reads a list's filter from its query string.
func filterOf(r *http.Request) service.Filter {
	q := r.URL.Query()
	return service.Filter{Tag: q.Get("tag"), ChatID: q.Get("chatId"), Person: q.Get("person"), From: q.Get("from"), To: q.Get("to")}
}

// tagsBody is an item's tags, given or answered.
type tagsBody struct {
	Tags []string `json:"tags"`
}

type tagList struct {
	Items []store.TagCount `json:"items"`
}

type peopleList struct {
	Items []store.Person `json:"items"`
}

// taggedCollections maps each collection of the API to the kind of its
// items, for the tag routes under it.
var taggedCollections = []struct {
	path string
	kind domain.Kind
	tag  string
}{
	{"tasks", domain.KindTask, "tasks"},
	{"notes", domain.KindNote, "notes"},
	{"ideas", domain.KindIdea, "ideas"},
	{"locations", domain.KindLocation, "locations"},
	{"calendar-events", domain.KindEvent, "calendar events"},
	{"bookmarks", domain.KindBookmark, "bookmarks"},
	{"images", domain.KindImage, "images"},
	{"voice-memos", domain.KindVoiceMemo, "voice memos"},
}

// registerTags is the route table of tags and the people items came from.
func (s *Server) registerTags() {
	add := func(tag string, rt route, ep endpoint) {
		rt.access, rt.tag, rt.scope = user, tag, auth.ScopeRead
		if rt.method != "GET" {
			rt.scope = auth.ScopeWrite
		}
		s.add(rt, ep)
	}
	add("tags", route{method: "GET", path: "/api/v1/tags", summary: "The caller's tags, the most used first, with how many items carry each"},
		typed(s.listTags))
	add("tags", route{method: "GET", path: "/api/v1/people", summary: "The people the caller's items came from (senders of their messages), by name",
		description: "Each person's id is what the person filter of the lists and of search takes."}, typed(s.listPeople))
	for _, c := range taggedCollections {
		base := "/api/v1/" + c.path + "/{id}/tags"
		add(c.tag, route{method: "GET", path: base, summary: "One item's tags"}, s.getTags(c.kind))
		add(c.tag, route{method: "PUT", path: base, summary: "Replace one item's tags",
			description: "Tags are lower-cased; letters, digits, _ and - only, at most 50 characters and 20 tags an item. A tag the item had keeps its origin (hashtag or manual)."},
			s.putTags(c.kind))
		add(c.tag, route{method: "POST", path: base, summary: "Add tags to one item"}, s.postTags(c.kind))
		add(c.tag, route{method: "DELETE", path: base + "/{tag}", summary: "Remove one tag from one item (answers the tags left)"}, s.deleteTag(c.kind))
	}
}

func (s *Server) listTags(c *call, _ *noBody) (tagList, error) {
	l, err := s.o.Service.Tags(c.ctx(), c.userID)
	return tagList{Items: l}, err
}

func (s *Server) listPeople(c *call, _ *noBody) (peopleList, error) {
	l, err := s.o.Service.People(c.ctx(), c.userID)
	return peopleList{Items: l}, err
}

func (s *Server) getTags(k domain.Kind) endpoint {
	return typed(func(c *call, _ *noBody) (tagsBody, error) {
		t, err := s.o.Service.ItemTags(c.ctx(), c.userID, k, id(c))
		return tagsBody{Tags: t}, err
	})
}

func (s *Server) putTags(k domain.Kind) endpoint {
	return typed(func(c *call, in *tagsBody) (tagsBody, error) {
		set := in.Tags
		if set == nil {
			set = []string{}
		}
		t, err := s.o.Service.ChangeTags(c.ctx(), c.userID, k, id(c), service.TagChange{Set: &set})
		return tagsBody{Tags: t}, err
	})
}

func (s *Server) postTags(k domain.Kind) endpoint {
	return typed(func(c *call, in *tagsBody) (tagsBody, error) {
		t, err := s.o.Service.ChangeTags(c.ctx(), c.userID, k, id(c), service.TagChange{Add: in.Tags})
		return tagsBody{Tags: t}, err
	})
}

func (s *Server) deleteTag(k domain.Kind) endpoint {
	return typed(func(c *call, _ *noBody) (tagsBody, error) {
		t, err := s.o.Service.ChangeTags(c.ctx(), c.userID, k, id(c), service.TagChange{Remove: []string{c.r.PathValue("tag")}})
		return tagsBody{Tags: t}, err
	})
}
