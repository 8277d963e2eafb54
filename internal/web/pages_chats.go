package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Page sizes.
const (
	chatsPerPage    = 50
	messagesPerPage = 50
	imagesPerPage   = 48
	itemsPerPage    = 50
)

type chatsData struct {
	Chats []store.Chat
	Type  string
	Q     string
	Pager pager
	Error string
}

func (h *Handler) chatsPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	typ := r.URL.Query().Get("type")
	if typ != "group" && typ != "direct" {
		typ = ""
	}
	d := chatsData{Type: typ, Q: r.URL.Query().Get("q")}
	status := http.StatusOK
	p, err := h.o.Service.FindChats(r.Context(), v.User.ID, service.ChatFilter(typ), d.Q, pageOf(r, chatsPerPage))
	if fe, invalid := fieldErrors(err); invalid {
		d.Error, status = "That search "+fe["q"]+".", http.StatusBadRequest
	} else if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Chats, d.Pager = p.Items, newPager(r, p.NextCursor)
	pg := &page{Title: "Chats and groups", Nav: "chats", Data: d}
	if r.URL.Query().Get("cursor") == "" {
		pg.Live = liveKinds{domain.KindMessage}
	}
	h.render(w, r, v, status, "chats", pg)
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
	// Missing says why the media will never be here ("" while it may come).
	Missing string
	// CSRF is the token of the page's forms (the download button).
	CSRF string
	// Day names the day (in the person's zone) above the first message of
	// each day.
	Day string
	// Quote is the message this one replies to, when it is still kept.
	Quote *quoteView
	// Made links to what Synapse made from the message.
	Made []madeLink
}

// madeLink is one thing made from a message, as the chat page links it.
type madeLink struct {
	Label, Title, URL string
}

// quoteView is the quoted message shown above a reply.
type quoteView struct {
	ID, From, Text string
	// Here is set when the quoted message is on the page (the quote links
	// to it).
	Here bool
}

type chatData struct {
	Chat store.Chat
	// Messages run oldest first, as in WhatsApp: the newest at the bottom,
	// next to the composer.
	Messages []messageView
	// Older links to the page of older messages; Newest is set on the page
	// of the newest ones, else NewestURL links back there.
	Older     string
	Newest    bool
	NewestURL string
	CanSend   bool
	Error     string
	Draft     string
	// ReplyTo is the message the composer replies to (?reply=id, for
	// browsers without script).
	ReplyTo *quoteView
	// CanLoadOlder offers asking the phone for older messages, on the page
	// of the oldest ones.
	CanLoadOlder bool
}

func (h *Handler) chatPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderChat(w, r, v, http.StatusOK, "", "")
}

func (h *Handler) renderChat(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg, draft string) {
	ctx := r.Context()
	chatID := r.PathValue("chat")
	chat, err := h.o.Service.Chat(ctx, v.User.ID, chatID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	opts := pageOf(r, messagesPerPage)
	if r.Method != http.MethodGet {
		opts.Cursor = ""
	}
	p, err := h.o.Service.Messages(ctx, v.User.ID, chatID, opts)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := chatData{Chat: chat, Messages: make([]messageView, len(p.Items)), Error: errMsg, Draft: draft,
		Newest: opts.Cursor == "", NewestURL: r.URL.Path}
	n := len(p.Items)
	for i, m := range p.Items {
		d.Messages[n-1-i] = h.viewMessage(ctx, v.User.ID, m)
		d.Messages[n-1-i].CSRF = v.CSRF
	}
	onPage := make(map[string]bool, n)
	ids := make([]string, 0, n)
	for _, m := range p.Items {
		onPage[m.ID] = true
		ids = append(ids, m.ID)
	}
	made, err := h.o.Service.MadeFrom(ctx, v.User.ID, chatID, ids)
	if err != nil {
		h.o.Log.Warn("web: what was made from messages", "user_id", v.User.ID, "err", err)
	}
	for i := range d.Messages {
		for _, x := range made[d.Messages[i].ID] {
			d.Messages[i].Made = append(d.Messages[i].Made, madeLink{Label: x.Kind.Label(), Title: x.Title, URL: madeURL(x)})
		}
	}
	for i := range d.Messages {
		if id := d.Messages[i].ReplyTo; id != "" {
			d.Messages[i].Quote = h.quote(ctx, v.User.ID, chatID, id, onPage[id])
		}
	}
	if id := r.URL.Query().Get("reply"); id != "" && r.Method == http.MethodGet {
		d.ReplyTo = h.quote(ctx, v.User.ID, chatID, id, onPage[id])
	}
	day := ""
	for i := range d.Messages {
		if k := dayLabel(d.Messages[i].Timestamp, h.o.Now(), v.Loc); k != day {
			d.Messages[i].Day, day = k, k
		}
	}
	if p.NextCursor != "" {
		d.Older = pageLink(r, p.NextCursor)
	}
	st, err := h.o.Service.Status(ctx, v.User.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.CanSend = st.Status == whatsapp.StatusWorking
	d.CanLoadOlder = d.CanSend && p.NextCursor == "" && h.o.Service.CanRequestOlder()
	if d.Newest && r.Method == http.MethodGet {
		// Reading the newest messages marks the chat read (in Synapse only).
		if err := h.o.Service.MarkChatRead(ctx, v.User.ID, chatID); err != nil {
			h.o.Log.Warn("web: mark chat read", "user_id", v.User.ID, "err", err)
		}
	}
	pg := &page{Nav: "chats", State: st, Data: d}
	pg.Title = pg.ChatName(chat)
	if d.Newest {
		pg.Live, pg.LiveChat = liveKinds{domain.KindMessage, domain.KindImage, domain.KindVoiceMemo,
			domain.Kind(domain.EventMessageEdited), domain.Kind(domain.EventMessageDeleted)}, chat.ID
	}
	h.render(w, r, v, status, "chat", pg)
}

// quote describes a quoted message, or nil when it is not kept (or was
// deleted).
func (h *Handler) quote(ctx context.Context, userID, chatID, id string, here bool) *quoteView {
	m, err := h.o.Service.Message(ctx, userID, chatID, id)
	if err != nil || m.DeletedAt != nil {
		return nil
	}
	q := &quoteView{ID: m.ID, Text: m.Text, Here: here, From: "You"}
	if !m.FromMe {
		q.From = m.FromName
		if q.From == "" {
			q.From = phoneFromJID(m.From)
		}
	}
	if q.Text == "" {
		q.Text = map[string]string{"image": "📷 Photo", "voice": "🎤 Voice message", "audio": "🎵 Audio", "video": "🎬 Video",
			"document": "📄 " + fileNameOf(m), "location": "📍 Place", "contact": "👤 Contact", "sticker": "Sticker"}[m.Type]
	}
	return q
}

func fileNameOf(m store.Message) string {
	if m.Media != nil && m.Media.FileName != "" {
		return m.Media.FileName
	}
	return "File"
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
	mv.MediaURL, mv.ThumbURL = h.o.Service.MessageMediaLinks(ctx, userID, m)
	if mv.MediaURL == "" {
		mv.Missing = h.o.Service.MediaMissing(ctx, userID, m)
	}
	if mv.Show != "image" {
		mv.ThumbURL = ""
	}
	return mv
}

// sendMessage sends a text from the person's WhatsApp to a chat.
// downloadMedia asks for a message's document to be downloaded.
func (h *Handler) downloadMedia(w http.ResponseWriter, r *http.Request, v *viewer) {
	chatID := r.PathValue("chat")
	if err := h.o.Service.DownloadMessageMedia(r.Context(), v.User.ID, chatID, r.PathValue("id")); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/chats/"+url.PathEscape(chatID)+"?ok=downloading#m-"+url.PathEscape(r.PathValue("id")))
}

// pinMessage pins a message (pin=1) past retention, or unpins it.
func (h *Handler) pinMessage(w http.ResponseWriter, r *http.Request, v *viewer) {
	chatID, id := r.PathValue("chat"), r.PathValue("id")
	if _, err := h.o.Service.PinMessage(r.Context(), v.User.ID, chatID, id, r.PostForm.Get("pin") == "1"); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/chats/"+url.PathEscape(chatID)+"#m-"+url.PathEscape(id))
}

// keepChat keeps a chat, or stops keeping it (and, when asked, removes
// what it stored).
func (h *Handler) keepChat(w http.ResponseWriter, r *http.Request, v *viewer) {
	chatID := r.PathValue("chat")
	var keep *bool
	switch r.PostForm.Get("keep") {
	case "1":
		keep = new(true)
	case "0":
		keep = new(false)
	}
	if _, err := h.o.Service.SetChatKept(r.Context(), v.User.ID, chatID, keep, r.PostForm.Get("purge") == "1"); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/chats/"+url.PathEscape(chatID))
}

func (h *Handler) sendMessage(w http.ResponseWriter, r *http.Request, v *viewer) {
	chatID := r.PathValue("chat")
	if _, err := h.o.Service.Chat(r.Context(), v.User.ID, chatID); err != nil {
		h.fail(w, r, v, err)
		return
	}
	text := r.PostForm.Get("text")
	out := service.Outgoing{ChatID: chatID, Text: text, ReplyTo: r.PostForm.Get("replyTo")}
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			up, err := readUpload(fhs[0])
			if err != nil {
				h.sendFailed(w, r, v, http.StatusBadRequest, "That file could not be read. Try again.", text)
				return
			}
			out.Attachment = up
		}
	}
	_, err := h.o.Service.Send(r.Context(), v.User.ID, out)
	if fe, ok := fieldErrors(err); ok {
		msg := "That message cannot be sent."
		switch m := fe["text"]; {
		case m == "is required":
			msg = "Write something to send, or choose a photo or file."
		case strings.HasPrefix(m, "must be at most"):
			msg, text = "That message is too long.", ""
		case m != "":
			msg = "That message cannot be sent: its text " + m + "."
		case fe["attachment"] != "":
			msg = "That file cannot be sent: it " + fe["attachment"] + "."
		case fe["attachment.fileName"] != "":
			msg = "That file's name cannot be sent: it " + fe["attachment.fileName"] + "."
		case fe["replyTo"] != "":
			msg = "The message you replied to is no longer here."
		}
		h.sendFailed(w, r, v, http.StatusBadRequest, msg, text)
		return
	}
	var limited *service.SendLimitError
	switch {
	case errors.As(err, &limited):
		h.sendFailed(w, r, v, http.StatusTooManyRequests, fmt.Sprintf("You sent many messages in a short time. To keep your WhatsApp account safe, wait %s and send again.", limited.RetryAfter.Round(time.Second)), text)
		return
	case errors.Is(err, whatsapp.ErrNotConnected):
		h.sendFailed(w, r, v, http.StatusConflict, "WhatsApp is not connected, so nothing was sent.", text)
		return
	case errors.Is(err, whatsapp.ErrNotSupported):
		h.sendFailed(w, r, v, http.StatusBadRequest, "This kind of message cannot be sent from here.", text)
		return
	case err != nil:
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, "/chats/"+url.PathEscape(chatID)+"?ok=sent")
}

// readUpload reads a file of a multipart form (already bounded by the
// request's size limit).
func readUpload(fh *multipart.FileHeader) (*service.Upload, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, service.MaxAttachmentBytes+1))
	if err != nil {
		return nil, err
	}
	return &service.Upload{FileName: fh.Filename, MimeType: fh.Header.Get("Content-Type"), Data: data}, nil
}

// requestOlder asks the person's phone for the chat's older messages.
func (h *Handler) requestOlder(w http.ResponseWriter, r *http.Request, v *viewer) {
	chatID := r.PathValue("chat")
	err := h.o.Service.RequestOlder(r.Context(), v.User.ID, chatID)
	switch {
	case errors.Is(err, service.ErrNothingOlder):
		h.sendFailed(w, r, v, http.StatusConflict, "Nothing older is kept: Synapse keeps messages of the last few days only.", "")
		return
	case errors.Is(err, whatsapp.ErrNotConnected):
		h.sendFailed(w, r, v, http.StatusConflict, "WhatsApp is not connected, so your phone cannot be asked.", "")
		return
	case errors.Is(err, whatsapp.ErrNotSupported):
		h.sendFailed(w, r, v, http.StatusConflict, "This server cannot ask your phone for older messages.", "")
		return
	case err != nil:
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/chats/"+url.PathEscape(chatID)+"?ok=older")
}

// sendFailed says why a message was not sent: in words to the page's
// script, or on the chat page with the draft kept.
func (h *Handler) sendFailed(w http.ResponseWriter, r *http.Request, v *viewer, status int, msg, draft string) {
	if isFetch(r) {
		http.Error(w, msg, status)
		return
	}
	h.renderChat(w, r, v, status, msg, draft)
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
		c, err := h.o.Service.Chat(ctx, userID, id)
		if err != nil {
			out[id] = phoneFromJID(id)
			continue
		}
		out[id] = chatLabel(c)
	}
	return out
}

// simulateMessage makes the simulated phone receive a message (sim engine
// only): in the chat of the page, or from a new contact.
func (h *Handler) simulateMessage(w http.ResponseWriter, r *http.Request, v *viewer) {
	chat := r.PathValue("chat")
	in := whatsapp.SimIncoming{Chat: chat, Type: formText(r, "type"), Text: strings.TrimSpace(formText(r, "text")),
		FromName: strings.TrimSpace(formText(r, "name"))}
	if in.Type == "" {
		in.Type = "text"
	}
	if chat == "" {
		in.Chat, in.ChatName = strings.TrimSpace(formText(r, "number")), in.FromName
	} else if strings.HasSuffix(chat, "@g.us") {
		in.Group, in.From = true, strings.TrimSpace(formText(r, "number"))
	}
	if in.Type == "image" || in.Type == "video" {
		in.Caption, in.Text = in.Text, ""
	}
	if in.Type == "location" {
		lat, lon := 38.7139, -9.1334
		in.Latitude, in.Longitude, in.Name = &lat, &lon, in.Text
		in.Text = ""
	}
	msgs, err := h.o.Service.SimDeliver(r.Context(), v.User.ID, []whatsapp.SimIncoming{in})
	if fe, invalid := fieldErrors(err); invalid {
		msg := "That message cannot be simulated:"
		for f, m := range fe {
			msg += " " + strings.TrimPrefix(f, "messages[0].") + " " + m + "."
		}
		if isFetch(r) {
			http.Error(w, msg, http.StatusBadRequest)
			return
		}
		h.errorPage(w, r, v, http.StatusBadRequest, msg)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	h.done(w, r, "/chats/"+url.PathEscape(msgs[0].ChatID))
}

// madeURL is where a thing made from a message is shown.
func madeURL(x store.Made) string {
	return hitURL(store.SearchHit{Kind: x.Kind, ID: x.ID})
}
