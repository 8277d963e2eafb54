package e2e_test

import (
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/wasim"
)

func eventReminderOf(t *testing.T, c *apptest.Client, token, eventID string) map[string]any {
	t.Helper()
	for _, r := range list(t, c, token, "/api/v1/reminders") {
		if r["itemKind"] == "event" && r["itemId"] == eventID {
			return r
		}
	}
	return nil
}

// TestEventRemindersThroughSelfChat: a calendar event reminds its owner
// 30 minutes before its start in their own chat ("⏰ Standup at 15:00 (in
// 30 min)"), once; the lead time is a setting and an event's own choice; a
// reply "snooze 10m" sends it again later; done dismisses it; a new start
// brings it back, deleting the event drops it; another person sees none
// of it.
func TestEventRemindersThroughSelfChat(t *testing.T) { eachDialect(t, testEventReminders) }

func testEventReminders(t *testing.T, d store.Dialect) {
	ws := startWasim(t)
	start := time.Date(2026, 3, 10, 14, 29, 52, 0, time.UTC)
	clock := newTestClock(start)
	opts := apptest.Options{Dialect: d, DataDir: t.TempDir(), Env: meowEnv(ws), Now: clock.Now}
	if d == store.Postgres {
		opts.DatabaseURL = dbtest.PostgresDatabaseURL(t)
	}
	srv := apptest.Start(t, opts)
	c := srv.Client
	phone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000031", PushName: "Ana"})
	ana, other := c.Register("ana.events@example.com"), c.Register("other.events@example.com")
	connectPhone(t, c, ana, phone)
	clock.set(start)

	r := c.Do("POST", "/api/v1/calendar-events", ana.Token, map[string]any{"title": "Standup", "start": "2026-03-10T15:00:00Z"})
	if r.Status != 201 {
		t.Fatalf("event: %d %s", r.Status, r.Body)
	}
	var ev map[string]any
	r.JSON(t, &ev)
	evID := ev["id"].(string)
	rem := eventReminderOf(t, c, ana.Token, evID)
	if rem == nil || rem["fireAt"] != "2026-03-10T14:30:00Z" || rem["status"] != "pending" || rem["title"] != "Standup" {
		t.Fatalf("event reminder: %v", rem)
	}
	remID := rem["id"].(string)
	for _, rq := range []struct{ method, path string }{{"GET", "/api/v1/reminders/" + remID}, {"POST", "/api/v1/reminders/" + remID + "/done"},
		{"POST", "/api/v1/reminders/" + remID + "/snooze"}} {
		if r := c.Do(rq.method, rq.path, other.Token, map[string]any{"for": "1h"}); r.Status != 404 {
			t.Fatalf("%s %s by another user: %d %s", rq.method, rq.path, r.Status, r.Body)
		}
	}
	// A bad lead time names its field.
	if r := c.Do("PATCH", "/api/v1/reminder-settings", ana.Token, map[string]any{"eventLeadMinutes": -5}); r.Status != 400 || !strings.Contains(string(r.Body), "eventLeadMinutes") {
		t.Fatalf("bad lead time: %d %s", r.Status, r.Body)
	}
	if r := c.Do("PATCH", "/api/v1/calendar-events/"+evID, ana.Token, map[string]any{"remindOffset": 99999}); r.Status != 400 || !strings.Contains(string(r.Body), "remindOffset") {
		t.Fatalf("bad offset: %d %s", r.Status, r.Body)
	}

	waitFor(t, func() bool { return len(selfChatSent(phone, "⏰ Standup at 15:00 (in 30 min)")) == 1 })
	if clock.Now().Before(time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)) {
		t.Fatal("reminded before its time")
	}
	waitFor(t, func() bool { return eventReminderOf(t, c, ana.Token, evID)["status"] == "sent" })

	// "snooze 10m" in reply.
	self := phone.Number()
	reply := func(quoted wasim.SentMessage, text string) {
		t.Helper()
		_, err := phone.Send(self, &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(text),
			ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String(quoted.ID), Participant: proto.String(phone.JID().String()),
				QuotedMessage: &waE2E.Message{Conversation: proto.String(quoted.Text)}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	reply(selfChatSent(phone, "⏰ Standup")[0], "snooze 10m")
	waitFor(t, func() bool { return len(selfChatSent(phone, "✓ Snoozed: Standup")) == 1 })
	rem = eventReminderOf(t, c, ana.Token, evID)
	if at, _ := time.Parse(time.RFC3339, rem["fireAt"].(string)); rem["status"] != "pending" || at.Sub(clock.Now()) < 9*time.Minute || at.Sub(clock.Now()) > 10*time.Minute {
		t.Fatalf("snoozed: %v (now %s)", rem, clock.Now())
	}
	// Done dismisses it: nothing to come.
	if r := c.Do("POST", "/api/v1/reminders/"+remID+"/done", ana.Token, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"done":true`) ||
		!strings.Contains(string(r.Body), `"status":"dismissed"`) {
		t.Fatalf("done: %d %s", r.Status, r.Body)
	}
	if n := len(list(t, c, ana.Token, "/api/v1/reminders?status=upcoming")); n != 0 {
		t.Fatalf("%d upcoming after done", n)
	}
	// A title change leaves it dismissed; a new start brings it back, with
	// the person's lead time, then the event's own.
	c.Do("PATCH", "/api/v1/calendar-events/"+evID, ana.Token, map[string]any{"title": "Daily standup"})
	if rem = eventReminderOf(t, c, ana.Token, evID); rem["status"] != "dismissed" {
		t.Fatalf("after a new title: %v", rem)
	}
	if r := c.Do("PATCH", "/api/v1/reminder-settings", ana.Token, map[string]any{"eventLeadMinutes": 45}); r.Status != 200 || !strings.Contains(string(r.Body), `"eventLeadMinutes":45`) {
		t.Fatalf("lead time: %d %s", r.Status, r.Body)
	}
	c.Do("PATCH", "/api/v1/calendar-events/"+evID, ana.Token, map[string]any{"start": "2026-03-10T17:00:00Z"})
	if rem = eventReminderOf(t, c, ana.Token, evID); rem["status"] != "pending" || rem["fireAt"] != "2026-03-10T16:15:00Z" || rem["id"] != remID {
		t.Fatalf("after a new start: %v", rem)
	}
	c.Do("PATCH", "/api/v1/calendar-events/"+evID, ana.Token, map[string]any{"remindOffset": 5})
	if rem = eventReminderOf(t, c, ana.Token, evID); rem["fireAt"] != "2026-03-10T16:55:00Z" {
		t.Fatalf("own offset: %v", rem)
	}
	// An event starting in less than the lead time reminds at once.
	soon := clock.Now().Add(20 * time.Minute).Truncate(time.Minute)
	r = c.Do("POST", "/api/v1/calendar-events", ana.Token, map[string]any{"title": "Call Bea", "start": soon.Format(time.RFC3339)})
	if r.Status != 201 {
		t.Fatalf("event: %d %s", r.Status, r.Body)
	}
	waitFor(t, func() bool { return len(selfChatSent(phone, "⏰ Call Bea at "+soon.Format("15:04")+" (in ")) == 1 })
	// Deleting the event drops its reminder.
	if r := c.Do("DELETE", "/api/v1/calendar-events/"+evID, ana.Token, nil); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := c.Do("GET", "/api/v1/reminders/"+remID, ana.Token, nil); r.Status != 404 {
		t.Fatalf("reminder of a deleted event: %d %s", r.Status, r.Body)
	}
	time.Sleep(time.Second)
	if n := len(selfChatSent(phone, "⏰ Standup")) + len(selfChatSent(phone, "⏰ Daily standup")); n != 1 {
		t.Fatalf("%d standup reminders, want 1", n)
	}
	if n := len(list(t, c, other.Token, "/api/v1/reminders")); n != 0 {
		t.Fatalf("another user lists %d reminders", n)
	}
	onlySelfChat(t, phone)
}
