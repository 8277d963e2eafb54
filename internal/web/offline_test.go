package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/web"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// offlineEngine is the real engine on a machine that cannot reach
// WhatsApp: every connection attempt fails as whatsmeow's does, with an
// error chain that names the DNS resolver's address.
type offlineEngine struct{}

func (offlineEngine) Name() string           { return "whatsmeow" }
func (offlineEngine) SupportsPairCode() bool { return true }
func (offlineEngine) NewClient(context.Context, whatsapp.SessionRef, whatsapp.Handler) (whatsapp.Client, error) {
	return offlineClient{}, nil
}

type offlineClient struct{}

func (offlineClient) Connect(context.Context) error {
	return fmt.Errorf("meow: connect: failed to dial whatsapp web websocket: %w",
		&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "web.whatsapp.com", Server: "10.96.0.10:53"}})
}
func (offlineClient) Disconnect()                  {}
func (offlineClient) Logout(context.Context) error { return nil }
func (offlineClient) HasDevice() bool              { return false }
func (offlineClient) PairPhone(context.Context, string) (string, error) {
	return "", whatsapp.ErrNotPairing
}
func (offlineClient) Send(context.Context, whatsapp.Outgoing) (whatsapp.Message, error) {
	return whatsapp.Message{}, whatsapp.ErrNotConnected
}
func (offlineClient) Groups(context.Context) ([]whatsapp.Chat, error) {
	return nil, whatsapp.ErrNotConnected
}
func (offlineClient) Download(context.Context, *whatsapp.Media, int64) ([]byte, error) {
	return nil, whatsapp.ErrNotConnected
}

// internals are what no person should read: Go error chains, addresses,
// library names.
var internals = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|meow:|whatsmeow|dial tcp|lookup |no such host|websocket|sql:|SQLSTATE|goroutine|context deadline|\*errors\.`)

// TestOfflineWhatsAppInWords: with the real engine and no way to reach
// WhatsApp, the Connect page says so in words, counts down to the next try
// and offers to try now; no page shows the error chain.
func TestOfflineWhatsAppInWords(t *testing.T) {
	u := newUnitWith(t, web.Options{}, offlineEngine{})
	c := u.signUp(t, "ana@example.com")
	r := u.do(t, "GET", "/connect", nil, c)
	token := metaCSRF.FindStringSubmatch(r.body)[1]

	// The script's "Show QR code" gets the reason at once, in words.
	req, _ := http.NewRequest("POST", u.srv.URL+"/connect/start", strings.NewReader(url.Values{"csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", "fetch")
	req.AddCookie(c)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(res)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "cannot reach WhatsApp") || internals.MatchString(body) {
		t.Fatalf("show QR code offline: %d %q", res.StatusCode, body)
	}
	// Without script, the same on the page.
	r = u.do(t, "POST", "/connect/start", url.Values{"csrf": {token}}, c)
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "cannot reach WhatsApp") {
		t.Fatalf("show QR code offline (form): %d %s", r.status, r.body)
	}
	r = u.do(t, "GET", "/connect", nil, c)
	for _, want := range []string{"cannot reach WhatsApp", `action="/session/restart"`, "Try now"} {
		if !strings.Contains(r.body, want) {
			t.Fatalf("the Connect page lacks %q:\n%s", want, r.body)
		}
	}
	if m := regexp.MustCompile(`data-retry-at="([^"]+)"`).FindStringSubmatch(r.body); m == nil || m[1] == "" {
		t.Fatalf("no time of the next try on the Connect page")
	}
	// "Try now" tries again (and fails again, in words).
	r = u.do(t, "POST", "/session/restart", url.Values{"csrf": {token}}, c)
	if r.status != http.StatusSeeOther {
		t.Fatalf("try now: %d %s", r.status, r.body)
	}
	r = u.do(t, "POST", "/connect/pair-code", url.Values{"csrf": {token}, "phone": {"+44 7700 900123"}}, c)
	if internals.MatchString(r.body) {
		t.Fatalf("pair code offline shows internals: %s", internals.FindString(r.body))
	}
	for _, p := range []string{"/", "/connect", "/chats", "/settings", "/nowhere"} {
		r := u.do(t, "GET", p, nil, c)
		if m := internals.FindString(r.body); m != "" {
			t.Errorf("%s shows %q", p, m)
		}
	}
}

// signUp creates an account through the sign-up page and returns its
// session cookie.
func (u *unit) signUp(t *testing.T, email string) *http.Cookie {
	t.Helper()
	page := u.do(t, "GET", "/signup", nil)
	csrf := setCookie(t, page, "synapse_csrf")
	r := u.do(t, "POST", "/signup", url.Values{"csrf": {csrf.Value}, "email": {email}, "password": {password}, "timezone": {"Europe/Lisbon"}}, csrf)
	return setCookie(t, r, "synapse_session")
}

func readAll(res *http.Response) string {
	defer res.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, res.Body)
	return b.String()
}

// TestChangePasswordSignsOutOtherBrowsers: Settings changes the password
// after checking the current one; this browser stays signed in, every other
// one is signed out.
func TestChangePasswordSignsOutOtherBrowsers(t *testing.T) {
	u := newUnit(t, web.Options{})
	c := u.signUp(t, "ana@example.com")
	// A second browser signs in.
	page := u.do(t, "GET", "/signin", nil)
	csrf := setCookie(t, page, "synapse_csrf")
	r := u.do(t, "POST", "/signin", url.Values{"csrf": {csrf.Value}, "email": {"ana@example.com"}, "password": {password}}, csrf)
	other := setCookie(t, r, "synapse_session")
	r = u.do(t, "GET", "/settings", nil, c)
	token := metaCSRF.FindStringSubmatch(r.body)[1]
	r = u.do(t, "POST", "/settings/password", url.Values{"csrf": {token}, "current": {"not it"}, "new": {"another long password"}}, c)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Current password is not right") {
		t.Fatalf("wrong current password: %d", r.status)
	}
	r = u.do(t, "POST", "/settings/password", url.Values{"csrf": {token}, "current": {password}, "new": {"another long password"}}, c)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/settings?ok=password" {
		t.Fatalf("change password: %d %s", r.status, r.header.Get("Location"))
	}
	if r := u.do(t, "GET", "/", nil, c); r.status != http.StatusOK {
		t.Fatalf("this browser was signed out: %d", r.status)
	}
	if r := u.do(t, "GET", "/", nil, other); r.status != http.StatusSeeOther {
		t.Fatalf("the other browser is still signed in: %d", r.status)
	}
}

// TestAdminManagesAccounts: the first account administers the install; it
// sees every account with what it stores, disables one (signed out at once,
// cannot sign in) and enables it again, changes roles, and cannot lock
// itself out.
func TestAdminManagesAccounts(t *testing.T) {
	u := newUnit(t, web.Options{})
	admin := u.signUp(t, "admin@example.com")
	bea := u.signUp(t, "bea@example.com")
	if r := u.do(t, "GET", "/admin", nil, bea); r.status != http.StatusNotFound {
		t.Fatalf("a member opening the administration: %d", r.status)
	}
	r := u.do(t, "GET", "/admin", nil, admin)
	if r.status != http.StatusOK || !strings.Contains(r.body, "bea@example.com") || !strings.Contains(r.body, "Administrator") {
		t.Fatalf("administration: %d\n%s", r.status, r.body)
	}
	token := metaCSRF.FindStringSubmatch(r.body)[1]
	id := regexp.MustCompile(`/admin/users/([^/"]+)/disable`).FindStringSubmatch(r.body)
	if id == nil {
		t.Fatal("no disable link for the other account")
	}
	if r := u.do(t, "GET", "/admin/users/"+id[1]+"/disable", nil, admin); r.status != http.StatusOK || !strings.Contains(r.body, "Disable this account?") {
		t.Fatalf("confirmation: %d", r.status)
	}
	if r := u.do(t, "POST", "/admin/users/"+id[1]+"/disable", url.Values{"csrf": {token}}, admin); r.status != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	if r := u.do(t, "GET", "/", nil, bea); r.status != http.StatusSeeOther {
		t.Fatalf("a disabled account is still signed in: %d", r.status)
	}
	if r := u.do(t, "GET", "/admin", nil, admin); !strings.Contains(r.body, "disabled") {
		t.Fatal("the account is not shown as disabled")
	}
	if r := u.do(t, "POST", "/admin/users/"+id[1]+"/enable", url.Values{"csrf": {token}}, admin); r.status != http.StatusSeeOther {
		t.Fatalf("enable: %d", r.status)
	}
	if r := u.do(t, "POST", "/admin/users/"+id[1]+"/make-admin", url.Values{"csrf": {token}}, admin); r.status != http.StatusSeeOther {
		t.Fatalf("make admin: %d", r.status)
	}
	own := regexp.MustCompile(`/admin/users/([^/"]+)/remove-admin`).FindAllStringSubmatch(u.do(t, "GET", "/admin", nil, admin).body, -1)
	if len(own) != 1 || own[0][1] != id[1] {
		t.Fatalf("remove-admin links: %v (the administrator's own row must offer none)", own)
	}
	bea2 := u.signIn(t, "bea@example.com")
	if r := u.do(t, "GET", "/admin", nil, bea2); r.status != http.StatusOK {
		t.Fatalf("the new administrator: %d", r.status)
	}
}

// signIn signs in through the sign-in page and returns the session cookie.
func (u *unit) signIn(t *testing.T, email string) *http.Cookie {
	t.Helper()
	page := u.do(t, "GET", "/signin", nil)
	csrf := setCookie(t, page, "synapse_csrf")
	r := u.do(t, "POST", "/signin", url.Values{"csrf": {csrf.Value}, "email": {email}, "password": {password}}, csrf)
	return setCookie(t, r, "synapse_session")
}
