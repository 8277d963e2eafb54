package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
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

type pushAction struct{ Action, Title, URL string }

// waitPushes waits for n pushes accepted by the local push service and
// returns their decrypted payloads' actions and bodies.
func waitPushes(t *testing.T, ps *pushtest.Service, n int) []struct {
	Title, Body, Tag string
	Actions          []pushAction
} {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for ps.Accepted() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d pushes within a minute, want %d (failures %v)", ps.Accepted(), n, ps.Failures())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var out []struct {
		Title, Body, Tag string
		Actions          []pushAction
	}
	for _, r := range ps.Received() {
		var p struct {
			Title, Body, Tag string
			Actions          []pushAction
		}
		if err := json.Unmarshal(r.Plaintext, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func actionURL(t *testing.T, actions []pushAction, name string) string {
	t.Helper()
	for _, a := range actions {
		if a.Action == name {
			if !strings.HasPrefix(a.URL, "/api/v1/reminder-actions/") {
				t.Fatalf("action %s: url %q", name, a.URL)
			}
			return a.URL
		}
	}
	t.Fatalf("no action %s in %+v", name, actions)
	return ""
}

// TestReminderPushActions: a reminder's push notification (decrypted by a
// local push service) carries snooze and done buttons with capability
// links; POSTing one with no credential snoozes the reminder or checks its
// task off; a snooze link works once; tampered, other people's, other
// actions' and expired links do nothing (404 or 403, problem+json). An
// event's notification says when it starts.
func TestReminderPushActions(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ps := pushtest.Start("", true)
			t.Cleanup(ps.Close)
			u, _ := url.Parse(ps.URL)
			var skew atomic.Int64 // the server's clock, ahead of the wall clock
			now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
			srv := apptest.Start(t, apptest.Options{Dialect: d, Now: now, Env: map[string]string{"WEBPUSH_ALLOWED_HOSTS": u.Host}})
			ana, bruno := srv.Register("ana.actions@example.com"), srv.Register("bruno.actions@example.com")
			var key struct{ PublicKey string }
			srv.Do("GET", "/api/v1/push/vapid-public-key", ana.Token, nil).JSON(t, &key)
			ps.VAPIDKey = key.PublicKey
			if r := srv.Do("POST", "/api/v1/push/subscriptions", ana.Token, subscription(ps.NewBrowser())); r.Status != http.StatusCreated {
				t.Fatalf("subscribe: %d %s", r.Status, r.Body)
			}
			if r := srv.Do("PATCH", "/api/v1/reminder-settings", ana.Token, map[string]any{"channels": []string{"push"}}); r.Status != http.StatusOK {
				t.Fatalf("settings: %d %s", r.Status, r.Body)
			}
			task := func(title string) string {
				t.Helper()
				r := srv.Do("POST", "/api/v1/tasks", ana.Token, map[string]any{"title": title, "due": now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)})
				if r.Status != http.StatusCreated {
					t.Fatalf("task: %d %s", r.Status, r.Body)
				}
				var tk struct{ ID string }
				r.JSON(t, &tk)
				return tk.ID
			}
			reminderOf := func(kind, itemID string) map[string]any {
				t.Helper()
				var l struct{ Items []map[string]any }
				srv.Do("GET", "/api/v1/reminders", ana.Token, nil).JSON(t, &l)
				for _, r := range l.Items {
					if r["itemKind"] == kind && r["itemId"] == itemID {
						return r
					}
				}
				t.Fatalf("no reminder of %s %s", kind, itemID)
				return nil
			}
			post := func(path string) *apptest.Response { return srv.Do("POST", path, "", nil) }
			refused := func(path string, status int) {
				t.Helper()
				r := post(path)
				if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
					t.Fatalf("POST %s: %d %s %s, want %d problem+json", path, r.Status, r.Header.Get("Content-Type"), r.Body, status)
				}
			}

			plumber := task("Call the plumber")
			push := waitPushes(t, ps, 1)[0]
			if len(push.Actions) != 4 || !strings.Contains(push.Body, "Call the plumber") || strings.Contains(push.Body, "Reply") {
				t.Fatalf("push: %+v", push)
			}
			snooze10, snooze1h, done := actionURL(t, push.Actions, "snooze-10m"), actionURL(t, push.Actions, "snooze-1h"), actionURL(t, push.Actions, "done")
			actionURL(t, push.Actions, "snooze-tomorrow")
			// Tampered: the signature, the action, the person.
			tampered := snooze10[:len(snooze10)-2] + "AA"
			if strings.HasSuffix(snooze10, "AA") {
				tampered = snooze10[:len(snooze10)-2] + "BB"
			}
			refused(tampered, 404)
			refused(strings.Replace(snooze10, ".10m.", ".1h.", 1), 404)
			refused(strings.Replace(snooze10, "/api/v1/reminder-actions/"+ana.ID, "/api/v1/reminder-actions/"+bruno.ID, 1), 404)
			refused("/api/v1/reminder-actions/nonsense", 404)
			// Expired: a week and a day later.
			skew.Store(int64(8 * 24 * time.Hour))
			refused(snooze1h, 403)
			skew.Store(0)

			r := post(snooze1h)
			if r.Status != 200 {
				t.Fatalf("snooze 1h: %d %s", r.Status, r.Body)
			}
			rem := reminderOf("task", plumber)
			if at, _ := time.Parse(time.RFC3339, rem["fireAt"].(string)); rem["status"] != "pending" || time.Until(at) < 55*time.Minute {
				t.Fatalf("after snooze from the notification: %v", rem)
			}
			refused(snooze1h, 403) // once
			refused(snooze10, 403) // made for the old time
			refused(done, 403)

			// Done from a second reminder's notification checks its task off.
			bread := task("Buy bread")
			push = waitPushes(t, ps, 2)[1]
			if r := post(actionURL(t, push.Actions, "done")); r.Status != 200 || !strings.Contains(string(r.Body), `"done":true`) {
				t.Fatalf("done: %d %s", r.Status, r.Body)
			}
			var tk struct{ Done bool }
			srv.Do("GET", "/api/v1/tasks/"+bread, ana.Token, nil).JSON(t, &tk)
			if !tk.Done {
				t.Fatal("done from the notification left the task open")
			}
			if r := post(actionURL(t, push.Actions, "done")); r.Status != 200 {
				t.Fatalf("done again: %d %s", r.Status, r.Body)
			}

			// An event: its notification says when it starts; done
			// dismisses it.
			start := now().Add(10 * time.Minute).Truncate(time.Minute)
			r = srv.Do("POST", "/api/v1/calendar-events", ana.Token, map[string]any{"title": "Dentist", "start": start.UTC().Format(time.RFC3339)})
			if r.Status != http.StatusCreated {
				t.Fatalf("event: %d %s", r.Status, r.Body)
			}
			var ev struct{ ID string }
			r.JSON(t, &ev)
			push = waitPushes(t, ps, 3)[2]
			// (With the day before the time when the start is tomorrow.)
			if want := start.UTC().Format("15:04") + " (in "; !strings.HasPrefix(push.Body, "Dentist at ") || !strings.Contains(push.Body, want) || push.Title != "⏰ Dentist" {
				t.Fatalf("event push: %+v, want body %q…", push, want)
			}
			if r := post(actionURL(t, push.Actions, "done")); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"dismissed"`) {
				t.Fatalf("dismiss: %d %s", r.Status, r.Body)
			}
			if rem := reminderOf("event", ev.ID); rem["done"] != true {
				t.Fatalf("event reminder after done: %v", rem)
			}
			time.Sleep(time.Second)
			if n := ps.Accepted(); n != 3 {
				t.Fatalf("%d pushes, want 3", n)
			}

			// A disabled account's links do nothing; signing out everywhere
			// ends the links made before, as it ends tokens.
			task("Water the plants")
			water := actionURL(t, waitPushes(t, ps, 4)[3].Actions, "snooze-10m")
			if err := srv.App.Store.ChangeCredentials(t.Context(), ana.ID, store.CredentialChange{Disable: true, DisabledAt: now()}); err != nil {
				t.Fatal(err)
			}
			refused(water, 404)
			if err := srv.App.Store.ChangeCredentials(t.Context(), ana.ID, store.CredentialChange{Enable: true, TokensValidAfter: now().Add(time.Second)}); err != nil {
				t.Fatal(err)
			}
			refused(water, 403)
		})
	}
}
