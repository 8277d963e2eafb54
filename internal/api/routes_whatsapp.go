package api

import (
	"net/http"
	"strings"

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

type chatList struct {
	Items      []store.Chat `json:"items"`
	NextCursor string       `json:"nextCursor,omitempty"`
}

type messageList struct {
	Items      []store.Message `json:"items"`
	NextCursor string          `json:"nextCursor,omitempty"`
}

type sendRequest struct {
	ChatID string `json:"chatId"`
	Text   string `json:"text"`
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
		sessionOp := func(fn func(c *call) (whatsapp.State, error)) endpoint {
			return typed(func(c *call, _ *noBody) (whatsapp.State, error) { return fn(c) })
		}
		add(route{method: "GET", path: "/status", summary: "The caller's WhatsApp session status"},
			sessionOp(func(c *call) (whatsapp.State, error) { return s.o.Sessions.Status(c.ctx(), c.userID) }))
		add(route{method: "POST", path: "/start", summary: "Start the session (log in, or begin pairing)"},
			sessionOp(func(c *call) (whatsapp.State, error) { return s.o.Sessions.Start(c.ctx(), c.userID) }))
		add(route{method: "POST", path: "/restart", summary: "Restart the session"},
			sessionOp(func(c *call) (whatsapp.State, error) { return s.o.Sessions.Restart(c.ctx(), c.userID) }))
		add(route{method: "POST", path: "/stop", summary: "Disconnect, keeping the linked device"},
			sessionOp(func(c *call) (whatsapp.State, error) { return s.o.Sessions.Stop(c.ctx(), c.userID) }))
		add(route{method: "POST", path: "/logout", summary: "Unlink the device from the phone and forget it"},
			sessionOp(func(c *call) (whatsapp.State, error) { return s.o.Sessions.Logout(c.ctx(), c.userID) }))
		add(route{method: "GET", path: "/qr", summary: "The current pairing QR code",
			description: "Starts the session if needed and waits briefly for the first code. Codes rotate (about 60 s, then 20 s); follow session.qr events or poll. force=true starts a fresh pairing. 409 when already connected.",
			query:       []param{{"force", "Start a fresh pairing.", "boolean"}}},
			typed(func(c *call, _ *noBody) (whatsapp.QRCode, error) {
				force, err := boolQuery(c.r, "force")
				if err != nil {
					return whatsapp.QRCode{}, err
				}
				return s.o.Sessions.QR(c.ctx(), c.userID, force)
			}))
		add(route{method: "POST", path: "/pair-code", summary: "Pair by phone number instead of QR code",
			description: "Returns the code to type on the phone (WhatsApp → Linked devices → Link with phone number instead)."},
			typed(func(c *call, in *pairCodeRequest) (pairCodeResponse, error) {
				digits := strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return r
					}
					if strings.ContainsRune("+-() .", r) {
						return -1
					}
					return 'x'
				}, in.Phone)
				if len(digits) < 7 || len(digits) > 15 || strings.ContainsRune(digits, 'x') {
					return pairCodeResponse{}, validate.Errors{{Field: "phone", Message: "must be a phone number with country code (7 to 15 digits)"}}
				}
				code, err := s.o.Sessions.PairPhone(c.ctx(), c.userID, digits)
				return pairCodeResponse{Code: code}, err
			}))
		add(route{method: "GET", path: "/chats", summary: "The caller's chats and groups, most recent first",
			query: append([]param{{"type", "group or direct (default: both).", "string"}}, pageQuery...)},
			typed(func(c *call, _ *noBody) (chatList, error) {
				opts, err := listOptions(c.r)
				if err != nil {
					return chatList{}, err
				}
				kind := store.AllChats
				switch c.r.URL.Query().Get("type") {
				case "":
				case "group":
					kind = store.GroupsOnly
				case "direct":
					kind = store.DirectOnly
				default:
					return chatList{}, validate.Errors{{Field: "type", Message: "must be group or direct"}}
				}
				return s.chats(c, kind, opts)
			}))
		add(route{method: "GET", path: "/groups", summary: "The caller's groups, most recent first", query: pageQuery},
			typed(func(c *call, _ *noBody) (chatList, error) {
				opts, err := listOptions(c.r)
				if err != nil {
					return chatList{}, err
				}
				return s.chats(c, store.GroupsOnly, opts)
			}))
		add(route{method: "GET", path: "/chats/{chatId}/messages", summary: "A chat's messages, newest first", query: pageQuery},
			typed(func(c *call, _ *noBody) (messageList, error) {
				opts, err := listOptions(c.r)
				if err != nil {
					return messageList{}, err
				}
				chatID := c.r.PathValue("chatId")
				if len(chatID) > 128 {
					return messageList{}, store.ErrNotFound
				}
				p, err := s.o.Store.ListMessages(c.ctx(), c.userID, chatID, opts)
				if err != nil {
					return messageList{}, err
				}
				return messageList{Items: nonNil(p.Items), NextCursor: p.NextCursor}, nil
			}))
		add(route{method: "POST", path: "/messages", status: http.StatusCreated, summary: "Send a text message to a chat or group"},
			typed(func(c *call, in *sendRequest) (store.Message, error) {
				var errs validate.Errors
				if strings.TrimSpace(in.ChatID) == "" || len(in.ChatID) > 128 {
					errs.Add("chatId", "is required: a chat id from /chats, or a phone number with country code")
				}
				if strings.TrimSpace(in.Text) == "" {
					errs.Add("text", "is required")
				} else if len(in.Text) > 65536 {
					errs.Add("text", "must be at most 65536 bytes")
				}
				if err := errs.Err(); err != nil {
					return store.Message{}, err
				}
				m, err := s.o.Sessions.SendText(c.ctx(), c.userID, in.ChatID, in.Text)
				if err != nil {
					return store.Message{}, err
				}
				return s.o.Store.GetMessage(c.ctx(), c.userID, m.ChatID, m.ID)
			}))
	}
}

func (s *Server) chats(c *call, kind store.ChatKind, opts store.ListOptions) (chatList, error) {
	p, err := s.o.Store.ListChats(c.ctx(), c.userID, kind, opts)
	if err != nil {
		return chatList{}, err
	}
	return chatList{Items: nonNil(p.Items), NextCursor: p.NextCursor}, nil
}

// nonNil makes empty lists encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
