package e2e_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// testClock is a clock that runs at the wall clock's pace from an instant
// the test picks (so that "06:59:55" is a few seconds away).
type testClock struct{ off atomic.Int64 }

func newTestClock(at time.Time) *testClock {
	c := &testClock{}
	c.off.Store(int64(time.Until(at)))
	return c
}

func (c *testClock) Now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

// set moves the clock to at (linking a phone on a slow machine may take
// longer than the seconds a test left itself before a due time).
func (c *testClock) set(at time.Time) { c.off.Store(int64(time.Until(at))) }

// selfChatSent returns what the phone's linked devices wrote into its own
// chat, containing substr.
func selfChatSent(p *wasim.Phone, substr string) []wasim.SentMessage {
	var out []wasim.SentMessage
	for _, m := range p.Sent() {
		if m.Chat == p.JID().String() && strings.Contains(m.Text, substr) {
			out = append(out, m)
		}
	}
	return out
}

// onlySelfChat fails when a linked device wrote anywhere but the own chat.
func onlySelfChat(t *testing.T, p *wasim.Phone) {
	t.Helper()
	for _, m := range p.Sent() {
		if m.Chat != p.JID().String() {
			t.Fatalf("a reminder went to another chat: %+v", m)
		}
	}
}

func createTask(t *testing.T, c *apptest.Client, token string, body map[string]any) map[string]any {
	t.Helper()
	r := c.Do("POST", "/api/v1/tasks", token, body)
	if r.Status != 201 {
		t.Fatalf("create task: %d %s", r.Status, r.Body)
	}
	var m map[string]any
	r.JSON(t, &m)
	return m
}

func reminderOf(t *testing.T, c *apptest.Client, token, taskID string) map[string]any {
	t.Helper()
	for _, r := range list(t, c, token, "/api/v1/reminders") {
		if r["itemId"] == taskID {
			return r
		}
	}
	t.Fatalf("no reminder for task %s", taskID)
	return nil
}

// TestRemindersThroughSelfChat: against the protocol simulator, a task's
// reminder reaches the person's own chat on their phone at its time (by a
// test clock), after quiet hours, across a restart, once; snooze and done
// through the API; a reply "done" on the phone checks the task off; with
// capture on, messages to oneself in three languages become items with a
// confirmation, and with capture off (the default) nothing is replied.
func TestRemindersThroughSelfChat(t *testing.T) { eachDialect(t, testRemindersThroughSelfChat) }

func testRemindersThroughSelfChat(t *testing.T, d store.Dialect) {
	ws := startWasim(t)
	start := time.Date(2026, 3, 10, 6, 59, 50, 0, time.UTC)
	clock := newTestClock(start)
	env := meowEnv(ws)
	opts := apptest.Options{Dialect: d, DataDir: t.TempDir(), Env: env, Now: clock.Now}
	if d == store.Postgres {
		opts.DatabaseURL = dbtest.PostgresDatabaseURL(t)
	}
	srv := apptest.Start(t, opts)
	c := srv.Client
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000021", PushName: "Ana"})
	ana, other := c.Register("ana@example.com"), c.Register("other@example.com")
	connectPhone(t, c, ana, anaPhone)
	clock.set(start)

	// Quiet hours 22:00–07:00 (UTC is ana's zone).
	if r := c.Do("PATCH", "/api/v1/reminder-settings", ana.Token, map[string]any{"quietStart": "22:00", "quietEnd": "07:00"}); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	if r := c.Do("PATCH", "/api/v1/reminder-settings", ana.Token, map[string]any{"quietStart": "25:00"}); r.Status != 400 || !strings.Contains(string(r.Body), "quietStart") {
		t.Fatalf("bad quiet hours: %d %s", r.Status, r.Body)
	}
	due := start.Add(5 * time.Second) // 06:59:55, inside quiet hours
	bread := createTask(t, c, ana.Token, map[string]any{"title": "Buy bread", "due": due.Format(time.RFC3339)})
	rem := reminderOf(t, c, ana.Token, bread["id"].(string))
	if rem["fireAt"] != "2026-03-10T07:00:00Z" || rem["status"] != "pending" {
		t.Fatalf("reminder inside quiet hours: %v", rem)
	}
	if len(selfChatSent(anaPhone, "Buy bread")) != 0 {
		t.Fatal("reminded before its time")
	}
	waitFor(t, func() bool { return len(selfChatSent(anaPhone, "⏰ Reminder: Buy bread")) == 1 })
	if now := clock.Now(); now.Before(time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("reminder delivered at %s, inside quiet hours", now)
	}
	if m := selfChatSent(anaPhone, "Buy bread")[0]; !strings.Contains(m.Text, "due Tue 06:59") {
		t.Fatalf("reminder text %q", m.Text)
	}
	waitFor(t, func() bool {
		rem = reminderOf(t, c, ana.Token, bread["id"].(string))
		return rem["status"] == "sent" && rem["sentAt"] != nil
	})

	// Isolation: another person's token does not see or touch it.
	remID := rem["id"].(string)
	for _, rq := range []struct{ method, path string }{{"GET", "/api/v1/reminders/" + remID}, {"POST", "/api/v1/reminders/" + remID + "/done"},
		{"POST", "/api/v1/reminders/" + remID + "/snooze"}} {
		if r := c.Do(rq.method, rq.path, other.Token, map[string]any{"for": "1h"}); r.Status != 404 {
			t.Fatalf("%s %s by another user: %d %s", rq.method, rq.path, r.Status, r.Body)
		}
	}
	if n := len(list(t, c, other.Token, "/api/v1/reminders")); n != 0 {
		t.Fatalf("another user lists %d reminders", n)
	}

	// Snooze through the API.
	if r := c.Do("POST", "/api/v1/reminders/"+remID+"/snooze", ana.Token, map[string]any{"for": "2d"}); r.Status != 400 || !strings.Contains(string(r.Body), `"for"`) {
		t.Fatalf("bad snooze: %d %s", r.Status, r.Body)
	}
	r := c.Do("POST", "/api/v1/reminders/"+remID+"/snooze", ana.Token, map[string]any{"for": "tomorrow"})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"fireAt":"2026-03-11T09:00:00Z"`) || !strings.Contains(string(r.Body), `"status":"pending"`) {
		t.Fatalf("snooze until tomorrow: %d %s", r.Status, r.Body)
	}

	// A reply "done" on the phone, quoting the reminder, checks the task off.
	reminderMsg := selfChatSent(anaPhone, "⏰ Reminder: Buy bread")[0]
	self := anaPhone.Number()
	replyTo := func(quoted wasim.SentMessage, text string) {
		t.Helper()
		_, err := anaPhone.Send(self, &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(text),
			ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String(quoted.ID), Participant: proto.String(anaPhone.JID().String()),
				QuotedMessage: &waE2E.Message{Conversation: proto.String(quoted.Text)}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	replyTo(reminderMsg, "done")
	waitFor(t, func() bool {
		var tk map[string]any
		c.Do("GET", "/api/v1/tasks/"+bread["id"].(string), ana.Token, nil).JSON(t, &tk)
		return tk["done"] == true
	})
	waitFor(t, func() bool { return len(selfChatSent(anaPhone, "✓ Done: Buy bread")) == 1 })
	if n := len(list(t, c, ana.Token, "/api/v1/reminders?status=upcoming")); n != 0 {
		t.Fatalf("a done task still has an upcoming reminder (%d)", n)
	}

	// Across a restart: the job survives, the reminder goes out once.
	due = clock.Now().Add(4 * time.Second).Truncate(time.Second)
	createTask(t, c, ana.Token, map[string]any{"title": "Call the plumber", "due": due.Format(time.RFC3339)})
	srv.Stop()
	srv = apptest.Start(t, opts)
	c = srv.Client
	c.WaitStatus(ana, "WORKING")
	waitFor(t, func() bool { return len(selfChatSent(anaPhone, "⏰ Reminder: Call the plumber")) == 1 })
	if clock.Now().Before(due) {
		t.Fatal("reminded before the due time")
	}
	// "snooze 1h" in reply moves it an hour on.
	replyTo(selfChatSent(anaPhone, "⏰ Reminder: Call the plumber")[0], "snooze 1h")
	waitFor(t, func() bool { return len(selfChatSent(anaPhone, "✓ Snoozed: Call the plumber")) == 1 })
	var snoozed map[string]any
	for _, r := range list(t, c, ana.Token, "/api/v1/reminders?status=upcoming") {
		if r["title"] == "Call the plumber" {
			snoozed = r
		}
	}
	if snoozed == nil {
		t.Fatal("the snoozed reminder is not upcoming")
	}
	if at, _ := time.Parse(time.RFC3339, snoozed["fireAt"].(string)); at.Sub(clock.Now()) < 55*time.Minute || at.Sub(clock.Now()) > time.Hour {
		t.Fatalf("snoozed until %v (now %s)", snoozed["fireAt"], clock.Now())
	}
	// Done through the API stops a reminder to come.
	later := createTask(t, c, ana.Token, map[string]any{"title": "Water the plants", "due": clock.Now().Add(3 * time.Second).Format(time.RFC3339)})
	lrem := reminderOf(t, c, ana.Token, later["id"].(string))
	if r := c.Do("POST", "/api/v1/reminders/"+lrem["id"].(string)+"/done", ana.Token, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"done":true`) {
		t.Fatalf("done: %d %s", r.Status, r.Body)
	}

	// Capture is off by default: a note to self becomes a task through
	// the analysis, and nothing is replied.
	if _, err := anaPhone.SendText(self, "todo: buy stamps"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return taskTitles(t, c, ana.Token)["Buy stamps"] })

	// Capture on: three languages, each item once, each confirmed.
	if r := c.Do("PATCH", "/api/v1/reminder-settings", ana.Token, map[string]any{"capture": true}); r.Status != 200 || !strings.Contains(string(r.Body), `"capture":true`) {
		t.Fatalf("capture on: %d %s", r.Status, r.Body)
	}
	for _, text := range []string{"todo buy milk tomorrow at 10:00", "lembrar de ligar à Ana amanhã às 15h", "recuérdame pagar la luz mañana a las 9", "idea a jam made of figs", "nota o código do portão é 4321"} {
		if _, err := anaPhone.SendText(self, text); err != nil {
			t.Fatal(err)
		}
	}
	// Dates are read relative to when the phone sent the message (its
	// own clock, the wall clock here).
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("Mon")
	for _, want := range []string{"✓ Task: Buy milk — due " + tomorrow + " 10:00", "✓ Task: Ligar à Ana — due " + tomorrow + " 15:00",
		"✓ Task: Pagar la luz — due " + tomorrow + " 09:00", "✓ Idea: A jam made of figs", "✓ Note: O código do portão é 4321"} {
		waitForOr(t, func() bool { return len(selfChatSent(anaPhone, want)) == 1 }, func() string {
			var seen []string
			for _, m := range anaPhone.Sent() {
				seen = append(seen, fmt.Sprintf("%s %q", m.Chat, m.Text))
			}
			var stored []string
			for _, m := range list(t, c, ana.Token, "/api/v1/whatsapp/chats/"+url.PathEscape(anaPhone.JID().String())+"/messages?limit=100") {
				stored = append(stored, fmt.Sprintf("%v %q", m["id"], m["text"]))
			}
			return fmt.Sprintf("no single %q in the self-chat; linked devices sent %s; stored %s", want, strings.Join(seen, "; "), strings.Join(stored, "; "))
		})
	}
	// Said again: one idea, mentioned twice, and the reply says so once.
	if _, err := anaPhone.SendText(self, "Idea: a jam made of figs"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		return len(selfChatSent(anaPhone, "✓ Idea: A jam made of figs — already there, mentioned 2 times")) == 1
	})
	titles := map[string]int{}
	for _, tk := range list(t, c, ana.Token, "/api/v1/tasks") {
		titles[tk["title"].(string)]++
	}
	for _, want := range []string{"Buy milk", "Ligar à Ana", "Pagar la luz"} {
		if titles[want] != 1 {
			t.Fatalf("captured task %q stored %d times (%v)", want, titles[want], titles)
		}
	}
	if n := len(list(t, c, ana.Token, "/api/v1/ideas")); n != 1 {
		t.Fatalf("%d ideas", n)
	}
	// The captured tasks remind at their due time (and the snoozed one).
	if n := len(list(t, c, ana.Token, "/api/v1/reminders?status=upcoming")); n != 4 {
		t.Fatalf("%d upcoming reminders after capture", n)
	}
	// Nothing went twice, nothing went to another chat; Synapse's own
	// messages became no items.
	time.Sleep(2 * time.Second)
	if n := len(selfChatSent(anaPhone, "⏰ Reminder:")); n != 2 {
		t.Fatalf("%d reminders reached the phone, want 2", n)
	}
	if n := len(selfChatSent(anaPhone, "Water the plants")); n != 0 {
		t.Fatal("a done task reminded")
	}
	if n := len(selfChatSent(anaPhone, "Buy stamps")); n != 0 {
		t.Fatal("capture replied while off")
	}
	onlySelfChat(t, anaPhone)
	for title := range titles {
		if strings.Contains(title, "Reminder") || strings.HasPrefix(title, "✓") {
			t.Fatalf("Synapse's own message became a task: %q", title)
		}
	}
	if n := len(list(t, c, ana.Token, "/api/v1/notes")); n != 1 {
		t.Fatalf("%d notes, want the captured one", n)
	}
}

// TestReminderAcrossFailover: two nodes on PostgreSQL; the node running
// the person's session dies before the reminder is due; the other node
// takes the session over and the reminder reaches the phone once.
func TestReminderAcrossFailover(t *testing.T) {
	ws := startWasim(t)
	clock := newTestClock(time.Date(2026, 3, 10, 9, 59, 50, 0, time.UTC))
	opts := apptest.Options{Dialect: store.Postgres, DatabaseURL: dbtest.PostgresDatabaseURL(t), Env: meowEnv(ws), Now: clock.Now}
	opts.Env["JWT_SECRET"] = strings.Repeat("cluster-secret-", 3)
	opts.Env["SYNAPSE_LEASE_TTL"] = "6s"
	a := apptest.Start(t, opts)
	b := apptest.Start(t, opts)
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000031", PushName: "Ana"})
	ana := a.Register("ana@example.com")
	if r := b.Do("POST", "/api/v1/whatsapp/start", ana.Token, nil); r.Status != 200 {
		t.Fatalf("start on b: %d %s", r.Status, r.Body)
	}
	connectPhone(t, a.Client, ana, anaPhone)
	waitRunsOn(t, b, ana)

	// One reminder goes out while both nodes run: once.
	createTask(t, a.Client, ana.Token, map[string]any{"title": "Before the failure", "due": clock.Now().Add(2 * time.Second).Format(time.RFC3339)})
	waitFor(t, func() bool { return len(selfChatSent(anaPhone, "Before the failure")) == 1 })
	// The person writes to themselves (the simulator needs a message from
	// the phone before the linked device's next one: see
	// Phone.encryptForLocked on sessions with own devices).
	if _, err := anaPhone.SendText(anaPhone.Number(), "ok"); err != nil {
		t.Fatal(err)
	}
	getListWith(t, a.Client, "/api/v1/whatsapp/chats/"+anaPhone.JID().String()+"/messages", ana.Token, "ok")

	// Node B, running the session, dies before the next one is due.
	due := clock.Now().Add(8 * time.Second).Truncate(time.Second)
	createTask(t, a.Client, ana.Token, map[string]any{"title": "After the failure", "due": due.Format(time.RFC3339)})
	b.App.Cluster.Abandon()
	b.Stop()
	waitRunsOn(t, a, ana)
	a.WaitStatus(ana, "WORKING")
	deadline := time.Now().Add(60 * time.Second)
	for len(selfChatSent(anaPhone, "After the failure")) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the reminder did not reach the phone after the failover; the phone has %+v", anaPhone.Sent())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	for _, title := range []string{"Before the failure", "After the failure"} {
		if n := len(selfChatSent(anaPhone, title)); n != 1 {
			t.Fatalf("%q reached the phone %d times", title, n)
		}
	}
	onlySelfChat(t, anaPhone)
	got := list(t, a.Client, ana.Token, "/api/v1/reminders?status=sent")
	if len(got) != 2 || !slices.ContainsFunc(got, func(m map[string]any) bool { return m["title"] == "After the failure" }) {
		t.Fatalf("sent reminders: %v", fmt.Sprint(got))
	}
}
