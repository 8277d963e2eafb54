// Package apptest runs a whole Synapse in process, on a real database and
// the sim engine, behind a real HTTP server, for API and browser tests.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/app"
	"github.com/synapse-kb/synapse/internal/config"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// Server is a running Synapse in this process.
type Server struct {
	*Client
	App *app.App
}

// Client talks to a Synapse at URL (in this process or another).
type Client struct {
	T   testing.TB
	URL string
}

// Options tune Start.
type Options struct {
	Dialect store.Dialect
	// Env adds or overrides configuration variables.
	Env map[string]string
	// DataDir reuses a data directory (restarts); empty makes a new one.
	DataDir string
	// DatabaseURL reuses a database (PostgreSQL restarts).
	DatabaseURL string
	// Now replaces the clock of the use cases and jobs (reminders).
	Now func() time.Time
}

// Start runs Synapse with the sim engine until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Dialect == "" {
		o.Dialect = store.SQLite
	}
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	env := map[string]string{
		"SYNAPSE_DATA_DIR": o.DataDir,
		"WHATSAPP_ENGINE":  "sim",
		"SYNAPSE_ADDR":     "127.0.0.1:0",
	}
	if o.Dialect == store.Postgres {
		env["DATABASE_URL"] = o.DatabaseURL
		if o.DatabaseURL == "" {
			env["DATABASE_URL"] = dbtest.PostgresURL(t)
		}
	}
	for k, v := range o.Env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	level := slog.LevelWarn
	if os.Getenv("SYNAPSE_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	var w io.Writer = testWriter{t}
	if _, fuzz := t.(*testing.F); fuzz {
		// A fuzz target may not log through the F; keep errors on stderr.
		w, level = os.Stderr, slog.LevelError
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	var opts []app.Option
	if o.Now != nil {
		opts = append(opts, app.WithClock(o.Now))
	}
	a, err := app.New(context.Background(), cfg, log, "test", opts...)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.Start(ln)
	s := &Server{Client: &Client{T: t, URL: "http://" + ln.Addr().String()}, App: a}
	t.Cleanup(s.Stop)
	return s
}

// Stop shuts the server down (tests may stop it early to restart).
func (s *Server) Stop() {
	if s.App == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.App.Shutdown(ctx)
	s.App = nil
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Response is an HTTP response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Do sends a request. body may be nil, []byte/string (sent as is) or any
// value (sent as JSON).
func (s *Client) Do(method, path, token string, body any) *Response {
	s.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.T.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.T.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// User is a registered account with its tokens.
type User struct {
	ID, Email, Token, Refresh string
}

// Register signs up a user and returns its tokens.
func (s *Client) Register(email string) User {
	s.T.Helper()
	r := s.Do("POST", "/api/v1/auth/register", "", map[string]string{"email": email, "password": "correct horse battery", "name": strings.Split(email, "@")[0]})
	if r.Status != http.StatusCreated {
		s.T.Fatalf("register %s: %d %s", email, r.Status, r.Body)
	}
	var out struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AccessToken  string `json:"accessToken"`
		RefreshToken string `json:"refreshToken"`
	}
	r.JSON(s.T, &out)
	return User{ID: out.User.ID, Email: email, Token: out.AccessToken, Refresh: out.RefreshToken}
}

// Status returns the user's session status.
func (s *Client) Status(u User) string {
	s.T.Helper()
	var st struct {
		Status string `json:"status"`
	}
	s.Do("GET", "/api/v1/whatsapp/status", u.Token, nil).JSON(s.T, &st)
	return st.Status
}

// WaitStatus polls until the user's session reaches want. The timeout is
// long (a whatsmeow pairing on a loaded CI machine under -race takes
// seconds); it only matters when the test fails.
func (s *Client) WaitStatus(u User, want string) {
	s.T.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		got := s.Status(u)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			s.T.Fatalf("session of %s is %s, want %s", u.Email, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Connect starts the user's session, reads its QR code and scans it with
// the simulated phone, then waits until it is WORKING.
func (s *Client) Connect(u User, phone string) {
	s.T.Helper()
	r := s.Do("GET", "/api/v1/whatsapp/qr", u.Token, nil)
	if r.Status != http.StatusOK {
		s.T.Fatalf("qr: %d %s", r.Status, r.Body)
	}
	var qr struct {
		Raw string `json:"raw"`
	}
	r.JSON(s.T, &qr)
	r = s.Do("POST", "/api/v1/sim/scan", u.Token, map[string]string{"code": qr.Raw, "phone": phone, "pushName": strings.Split(u.Email, "@")[0]})
	if r.Status != http.StatusOK {
		s.T.Fatalf("scan: %d %s", r.Status, r.Body)
	}
	s.WaitStatus(u, "WORKING")
}

// Deliver makes the user's simulated phone receive a message.
func (s *Client) Deliver(u User, msg map[string]any) string {
	s.T.Helper()
	r := s.Do("POST", "/api/v1/sim/messages", u.Token, msg)
	if r.Status != http.StatusCreated {
		s.T.Fatalf("deliver: %d %s", r.Status, r.Body)
	}
	var out struct {
		ChatID string `json:"chatId"`
	}
	r.JSON(s.T, &out)
	return out.ChatID
}
