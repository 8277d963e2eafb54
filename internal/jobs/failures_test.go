package jobs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/jobs"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

func TestVoiceMemosWaitForATranscriber(t *testing.T) {
	dir := t.TempDir()
	srv := apptest.Start(t, apptest.Options{DataDir: dir})
	a := srv.Register("ana@example.com")
	srv.Connect(a, "5511900000001")
	srv.Deliver(a, map[string]any{"id": "v1", "chat": "351910000001", "type": "voice"})
	memos := waitJSON(t, srv.Client, "/api/v1/voice-memos", a.Token, func(l list[store.VoiceMemo]) bool { return len(l.Items) == 1 })
	if memos.Items[0].Status != store.MemoAwaiting || memos.Items[0].Transcript != "" {
		t.Fatalf("memo without a transcriber: %+v", memos.Items[0])
	}
	time.Sleep(500 * time.Millisecond)
	if got := waitJSON(t, srv.Client, "/api/v1/voice-memos/"+memos.Items[0].ID, a.Token, func(store.VoiceMemo) bool { return true }); got.Status != store.MemoAwaiting {
		t.Fatalf("memo changed without a transcriber: %+v", got)
	}
	srv.Stop()

	// Restarted with a transcriber, the waiting memo is transcribed.
	whisper := &fakeWhisper{text: "Tenho que pagar a conta de luz amanhã"}
	fake := httptest.NewServer(whisper)
	defer fake.Close()
	srv2 := apptest.Start(t, apptest.Options{DataDir: dir, Env: map[string]string{"TRANSCRIBE_BASE_URL": fake.URL + "/v1", "TRANSCRIBE_API_KEY": "test-key"}})
	got := waitJSON(t, srv2.Client, "/api/v1/voice-memos/"+memos.Items[0].ID, a.Token, func(v store.VoiceMemo) bool { return v.Status == store.MemoTranscribed })
	if got.Transcript != whisper.text {
		t.Fatalf("transcript %q", got.Transcript)
	}
	tasks := waitJSON(t, srv2.Client, "/api/v1/tasks", a.Token, func(l list[store.Task]) bool { return len(l.Items) == 1 })
	if !strings.Contains(strings.ToLower(tasks.Items[0].Title), "pagar a conta de luz") {
		t.Fatalf("task %+v", tasks.Items[0])
	}
}

func TestTranscriptionProviderFailures(t *testing.T) {
	cases := []struct {
		name       string
		fail, n    int
		wantStatus string
		wantError  string
	}{
		{"rate limited then fine", http.StatusTooManyRequests, 1, store.MemoTranscribed, ""},
		{"server error then fine", http.StatusBadGateway, 1, store.MemoTranscribed, ""},
		{"bad key", http.StatusUnauthorized, 100, store.MemoFailed, "401"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			whisper := &fakeWhisper{text: "ok", fail: c.fail, failFirst: c.n}
			fake := httptest.NewServer(whisper)
			defer fake.Close()
			srv := apptest.Start(t, apptest.Options{Env: map[string]string{"TRANSCRIBE_BASE_URL": fake.URL + "/v1", "TRANSCRIBE_API_KEY": "test-key"}})
			a := srv.Register("ana@example.com")
			srv.Connect(a, "5511900000001")
			srv.Deliver(a, map[string]any{"id": "v1", "chat": "351910000001", "type": "voice"})
			memos := waitJSON(t, srv.Client, "/api/v1/voice-memos", a.Token, func(l list[store.VoiceMemo]) bool {
				return len(l.Items) == 1 && l.Items[0].Status == c.wantStatus
			})
			m := memos.Items[0]
			if !strings.Contains(m.Error, c.wantError) || (c.wantError != "" && strings.Contains(m.Error, "test-key")) {
				t.Fatalf("memo error %q", m.Error)
			}
			if c.wantStatus == store.MemoFailed && whisper.calls.Load() != 1 {
				t.Fatalf("a permanent error was retried: %d calls", whisper.calls.Load())
			}
		})
	}
}

func TestSummariesFollowTheUsersDay(t *testing.T) {
	// Fixed dates in the past: keep retention from deleting them.
	srv := apptest.Start(t, apptest.Options{Env: map[string]string{"WHATSAPP_MESSAGE_RETENTION_DAYS": "36500"}})
	a, b := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	expectStatus(t, srv.Do("PATCH", "/api/v1/auth/me", a.Token, map[string]string{"timezone": "America/Sao_Paulo"}), 200)
	srv.Connect(a, "5511900000001")
	group := func(id, at, from, name, text string) {
		ts, _ := time.Parse(time.RFC3339, at)
		srv.Deliver(a, map[string]any{"id": id, "chat": "120363777", "group": true, "chatName": "Família", "from": from, "fromName": name,
			"type": "text", "text": text, "timestamp": ts})
	}
	// São Paulo is UTC−3: 02:30Z on the 20th is still the 19th there.
	group("g0", "2026-11-20T02:30:00Z", "5511911111111", "Tia", "boa noite a todos")
	group("g1", "2026-11-20T15:00:00Z", "5511922222222", "Pai", "Vamos almoçar domingo? Reserva às 13h no restaurante")
	group("g2", "2026-11-20T16:00:00Z", "5511911111111", "Tia", "Combinado, domingo às 13h então")
	group("g3", "2026-11-21T02:00:00Z", "5511933333333", "Mãe", "Alguém viu https://example.com/receita ?")
	waitJSON(t, srv.Client, "/api/v1/whatsapp/chats/120363777@g.us/messages", a.Token, func(l list[store.Message]) bool { return len(l.Items) == 4 })

	r := srv.Do("POST", "/api/v1/summaries/generate", a.Token, map[string]string{"day": "2026-11-20"})
	expectStatus(t, r, http.StatusAccepted)
	sums := waitJSON(t, srv.Client, "/api/v1/summaries?day=2026-11-20", a.Token, func(l list[store.Summary]) bool { return len(l.Items) == 1 })
	x := sums.Items[0]
	if x.ChatID != "120363777@g.us" || x.ChatName != "Família" || x.Language != "pt" || x.Generator != "builtin" {
		t.Fatalf("summary %+v", x)
	}
	if !strings.Contains(string(x.Stats), `"messageCount":3`) || !strings.Contains(x.Text, "3") {
		t.Fatalf("the day should have 3 messages: %s\n%s", x.Stats, x.Text)
	}
	// Regenerating keeps one summary per group and day.
	expectStatus(t, srv.Do("POST", "/api/v1/summaries/generate", a.Token, map[string]string{"day": "2026-11-20", "chatId": "120363777@g.us"}), http.StatusAccepted)
	time.Sleep(700 * time.Millisecond)
	if l := waitJSON(t, srv.Client, "/api/v1/summaries", a.Token, func(l list[store.Summary]) bool { return true }); len(l.Items) != 1 {
		t.Fatalf("%d summaries after regeneration", len(l.Items))
	}
	expectStatus(t, srv.Do("POST", "/api/v1/summaries/generate", b.Token, map[string]string{"day": "2026-11-20", "chatId": "120363777@g.us"}), 404)
	expectStatus(t, srv.Do("GET", "/api/v1/summaries/"+x.ID, b.Token, nil), 404)
	expectStatus(t, srv.Do("POST", "/api/v1/summaries/generate", a.Token, map[string]string{"day": "20/11/2026"}), 400)

	// The schedule: at 00:30 on the 22nd in São Paulo, yesterday was the 21st
	// (local), when the group had one message (02:00Z on the 21st is the 20th
	// there, so nothing); at 03:30Z on the 21st it is 00:30 on the 21st
	// locally and the 20th's summary exists already.
	ctx := context.Background()
	if n, err := srv.App.Jobs.QueueDailySummaries(ctx, mustTime("2026-11-21T03:30:00Z")); err != nil || n != 0 {
		t.Fatalf("queued %d (%v), want 0: the 20th is done", n, err)
	}
	if n, err := srv.App.Jobs.QueueDailySummaries(ctx, mustTime("2026-11-20T12:00:00Z")); err != nil || n != 1 {
		t.Fatalf("queued %d (%v), want 1: the 19th had one message", n, err)
	}
	waitJSON(t, srv.Client, "/api/v1/summaries?day=2026-11-19", a.Token, func(l list[store.Summary]) bool { return len(l.Items) == 1 })
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDayBoundsAcrossDaylightSaving(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	from, to, err := jobs.DayBounds("2026-03-08", ny) // clocks go forward
	if err != nil || to.Sub(from) != 23*time.Hour {
		t.Fatalf("spring day: %v %v", to.Sub(from), err)
	}
	from, to, _ = jobs.DayBounds("2026-11-01", ny) // clocks go back
	if to.Sub(from) != 25*time.Hour {
		t.Fatalf("autumn day: %v", to.Sub(from))
	}
	if _, _, err := jobs.DayBounds("yesterday", ny); err == nil {
		t.Fatal("bad day accepted")
	}
}

func TestRetentionKeepsKnowledge(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	a := srv.Register("ana@example.com")
	srv.Connect(a, "5511900000001")
	chat := srv.Deliver(a, map[string]any{"id": "self", "chat": "me", "fromMe": true, "type": "text", "text": "Need to renew the passport on Friday"})
	srv.Deliver(a, map[string]any{"id": "img", "chat": "me", "fromMe": true, "type": "image", "caption": "passport photo"})
	waitJSON(t, srv.Client, "/api/v1/tasks", a.Token, func(l list[store.Task]) bool { return len(l.Items) == 1 })
	waitJSON(t, srv.Client, "/api/v1/images", a.Token, func(l list[store.Image]) bool { return len(l.Items) == 1 })

	// Two days on, with the default of three days, nothing goes.
	ctx := context.Background()
	if n, err := srv.App.Jobs.ApplyRetention(ctx, time.Now().Add(48*time.Hour)); err != nil || n != 0 {
		t.Fatalf("retention after 2 days deleted %d (%v)", n, err)
	}
	if n, err := srv.App.Jobs.ApplyRetention(ctx, time.Now().Add(73*time.Hour)); err != nil || n != 2 {
		t.Fatalf("retention after 3 days deleted %d (%v), want 2", n, err)
	}
	if l := waitJSON(t, srv.Client, "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/messages", a.Token, func(list[store.Message]) bool { return true }); len(l.Items) != 0 {
		t.Fatalf("messages survived retention: %+v", l.Items)
	}
	if l := waitJSON(t, srv.Client, "/api/v1/tasks", a.Token, func(list[store.Task]) bool { return true }); len(l.Items) != 1 {
		t.Fatal("the task went with its message")
	}
	r := srv.Do("GET", "/api/v1/images", a.Token, nil)
	var imgs list[store.Image]
	r.JSON(t, &imgs)
	if len(imgs.Items) != 1 || srv.Do("GET", "/api/v1/images/"+imgs.Items[0].ID+"/original", a.Token, nil).Status != 200 {
		t.Fatal("the image went with its message")
	}
	var res list[store.SearchHit]
	srv.Do("GET", "/api/v1/search?q=passport", a.Token, nil).JSON(t, &res)
	for _, h := range res.Items {
		if h.Kind == "message" {
			t.Fatalf("a deleted message is still found: %+v", h)
		}
	}
	if len(res.Items) == 0 {
		t.Fatal("the task and image should still be found")
	}
}
