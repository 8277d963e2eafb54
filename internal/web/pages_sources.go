package web

import (
	"net/http"
	"net/url"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// One item per thing: the messages an item was found in, with a way to
// split a wrongly merged one off.

type sourcesData struct {
	Coll, ID, Title, Back string
	Sources               []store.ItemSource
	ChatNames             map[string]string
}

// sourcesPage lists the source messages of one item.
func (h *Handler) sourcesPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx, coll, id := r.Context(), r.PathValue("coll"), r.PathValue("id")
	kind, ok := service.MergedKind(coll)
	if !ok {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	d := sourcesData{Coll: coll, ID: id}
	var err error
	switch kind {
	case domain.KindTask:
		var t store.Task
		t, err = h.o.Service.Task(ctx, v.User.ID, id)
		d.Title, d.Sources, d.Back = t.Title, t.Sources, "/tasks#task-"+id
	case domain.KindNote, domain.KindIdea:
		var n store.Note
		n, err = h.o.Service.Note(ctx, v.User.ID, kind, id)
		d.Title, d.Sources, d.Back = n.Title, n.Sources, "/"+coll
	case domain.KindLocation:
		var l store.Location
		l, err = h.o.Service.Place(ctx, v.User.ID, id)
		d.Title, d.Sources, d.Back = l.Name, l.Sources, "/locations"
	case domain.KindEvent:
		var e store.Event
		e, err = h.o.Service.Event(ctx, v.User.ID, id)
		d.Title, d.Sources, d.Back = e.Title, e.Sources, "/events#event-"+id
	case domain.KindImage:
		var im store.Image
		im, err = h.o.Service.Image(ctx, v.User.ID, id)
		d.Title, d.Sources, d.Back = im.Caption, im.Sources, "/gallery/"+url.PathEscape(id)
		if d.Title == "" {
			d.Title = "Image"
		}
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	chats := make([]string, 0, len(d.Sources))
	for _, s := range d.Sources {
		chats = append(chats, s.ChatID)
	}
	d.ChatNames = h.chatNames(ctx, v.User.ID, chats)
	h.render(w, r, v, http.StatusOK, "sources", &page{Title: "Mentions of " + d.Title, Data: d})
}

// splitSource makes one source of an item an item of its own.
func (h *Handler) splitSource(w http.ResponseWriter, r *http.Request, v *viewer) {
	coll, id := r.PathValue("coll"), r.PathValue("id")
	kind, ok := service.MergedKind(coll)
	if !ok {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	if _, err := h.o.Service.SplitSource(r.Context(), v.User.ID, kind, id,
		service.SplitInput{ChatID: r.PostFormValue("chat"), MessageID: r.PostFormValue("message")}); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/sources/"+url.PathEscape(coll)+"/"+url.PathEscape(id)+"?ok=split")
}
