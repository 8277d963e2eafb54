package knowledge

import (
	"testing"
	"time"
)

// TestAnalyseEventsEnglish: meetings and plans with a day and a time become
// events in the person's zone (São Paulo, Wednesday 11 March 2026, 10:00).
func TestAnalyseEventsEnglish(t *testing.T) {
	t.Parallel()
	runAnalyseCases(t, wednesday, saoPaulo, []analyseCase{
		{"weekday and bare hour", "Meet Lucía on Saturday at 11",
			[]want{event("Meet Lucía", "2026-03-14 11:00", "", "", "Lucía")}},
		{"month/day and pm", "Meeting with Carla on 12/15 at 3pm",
			[]want{event("Meeting with Carla", "2026-12-15 15:00", "", "", "Carla")}},
		{"ambiguous numeric date is month/day", "Dinner with Tom on 4/5 at 8pm",
			[]want{event("Dinner with Tom", "2026-04-05 20:00", "", "", "Tom")}},
		{"range, place and two people", "Lunch with Ana and Tom tomorrow 12-1pm at Café Central",
			[]want{event("Lunch with Ana and Tom at Café Central", "2026-03-12 12:00", "2026-03-12 13:00", "Café Central", "Ana", "Tom")}},
		{"from to with am/pm on the end", "Team meeting next Friday from 3 to 4:30pm",
			[]want{event("Team meeting", "2026-03-13 15:00", "2026-03-13 16:30", "")}},
		{"subject and article leave the title", "I have a meeting next Friday at 9:30",
			[]want{event("Meeting", "2026-03-13 09:30", "", "")}},
		{"tonight", "Drinks with Sam tonight at 9", []want{event("Drinks with Sam", "2026-03-11 21:00", "", "", "Sam")}},
		{"a time alone is no event", "Meet at 5pm", nil},
		{"a day alone is no event", "Lunch with Ana on Friday", nil},
		{"a task cue wins", "Remind me to book the dinner on Friday at 8pm",
			[]want{task("Book the dinner", "2026-03-13 20:00")}},
		{"a question is no event", "Can we meet on Saturday at 11?", nil},
		{"chit-chat about a past meeting", "So yesterday was crazy, the meeting ran late and I missed the bus.", nil},
	})
}

func TestAnalyseEventsPortuguese(t *testing.T) {
	t.Parallel()
	runAnalyseCases(t, wednesday, saoPaulo, []analyseCase{
		{"às 15h and a place", "Reunião com a Ana e o Pedro amanhã às 15h no escritório",
			[]want{event("Reunião com a Ana e o Pedro no escritório", "2026-03-12 15:00", "", "Escritório", "Ana", "Pedro")}},
		{"day/month", "Consulta com o Dr. Silva dia 3/4 às 9h30",
			[]want{event("Consulta com o Dr. Silva", "2026-04-03 09:30", "", "")}},
		{"range das às", "Jantar com Maria sexta das 20h às 22h30",
			[]want{event("Jantar com Maria", "2026-03-13 20:00", "2026-03-13 22:30", "", "Maria")}},
		{"3 da tarde", "Almoço com a equipe na quinta-feira às 1 da tarde",
			[]want{event("Almoço com a equipe", "2026-03-12 13:00", "", "")}},
		{"15:30", "Tenho reunião segunda-feira 15:30", []want{event("Reunião", "2026-03-16 15:30", "", "")}},
	})
}

func TestAnalyseEventsSpanish(t *testing.T) {
	t.Parallel()
	runAnalyseCases(t, wednesday, saoPaulo, []analyseCase{
		{"a las 3 is afternoon", "Cita con el dentista el viernes a las 3",
			[]want{event("Cita con el dentista", "2026-03-13 15:00", "", "")}},
		{"range and place", "Quedamos con Pablo el sábado de 10h a 12h en mi casa",
			[]want{event("Quedamos con Pablo en mi casa", "2026-03-14 10:00", "2026-03-14 12:00", "Mi casa", "Pablo")}},
		{"day/month", "Reunión con Lucía el 5/4 a las 10 de la mañana",
			[]want{event("Reunión con Lucía", "2026-04-05 10:00", "", "", "Lucía")}},
		{"mañana a las", "Cena con Carmen y Luis mañana a las 21:00",
			[]want{event("Cena con Carmen y Luis", "2026-03-12 21:00", "", "", "Carmen", "Luis")}},
	})
}

// TestAnalyseEventsAcrossDST: the wall time said is the wall time in the
// person's zone on that day, whatever the offset was when it was said.
func TestAnalyseEventsAcrossDST(t *testing.T) {
	t.Parallel()
	madrid, newYork := mustLoad("Europe/Madrid"), mustLoad("America/New_York")
	cases := []struct {
		name    string
		now     time.Time
		loc     *time.Location
		text    string
		wantUTC string
		endUTC  string
	}{
		// Madrid moves from UTC+1 to UTC+2 on Sunday 29 March 2026.
		{"madrid spring forward", time.Date(2026, 3, 27, 10, 0, 0, 0, madrid), madrid,
			"Reunión con Ana el lunes a las 10", "2026-03-30T08:00:00Z", ""},
		{"madrid same week before the change", time.Date(2026, 3, 27, 10, 0, 0, 0, madrid), madrid,
			"Reunião amanhã às 10h", "2026-03-28T09:00:00Z", ""},
		// New York moves from UTC-4 to UTC-5 on Sunday 1 November 2026.
		{"new york fall back", time.Date(2026, 10, 30, 9, 0, 0, 0, newYork), newYork,
			"Meeting with Carla on 11/2 at 3pm", "2026-11-02T20:00:00Z", ""},
		{"new york range across the change", time.Date(2026, 10, 30, 9, 0, 0, 0, newYork), newYork,
			"Lunch with Bob on Monday 12-1pm", "2026-11-02T17:00:00Z", "2026-11-02T18:00:00Z"},
		{"new york before the change", time.Date(2026, 10, 30, 9, 0, 0, 0, newYork), newYork,
			"Dinner with Bob tomorrow at 7pm", "2026-10-31T23:00:00Z", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			items := Analyse(tc.text, tc.now, tc.loc)
			if len(items) != 1 || items[0].Start == nil {
				t.Fatalf("Analyse(%q) = %s, want one event", tc.text, describe(items, tc.loc))
			}
			if got := items[0].Start.UTC().Format(time.RFC3339); got != tc.wantUTC {
				t.Errorf("start %s, want %s", got, tc.wantUTC)
			}
			if tc.endUTC != "" && (items[0].End == nil || items[0].End.UTC().Format(time.RFC3339) != tc.endUTC) {
				t.Errorf("end %v, want %s", items[0].End, tc.endUTC)
			}
		})
	}
}
