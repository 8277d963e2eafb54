package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strings"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// listPaths is the page that lists each kind of tagged item.
var listPaths = map[domain.Kind]string{
	domain.KindTask: "/tasks", domain.KindNote: "/notes", domain.KindIdea: "/ideas", domain.KindLocation: "/locations",
	domain.KindEvent: "/events", domain.KindBookmark: "/bookmarks", domain.KindImage: "/gallery", domain.KindVoiceMemo: "/voice-memos",
}

// listFilter is a list page's filter bar: what the list is narrowed by
// (as the query string says: tag, chat, person, from, to) and the choices.
type listFilter struct {
	// Action is the list's own path, where the bar's form goes.
	Action                      string
	Tag, Chat, Person, From, To string
	// NoDates hides the date range (a list that has its own); View is
	// kept across filtering (the tasks' and events' views).
	NoDates bool
	View    string
	Tags    []store.TagCount
	People  []store.Person
	Chats   []store.Chat
}

// readFilter reads a list's filter from the query and loads the choices of
// its bar (the person's tags, the people items came from, recent chats).
func (h *Handler) readFilter(r *http.Request, v *viewer, action string) (listFilter, error) {
	q := r.URL.Query()
	f := listFilter{Action: action, Tag: strings.TrimSpace(q.Get("tag")), Chat: q.Get("chat"), Person: q.Get("person"), From: q.Get("from"), To: q.Get("to")}
	ctx := r.Context()
	var err error
	if f.Tags, err = h.o.Service.Tags(ctx, v.User.ID); err != nil {
		return f, err
	}
	if f.People, err = h.o.Service.People(ctx, v.User.ID); err != nil {
		return f, err
	}
	chats, err := h.o.Service.Chats(ctx, v.User.ID, "", service.Page{Limit: store.MaxPageSize})
	f.Chats = chats.Items
	return f, err
}

// Service is the filter as the service takes it.
func (f listFilter) Service() service.Filter {
	return service.Filter{Tag: f.Tag, ChatID: f.Chat, Person: f.Person, From: f.From, To: f.To}
}

// Active says whether the list is narrowed.
func (f listFilter) Active() bool {
	return f.Tag != "" || f.Chat != "" || f.Person != "" || f.From != "" || f.To != ""
}

// PersonName is the name of the person the list is narrowed to.
func (f listFilter) PersonName() string {
	for _, p := range f.People {
		if p.ID == f.Person {
			return p.Name
		}
	}
	return ""
}

// Summary says what the list is narrowed by, in a few words ("" when
// nothing).
func (f listFilter) Summary() string {
	var parts []string
	if f.Tag != "" {
		parts = append(parts, "#"+f.Tag)
	}
	if f.Chat != "" {
		name := phoneFromJID(f.Chat)
		for _, c := range f.Chats {
			if c.ID == f.Chat {
				name = chatLabel(c)
			}
		}
		parts = append(parts, "in "+name)
	}
	if f.Person != "" {
		parts = append(parts, "from "+cmp.Or(f.PersonName(), phoneFromJID(f.Person)))
	}
	if f.From != "" {
		parts = append(parts, "since "+f.From)
	}
	if f.To != "" {
		parts = append(parts, "until "+f.To)
	}
	return strings.Join(parts, " · ")
}

// HasTag says whether the bar's tag is one of the person's tags.
func (f listFilter) HasTag() bool {
	for _, t := range f.Tags {
		if t.Tag == f.Tag {
			return true
		}
	}
	return false
}

// tagArgs hands the tag chips partial one item's tags.
type tagArgs struct {
	P    *page
	Kind domain.Kind
	ID   string
	Tags []string
}

// List is the page listing the item's kind.
func (a tagArgs) List() string { return listPaths[a.Kind] }

// TagURL is the item's list narrowed to one tag.
func (a tagArgs) TagURL(tag string) string { return listPaths[a.Kind] + "?tag=" + url.QueryEscape(tag) }

// Action is where the item's tag forms post.
func (a tagArgs) Action() string { return "/tags/" + string(a.Kind) + "/" + url.PathEscape(a.ID) }

// addTag adds the tags typed in the form (separated by spaces or commas) to
// one item, then goes back to the list it was shown in.
func (h *Handler) addTag(w http.ResponseWriter, r *http.Request, v *viewer) {
	kind, err := service.TagKind(r.PathValue("kind"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	typed := strings.FieldsFunc(r.PostForm.Get("tag"), func(c rune) bool { return c == ',' || c == ' ' })
	if _, err := h.o.Service.ChangeTags(r.Context(), v.User.ID, kind, r.PathValue("id"), service.TagChange{Add: typed}); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, safeNext(r.PostForm.Get("next"), listPaths[kind]))
}

// removeTag removes one tag from one item.
func (h *Handler) removeTag(w http.ResponseWriter, r *http.Request, v *viewer) {
	kind, err := service.TagKind(r.PathValue("kind"))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if _, err := h.o.Service.ChangeTags(r.Context(), v.User.ID, kind, r.PathValue("id"), service.TagChange{Remove: []string{r.PostForm.Get("tag")}}); err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, safeNext(r.PostForm.Get("next"), listPaths[kind]))
}
