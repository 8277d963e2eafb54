package wasim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"runtime"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// controlRoutes serves the JSON control API documented in the package doc.
func (s *Server) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /control/info", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("gc") == "1" {
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		writeJSON(w, http.StatusOK, map[string]any{
			"addr": s.Addr(), "rootPublicKey": base64.StdEncoding.EncodeToString(s.root[:]), "stats": s.Stats(),
			"runtime": map[string]any{"goroutines": runtime.NumGoroutine(), "heapAlloc": ms.HeapAlloc, "stackInuse": ms.StackInuse, "sys": ms.Sys},
		})
	})
	mux.HandleFunc("POST /control/phones", func(w http.ResponseWriter, r *http.Request) {
		var req PhoneOptions
		if !readJSON(w, r, &req) {
			return
		}
		p, err := s.NewPhone(req)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusCreated, phoneJSON(p))
	})
	mux.HandleFunc("GET /control/phones/{number}", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		writeJSON(w, http.StatusOK, phoneJSON(p))
	}))
	mux.HandleFunc("POST /control/phones/{number}/scan", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			QR string `json:"qr"`
		}
		if readJSON(w, r, &req) {
			writeResult(w, p.ScanQR(req.QR), phoneJSON(p))
		}
	}))
	mux.HandleFunc("POST /control/phones/{number}/pair-code", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			Code string `json:"code"`
		}
		if readJSON(w, r, &req) {
			writeResult(w, p.ConfirmPairCode(req.Code), phoneJSON(p))
		}
	}))
	mux.HandleFunc("POST /control/phones/{number}/unlink", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		p.Unlink()
		writeJSON(w, http.StatusOK, phoneJSON(p))
	}))
	mux.HandleFunc("POST /control/phones/{number}/refuse-logins", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			Reason        int `json:"reason"`
			Code          int `json:"code"`
			ExpireSeconds int `json:"expireSeconds"`
		}
		if !readJSON(w, r, &req) {
			return
		}
		if req.Reason == 0 {
			p.RefuseLogins(nil)
		} else {
			p.RefuseLogins(&LoginFailure{Reason: req.Reason, Code: req.Code, Expire: time.Duration(req.ExpireSeconds) * time.Second})
		}
		writeJSON(w, http.StatusOK, phoneJSON(p))
	}))
	mux.HandleFunc("GET /control/phones/{number}/sent", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		sent := p.Sent()
		if sent == nil {
			sent = []SentMessage{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": sent})
	}))
	mux.HandleFunc("GET /control/phones/{number}/received", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		items := p.Received()
		if items == nil {
			items = []RecordedMessage{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items})
	}))
	mux.HandleFunc("POST /control/phones/{number}/edit", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			To   string `json:"to"`
			ID   string `json:"id"`
			Text string `json:"text"`
		}
		if readJSON(w, r, &req) {
			id, err := p.Edit(req.To, req.ID, req.Text)
			writeResult(w, err, map[string]string{"id": id})
		}
	}))
	mux.HandleFunc("POST /control/phones/{number}/revoke", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			To     string `json:"to"`
			ID     string `json:"id"`
			Sender string `json:"sender"`
		}
		if !readJSON(w, r, &req) {
			return
		}
		var id string
		var err error
		if req.Sender != "" {
			id, err = p.RevokeAsAdmin(req.To, req.Sender, req.ID)
		} else {
			id, err = p.Revoke(req.To, req.ID)
		}
		writeResult(w, err, map[string]string{"id": id})
	}))
	mux.HandleFunc("POST /control/phones/{number}/read", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			IDs []string `json:"ids"`
		}
		if readJSON(w, r, &req) {
			p.MarkRead(req.IDs...)
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	mux.HandleFunc("POST /control/phones/{number}/groups", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			Subject string   `json:"subject"`
			Members []string `json:"members"`
		}
		if !readJSON(w, r, &req) {
			return
		}
		jid, err := p.CreateGroup(req.Subject, req.Members...)
		writeResult(w, err, map[string]string{"jid": jid.String()})
	}))
	mux.HandleFunc("POST /control/phones/{number}/messages", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req MessageRequest
		if !readJSON(w, r, &req) {
			return
		}
		id, err := p.sendRequest(req)
		writeResult(w, err, map[string]string{"id": id})
	}))
	mux.HandleFunc("GET /control/phones/{number}/receipts", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		items := p.Receipts()
		if items == nil {
			items = []Receipt{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items})
	}))
	mux.HandleFunc("GET /control/devices/{jid}/traffic", func(w http.ResponseWriter, r *http.Request) {
		jid, err := types.ParseJID(r.PathValue("jid"))
		if err != nil {
			writeError(w, ErrUnknownDevice)
			return
		}
		t, err := s.Traffic(jid)
		writeResult(w, err, t)
	})
	mux.HandleFunc("PUT /control/phones/{number}/history", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req HistoryRequest
		if !readJSON(w, r, &req) {
			return
		}
		h, err := s.buildHistory(req)
		if err == nil {
			err = p.SetHistory(h)
		}
		if err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("POST /control/phones/{number}/contacts", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			Number    string `json:"number"`
			FullName  string `json:"fullName"`
			FirstName string `json:"firstName"`
		}
		if readJSON(w, r, &req) {
			writeNoContent(w, p.SetContactName(req.Number, req.FullName, req.FirstName))
		}
	}))
	mux.HandleFunc("PUT /control/phones/{number}/push-name", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			PushName string `json:"pushName"`
		}
		if readJSON(w, r, &req) {
			writeNoContent(w, p.SetPushName(req.PushName))
		}
	}))
	mux.HandleFunc("POST /control/phones/{number}/chat-settings", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			Chat      string     `json:"chat"`
			Archived  *bool      `json:"archived"`
			Pinned    *bool      `json:"pinned"`
			Read      *bool      `json:"read"`
			MuteUntil *time.Time `json:"muteUntil"` // zero time: unmute; before 1970: forever
		}
		if !readJSON(w, r, &req) {
			return
		}
		var err error
		if req.Archived != nil {
			err = errors.Join(err, p.Archive(req.Chat, *req.Archived))
		}
		if req.Pinned != nil {
			err = errors.Join(err, p.Pin(req.Chat, *req.Pinned))
		}
		if req.Read != nil {
			err = errors.Join(err, p.MarkChatAsRead(req.Chat, *req.Read))
		}
		if req.MuteUntil != nil {
			err = errors.Join(err, p.Mute(req.Chat, *req.MuteUntil))
		}
		writeNoContent(w, err)
	}))
	mux.HandleFunc("GET /control/phones/{number}/app-state", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		items, err := p.AppState()
		if items == nil {
			items = []AppStateValue{}
		}
		writeResult(w, err, map[string]any{"items": items})
	}))
	mux.HandleFunc("POST /control/phones/{number}/status", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			ID       string   `json:"id"`
			Text     string   `json:"text"`
			Data     []byte   `json:"data"`
			MimeType string   `json:"mimeType"`
			To       []string `json:"to"`
		}
		if !readJSON(w, r, &req) {
			return
		}
		st := Status{ID: req.ID, Text: req.Text, To: req.To}
		if req.Data != nil {
			st.Image = &Image{Data: req.Data, MimeType: req.MimeType}
		}
		id, err := p.PostStatus(st)
		writeResult(w, err, map[string]string{"id": id})
	}))
	mux.HandleFunc("POST /control/newsletters", func(w http.ResponseWriter, r *http.Request) {
		var req NewsletterOptions
		if readJSON(w, r, &req) {
			n := s.CreateNewsletter(req)
			writeJSON(w, http.StatusCreated, map[string]string{"jid": n.JID().String()})
		}
	})
	mux.HandleFunc("POST /control/newsletters/{jid}/posts", func(w http.ResponseWriter, r *http.Request) {
		n := s.Newsletter(r.PathValue("jid"))
		if n == nil {
			writeError(w, ErrUnknownNewsletter)
			return
		}
		var req struct {
			Text     string `json:"text"`
			Data     []byte `json:"data"`
			MimeType string `json:"mimeType"`
		}
		if !readJSON(w, r, &req) {
			return
		}
		var id string
		var err error
		if req.Data != nil {
			id, err = n.PostImage(Image{Data: req.Data, MimeType: req.MimeType, Caption: req.Text})
		} else {
			id, err = n.Post(req.Text)
		}
		writeResult(w, err, map[string]string{"id": id})
	})
	mux.HandleFunc("POST /control/phones/{number}/newsletters", s.withPhone(func(w http.ResponseWriter, r *http.Request, p *Phone) {
		var req struct {
			JID string `json:"jid"`
		}
		if !readJSON(w, r, &req) {
			return
		}
		if err := p.FollowNewsletter(req.JID); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("POST /control/media/gone", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			DirectPath string `json:"directPath"`
			Status     int    `json:"status"`
		}
		if !readJSON(w, r, &req) {
			return
		}
		if err := s.SetMediaGone(req.DirectPath, req.Status); errors.Is(err, errUnknownMedia) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		} else if err != nil {
			writeError(w, err)
		} else {
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("POST /control/media/expire", func(w http.ResponseWriter, r *http.Request) {
		s.DeleteMedia()
		w.WriteHeader(http.StatusNoContent)
	})
}

// MessageRequest is the body of POST /control/phones/{number}/messages.
type MessageRequest struct {
	ID   string    `json:"id,omitempty"`
	Time time.Time `json:"time,omitzero"`
	// To is a phone number, "<number>@s.whatsapp.net" or "<id>@g.us".
	To string `json:"to"`
	// Type is text, image, voice, audio, video, document, sticker,
	// location or contact.
	Type        string  `json:"type"`
	Text        string  `json:"text,omitempty"`
	Caption     string  `json:"caption,omitempty"`
	Data        []byte  `json:"data,omitempty"` // base64 in JSON
	MimeType    string  `json:"mimeType,omitempty"`
	FileName    string  `json:"fileName,omitempty"`
	Seconds     int     `json:"seconds,omitempty"`
	Width       int     `json:"width,omitempty"`
	Height      int     `json:"height,omitempty"`
	Latitude    float64 `json:"latitude,omitempty"`
	Longitude   float64 `json:"longitude,omitempty"`
	Name        string  `json:"name,omitempty"`
	Address     string  `json:"address,omitempty"`
	URL         string  `json:"url,omitempty"`
	DisplayName string  `json:"displayName,omitempty"`
	VCard       string  `json:"vcard,omitempty"`
}

var errBadType = errors.New("wasim: unknown message type")

// HistoryRequest is the body of PUT /control/phones/{number}/history: a
// History whose messages are MessageRequests (their to is unused).
type HistoryRequest struct {
	Conversations []struct {
		Chat        string                  `json:"chat"`
		Name        string                  `json:"name"`
		UnreadCount int                     `json:"unreadCount"`
		Archived    bool                    `json:"archived"`
		Pinned      bool                    `json:"pinned"`
		MuteEnd     time.Time               `json:"muteEnd"`
		Messages    []HistoryMessageRequest `json:"messages"`
	} `json:"conversations"`
	PushNames         map[string]string `json:"pushNames"`
	BootstrapMessages int               `json:"bootstrapMessages"`
	RecentDays        int               `json:"recentDays"`
	FullSync          bool              `json:"fullSync"`
	ChunkSize         int               `json:"chunkSize"`
}

// HistoryMessageRequest is one message of a HistoryRequest: its content
// as a MessageRequest (whose id and time are the message's) and who sent
// it.
type HistoryMessageRequest struct {
	MessageRequest
	FromMe    bool   `json:"fromMe"`
	From      string `json:"from"`
	PushName  string `json:"pushName"`
	MediaGone int    `json:"mediaGone"`
}

func (s *Server) buildHistory(req HistoryRequest) (History, error) {
	h := History{PushNames: req.PushNames, BootstrapMessages: req.BootstrapMessages, RecentDays: req.RecentDays, FullSync: req.FullSync, ChunkSize: req.ChunkSize}
	for _, c := range req.Conversations {
		hc := HistoryConversation{Chat: c.Chat, Name: c.Name, UnreadCount: c.UnreadCount, Archived: c.Archived, Pinned: c.Pinned, MuteEnd: c.MuteEnd}
		for _, m := range c.Messages {
			msg, err := s.BuildMessage(m.MessageRequest)
			if err != nil {
				return History{}, err
			}
			hc.Messages = append(hc.Messages, HistoryMessage{ID: m.ID, FromMe: m.FromMe, From: m.From, PushName: m.PushName, Time: m.Time, Message: msg, MediaGone: m.MediaGone})
		}
		h.Conversations = append(h.Conversations, hc)
	}
	return h, nil
}

func (p *Phone) sendRequest(r MessageRequest) (string, error) {
	msg, err := p.s.BuildMessage(r)
	if err != nil {
		return "", err
	}
	return p.Send(r.To, msg, SendOptions{ID: r.ID, Time: r.Time})
}

// BuildMessage makes the message a MessageRequest describes (its To, ID
// and Time aside), uploading its media to the media host.
func (s *Server) BuildMessage(r MessageRequest) (*waE2E.Message, error) {
	switch r.Type {
	case "text", "":
		return textMessage(r.Text), nil
	case "image":
		return s.imageMessage(Image{Data: r.Data, MimeType: r.MimeType, Caption: r.Caption, Width: r.Width, Height: r.Height})
	case "voice":
		return s.audioMessage(r.Data, "audio/ogg; codecs=opus", r.Seconds, true)
	case "audio":
		return s.audioMessage(r.Data, r.MimeType, r.Seconds, false)
	case "video":
		return s.videoMessage(r.Data, r.MimeType, r.Caption, r.Seconds)
	case "document":
		return s.documentMessage(Document{Data: r.Data, MimeType: r.MimeType, FileName: r.FileName, Caption: r.Caption})
	case "sticker":
		return s.stickerMessage(r.Data)
	case "location":
		return locationMessage(Location{Latitude: r.Latitude, Longitude: r.Longitude, Name: r.Name, Address: r.Address, URL: r.URL}), nil
	case "contact":
		return contactMessage(r.DisplayName, r.VCard), nil
	}
	return nil, errBadType
}

func phoneJSON(p *Phone) map[string]any {
	devs := p.Devices()
	if devs == nil {
		devs = []DeviceInfo{}
	}
	return map[string]any{"number": p.number, "jid": p.JID().String(), "lid": p.LID().String(), "pushName": p.PushName(), "devices": devs}
}

func (s *Server) withPhone(fn func(http.ResponseWriter, *http.Request, *Phone)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.Phone(r.PathValue("number"))
		if p == nil {
			writeError(w, ErrUnknownPhone)
			return
		}
		fn(w, r, p)
	}
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON: " + err.Error()})
		return false
	}
	return true
}

func writeResult(w http.ResponseWriter, err error, v any) {
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func writeNoContent(w http.ResponseWriter, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeError(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrUnknownPhone), errors.Is(err, ErrUnknownGroup), errors.Is(err, ErrUnknownDevice),
		errors.Is(err, ErrUnknownNewsletter):
		status = http.StatusNotFound
	case errors.Is(err, ErrPhoneExists), errors.Is(err, ErrNotAdmin), errors.Is(err, ErrNotMember):
		status = http.StatusConflict
	case errors.Is(err, ErrPairingFailed):
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
