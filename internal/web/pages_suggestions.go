package web

import (
	"net/http"
	"net/url"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

type suggestionsData struct {
	Items []store.Suggestion
	Next  string
}

// suggestionsPage is the Suggested inbox: the open promises and requests
// found in the person's chats, each with Accept (it becomes a task),
// Dismiss and a link to its message.
func (h *Handler) suggestionsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	l, err := h.o.Service.Suggestions(r.Context(), v.User.ID, store.SuggestionOpen, service.Page{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	next := ""
	if l.NextCursor != "" {
		next = "/suggestions?cursor=" + url.QueryEscape(l.NextCursor)
	}
	h.render(w, r, v, http.StatusOK, "suggestions", &page{Title: "Suggested", Nav: "suggestions",
		Live: liveKinds{domain.Kind(domain.EventSuggestion)}, Data: suggestionsData{Items: l.Items, Next: next}})
}

func (h *Handler) acceptSuggestion(w http.ResponseWriter, r *http.Request, v *viewer) {
	if _, err := h.o.Service.AcceptSuggestion(r.Context(), v.User.ID, r.PathValue("id"), service.SuggestionAccept{}); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, "/suggestions?ok=accepted")
}

func (h *Handler) dismissSuggestion(w http.ResponseWriter, r *http.Request, v *viewer) {
	if _, err := h.o.Service.DismissSuggestion(r.Context(), v.User.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, "/suggestions?ok=dismissed")
}

// chatSuggestions includes a chat in suggestions or excludes it.
func (h *Handler) chatSuggestions(w http.ResponseWriter, r *http.Request, v *viewer) {
	chatID := r.PathValue("chat")
	if _, err := h.o.Service.SetChatSuggestions(r.Context(), v.User.ID, chatID, r.PostForm.Get("suggest") == "1"); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/chats/"+url.PathEscape(chatID))
}
