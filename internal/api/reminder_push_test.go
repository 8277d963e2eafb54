package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/testutil/pushtest"
)

// TestReminderThroughWebPush: a person who chose browser notifications
// for reminders gets a task's reminder as a Web Push message, signed and
// encrypted as RFC 8291/8292 say (checked by a local push service), once;
// another person's browser gets nothing.
func TestReminderThroughWebPush(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ps := pushtest.Start("", true)
			t.Cleanup(ps.Close)
			u, _ := url.Parse(ps.URL)
			srv := apptest.Start(t, apptest.Options{Dialect: d, Env: map[string]string{"WEBPUSH_ALLOWED_HOSTS": u.Host}})
			ana, bruno := srv.Register("ana.remind.push@example.com"), srv.Register("bruno.remind.push@example.com")
			var key struct{ PublicKey string }
			srv.Do("GET", "/api/v1/push/vapid-public-key", ana.Token, nil).JSON(t, &key)
			ps.VAPIDKey = key.PublicKey
			anaBrowser, brunoBrowser := ps.NewBrowser(), ps.NewBrowser()
			for _, c := range []struct {
				u apptest.User
				b *pushtest.Browser
			}{{ana, anaBrowser}, {bruno, brunoBrowser}} {
				if r := srv.Do("POST", "/api/v1/push/subscriptions", c.u.Token, subscription(c.b)); r.Status != http.StatusCreated {
					t.Fatalf("subscribe: %d %s", r.Status, r.Body)
				}
			}
			if r := srv.Do("PATCH", "/api/v1/reminder-settings", ana.Token, map[string]any{"channels": []string{"web", "push"}}); r.Status != http.StatusOK {
				t.Fatalf("settings: %d %s", r.Status, r.Body)
			}
			due := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339)
			if r := srv.Do("POST", "/api/v1/tasks", ana.Token, map[string]any{"title": "Call the plumber", "due": due}); r.Status != http.StatusCreated {
				t.Fatalf("task: %d %s", r.Status, r.Body)
			}
			deadline := time.Now().Add(60 * time.Second)
			for ps.Accepted() == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("no push within a minute (failures %v)", ps.Failures())
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(2 * time.Second) // a second push would come now
			got := ps.Received()
			if len(got) != 1 || got[0].Endpoint != anaBrowser.Endpoint || got[0].Urgency != "high" {
				t.Fatalf("pushes: %+v (failures %v)", got, ps.Failures())
			}
			var payload struct{ Title, Body, URL, Tag string }
			if err := json.Unmarshal(got[0].Plaintext, &payload); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(payload.Title, "Call the plumber") || !strings.HasPrefix(payload.URL, "/reminders#reminder-") || !strings.HasPrefix(payload.Tag, "reminder-") {
				t.Fatalf("payload %s", got[0].Plaintext)
			}
		})
	}
}
