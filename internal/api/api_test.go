package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/golang-jwt/jwt/v5"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

const maxBody = 4096

// fill replaces path parameters with harmless values.
func fill(path string) string {
	return strings.NewReplacer("{chatId}", "15550001111@s.whatsapp.net", "{userId}", "nobody").Replace(path)
}

// docValidator checks responses against the server's own OpenAPI document.
type docValidator struct {
	t      *testing.T
	router routers.Router
}

func newDocValidator(t *testing.T, srv *apptest.Server) *docValidator {
	r := srv.Do("GET", "/api/v1/openapi.json", "", nil)
	if r.Status != 200 {
		t.Fatalf("openapi.json: %d", r.Status)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("served OpenAPI document is invalid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &docValidator{t: t, router: router}
}

// check validates a JSON or problem response against the document.
func (v *docValidator) check(method, url string, body any, resp *apptest.Response) {
	v.t.Helper()
	ct := resp.Header.Get("Content-Type")
	if resp.Status == http.StatusNoContent || (!strings.Contains(ct, "json") && ct != "") {
		return
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		v.t.Errorf("%s %s is not in the OpenAPI document: %v", method, url, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{ExcludeRequestBody: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(resp.Body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		v.t.Errorf("%s %s → %d does not match the OpenAPI document: %v\nbody: %.300s", method, url, resp.Status, err, resp.Body)
	}
}

func isProblem(t *testing.T, r *apptest.Response, status int, typ string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil || p.Status != status || p.Title == "" || p.Type == "" {
		t.Fatalf("not a problem document: %s", r.Body)
	}
	if typ != "" && p.Type != "/problems/"+typ {
		t.Fatalf("problem type %q, want /problems/%s (%s)", p.Type, typ, p.Detail)
	}
}

func TestEveryProtectedRouteRefusesBadTokens(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	secret, err := os.ReadFile(filepath.Join(srv.App.Config.DataDir, "jwt-secret"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Register("first@example.com") // the first account administers the install
	u := srv.Register("a@example.com")
	sign := func(key []byte, m jwt.SigningMethod, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	key := []byte(strings.TrimSpace(string(secret)))
	now := time.Now()
	tokens := map[string]string{
		"no token":     "",
		"garbage":      "not-a-jwt",
		"expired":      sign(key, jwt.SigningMethodHS256, jwt.MapClaims{"iss": "synapse", "sub": u.ID, "use": "access", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}),
		"wrong key":    sign([]byte(strings.Repeat("z", 32)), jwt.SigningMethodHS256, jwt.MapClaims{"iss": "synapse", "sub": u.ID, "use": "access", "exp": now.Add(time.Hour).Unix()}),
		"alg none":     base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + strings.Split(u.Token, ".")[1] + ".",
		"refresh used": u.Refresh,
	}
	routes := srv.App.API.Routes()
	checked := 0
	for _, rt := range routes {
		if rt.Auth == "public" {
			continue
		}
		for name, tok := range tokens {
			var body any
			if rt.Body {
				body = map[string]any{}
			}
			r := srv.Do(rt.Method, fill(rt.Path), tok, body)
			if r.Status != http.StatusUnauthorized {
				t.Errorf("%s %s with %s: status %d, want 401", rt.Method, rt.Path, name, r.Status)
				continue
			}
			if r.Header.Get("WWW-Authenticate") == "" || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s with %s: missing WWW-Authenticate or problem document", rt.Method, rt.Path, name)
			}
			checked++
		}
	}
	if checked < 30*len(tokens) {
		t.Fatalf("only %d protected route checks ran", checked)
	}
	// A valid token for a non-administrator is refused on admin routes.
	for _, rt := range routes {
		if rt.Auth == "admin" {
			isProblem(t, srv.Do(rt.Method, fill(rt.Path), u.Token, nil), http.StatusForbidden, "forbidden")
		}
	}
}

func TestEveryBodyRouteRejectsBadBodies(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Env: map[string]string{"SYNAPSE_MAX_BODY_BYTES": "4096"}})
	u := srv.Register("a@example.com")
	n := 0
	for _, rt := range srv.App.API.Routes() {
		if !rt.Body {
			continue
		}
		n++
		path := fill(rt.Path)
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			isProblem(t, srv.Do(rt.Method, path, u.Token, []byte(`{"email": "x@y.z",`)), http.StatusBadRequest, "invalid-json")
			isProblem(t, srv.Do(rt.Method, path, u.Token, []byte(`{"a":1} {"b":2}`)), http.StatusBadRequest, "invalid-json")
			isProblem(t, srv.Do(rt.Method, path, u.Token, []byte(`"a string"`)), http.StatusBadRequest, "invalid-json")
			isProblem(t, srv.Do(rt.Method, path, u.Token, []byte(`[1, 2]`)), http.StatusBadRequest, "invalid-json")
			limit := rt.MaxBody
			if limit == 0 {
				limit = maxBody
			}
			big := append(append([]byte(`{"text": "`), bytes.Repeat([]byte("a"), int(limit))...), `"}`...)
			isProblem(t, srv.Do(rt.Method, path, u.Token, big), http.StatusRequestEntityTooLarge, "body-too-large")
			req, _ := http.NewRequest(rt.Method, srv.URL+path, strings.NewReader("email=a"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+u.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnsupportedMediaType {
				t.Fatalf("form body: status %d, want 415", resp.StatusCode)
			}
		})
	}
	if n < 8 {
		t.Fatalf("only %d routes with bodies", n)
	}
	// Wrong types name the field.
	r := srv.Do("POST", "/api/v1/auth/register", "", []byte(`{"email": 5, "password": "long enough"}`))
	isProblem(t, r, http.StatusBadRequest, "validation-error")
	if !strings.Contains(string(r.Body), `"field":"email"`) {
		t.Fatalf("field not named: %s", r.Body)
	}
	r = srv.Do("POST", "/api/v1/auth/register", "", map[string]any{"email": "not-an-email", "password": "short", "timezone": "Nowhere/City"})
	isProblem(t, r, http.StatusBadRequest, "validation-error")
	for _, f := range []string{"email", "password", "timezone"} {
		if !strings.Contains(string(r.Body), `"field":"`+f+`"`) {
			t.Errorf("field %s not named: %s", f, r.Body)
		}
	}
	// Nothing was stored by the rejected registrations.
	if n, _ := srv.App.Store.CountUsers(context.Background()); n != 1 {
		t.Fatalf("%d users after rejected sign-ups, want 1", n)
	}
}

func TestOpenAPIDocumentListsEveryRoute(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	v := newDocValidator(t, srv)
	for _, rt := range srv.App.API.Routes() {
		req, _ := http.NewRequest(rt.Method, srv.URL+fill(rt.Path), nil)
		if _, _, err := v.router.FindRoute(req); err != nil {
			t.Errorf("%s %s missing from the document: %v", rt.Method, rt.Path, err)
		}
	}
	// A query parameter the handler requires is required in the document.
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/search", nil)
	route, _, err := v.router.FindRoute(req)
	if err != nil {
		t.Fatal(err)
	}
	if q := route.Operation.Parameters.GetByInAndName("query", "q"); q == nil || !q.Required {
		t.Errorf("search's q is not required in the document: %+v", q)
	}
}

// scenario is one request and what its answer must and must not contain.
type scenario struct {
	name       string
	method     string
	path       string
	token      string
	body       any
	status     int
	contains   []string
	notContain []string
}

func runScenarios(t *testing.T, srv *apptest.Server, v *docValidator, cases []scenario) {
	t.Helper()
	for _, c := range cases {
		r := srv.Do(c.method, c.path, c.token, c.body)
		if r.Status != c.status {
			t.Errorf("%s: %s %s → %d, want %d: %.300s", c.name, c.method, c.path, r.Status, c.status, r.Body)
			continue
		}
		for _, s := range c.contains {
			if !bytes.Contains(r.Body, []byte(s)) {
				t.Errorf("%s: body lacks %q: %.300s", c.name, s, r.Body)
			}
		}
		for _, s := range c.notContain {
			if bytes.Contains(r.Body, []byte(s)) {
				t.Errorf("%s: body leaks %q: %.300s", c.name, s, r.Body)
			}
		}
		if v != nil {
			v.check(c.method, srv.URL+c.path, c.body, r)
		}
	}
}

func TestScenarios(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testScenarios(t, d) })
	}
}

func testScenarios(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	v := newDocValidator(t, srv)
	a, b := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	srv.Connect(a, "5511911110001")
	srv.Connect(b, "5511922220002")
	dm := srv.Deliver(a, map[string]any{"id": "A1", "chat": "447700900001", "chatName": "Ana's friend", "type": "text", "text": "secret of ana"})
	grp := srv.Deliver(a, map[string]any{"id": "A2", "chat": "120363111", "group": true, "chatName": "Ana group", "from": "447700900002", "type": "text", "text": "group secret"})
	bdm := srv.Deliver(b, map[string]any{"id": "B1", "chat": "447700900009", "type": "text", "text": "bruno's own"})
	waitFor(t, func() bool {
		r := srv.Do("GET", "/api/v1/whatsapp/chats/"+grp+"/messages", a.Token, nil)
		r2 := srv.Do("GET", "/api/v1/whatsapp/chats/"+bdm+"/messages", b.Token, nil)
		return r.Status == 200 && r2.Status == 200 && bytes.Contains(r.Body, []byte("group secret"))
	})
	// Ana's data that must never reach Bruno (the first three are texts and
	// names; the rest are ids, which a 404 echoes from Bruno's own URL).
	anaData := []string{"secret of ana", "group secret", "Ana group", dm, grp}
	for _, base := range []string{"/api/v1/whatsapp", "/api/v1/waha"} {
		runScenarios(t, srv, v, []scenario{
			{"status owner", "GET", base + "/status", a.Token, nil, 200, []string{`"status":"WORKING"`, "5511911110001@s.whatsapp.net"}, nil},
			{"status other", "GET", base + "/status", b.Token, nil, 200, []string{"5511922220002"}, []string{"5511911110001"}},
			{"chats owner", "GET", base + "/chats", a.Token, nil, 200, []string{dm, grp, "Ana group"}, nil},
			{"chats other", "GET", base + "/chats", b.Token, nil, 200, []string{bdm}, anaData},
			{"groups owner", "GET", base + "/groups", a.Token, nil, 200, []string{grp}, []string{dm}},
			{"groups other", "GET", base + "/groups", b.Token, nil, 200, []string{`"items":[]`}, anaData},
			{"chats type filter", "GET", base + "/chats?type=direct", a.Token, nil, 200, []string{dm}, []string{grp}},
			{"chats bad type", "GET", base + "/chats?type=everything", a.Token, nil, 400, []string{"type"}, nil},
			{"chats bad limit", "GET", base + "/chats?limit=0", a.Token, nil, 400, []string{"limit"}, nil},
			{"chats bad cursor", "GET", base + "/chats?cursor=zzz", a.Token, nil, 400, []string{"invalid-cursor"}, nil},
			{"messages owner", "GET", base + "/chats/" + dm + "/messages", a.Token, nil, 200, []string{"secret of ana", `"fromName":"Ana's friend"`}, nil},
			{"messages of another user's chat", "GET", base + "/chats/" + dm + "/messages", b.Token, nil, 404, []string{"not-found"}, anaData[:3]},
			{"messages of another user's group", "GET", base + "/chats/" + grp + "/messages", b.Token, nil, 404, nil, anaData[:3]},
			{"messages unknown chat", "GET", base + "/chats/nope@g.us/messages", a.Token, nil, 404, nil, nil},
			{"qr while connected", "GET", base + "/qr", a.Token, nil, 409, []string{"session-connected"}, nil},
			{"start while running", "POST", base + "/start", a.Token, nil, 200, []string{"WORKING"}, nil},
			{"send without chat", "POST", base + "/messages", a.Token, map[string]string{"text": "hi"}, 400, []string{"chatId"}, nil},
			{"send bad chat", "POST", base + "/messages", a.Token, map[string]string{"chatId": "not a number", "text": "hi"}, 400, []string{"invalid-chat"}, nil},
			{"send", "POST", base + "/messages", a.Token, map[string]string{"chatId": dm, "text": "reply from ana"}, 201, []string{`"fromMe":true`, "reply from ana"}, nil},
			{"pair-code while connected", "POST", base + "/pair-code", a.Token, map[string]string{"phone": "+55 11 91111-0001"}, 409, nil, nil},
			{"pair-code bad phone", "POST", base + "/pair-code", a.Token, map[string]string{"phone": "call me"}, 400, []string{"phone"}, nil},
		})
	}
	runScenarios(t, srv, v, []scenario{
		{"me owner", "GET", "/api/v1/auth/me", a.Token, nil, 200, []string{"ana@example.com"}, []string{"bruno"}},
		{"me other", "GET", "/api/v1/auth/me", b.Token, nil, 200, []string{"bruno@example.com"}, []string{"ana@"}},
		{"update me", "PATCH", "/api/v1/auth/me", a.Token, map[string]string{"timezone": "America/Sao_Paulo"}, 200, []string{"America/Sao_Paulo"}, nil},
		{"update me bad tz", "PATCH", "/api/v1/auth/me", a.Token, map[string]string{"timezone": "Mars/Olympus"}, 400, []string{"timezone"}, nil},
		{"login wrong password", "POST", "/api/v1/auth/login", "", map[string]string{"email": "ana@example.com", "password": "wrong password"}, 401, []string{"invalid-credentials"}, nil},
		{"login missing fields", "POST", "/api/v1/auth/login", "", map[string]string{}, 400, []string{"email", "password"}, nil},
		{"login", "POST", "/api/v1/auth/login", "", map[string]string{"email": "ANA@example.com", "password": "correct horse battery"}, 200, []string{"accessToken", "refreshToken", `"email":"ana@example.com"`}, nil},
		{"register taken", "POST", "/api/v1/auth/register", "", map[string]string{"email": "ana@example.com", "password": "correct horse battery"}, 400, []string{"validation-error"}, []string{"exist"}},
		{"refresh empty", "POST", "/api/v1/auth/refresh", "", map[string]string{}, 400, []string{"refreshToken"}, nil},
		{"refresh unknown", "POST", "/api/v1/auth/refresh", "", map[string]string{"refreshToken": "rt_nope"}, 401, []string{"invalid-refresh-token"}, nil},
		{"sim messages other user cannot target", "POST", "/api/v1/sim/messages", b.Token, map[string]any{"chat": "447700900001", "type": "text", "text": "from b's phone"}, 201, nil, nil},
		{"sim bad message", "POST", "/api/v1/sim/messages", a.Token, map[string]any{"chat": "x", "type": "hologram"}, 400, []string{`"field":"type"`, `"field":"chat"`}, nil},
		{"sim sent owner", "GET", "/api/v1/sim/sent", a.Token, nil, 200, []string{"reply from ana"}, nil},
		{"sim sent other", "GET", "/api/v1/sim/sent", b.Token, nil, 200, []string{`"items":[]`}, []string{"reply from ana"}},
		{"scan when not pairing", "POST", "/api/v1/sim/scan", a.Token, nil, 409, []string{"session-not-pairing"}, nil},
		{"healthz", "GET", "/healthz", "", nil, 200, []string{"ok"}, nil},
		{"readyz", "GET", "/readyz", "", nil, 200, []string{"ready"}, nil},
	})
	// b's phone message went to b's chat with that number, not to a's.
	r := srv.Do("GET", "/api/v1/whatsapp/chats/"+dm+"/messages", a.Token, nil)
	if bytes.Contains(r.Body, []byte("from b's phone")) {
		t.Fatal("a message to b's phone reached a")
	}
	// Logout: the refresh token stops working.
	r = srv.Do("POST", "/api/v1/auth/logout", a.Token, map[string]string{"refreshToken": a.Refresh})
	if r.Status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	isProblem(t, srv.Do("POST", "/api/v1/auth/refresh", "", map[string]string{"refreshToken": a.Refresh}), 401, "invalid-refresh-token")
	// Metrics are served.
	r = srv.Do("GET", "/metrics", "", nil)
	if r.Status != 200 || !bytes.Contains(r.Body, []byte("synapse_ingest_messages_stored_total")) || !bytes.Contains(r.Body, []byte(`synapse_sessions{status="WORKING"} 2`)) {
		t.Fatalf("metrics: %d %.500s", r.Status, r.Body)
	}
}

func TestAdminRoutes(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	v := newDocValidator(t, srv)
	a, b := srv.Register("admin@example.com"), srv.Register("user@example.com")
	if err := srv.App.Store.SetAdmin(context.Background(), a.ID, true); err != nil {
		t.Fatal(err)
	}
	// The role is in the token: log in again to get it.
	var login struct {
		AccessToken string `json:"accessToken"`
	}
	srv.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": a.Email, "password": "correct horse battery"}).JSON(t, &login)
	srv.Connect(b, "5511933330003")
	runScenarios(t, srv, v, []scenario{
		{"sessions", "GET", "/api/v1/admin/sessions", login.AccessToken, nil, 200, []string{"user@example.com", "WORKING", "5511933330003"}, nil},
		{"users", "GET", "/api/v1/admin/users", login.AccessToken, nil, 200, []string{"admin@example.com", "user@example.com"}, nil},
		{"non-admin", "GET", "/api/v1/admin/sessions", b.Token, nil, 403, []string{"forbidden"}, []string{"admin@example.com"}},
		{"stop unknown", "POST", "/api/v1/admin/sessions/nobody/stop", login.AccessToken, nil, 404, nil, nil},
		{"stop", "POST", "/api/v1/admin/sessions/" + b.ID + "/stop", login.AccessToken, nil, 200, []string{"STOPPED"}, nil},
		{"restart", "POST", "/api/v1/admin/sessions/" + b.ID + "/restart", login.AccessToken, nil, 200, []string{"STARTING"}, nil},
	})
	srv.WaitStatus(b, "WORKING")
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// FuzzBodies sends arbitrary bytes to every route that reads a body: the
// answer is never a server error, and errors are problem documents.
func FuzzBodies(f *testing.F) {
	srv := apptest.Start(f, apptest.Options{Dialect: fuzzDialect(f)})
	u := srv.Register("fuzz@example.com")
	var routes []struct{ method, path string }
	for _, rt := range srv.App.API.Routes() {
		if rt.Body && !strings.Contains(rt.Path, "/admin/") {
			routes = append(routes, struct{ method, path string }{rt.Method, fill(rt.Path)})
		}
	}
	for _, seed := range []string{`{}`, `{"email":"a@b.c","password":"12345678"}`, `{"chat":"1","type":"text","text":"x"}`,
		`{"messages":[{"chat":"1","type":"image","media":"AAAA"}]}`, `{"chatId":"1@s.whatsapp.net","text":"\u0000"}`, `[`, `{"a":1e999}`} {
		f.Add(uint8(0), []byte(seed))
		f.Add(uint8(3), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		rt := routes[int(which)%len(routes)]
		req, _ := http.NewRequest(rt.method, srv.URL+rt.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+u.Token)
		// A connection per request: a reused keep-alive connection that the
		// server is closing would fail for reasons unrelated to the body.
		req.Close = true
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusNotImplemented {
			t.Fatalf("%s %s with %q: %d %s", rt.method, rt.path, body, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %s: error %d without a problem document", rt.method, rt.path, resp.StatusCode)
		}
		if m := internalText.FindString(string(b)); resp.StatusCode >= 400 && m != "" && !strings.Contains(string(body), m) {
			t.Fatalf("%s %s with %q: the problem shows %q: %s", rt.method, rt.path, body, m, b)
		}
	})
}

// internalText is what a problem document must never show: an error
// chain of a library, an address, SQL state.
var internalText = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|meow:|whatsmeow|dial tcp|lookup |no such host|sql:|SQLSTATE|goroutine|context deadline|pq:|ERROR: `)
