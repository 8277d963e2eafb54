package reminders

import (
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
)

func TestAfterQuiet(t *testing.T) {
	lisbon, _ := time.LoadLocation("Europe/Lisbon")
	night := store.ReminderSettings{QuietStart: 22 * 60, QuietEnd: 7 * 60}
	lunch := store.ReminderSettings{QuietStart: 13 * 60, QuietEnd: 14 * 60}
	at := func(d, h, m int) time.Time { return time.Date(2026, 7, d, h, m, 0, 0, lisbon) }
	for _, c := range []struct {
		name     string
		s        store.ReminderSettings
		in, want time.Time
	}{
		{"none", store.DefaultReminderSettings(), at(10, 23, 0), at(10, 23, 0)},
		{"before quiet", night, at(10, 21, 59), at(10, 21, 59)},
		{"evening", night, at(10, 22, 0), at(11, 7, 0)},
		{"after midnight", night, at(11, 3, 30), at(11, 7, 0)},
		{"at the end", night, at(11, 7, 0), at(11, 7, 0)},
		{"lunch", lunch, at(10, 13, 30), at(10, 14, 0)},
		{"after lunch", lunch, at(10, 14, 1), at(10, 14, 1)},
	} {
		if got := AfterQuiet(c.in, c.s, lisbon); !got.Equal(c.want) {
			t.Errorf("%s: AfterQuiet(%s) = %s, want %s", c.name, c.in, got, c.want)
		}
	}
}

func TestBaseTimeAndSnooze(t *testing.T) {
	due := time.Date(2026, 7, 10, 10, 0, 0, 0, time.UTC)
	s := store.ReminderSettings{OffsetMinutes: 30}
	if got := BaseTime(due, nil, nil, s); !got.Equal(due.Add(-30 * time.Minute)) {
		t.Errorf("default offset: %s", got)
	}
	five := 5
	if got := BaseTime(due, nil, &five, s); !got.Equal(due.Add(-5 * time.Minute)) {
		t.Errorf("task offset: %s", got)
	}
	at := due.Add(-2 * time.Hour)
	if got := BaseTime(due, &at, &five, s); !got.Equal(at) {
		t.Errorf("chosen time: %s", got)
	}
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	now := time.Date(2026, 7, 10, 23, 30, 0, 0, sp)
	for what, want := range map[string]time.Time{"10m": now.Add(10 * time.Minute), "1h": now.Add(time.Hour),
		"tomorrow": time.Date(2026, 7, 11, 9, 0, 0, 0, sp)} {
		if got, err := SnoozeUntil(now, what, sp); err != nil || !got.Equal(want) {
			t.Errorf("snooze %s: %s %v", what, got, err)
		}
	}
	if _, err := SnoozeUntil(now, "2d", sp); err == nil {
		t.Error("snooze 2d accepted")
	}
}

func TestParseCapture(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Lisbon")
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, loc) // a Tuesday
	tomorrow10 := time.Date(2026, 3, 11, 10, 0, 0, 0, loc)
	for _, c := range []struct {
		text  string
		kind  domain.Kind
		title string
		due   *time.Time
	}{
		{"todo buy bread", domain.KindTask, "Buy bread", nil},
		{"TODO: buy bread tomorrow at 10:00", domain.KindTask, "Buy bread", &tomorrow10},
		{"remind me to call Ana tomorrow at 10am", domain.KindTask, "Call Ana", &tomorrow10},
		{"tarefa comprar pão", domain.KindTask, "Comprar pão", nil},
		{"lembrar de comprar pão amanhã às 10h", domain.KindTask, "Comprar pão", &tomorrow10},
		{"ideia app de receitas", domain.KindIdea, "App de receitas", nil},
		{"nota o código é 1234", domain.KindNote, "O código é 1234", nil},
		{"tarea comprar pan", domain.KindTask, "Comprar pan", nil},
		{"recuérdame llamar a Ana mañana a las 10", domain.KindTask, "Llamar a Ana", &tomorrow10},
		{"idea una app", domain.KindIdea, "Una app", nil},
	} {
		got, ok := ParseCapture(c.text, now, loc)
		if !ok || got.Kind != c.kind || got.Title != c.title || (c.due == nil) != (got.Due == nil) || c.due != nil && !got.Due.Equal(*c.due) {
			t.Errorf("%q: %+v %v", c.text, got, ok)
		}
	}
	for _, text := range []string{"hello", "todos os dias", "notable", "ideas?", "todo", "remind me"} {
		if c, ok := ParseCapture(text, now, loc); ok {
			t.Errorf("%q captured as %+v", text, c)
		}
	}
	if got := Confirmation(Capture{Kind: domain.KindTask, Title: "Buy bread", Due: &tomorrow10, DueHasTime: true}, loc); got != "✓ Task: Buy bread — due Wed 10:00" {
		t.Errorf("confirmation %q", got)
	}
}

func TestParseReply(t *testing.T) {
	for text, want := range map[string]Reply{"done": {Done: true}, "Done!": {Done: true}, "feito": {Done: true}, "hecho": {Done: true},
		"snooze 1h": {Snooze: "1h"}, "Snooze 10m": {Snooze: "10m"}, "adiar 1h": {Snooze: "1h"}, "posponer 10 min": {Snooze: "10m"},
		"snooze tomorrow": {Snooze: "tomorrow"}, "amanhã": {Snooze: "tomorrow"}, "mañana": {Snooze: "tomorrow"}} {
		if got, ok := ParseReply(text); !ok || got != want {
			t.Errorf("%q: %+v %v", text, got, ok)
		}
	}
	for _, text := range []string{"thanks", "done with the report", "snooze 3 days"} {
		if got, ok := ParseReply(text); ok {
			t.Errorf("%q read as %+v", text, got)
		}
	}
}

func FuzzParseCapture(f *testing.F) {
	for _, s := range []string{"todo buy bread", "lembrar de x às 10h", "recuérdame", "nota", "ü"} {
		f.Add(s)
	}
	loc := time.UTC
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		ParseCapture(s, now, loc)
		ParseReply(s)
	})
}

func TestEventMessage(t *testing.T) {
	lisbon, _ := time.LoadLocation("Europe/Lisbon")
	sent := time.Date(2026, 7, 1, 13, 30, 0, 0, time.UTC) // 14:30 in Lisbon
	for _, c := range []struct {
		start time.Time
		want  string
	}{
		{sent.Add(30 * time.Minute), "Standup at 15:00 (in 30 min)"},
		{sent.Add(90 * time.Minute), "Standup at 16:00 (in 1 h 30 min)"},
		{sent.Add(2 * time.Hour), "Standup at 16:30 (in 2 h)"},
		{sent.Add(20 * time.Second), "Standup at 14:30 (now)"},
		{sent.Add(24 * time.Hour), "Standup at Thu 2 Jul 14:30 (in 24 h)"},
		{sent.Add(72 * time.Hour), "Standup at Sat 4 Jul 14:30 (in 3 days)"},
		{sent.Add(-5 * time.Minute), "Standup at 14:25 (started 5 min ago)"},
	} {
		if got := EventLine("Standup", c.start, sent, lisbon); got != c.want {
			t.Errorf("EventLine(%s) = %q, want %q", c.start, got, c.want)
		}
	}
	if got := EventMessage("Standup", sent.Add(30*time.Minute), sent, lisbon); got != "⏰ Standup at 15:00 (in 30 min)\nReply \"done\" or \"snooze 10m\"." {
		t.Errorf("EventMessage = %q", got)
	}
}
