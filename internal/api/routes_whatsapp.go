package api

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

type pairCodeRequest struct {
	// Phone is the number of the phone to link, with country code.
	Phone string `json:"phone"`
}

type pairCodeResponse struct {
	// Code is what the person types on the phone (Linked devices → Link
	// with phone number).
	Code string `json:"code"`
}

// The list types are named, so that the OpenAPI document names their
// schemas.
type (
	chatList    service.List[store.Chat]
	messageList service.List[store.Message]
)

type sendRequest struct {
	ChatID string `json:"chatId"`
	// Text is the message, or the caption of the attachment.
	Text string `json:"text,omitempty"`
	// ReplyTo is the id of a message of the same chat to quote.
	ReplyTo    string          `json:"replyTo,omitempty"`
	Attachment *sendAttachment `json:"attachment,omitempty"`
}

// sendAttachment is a photo or file to send; photos (JPEG, PNG, GIF, by
// their content) go as images, anything else as a document.
type sendAttachment struct {
	FileName string `json:"fileName,omitempty"`
	MimeType string `json:"mimeType,omitempty"`
	// Data is the file, base64-encoded (at most 16 MiB decoded).
	Data string `json:"data"`
}

var pageQuery = []param{
	{"limit", "Page size, 1–200 (default 50).", "integer"},
	{"cursor", "The nextCursor of the previous page.", "string"},
}

func (s *Server) registerWhatsApp() {
	for _, base := range []string{"/api/v1/whatsapp", "/api/v1/waha"} {
		alias := base == "/api/v1/waha"
		tag := "whatsapp"
		if alias {
			tag = "waha-compat"
		}
		add := func(rt route, ep endpoint) {
			rt.path = base + rt.path
			rt.tag, rt.alias, rt.access = tag, alias, user
			s.add(rt, ep)
		}
		add(route{method: "GET", path: "/status", summary: "The caller's WhatsApp session status"}, typed(s.sessionStatus))
		add(route{method: "POST", path: "/start", scope: auth.ScopeSession, summary: "Start the session (log in, or begin pairing)"}, s.sessionOp(service.OpStart))
		add(route{method: "POST", path: "/restart", scope: auth.ScopeSession, summary: "Restart the session"}, s.sessionOp(service.OpRestart))
		add(route{method: "POST", path: "/stop", scope: auth.ScopeSession, summary: "Disconnect, keeping the linked device"}, s.sessionOp(service.OpStop))
		add(route{method: "POST", path: "/logout", scope: auth.ScopeSession, summary: "Unlink the device from the phone and forget it"}, s.sessionOp(service.OpLogout))
		add(route{method: "GET", path: "/qr", scope: auth.ScopeSession, summary: "The current pairing QR code",
			description: "Starts the session if needed and waits briefly for the first code. Codes rotate (about 60 s, then 20 s); follow session.qr events or poll. force=true starts a fresh pairing. 409 when already connected.",
			query:       []param{{"force", "Start a fresh pairing.", "boolean"}}}, typed(s.qr))
		add(route{method: "POST", path: "/pair-code", scope: auth.ScopeSession, summary: "Pair by phone number instead of QR code",
			description: "Returns the code to type on the phone (WhatsApp → Linked devices → Link with phone number instead)."},
			typed(s.pairCode))
		add(route{method: "GET", path: "/chats", summary: "The caller's chats and groups, most recent first",
			description: "Each chat carries its unread count (messages from others since it was last marked read) and its newest message.",
			query:       append([]param{{"type", "group or direct (default: both).", "string"}, {"q", "Only chats whose name or number contains this.", "string"}}, pageQuery...)},
			typed(s.listChats))
		add(route{method: "POST", path: "/chats/{chatId}/read", scope: auth.ScopeWrite, status: http.StatusNoContent,
			summary:     "Mark a chat read in Synapse",
			description: "Resets its unread count. Synapse sends no read receipts to WhatsApp unless the person turned presence sharing on (PATCH /api/v1/auth/me sharePresence): then the messages from others since they last read it are marked read on WhatsApp too."},
			typed(s.markChatRead))
		add(route{method: "PATCH", path: "/chats/{chatId}", scope: auth.ScopeWrite, summary: "Keep a chat, or stop keeping it; exclude it from suggestions",
			description: "keep=false: the chat's new messages are acknowledged to WhatsApp and dropped, never stored or analysed; purge=true also removes what it stored (messages, media, search entries, items made only from it except those edited or completed by hand). keep=true stores its messages again. suggest=false: its messages are no longer read for promises and requests (GET /api/v1/suggestions); suggest=true reads them again. Give keep, suggest or both."},
			typed(s.setChatKept))
		add(route{method: "POST", path: "/chats/{chatId}/purge", scope: auth.ScopeWrite, status: http.StatusNoContent, summary: "Remove what a chat stored",
			description: "Its messages, their media and search entries, and the items made only from them, except those edited or completed by hand. New messages keep arriving unless the chat is not kept."},
			typed(s.purgeChat))
		add(route{method: "GET", path: "/groups", summary: "The caller's groups, most recent first", query: pageQuery}, typed(s.listGroups))
		add(route{method: "GET", path: "/chats/{chatId}/messages", summary: "A chat's messages, newest first", query: pageQuery},
			typed(s.listMessages))
		add(route{method: "POST", path: "/chats/{chatId}/messages/{messageId}/download", scope: auth.ScopeWrite, status: http.StatusAccepted,
			summary:     "Download a message's document into Synapse",
			description: "Documents up to WHATSAPP_AUTO_DOWNLOAD_BYTES are downloaded as they arrive; this asks for a larger one (up to WHATSAPP_MAX_MEDIA_BYTES). The file is then served by GET …/media."},
			typed(s.downloadMessageMedia))
		add(route{method: "PUT", path: "/chats/{chatId}/messages/{messageId}/pin", scope: auth.ScopeWrite,
			summary:     "Pin a message: keep it past retention",
			description: "Messages are kept WHATSAPP_MESSAGE_RETENTION_DAYS; a pinned one stays until it is unpinned (or deleted for everyone by its sender). Answers the message, with pinnedAt."},
			typed(s.pinMessage))
		add(route{method: "DELETE", path: "/chats/{chatId}/messages/{messageId}/pin", scope: auth.ScopeWrite,
			summary: "Unpin a message", description: "It expires with the others of its time. Answers the message."},
			typed(s.unpinMessage))
		add(route{method: "GET", path: "/chats/{chatId}/messages/{messageId}/media", respRaw: "application/octet-stream",
			summary: "A message's stored attachment (image, voice note or document)", description: "404 until it is downloaded. Images, audio and video are served inline, anything else as a download."},
			rawEndpoint(s.messageMedia))
		add(route{method: "POST", path: "/chats/{chatId}/history", scope: auth.ScopeWrite, status: http.StatusAccepted,
			summary:     "Load older messages from the phone",
			description: "Asks the person's phone for up to 50 messages of the chat older than the oldest one Synapse has, within WHATSAPP_HISTORY_DAYS. They arrive in the background, as message events; 409 nothing-older when the oldest kept message is already at the window's edge. The whatsmeow engine only."},
			typed(s.requestOlder))
		add(route{method: "POST", path: "/messages", scope: auth.ScopeSend, status: http.StatusCreated, maxBody: 24 << 20,
			summary:     "Send a message to a chat or group",
			description: "A text, a reply quoting a message of the chat (replyTo), or a photo or file (attachment, base64, at most 16 MiB) with an optional caption. At most 30 messages a minute (bursts of 10) per person; more get 429 with Retry-After."},
			typed(s.sendMessage))
	}
}

func (s *Server) sessionStatus(c *call, _ *noBody) (whatsapp.State, error) {
	return s.o.Service.Status(c.ctx(), c.userID)
}

func (s *Server) sessionOp(op service.SessionOp) endpoint {
	return typed(func(c *call, _ *noBody) (whatsapp.State, error) { return s.o.Service.Session(c.ctx(), c.userID, op) })
}

func (s *Server) qr(c *call, _ *noBody) (whatsapp.QRCode, error) {
	force, err := boolQuery(c.r, "force")
	if err != nil {
		return whatsapp.QRCode{}, err
	}
	return s.o.Service.QR(c.ctx(), c.userID, force)
}

func (s *Server) pairCode(c *call, in *pairCodeRequest) (pairCodeResponse, error) {
	code, err := s.o.Service.PairPhone(c.ctx(), c.userID, in.Phone)
	return pairCodeResponse{Code: code}, err
}

func (s *Server) listChats(c *call, _ *noBody) (chatList, error) {
	q := c.r.URL.Query()
	l, err := s.o.Service.FindChats(c.ctx(), c.userID, service.ChatFilter(q.Get("type")), q.Get("q"), pageOf(c.r))
	return chatList(l), err
}

func (s *Server) markChatRead(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.MarkChatRead(c.ctx(), c.userID, c.r.PathValue("chatId"))
}

func (s *Server) downloadMessageMedia(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.DownloadMessageMedia(c.ctx(), c.userID, c.r.PathValue("chatId"), c.r.PathValue("messageId"))
}

func (s *Server) pinMessage(c *call, _ *noBody) (store.Message, error) {
	return s.o.Service.PinMessage(c.ctx(), c.userID, c.r.PathValue("chatId"), c.r.PathValue("messageId"), true)
}

func (s *Server) unpinMessage(c *call, _ *noBody) (store.Message, error) {
	return s.o.Service.PinMessage(c.ctx(), c.userID, c.r.PathValue("chatId"), c.r.PathValue("messageId"), false)
}

func (s *Server) messageMedia(w http.ResponseWriter, r *http.Request, c *call) {
	s.serveMedia(w, r)(s.o.Service.MessageMedia(c.ctx(), c.userID, r.PathValue("chatId"), r.PathValue("messageId")))
}

type chatKeepInput struct {
	Keep  *bool `json:"keep,omitempty"`
	Purge bool  `json:"purge,omitempty"`
	// Suggest: whether the chat's messages are read for suggestions.
	Suggest *bool `json:"suggest,omitempty"`
}

func (s *Server) setChatKept(c *call, in *chatKeepInput) (store.Chat, error) {
	return s.o.Service.UpdateChat(c.ctx(), c.userID, c.r.PathValue("chatId"), service.ChatSettings{Keep: in.Keep, Purge: in.Purge, Suggest: in.Suggest})
}

func (s *Server) purgeChat(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.PurgeChat(c.ctx(), c.userID, c.r.PathValue("chatId"))
}

func (s *Server) listGroups(c *call, _ *noBody) (chatList, error) {
	l, err := s.o.Service.Chats(c.ctx(), c.userID, "group", pageOf(c.r))
	return chatList(l), err
}

func (s *Server) listMessages(c *call, _ *noBody) (messageList, error) {
	l, err := s.o.Service.Messages(c.ctx(), c.userID, c.r.PathValue("chatId"), pageOf(c.r))
	return messageList(l), err
}

func (s *Server) sendMessage(c *call, in *sendRequest) (store.Message, error) {
	out := service.Outgoing{ChatID: in.ChatID, Text: in.Text, ReplyTo: in.ReplyTo}
	if a := in.Attachment; a != nil {
		data, err := base64.StdEncoding.DecodeString(a.Data)
		if err != nil {
			// Browsers' btoa and most tools pad; accept unpadded too.
			data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(a.Data, "="))
		}
		if err != nil {
			var errs validate.Errors
			errs.Add("attachment.data", "must be the file's bytes in base64")
			return store.Message{}, errs.Err()
		}
		out.Attachment = &service.Upload{FileName: a.FileName, MimeType: a.MimeType, Data: data}
	}
	return s.o.Service.Send(c.ctx(), c.userID, out)
}

func (s *Server) requestOlder(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.RequestOlder(c.ctx(), c.userID, c.r.PathValue("chatId"))
}
