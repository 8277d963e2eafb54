package ai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSummariseDay(t *testing.T) {
	t.Parallel()
	answer := `{"summary":"- Anna bringt am Samstag den Kuchen mit.\n- Treffpunkt 15 Uhr bei Oma.","language":"de"}`
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, chatCompletion(answer))
	})
	s, err := NewSummariser(api.config())
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, berlin)
	in := DayInput{
		Group: "Familie",
		Date:  day,
		Messages: []DayMessage{
			{Sender: "Anna", Time: time.Date(2026, 5, 4, 7, 14, 0, 0, time.UTC), Text: "Wer bringt am Samstag den Kuchen mit?"},
			{Sender: "Ben", Time: day.Add(9*time.Hour + 20*time.Minute), Text: "  "},
			{Sender: "Carla", Time: day.Add(9*time.Hour + 31*time.Minute), Text: "Ich nicht, aber ich bringe Blumen.\nTreffpunkt 15 Uhr bei Oma?"},
		},
	}
	got, err := s.SummariseDay(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Text: "- Anna bringt am Samstag den Kuchen mit.\n- Treffpunkt 15 Uhr bei Oma.", Language: "de"}
	if got != want {
		t.Errorf("summary = %+v, want %+v", got, want)
	}

	reqs := api.requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests", len(reqs))
	}
	r := reqs[0]
	rf := r.JSON["response_format"]
	if dig(rf, "type") != "json_schema" || dig(rf, "json_schema", "name") != "day_summary" || dig(rf, "json_schema", "strict") != true ||
		dig(rf, "json_schema", "schema", "properties", "language") == nil {
		t.Errorf("response_format = %v", rf)
	}
	_, contents := messages(t, r)
	if !strings.Contains(contents[0], "group's own language") || !strings.Contains(contents[0], "BCP 47") {
		t.Errorf("system prompt does not ask for the group's language as BCP 47: %q", contents[0])
	}
	wantUser := "Group: Familie\n" +
		"Date: Monday, 2026-05-04 (Europe/Berlin)\n" +
		"Messages:\n" +
		"[09:14] Anna: Wer bringt am Samstag den Kuchen mit?\n" +
		"[09:31] Carla: Ich nicht, aber ich bringe Blumen.\nTreffpunkt 15 Uhr bei Oma?\n"
	if contents[1] != wantUser {
		t.Errorf("user message =\n%s\nwant\n%s", contents[1], wantUser)
	}
}

func TestSummariseDayLanguageTags(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]string{"pt_BR": "pt-BR", "Spanish": "es", "": "", "??": ""} {
		api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 200, chatCompletion(mustJSON(map[string]string{"summary": "Resumo.", "language": lang})))
		})
		s, _ := NewSummariser(api.config())
		got, err := s.SummariseDay(context.Background(), DayInput{Group: "g", Date: now, Messages: []DayMessage{{Sender: "a", Time: now, Text: "oi"}}})
		if err != nil || got.Language != want {
			t.Errorf("language %q: %+v, %v; want %q", lang, got, err, want)
		}
	}
}

func TestSummariseDayInvalid(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, chatCompletion(`{"summary":"   ","language":"en"}`))
	})
	s, _ := NewSummariser(api.config())
	one := []DayMessage{{Sender: "a", Time: now, Text: "hi"}}
	if _, err := s.SummariseDay(context.Background(), DayInput{Date: now, Messages: one}); !errors.Is(err, ErrInvalidAnswer) {
		t.Errorf("empty summary: err = %v, want ErrInvalidAnswer", err)
	}
	for _, msgs := range [][]DayMessage{nil, {{Sender: "a", Time: now, Text: " "}}} {
		if _, err := s.SummariseDay(context.Background(), DayInput{Date: now, Messages: msgs}); !errors.Is(err, ErrEmptyInput) {
			t.Errorf("no text: err = %v, want ErrEmptyInput", err)
		}
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

// A very busy day keeps its beginning and end within the prompt budget.
func TestDayTranscriptBudget(t *testing.T) {
	t.Parallel()
	var msgs []DayMessage
	for i := range 2000 {
		msgs = append(msgs, DayMessage{Sender: "s", Time: now, Text: fmt.Sprintf("message %04d %s", i, strings.Repeat("x", 50))})
	}
	out, n := dayTranscript(DayInput{Group: "g", Date: now, Messages: msgs}, berlin)
	if n != 2000 {
		t.Errorf("counted %d messages", n)
	}
	if c := utf8.RuneCountInString(out); c > maxDayRunes+200 {
		t.Errorf("transcript has %d runes, budget %d", c, maxDayRunes)
	}
	for _, s := range []string{"message 0000", "message 1999", "messages left out"} {
		if !strings.Contains(out, s) {
			t.Errorf("transcript lacks %q", s)
		}
	}
}
