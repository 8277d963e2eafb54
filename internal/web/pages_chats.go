package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Page sizes.
const (
	chatsPerPage    = 50
	messagesPerPage = 50
	imagesPerPage   = 48
	itemsPerPage    = 50
	maxChatID       = 128
	maxMessageText  = 65536
)

type chatsData struct {
	Chats []store.Chat
	Type  string
	Pager pager
}

func (h *Handler) chatsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	kind, typ := store.AllChats, r.URL.Query().Get("type")
	switch typ {
	case "group":
		kind = store.GroupsOnly
	case "direct":
		kind = store.DirectOnly
	default:
		typ = ""
	}
	p, err := h.o.Store.ListChats(r.Context(), v.User.ID, kind, listOptions(r, chatsPerPage))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	pg := &page{Title: "Chats and groups", Nav: "chats", Data: chatsData{Chats: p.Items, Type: typ, Pager: newPager(r, p.NextCursor)}}
	if r.URL.Query().Get("cursor") == "" {
		pg.Live = "message"
	}
	h.render(w, r, v, http.StatusOK, "chats", pg)
}

// messageView is a message with what the page needs to show its media.
type messageView struct {
	store.Message
	// Show is how the media is shown: "image", "audio", "video", "file",
	// or "" for none.
	Show string
	// MediaURL serves the media; empty while it is not downloaded yet.
	MediaURL string
	// ThumbURL serves an image's thumbnail, when it has one.
	ThumbURL string
}

type chatData struct {
	Chat     store.Chat
	Messages []messageView
	Pager    pager
	CanSend  bool
	Error    string
	Draft    string
}

func (h *Handler) chatPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderChat(w, r, v, http.StatusOK, "", "")
}

func (h *Handler) renderChat(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg, draft string) {
	ctx := r.Context()
	chatID := r.PathValue("chat")
	if len(chatID) > maxChatID {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	chat, err := h.o.Store.GetChat(ctx, v.User.ID, chatID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	opts := listOptions(r, messagesPerPage)
	if r.Method != http.MethodGet {
		opts.Cursor = ""
	}
	p, err := h.o.Store.ListMessages(ctx, v.User.ID, chatID, opts)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := chatData{Chat: chat, Messages: make([]messageView, len(p.Items)), Error: errMsg, Draft: draft}
	for i, m := range p.Items {
		d.Messages[i] = h.viewMessage(ctx, v.User.ID, m)
	}
	if r.Method == http.MethodGet {
		d.Pager = newPager(r, p.NextCursor)
	} else {
		d.Pager = pager{First: true, Newest: r.URL.Path}
	}
	st, err := h.o.Sessions.Status(ctx, v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.CanSend = st.Status == whatsapp.StatusWorking
	pg := &page{Nav: "chats", State: st, Data: d}
	pg.Title = pg.ChatName(chat)
	if d.Pager.First {
		pg.Live, pg.LiveChat = "message image voice_memo", chat.ID
	}
	h.render(w, r, v, status, "chat", pg)
}

// viewMessage decides how a message's media is shown, and whether it is
// stored yet (media is downloaded in the background).
func (h *Handler) viewMessage(ctx context.Context, userID string, m store.Message) messageView {
	mv := messageView{Message: m}
	if m.Media == nil {
		return mv
	}
	switch m.Type {
	case "image", "sticker":
		mv.Show = "image"
	case "voice", "audio":
		mv.Show = "audio"
	case "video":
		mv.Show = "video"
	default:
		mv.Show = "file"
	}
	// Only what the pipeline downloaded for this message is linked: never
	// the hash the message claims, which the sender chose.
	stored, err := h.o.Store.MessageMedia(ctx, userID, m.ChatID, m.ID)
	if h.o.Blobs == nil || err != nil {
		return mv
	}
	mv.MediaURL = "/media/messages/" + url.PathEscape(m.ChatID) + "/" + url.PathEscape(m.ID)
	if mv.Show == "image" && stored.ThumbSHA256 != "" {
		mv.ThumbURL = "/media/images/" + url.PathEscape(stored.ImageID) + "/thumbnail"
	}
	return mv
}

// sendMessage sends a text from the person's WhatsApp to a chat.
func (h *Handler) sendMessage(w http.ResponseWriter, r *http.Request, v *viewer) {
	chatID := r.PathValue("chat")
	if len(chatID) > maxChatID {
		h.fail(w, r, v, store.ErrNotFound)
		return
	}
	if _, err := h.o.Store.GetChat(r.Context(), v.User.ID, chatID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	text := r.PostForm.Get("text")
	switch {
	case strings.TrimSpace(text) == "":
		h.renderChat(w, r, v, http.StatusBadRequest, "Write something to send.", text)
		return
	case len(text) > maxMessageText || !utf8.ValidString(text):
		h.renderChat(w, r, v, http.StatusBadRequest, "That message is too long.", "")
		return
	}
	_, err := h.o.Sessions.SendText(r.Context(), v.User.ID, chatID, text)
	if errors.Is(err, whatsapp.ErrNotConnected) {
		h.renderChat(w, r, v, http.StatusConflict, "WhatsApp is not connected, so nothing was sent.", text)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/chats/"+url.PathEscape(chatID)+"?ok=sent")
}

// chatNames looks up the names of the chats that ids name (the few on one
// page), for showing where things came from.
func (h *Handler) chatNames(ctx context.Context, userID string, ids []string) map[string]string {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, ok := out[id]; ok {
			continue
		}
		c, err := h.o.Store.GetChat(ctx, userID, id)
		if err != nil {
			out[id] = phoneFromJID(id)
			continue
		}
		out[id] = chatLabel(c)
	}
	return out
}
