package api

import (
	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

type suggestionList service.List[store.Suggestion]

type acceptSuggestionRequest struct {
	// Title replaces the suggestion's title in the task.
	Title *string `json:"title,omitempty"`
	// Due is the task's due date: an RFC 3339 time or a day (YYYY-MM-DD,
	// in the caller's time zone); "" for none. Absent: the suggestion's.
	Due *string `json:"due,omitempty"`
	// DueTime is a time of day (HH:MM) on the Due day.
	DueTime *string `json:"dueTime,omitempty"`
}

// registerSuggestions adds the Suggested inbox's routes.
func (s *Server) registerSuggestions() {
	add := func(rt route, ep endpoint) {
		rt.access, rt.tag = user, "suggestions"
		rt.scope = auth.ScopeRead
		if rt.method != "GET" {
			rt.scope = auth.ScopeWrite
		}
		s.add(rt, ep)
	}
	add(route{method: "GET", path: "/api/v1/suggestions", summary: "The caller's suggestions: promises and requests found in their chats, newest first",
		description: "A promise is something the caller said they would do (\"I'll send you the file tomorrow\"); a request is something asked of them in a direct chat, or in a group message that mentions them or replies to them (\"can you send me the report?\"). They wait here, never in the task list, until accepted or dismissed. A request the caller answers in its chat becomes answered by itself.",
		query:       append([]param{{"status", "open (the inbox), accepted, dismissed or answered (default: all).", "string"}}, pageQuery...)},
		typed(s.listSuggestions))
	add(route{method: "GET", path: "/api/v1/suggestions/{id}", summary: "One suggestion"}, typed(s.getSuggestion))
	add(route{method: "POST", path: "/api/v1/suggestions/{id}/accept", optionalBody: true,
		summary:     "Accept a suggestion: it becomes a task",
		description: "The task has the message as its source and the suggestion's title and due date unless the body gives others. Accepting again answers the same task."},
		typed(s.acceptSuggestion))
	add(route{method: "POST", path: "/api/v1/suggestions/{id}/dismiss",
		summary:     "Dismiss a suggestion for good",
		description: "Analysing its message again (a new rule, a model) never suggests it again. An accepted suggestion stays accepted."},
		typed(s.dismissSuggestion))
}

func (s *Server) listSuggestions(c *call, _ *noBody) (suggestionList, error) {
	l, err := s.o.Service.Suggestions(c.ctx(), c.userID, c.r.URL.Query().Get("status"), pageOf(c.r))
	return suggestionList(l), err
}

func (s *Server) getSuggestion(c *call, _ *noBody) (store.Suggestion, error) {
	return s.o.Service.Suggestion(c.ctx(), c.userID, id(c))
}

func (s *Server) acceptSuggestion(c *call, in *acceptSuggestionRequest) (service.AcceptedSuggestion, error) {
	return s.o.Service.AcceptSuggestion(c.ctx(), c.userID, id(c), service.SuggestionAccept{Title: in.Title, Due: in.Due, DueTime: in.DueTime})
}

func (s *Server) dismissSuggestion(c *call, _ *noBody) (store.Suggestion, error) {
	return s.o.Service.DismissSuggestion(c.ctx(), c.userID, id(c))
}
