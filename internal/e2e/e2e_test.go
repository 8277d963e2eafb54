// Package e2e_test drives the synapse binary as a separate process through
// its public API: two users, their simulated phones, realtime streams,
// restarts and crashes.
package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

func envFor(t *testing.T, d store.Dialect, dataDir string) map[string]string {
	env := map[string]string{"SYNAPSE_DATA_DIR": dataDir}
	if d == store.Postgres {
		env["DATABASE_URL"] = dbtest.PostgresURL(t)
	}
	return env
}

type msgList struct {
	Items []struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	} `json:"items"`
	NextCursor string `json:"nextCursor"`
}

func messages(t *testing.T, c *apptest.Client, u apptest.User, chat string) msgList {
	t.Helper()
	r := c.Do("GET", "/api/v1/whatsapp/chats/"+chat+"/messages?limit=200", u.Token, nil)
	var l msgList
	if r.Status == http.StatusOK {
		r.JSON(t, &l)
	}
	return l
}

func eventHas(typ, substr string) func(apptest.Event) bool {
	return func(e apptest.Event) bool { return e.Type == typ && bytes.Contains(e.Data, []byte(substr)) }
}

func TestTwoUsersEndToEnd(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testTwoUsers(t, d) })
	}
}

func testTwoUsers(t *testing.T, d store.Dialect) {
	env := envFor(t, d, t.TempDir())
	p := startProc(t, env)
	c := p.client()
	ana, bruno := c.Register("ana@example.com"), c.Register("bruno@example.com")

	anaWS, anaSSE := c.OpenWS(ana), c.OpenSSE(ana)
	brunoWS, brunoSSE := c.OpenWS(bruno), c.OpenSSE(bruno)
	c.Connect(ana, "5511900000001")
	c.Connect(bruno, "5511900000002")
	for _, s := range []*apptest.Stream{anaWS, anaSSE} {
		if _, ok := s.WaitFor(30*time.Second, eventHas("session.qr", `"qr":"data:image/png;base64,`)); !ok {
			t.Fatal("no session.qr event with an image on ana's streams")
		}
		if _, ok := s.WaitFor(30*time.Second, eventHas("session.status", `"WORKING"`)); !ok {
			t.Fatal("no WORKING status event on ana's streams")
		}
	}

	chat := c.Deliver(ana, map[string]any{"id": "msg-1", "chat": "+351 912 000 001", "chatName": "Carla", "type": "text", "text": "Lunch at noon? https://example.org/menu"})
	group := c.Deliver(ana, map[string]any{"id": "msg-2", "chat": "120363000777", "group": true, "chatName": "Book club", "from": "351912000002", "fromName": "Dora", "type": "image", "caption": "cover"})
	c.Deliver(ana, map[string]any{"id": "msg-3", "chat": "351912000001", "type": "location", "latitude": 38.7223, "longitude": -9.1393, "name": "Lisboa"})
	c.Deliver(ana, map[string]any{"id": "msg-4", "chat": "351912000001", "type": "voice"})
	c.Deliver(ana, map[string]any{"id": "msg-5", "chat": "351912000001", "type": "document", "caption": "tickets"})
	c.Deliver(bruno, map[string]any{"id": "b-1", "chat": "351912000009", "type": "text", "text": "only for bruno"})

	for _, s := range []*apptest.Stream{anaWS, anaSSE} {
		for _, id := range []string{"msg-1", "msg-2", "msg-3", "msg-4", "msg-5"} {
			if _, ok := s.WaitFor(30*time.Second, eventHas("message", `"id":"`+id+`"`)); !ok {
				t.Fatalf("message %s did not reach ana's stream", id)
			}
		}
	}
	if _, ok := brunoWS.WaitFor(30*time.Second, eventHas("message", "only for bruno")); !ok {
		t.Fatal("bruno's message missing on his websocket")
	}
	for _, s := range []*apptest.Stream{brunoWS, brunoSSE} {
		for _, e := range s.Events() {
			if bytes.Contains(e.Data, []byte("msg-")) || bytes.Contains(e.Data, []byte("5511900000001")) {
				t.Fatalf("bruno's stream got ana's event: %s %s", e.Type, e.Data)
			}
		}
	}
	for _, e := range anaWS.Events() {
		if bytes.Contains(e.Data, []byte("only for bruno")) {
			t.Fatal("ana's stream got bruno's message")
		}
	}
	if got := messages(t, c, ana, chat); len(got.Items) != 4 || got.Items[3].Text != "Lunch at noon? https://example.org/menu" {
		t.Fatalf("ana's chat: %+v", got)
	}
	if got := messages(t, c, ana, group); len(got.Items) != 1 {
		t.Fatalf("ana's group: %+v", got)
	}
	if r := c.Do("GET", "/api/v1/whatsapp/chats/"+chat+"/messages", bruno.Token, nil); r.Status != http.StatusNotFound {
		t.Fatalf("bruno reading ana's chat: %d", r.Status)
	}
	if r := c.Do("GET", "/api/v1/whatsapp/chats", bruno.Token, nil); bytes.Contains(r.Body, []byte(chat)) || bytes.Contains(r.Body, []byte(group)) {
		t.Fatalf("bruno's chat list has ana's chats: %s", r.Body)
	}

	// A redelivered message is stored once.
	c.Deliver(ana, map[string]any{"id": "msg-1", "chat": "351912000001", "type": "text", "text": "Lunch at noon? https://example.org/menu"})
	c.Deliver(ana, map[string]any{"id": "msg-6", "chat": "351912000001", "type": "text", "text": "marker"})
	waitUntil(t, func() bool { return len(messages(t, c, ana, chat).Items) >= 5 })
	if got := messages(t, c, ana, chat); len(got.Items) != 5 {
		t.Fatalf("after redelivery ana's chat has %d messages, want 5", len(got.Items))
	}

	// Restart on the same data: both sessions come back without a QR code.
	p.stop()
	p2 := startProc(t, env)
	c2 := p2.client()
	anaSSE2 := c2.OpenSSE(ana)
	c2.WaitStatus(ana, "WORKING")
	c2.WaitStatus(bruno, "WORKING")
	if r := c2.Do("GET", "/api/v1/whatsapp/qr", ana.Token, nil); r.Status != http.StatusConflict {
		t.Fatalf("QR after restore: %d %s", r.Status, r.Body)
	}
	for _, e := range anaSSE2.Events() {
		if e.Type == "session.qr" {
			t.Fatal("a QR code was shown after restart")
		}
	}
	if got := messages(t, c2, ana, chat); len(got.Items) != 5 {
		t.Fatalf("after restart ana's chat has %d messages", len(got.Items))
	}
	if got := messages(t, c2, bruno, "351912000009@s.whatsapp.net"); len(got.Items) != 1 {
		t.Fatalf("after restart bruno's chat: %+v", got)
	}

	// The phone unlinks the device: STOPPED, with a reason.
	if r := c2.Do("POST", "/api/v1/sim/logout", ana.Token, nil); r.Status != http.StatusOK {
		t.Fatalf("unlink: %d %s", r.Status, r.Body)
	}
	c2.WaitStatus(ana, "STOPPED")
	var st struct {
		Reason string `json:"reason"`
	}
	c2.Do("GET", "/api/v1/whatsapp/status", ana.Token, nil).JSON(t, &st)
	if !strings.Contains(st.Reason, "unlinked") {
		t.Fatalf("reason %q", st.Reason)
	}
	if _, ok := anaSSE2.WaitFor(30*time.Second, eventHas("session.status", "STOPPED")); !ok {
		t.Fatal("no STOPPED event")
	}
	c2.WaitStatus(bruno, "WORKING")
}

func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var storedMetric = regexp.MustCompile(`(?m)^synapse_ingest_messages_stored_total (\d+)`)

func storedCount(c *apptest.Client) int {
	r := c.Do("GET", "/metrics", "", nil)
	m := storedMetric.FindSubmatch(r.Body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestCrashLosesNothing kills the process while the simulated phone delivers
// 10,000 messages. After a restart, every message the phone saw
// acknowledged is stored, exactly once, and the rest are redelivered.
func TestCrashLosesNothing(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testCrash(t, d) })
	}
}

func testCrash(t *testing.T, d store.Dialect) {
	const total = 10_000
	dataDir := t.TempDir()
	env := envFor(t, d, dataDir)
	p := startProc(t, env)
	c := p.client()
	u := c.Register("crash@example.com")
	c.Connect(u, "5511955550000")
	var st struct {
		SessionID string `json:"sessionId"`
	}
	c.Do("GET", "/api/v1/whatsapp/status", u.Token, nil).JSON(t, &st)

	for b := 0; b < total/1000; b++ {
		batch := make([]map[string]any, 1000)
		for i := range batch {
			n := b*1000 + i
			batch[i] = map[string]any{"id": fmt.Sprintf("crash-%05d", n), "chat": fmt.Sprintf("4477009%05d", n%50), "type": "text", "text": fmt.Sprintf("message %d", n)}
		}
		if r := c.Do("POST", "/api/v1/sim/messages/batch", u.Token, map[string]any{"messages": batch}); r.Status != http.StatusCreated {
			t.Fatalf("batch: %d %s", r.Status, r.Body)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for storedCount(c) < 500 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	p.kill()
	ackedAtKill, _ := sim.ReadAcknowledged(dataDir+"/sim", st.SessionID)
	t.Logf("killed with %d of %d messages acknowledged", len(ackedAtKill), total)

	p2 := startProc(t, env)
	c2 := p2.client()
	c2.WaitStatus(u, "WORKING")
	waitUntil(t, func() bool {
		acked, _ := sim.ReadAcknowledged(dataDir+"/sim", st.SessionID)
		distinct := map[string]bool{}
		for _, k := range acked {
			distinct[k] = true
		}
		return len(distinct) >= total
	})
	p2.stop()

	// Read what was stored straight from the database.
	var s *store.Store
	var err error
	if d == store.Postgres {
		s, err = store.OpenPostgres(env["DATABASE_URL"], store.Options{})
	} else {
		s, err = store.OpenSQLite(dataDir+"/synapse.db", store.Options{})
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB().QueryContext(context.Background(), `SELECT chat_id, id FROM messages WHERE user_id = $1`, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var chat, id string
		if err := rows.Scan(&chat, &id); err != nil {
			t.Fatal(err)
		}
		stored[chat+" "+id]++
	}
	rows.Close()
	if len(stored) != total {
		t.Fatalf("%d distinct messages stored, want %d", len(stored), total)
	}
	for k, n := range stored {
		if n != 1 {
			t.Fatalf("%s stored %d times", k, n)
		}
	}
	acked, err := sim.ReadAcknowledged(dataDir+"/sim", st.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range acked {
		if stored[k] != 1 {
			t.Fatalf("acknowledged message %s is not stored", k)
		}
	}
}
