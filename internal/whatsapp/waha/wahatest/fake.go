// Package wahatest is a fake WAHA server for tests: the subset of WAHA's
// HTTP API and webhooks that Synapse's waha engine uses, with the real
// shapes (session lifecycle, raw QR codes, request-code, sendText, media
// files, HMAC-SHA512-signed webhooks with retries), and a control API for
// tests to scan, deliver messages and fail sessions.
package wahatest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Server is a running fake WAHA.
type Server struct {
	URL    string
	APIKey string

	srv    *httptest.Server
	mu     sync.Mutex
	byName map[string]*session
	sent   []Sent
	files  map[string]file
	hooks  chan hook
	done   chan struct{}
	// deliveries counts webhook POST attempts per event type.
	dmu        sync.Mutex
	deliveries map[string]int
}

type session struct {
	Name    string
	Status  string
	Me      *Me
	Webhook webhook
	QR      string
}

type webhook struct {
	URL    string
	Events []string
	Key    string
}

// Me is a session's account as WAHA shows it.
type Me struct {
	ID       string `json:"id"`
	PushName string `json:"pushName"`
}

// Sent is what a session sent through POST /api/sendText (Kind "text"),
// /api/sendImage ("image") or /api/sendFile ("file"); Text is the text or
// caption, ReplyTo the reply_to message id.
type Sent struct {
	Session, ChatID, Text string
	Kind                  string
	ReplyTo               string
	MimeType, FileName    string
	Data                  []byte
}

type file struct {
	data []byte
	mime string
}

type hook struct {
	w     webhook
	event string
	body  []byte
	done  chan int
}

// New starts a fake WAHA requiring apiKey (none when empty).
func New(apiKey string) *Server {
	s := &Server{APIKey: apiKey, byName: map[string]*session{}, files: map[string]file{},
		hooks: make(chan hook, 1024), done: make(chan struct{}), deliveries: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	go s.sender()
	return s
}

// Close stops the server.
func (s *Server) Close() {
	close(s.done)
	s.srv.Close()
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.APIKey != "" && r.Header.Get("X-Api-Key") != s.APIKey {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
		return
	}
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == "POST" && r.URL.Path == "/api/sessions":
		s.create(w, r)
	case r.Method == "POST" && r.URL.Path == "/api/sendText":
		s.sendText(w, r, "text")
	case r.Method == "POST" && r.URL.Path == "/api/sendImage":
		s.sendText(w, r, "image")
	case r.Method == "POST" && r.URL.Path == "/api/sendFile":
		s.sendText(w, r, "file")
	case r.Method == "GET" && len(p) == 3 && p[1] == "files":
		s.mu.Lock()
		f, ok := s.files[p[2]]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.mime)
		_, _ = w.Write(f.data)
	case len(p) >= 3 && p[1] == "sessions":
		s.sessionRoute(w, r, p[2], p[3:])
	case len(p) == 4 && p[2] == "auth":
		s.auth(w, r, p[1], p[3])
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "no such route " + r.URL.Path})
	}
}

// sessionConfig is the part of WAHA's session config the fake honours: the
// first webhook.
type sessionConfig struct {
	Webhooks []struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
		HMAC   *struct {
			Key string `json:"key"`
		} `json:"hmac"`
	} `json:"webhooks"`
}

func (c sessionConfig) apply(x *session) {
	if len(c.Webhooks) == 0 {
		return
	}
	h := c.Webhooks[0]
	x.Webhook = webhook{URL: h.URL, Events: h.Events}
	if h.HMAC != nil {
		x.Webhook.Key = h.HMAC.Key
	}
}

func (s *Server) info(x *session) map[string]any {
	return map[string]any{"name": x.Name, "status": x.Status, "me": x.Me, "engine": map[string]string{"engine": "NOWEB"}}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name   string        `json:"name"`
		Start  *bool         `json:"start"`
		Config sessionConfig `json:"config"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Name == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "name is required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byName[in.Name]; ok {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Session '" + in.Name + "' already exists"})
		return
	}
	x := &session{Name: in.Name, Status: "STOPPED"}
	in.Config.apply(x)
	s.byName[in.Name] = x
	if in.Start == nil || *in.Start {
		s.startLocked(x)
	}
	writeJSON(w, http.StatusCreated, s.info(x))
}

// startLocked starts a session: WORKING with a stored login, else pairing.
func (s *Server) startLocked(x *session) {
	s.setStatusLocked(x, "STARTING")
	if x.Me != nil {
		s.setStatusLocked(x, "WORKING")
		return
	}
	x.QR = newQR()
	s.setStatusLocked(x, "SCAN_QR_CODE")
}

func (s *Server) setStatusLocked(x *session, status string) {
	x.Status = status
	s.emitLocked(x, "session.status", map[string]any{"status": status}, nil)
}

func (s *Server) sessionRoute(w http.ResponseWriter, r *http.Request, name string, rest []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.byName[name]
	if x == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "session not found"})
		return
	}
	action := ""
	if len(rest) > 0 {
		action = rest[0]
	}
	switch {
	case r.Method == "GET" && action == "":
		writeJSON(w, http.StatusOK, s.info(x))
	case r.Method == "PUT" && action == "":
		var in struct {
			Config sessionConfig `json:"config"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		in.Config.apply(x)
		writeJSON(w, http.StatusOK, s.info(x))
	case r.Method == "POST" && action == "start":
		if x.Status != "STOPPED" && x.Status != "FAILED" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Session '" + name + "' is already started"})
			return
		}
		s.startLocked(x)
		writeJSON(w, http.StatusCreated, s.info(x))
	case r.Method == "POST" && action == "stop":
		s.setStatusLocked(x, "STOPPED")
		writeJSON(w, http.StatusCreated, s.info(x))
	case r.Method == "POST" && action == "logout":
		x.Me = nil
		s.setStatusLocked(x, "STOPPED")
		writeJSON(w, http.StatusCreated, s.info(x))
	case r.Method == "DELETE" && action == "":
		delete(s.byName, name)
		writeJSON(w, http.StatusOK, map[string]any{})
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "no such route"})
	}
}

func (s *Server) auth(w http.ResponseWriter, r *http.Request, name, what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.byName[name]
	if x == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "session not found"})
		return
	}
	if x.Status != "SCAN_QR_CODE" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Session status is not as expected: " + x.Status})
		return
	}
	switch {
	case r.Method == "GET" && what == "qr" && r.URL.Query().Get("format") == "raw":
		writeJSON(w, http.StatusOK, map[string]string{"mimetype": "text/plain", "value": x.QR})
	case r.Method == "POST" && what == "request-code":
		var in struct {
			PhoneNumber string `json:"phoneNumber"`
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil || in.PhoneNumber == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "phoneNumber is required"})
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"code": "ABCD-" + in.PhoneNumber[max(0, len(in.PhoneNumber)-4):]})
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "no such route"})
	}
}

func (s *Server) sendText(w http.ResponseWriter, r *http.Request, kind string) {
	var in struct {
		Session string `json:"session"`
		ChatID  string `json:"chatId"`
		Text    string `json:"text"`
		Caption string `json:"caption"`
		ReplyTo string `json:"reply_to"`
		File    *struct {
			MimeType string `json:"mimetype"`
			FileName string `json:"filename"`
			Data     []byte `json:"data"` // base64, as WAHA takes it
		} `json:"file"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.ChatID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "chatId is required"})
		return
	}
	if kind != "text" && (in.File == nil || len(in.File.Data) == 0 || in.File.MimeType == "") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "file.mimetype and file.data are required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.byName[in.Session]
	if x == nil || x.Status != "WORKING" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Session status is not as expected"})
		return
	}
	sent := Sent{Session: in.Session, ChatID: in.ChatID, Text: in.Text, Kind: kind, ReplyTo: in.ReplyTo}
	if kind != "text" {
		sent.Text, sent.MimeType, sent.FileName, sent.Data = in.Caption, in.File.MimeType, in.File.FileName, in.File.Data
	}
	s.sent = append(s.sent, sent)
	id := "true_" + in.ChatID + "_" + newID()
	msg := map[string]any{"id": id, "timestamp": time.Now().Unix(), "from": x.Me.ID, "fromMe": true, "to": in.ChatID, "body": sent.Text}
	if kind != "text" {
		name := newID()
		s.files[name] = file{data: sent.Data, mime: sent.MimeType}
		msg["hasMedia"] = true
		msg["media"] = map[string]any{"url": s.URL + "/api/files/" + name, "mimetype": sent.MimeType, "filename": sent.FileName}
	}
	s.emitLocked(x, "message.any", msg, nil) // WAHA echoes own messages
	writeJSON(w, http.StatusCreated, msg)
}

// emitLocked queues a webhook if the session subscribed to the event.
func (s *Server) emitLocked(x *session, event string, payload any, done chan int) {
	subscribed := false
	for _, e := range x.Webhook.Events {
		subscribed = subscribed || e == event || e == "*"
	}
	if !subscribed && event == "message" && slices.Contains(x.Webhook.Events, "message.any") {
		// message.any carries incoming messages too, under its own name.
		event, subscribed = "message.any", true
	}
	if !subscribed || x.Webhook.URL == "" {
		if done != nil {
			done <- 0
		}
		return
	}
	body, _ := json.Marshal(map[string]any{
		"id": "evt_" + newID(), "timestamp": time.Now().UnixMilli(), "session": x.Name, "engine": "NOWEB",
		"event": event, "payload": payload, "me": x.Me,
	})
	s.hooks <- hook{w: x.Webhook, event: event, body: body, done: done}
}

// sender posts webhooks in order, retrying failures like WAHA's retry
// policy (here: 10 attempts, 100 ms apart).
func (s *Server) sender() {
	for {
		var h hook
		select {
		case <-s.done:
			return
		case h = <-s.hooks:
		}
		code := 0
		for range 10 {
			req, _ := http.NewRequest("POST", h.w.URL, bytes.NewReader(h.body))
			req.Header.Set("Content-Type", "application/json")
			if h.w.Key != "" {
				mac := hmac.New(sha512.New, []byte(h.w.Key))
				mac.Write(h.body)
				req.Header.Set("X-Webhook-Hmac", hex.EncodeToString(mac.Sum(nil)))
				req.Header.Set("X-Webhook-Hmac-Algorithm", "sha512")
			}
			s.dmu.Lock()
			s.deliveries[h.event]++
			s.dmu.Unlock()
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				code = resp.StatusCode
				resp.Body.Close()
				if code < 300 {
					break
				}
			}
			select {
			case <-s.done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		if h.done != nil {
			h.done <- code
		}
	}
}

// Scan links the session to a phone: WORKING, with its account.
func (s *Server) Scan(name, phone, pushName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.byName[name]
	if x == nil || x.Status != "SCAN_QR_CODE" {
		return fmt.Errorf("wahatest: session %q is not pairing", name)
	}
	x.Me = &Me{ID: phone + "@c.us", PushName: pushName}
	s.setStatusLocked(x, "WORKING")
	return nil
}

// RotateQR replaces the session's QR code, as WhatsApp does.
func (s *Server) RotateQR(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x := s.byName[name]; x != nil {
		x.QR = newQR()
	}
}

// QR returns the session's current QR code.
func (s *Server) QR(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x := s.byName[name]; x != nil {
		return x.QR
	}
	return ""
}

// SetStatus moves a session to a status (FAILED, STOPPED…) and reports it.
func (s *Server) SetStatus(name, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x := s.byName[name]; x != nil {
		s.setStatusLocked(x, status)
	}
}

// Status returns a session's status ("" when it does not exist).
func (s *Server) Status(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x := s.byName[name]; x != nil {
		return x.Status
	}
	return ""
}

// AddFile serves data at a media URL and returns the URL.
func (s *Server) AddFile(data []byte, mime string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := newID()
	s.files[name] = file{data: data, mime: mime}
	return s.URL + "/api/files/" + name
}

// Deliver sends a "message" webhook for the session and waits until it is
// accepted (or the retries are exhausted); it returns the last HTTP status.
// payload is WAHA's message object; "id" and "timestamp" are filled in when
// missing.
func (s *Server) Deliver(name string, payload map[string]any) (int, error) {
	s.mu.Lock()
	x := s.byName[name]
	if x == nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("wahatest: no session %q", name)
	}
	if _, ok := payload["id"]; !ok {
		payload["id"] = fmt.Sprintf("false_%v_%s", payload["from"], newID())
	}
	if _, ok := payload["timestamp"]; !ok {
		payload["timestamp"] = time.Now().Unix()
	}
	return s.emitAndWaitLocked(x, "message", payload)
}

// DeliverEvent sends a webhook of any event ("message.edited",
// "message.revoked"…) with WAHA's payload for it, as is, and waits until it
// is accepted or the retries are exhausted; it returns the last HTTP status
// (0 when the session did not subscribe to the event).
func (s *Server) DeliverEvent(name, event string, payload map[string]any) (int, error) {
	s.mu.Lock()
	x := s.byName[name]
	if x == nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("wahatest: no session %q", name)
	}
	return s.emitAndWaitLocked(x, event, payload)
}

// emitAndWaitLocked emits a webhook, unlocks and waits for its last status.
func (s *Server) emitAndWaitLocked(x *session, event string, payload any) (int, error) {
	done := make(chan int, 1)
	s.emitLocked(x, event, payload, done)
	s.mu.Unlock()
	select {
	case code := <-done:
		return code, nil
	case <-s.done:
		return 0, fmt.Errorf("wahatest: server closed")
	}
}

// Sent returns the texts sent through the API.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Deliveries returns how many webhook attempts were made for event.
func (s *Server) Deliveries(event string) int {
	s.dmu.Lock()
	defer s.dmu.Unlock()
	return s.deliveries[event]
}

func newID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

func newQR() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "2@" + hex.EncodeToString(b[:]) + ",key,identity,adv"
}
