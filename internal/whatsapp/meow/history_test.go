package meow

import (
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/synapse-kb/synapse/internal/wasim"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// TestHistoryImportSurvivesAFailure: a history chunk that could not be
// stored is not acknowledged; WhatsApp delivers it again and every message
// reaches the handler exactly once, the one outside the window never.
func TestHistoryImportSurvivesAFailure(t *testing.T) {
	eachDialectWith(t, wasim.Options{SyncLinkedDevices: true}, Options{HistoryDays: 7}, func(t *testing.T, v *env) {
		v.failFirst = 1
		me, _ := v.sim.NewPhone(wasim.PhoneOptions{PushName: "Me"})
		now := time.Now()
		text := func(s string) *waE2E.Message { return &waE2E.Message{Conversation: proto.String(s)} }
		if err := me.SetHistory(wasim.History{Conversations: []wasim.HistoryConversation{{
			Chat: "447700900123", Name: "Zoe", Messages: []wasim.HistoryMessage{
				{ID: "OLD", Time: now.AddDate(0, 0, -20), Message: text("too old")},
				{ID: "A", Time: now.Add(-2 * time.Hour), Message: text("first")},
				{ID: "B", FromMe: true, Time: now.Add(-time.Hour), Message: text("second")},
			}}}}); err != nil {
			t.Fatal(err)
		}
		_, r := v.pair("h1", me)
		r.waitFor(t, "the history, once the failed chunk came again", 60*time.Second, func(_ []whatsapp.Event, msgs []whatsapp.Message) bool {
			n := 0
			for _, m := range msgs {
				if m.ID == "A" || m.ID == "B" {
					n++
				}
			}
			return n >= 2
		})
		event[whatsapp.HistoryProgress](t, r, 1, 30*time.Second)
		r.mu.Lock()
		defer r.mu.Unlock()
		seen := map[string]int{}
		for _, m := range r.msgs {
			seen[m.ID]++
			if m.ID == "A" && (m.ChatName != "Zoe" || m.Text != "first" || m.ChatID != "447700900123@s.whatsapp.net") {
				t.Fatalf("history message %+v", m)
			}
		}
		if seen["OLD"] != 0 || seen["A"] != 1 || seen["B"] != 1 {
			t.Fatalf("history messages seen %v", seen)
		}
		if r.fail.Load() >= 0 {
			t.Fatal("the handler never failed: nothing was redelivered")
		}
	})
}

// TestHistoryImportResumesAfterRestart: history that could not be stored
// before the process stopped is imported by the next client of the
// session, without the phone sending it again.
func TestHistoryImportResumesAfterRestart(t *testing.T) {
	eachDialectWith(t, wasim.Options{SyncLinkedDevices: true}, Options{HistoryDays: 7}, func(t *testing.T, v *env) {
		v.failFirst = 1 << 20 // the database is down until the restart
		me, _ := v.sim.NewPhone(wasim.PhoneOptions{PushName: "Me"})
		if err := me.SetHistory(wasim.History{Conversations: []wasim.HistoryConversation{{
			Chat: "447700900124", Name: "Yan", Messages: []wasim.HistoryMessage{
				{ID: "R1", Time: time.Now().Add(-time.Hour), Message: &waE2E.Message{Conversation: proto.String("kept for later")}},
			}}}}); err != nil {
			t.Fatal(err)
		}
		c, _ := v.pair("h2", me)
		deadline := time.Now().Add(30 * time.Second)
		for {
			var n int
			if err := v.db.QueryRow(`SELECT COUNT(*) FROM synapse_meow_history WHERE session_id = 'h2'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the history notification was never kept")
			}
			time.Sleep(20 * time.Millisecond)
		}
		c.Disconnect()

		r := newRecorder()
		c2, err := v.e.NewClient(t.Context(), whatsapp.SessionRef{ID: "h2", Log: testLog()}, r)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c2.Disconnect)
		if err := c2.Connect(t.Context()); err != nil {
			t.Fatal(err)
		}
		m := r.message(t, "R1")
		if m.Text != "kept for later" || m.ChatName != "Yan" {
			t.Fatalf("resumed history message %+v", m)
		}
		waitRows := time.Now().Add(10 * time.Second)
		for {
			var n int
			if err := v.db.QueryRow(`SELECT COUNT(*) FROM synapse_meow_history WHERE session_id = 'h2'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if time.Now().After(waitRows) {
				t.Fatalf("%d history notifications still kept after the import", n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
