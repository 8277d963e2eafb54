package knowledge

import (
	"fmt"
	"github.com/synapse-kb/synapse/internal/domain"
	"math"
	"strings"
	"testing"
	"time"
)

// saoPaulo is the location most tests resolve dates in (UTC-3, no DST).
var saoPaulo = mustLoad("America/Sao_Paulo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// wednesday is the "now" of the language tables: Wednesday 11 March 2026,
// 10:00 in São Paulo.
var wednesday = time.Date(2026, 3, 11, 10, 0, 0, 0, saoPaulo)

// want is an expected item. due is "" (none), "2006-01-02" (a date) or
// "2006-01-02 15:04" (a date and time), in the test's location.
type want struct {
	kind     domain.Kind
	title    string
	due      string
	address  string
	coords   []float64 // nil: no position
	wantBody string    // checked only when set
	// Events: start and end ("2006-01-02 15:04" in the test's location;
	// end "" for none), place, and people (checked only when set).
	start, end, place string
	people            []string
}

func task(title, due string) want { return want{kind: domain.KindTask, title: title, due: due} }
func idea(title string) want      { return want{kind: domain.KindIdea, title: title} }
func note(title string) want      { return want{kind: domain.KindNote, title: title} }
func event(title, start, end, place string, people ...string) want {
	return want{kind: domain.KindEvent, title: title, start: start, end: end, place: place, people: people}
}
func loc(title, address string, coords ...float64) want {
	return want{kind: domain.KindLocation, title: title, address: address, coords: coords}
}

// analyseCase is one text and the items Analyse must find in it.
type analyseCase struct {
	name string
	text string
	want []want
}

func runAnalyseCases(t *testing.T, now time.Time, loc *time.Location, cases []analyseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Analyse(tc.text, now, loc)
			checkItems(t, tc.text, got, tc.want, loc)
		})
	}
}

func describe(items []Item, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "\n  %s %q", it.Kind, it.Title)
		if it.Due != nil {
			fmt.Fprintf(&b, " due=%s hasTime=%v", it.Due.In(loc).Format("Mon 2006-01-02 15:04"), it.DueHasTime)
		}
		if it.Address != "" {
			fmt.Fprintf(&b, " address=%q", it.Address)
		}
		if it.Latitude != nil {
			fmt.Fprintf(&b, " at %v,%v", *it.Latitude, *it.Longitude)
		}
		if it.Start != nil {
			fmt.Fprintf(&b, " start=%s", it.Start.In(loc).Format("Mon 2006-01-02 15:04"))
		}
		if it.End != nil {
			fmt.Fprintf(&b, " end=%s", it.End.In(loc).Format("Mon 2006-01-02 15:04"))
		}
		if it.Place != "" || len(it.People) > 0 {
			fmt.Fprintf(&b, " place=%q people=%q", it.Place, it.People)
		}
	}
	return b.String()
}

func checkItems(t *testing.T, text string, got []Item, wants []want, loc *time.Location) {
	t.Helper()
	if loc == nil {
		loc = time.UTC
	}
	if len(got) != len(wants) {
		t.Fatalf("Analyse(%q) gave %d items, want %d:%s", text, len(got), len(wants), describe(got, loc))
	}
	for i, w := range wants {
		g := got[i]
		if g.Kind != w.kind || g.Title != w.title {
			t.Errorf("item %d: got %s %q, want %s %q%s", i, g.Kind, g.Title, w.kind, w.title, describe(got, loc))
		}
		switch {
		case w.due == "" && g.Due != nil:
			t.Errorf("item %d %q: unexpected due %v", i, g.Title, g.Due.In(loc))
		case w.due != "" && g.Due == nil:
			t.Errorf("item %d %q: no due, want %s", i, g.Title, w.due)
		case w.due != "":
			layout, hasTime := "2006-01-02", false
			if len(w.due) > 10 {
				layout, hasTime = "2006-01-02 15:04", true
			}
			if d := g.Due.In(loc).Format(layout); d != w.due || g.DueHasTime != hasTime {
				t.Errorf("item %d %q: due %s (hasTime %v), want %s (hasTime %v)", i, g.Title, d, g.DueHasTime, w.due, hasTime)
			}
			if !hasTime && (g.Due.In(loc).Hour() != 0 || g.Due.In(loc).Minute() != 0) {
				t.Errorf("item %d %q: date-only due %v is not at midnight", i, g.Title, g.Due.In(loc))
			}
		}
		if g.Address != w.address {
			t.Errorf("item %d %q: address %q, want %q", i, g.Title, g.Address, w.address)
		}
		switch {
		case w.coords == nil && g.Latitude != nil:
			t.Errorf("item %d %q: unexpected position %v,%v", i, g.Title, *g.Latitude, *g.Longitude)
		case w.coords != nil && (g.Latitude == nil || g.Longitude == nil):
			t.Errorf("item %d %q: no position, want %v", i, g.Title, w.coords)
		case w.coords != nil:
			if math.Abs(*g.Latitude-w.coords[0]) > 1e-6 || math.Abs(*g.Longitude-w.coords[1]) > 1e-6 {
				t.Errorf("item %d %q: position %v,%v, want %v", i, g.Title, *g.Latitude, *g.Longitude, w.coords)
			}
		}
		if w.kind == domain.KindEvent {
			checkEvent(t, i, g, w, loc)
		}
		if w.wantBody != "" && g.Body != w.wantBody {
			t.Errorf("item %d %q: body %q, want %q", i, g.Title, g.Body, w.wantBody)
		}
	}
}

func checkEvent(t *testing.T, i int, g Item, w want, loc *time.Location) {
	t.Helper()
	const layout = "2006-01-02 15:04"
	if g.Start == nil {
		t.Errorf("item %d %q: no start, want %s", i, g.Title, w.start)
	} else if s := g.Start.In(loc).Format(layout); s != w.start {
		t.Errorf("item %d %q: start %s, want %s", i, g.Title, s, w.start)
	}
	switch {
	case w.end == "" && g.End != nil:
		t.Errorf("item %d %q: unexpected end %v", i, g.Title, g.End.In(loc))
	case w.end != "" && g.End == nil:
		t.Errorf("item %d %q: no end, want %s", i, g.Title, w.end)
	case w.end != "":
		if e := g.End.In(loc).Format(layout); e != w.end {
			t.Errorf("item %d %q: end %s, want %s", i, g.Title, e, w.end)
		}
	}
	if g.Place != w.place {
		t.Errorf("item %d %q: place %q, want %q", i, g.Title, g.Place, w.place)
	}
	if w.people != nil && strings.Join(g.People, "|") != strings.Join(w.people, "|") {
		t.Errorf("item %d %q: people %q, want %q", i, g.Title, g.People, w.people)
	}
}

// TestAnalyseDueEdges covers how dates resolve around the edges: today's
// weekday, the turn of the year, day/month ambiguity, past dates, times that
// have passed, and other locations.
func TestAnalyseDueEdges(t *testing.T) {
	t.Parallel()
	// Wednesday 30 December 2026, 20:00 in São Paulo.
	lateDecember := time.Date(2026, 12, 30, 20, 0, 0, 0, saoPaulo)
	runAnalyseCases(t, lateDecember, saoPaulo, []analyseCase{
		{"today's weekday is next week", "Call Ana on Wednesday", []want{task("Call Ana", "2027-01-06")}},
		{"today is today", "Call Ana today", []want{task("Call Ana", "2026-12-30")}},
		{"weekday across the year", "Call Ana on Friday", []want{task("Call Ana", "2027-01-01")}},
		{"next weekday is the next occurrence", "Call Ana next Friday", []want{task("Call Ana", "2027-01-01")}},
		{"this weekday", "Call Ana this Thursday", []want{task("Call Ana", "2026-12-31")}},
		{"next week across the year", "Call Ana next week", []want{task("Call Ana", "2027-01-04")}},
		{"next month across the year", "Pay rent next month", []want{task("Pay rent", "2027-01-01")}},
		{"in two weeks", "Pay rent in 2 weeks", []want{task("Pay rent", "2027-01-13")}},
		{"tomorrow is new year's eve", "Buy champagne tomorrow", []want{task("Buy champagne", "2026-12-31")}},
		{"day/month without year rolls over", "Pay rent 03/01", []want{task("Pay rent", "2027-01-03")}},
		{"day/month later this year", "Pay rent 31/12", []want{task("Pay rent", "2026-12-31")}},
		{"day/month already past this year", "Pay rent 25/12", []want{task("Pay rent", "2027-12-25")}},
		{"past date with year is no due date", "Pay rent 25/12/2026", []want{task("Pay rent 25/12/2026", "")}},
		{"iso date", "Pay rent 2027-01-05", []want{task("Pay rent", "2027-01-05")}},
		{"invalid date is no due date", "Pay rent 2027-02-30", []want{task("Pay rent 2027-02-30", "")}},
		{"month/day only when day/month is impossible", "Call Ana 12/25", []want{task("Call Ana", "2027-12-25")}},
		{"two-digit year", "Call Ana 5/1/27", []want{task("Call Ana", "2027-01-05")}},
		{"fraction is not a date", "Buy 1/2 kg of cheese", []want{task("Buy 1/2 kg of cheese", "")}},
		{"24/7 is not a date", "Call the 24/7 pharmacy", []want{task("Call the 24/7 pharmacy", "")}},
		{"leap day", "Pay the bill Feb 29", []want{task("Pay the bill", "2028-02-29")}},
		{"ordinal day next month", "Pay rent on the 2nd", []want{task("Pay rent", "2027-01-02")}},
		{"dia in the new year", "Pagar aluguel dia 5", []want{task("Pagar aluguel", "2027-01-05")}},
		{"time already passed is tomorrow", "Pay rent at 7", []want{task("Pay rent", "2026-12-31 19:00")}},
		{"guessed morning hour", "Pay rent at 9", []want{task("Pay rent", "2026-12-31 09:00")}},
		{"time still ahead is today", "Pay rent at 21:30", []want{task("Pay rent", "2026-12-30 21:30")}},
		{"duration crosses midnight", "Call Ana in 5 hours", []want{task("Call Ana", "2026-12-31 01:00")}},
		{"weekend", "Remind me this weekend to clean the garage", []want{task("Clean the garage", "2027-01-02")}},
		{"tomorrow night", "Call Ana tomorrow night at 10", []want{task("Call Ana", "2026-12-31 22:00")}},
		{"pt weekday", "Pagar aluguel na quarta", []want{task("Pagar aluguel", "2027-01-06")}},
		{"pt weekday feira", "Pagar aluguel quarta-feira", []want{task("Pagar aluguel", "2027-01-06")}},
		{"es weekday", "Pagar el alquiler el miércoles", []want{task("Pagar el alquiler", "2027-01-06")}},
	})

	// A Sunday: next week starts tomorrow.
	sunday := time.Date(2026, 3, 15, 9, 0, 0, 0, saoPaulo)
	runAnalyseCases(t, sunday, saoPaulo, []analyseCase{
		{"next week on a sunday", "Call Ana next week", []want{task("Call Ana", "2026-03-16")}},
		{"weekend on a sunday is today", "Wash the car this weekend", []want{task("Wash the car", "2026-03-15")}},
		{"sunday on a sunday", "Call Ana on Sunday", []want{task("Call Ana", "2026-03-22")}},
	})

	// Now given in UTC is read in the user's location: 01:30 UTC on Thursday
	// is still Wednesday 22:30 in São Paulo.
	utcNow := time.Date(2026, 3, 12, 1, 30, 0, 0, time.UTC)
	runAnalyseCases(t, utcNow, saoPaulo, []analyseCase{
		{"tomorrow in the user's zone", "Call Ana tomorrow", []want{task("Call Ana", "2026-03-12")}},
		{"today in the user's zone", "Call Ana today at 23:00", []want{task("Call Ana", "2026-03-11 23:00")}},
	})
	// A nil location is UTC.
	runAnalyseCases(t, utcNow, nil, []analyseCase{
		{"nil location", "Call Ana tomorrow", []want{task("Call Ana", "2026-03-13")}},
	})
}

// TestAnalyseDueLocation checks that due dates carry the user's location.
func TestAnalyseDueLocation(t *testing.T) {
	t.Parallel()
	tokyo := mustLoad("Asia/Tokyo")
	items := Analyse("Call Ana tomorrow at 9am", wednesday, tokyo)
	if len(items) != 1 || items[0].Due == nil {
		t.Fatalf("got %+v", items)
	}
	want := time.Date(2026, 3, 12, 9, 0, 0, 0, tokyo)
	if !items[0].Due.Equal(want) || items[0].Due.Location() != tokyo {
		t.Errorf("due %v, want %v in Asia/Tokyo", items[0].Due, want)
	}
}

func TestAnalyseLocations(t *testing.T) {
	t.Parallel()
	runAnalyseCases(t, wednesday, saoPaulo, []analyseCase{
		{"bare coordinates", "-23.5505, -46.6333", []want{loc("-23.5505, -46.6333", "", -23.5505, -46.6333)}},
		{"coordinates with a name", "I parked here: 40.748817, -73.985428", []want{loc("I parked here", "", 40.748817, -73.985428)}},
		{"labelled coordinates", "Location: lat -23.5505 lng -46.6333", []want{loc("-23.5505, -46.6333", "", -23.5505, -46.6333)}},
		{"degrees minutes seconds", `Parking: 23°33'01.8"S 46°38'02.0"W`, []want{loc("Parking", "", -23.5505, -46.6338889)}},
		{"degrees with hemisphere", "Farol: 22.9068° S, 43.1729° O", []want{loc("Farol", "", -22.9068, -43.1729)}},
		{"latitude out of range", "Coordinates 91.0000, 10.0000", nil},
		{"dms out of range", `95°00'00"N 10°00'00"E`, nil},
		{"version numbers are not coordinates", "Version 1.2345 2.3456 released", nil},
		{"google place link", "https://www.google.com/maps/place/Eiffel+Tower/@48.8583701,2.2922926,17z/data=!3m1!4b1!8m2!3d48.8583701!4d2.2944813",
			[]want{loc("Eiffel Tower", "", 48.8583701, 2.2944813)}},
		{"google q link", "Meu carro tá aqui: https://maps.google.com/?q=-23.5614,-46.6559", []want{loc("Meu carro tá aqui", "", -23.5614, -46.6559)}},
		{"google at link", "https://www.google.com.br/maps/@-22.9519,-43.2105,15z", []want{loc("-22.9519, -43.2105", "", -22.9519, -43.2105)}},
		{"google query link", "https://www.google.com/maps/search/?api=1&query=40.6892,-74.0445", []want{loc("40.6892, -74.0445", "", 40.6892, -74.0445)}},
		{"google search by name", "https://www.google.com/maps?q=Av.+Paulista,+1578", []want{loc("Av. Paulista, 1578", "Av. Paulista, 1578")}},
		{"osm fragment", "https://www.openstreetmap.org/#map=17/-22.95192/-43.21049", []want{loc("-22.95192, -43.21049", "", -22.95192, -43.21049)}},
		{"osm marker", "Aquí: https://www.openstreetmap.org/?mlat=40.4168&mlon=-3.7038#map=15/40.4168/-3.7038", []want{loc("Aquí", "", 40.4168, -3.7038)}},
		{"apple maps", "https://maps.apple.com/?ll=40.4168,-3.7038&q=Puerta%20del%20Sol", []want{loc("Puerta del Sol", "", 40.4168, -3.7038)}},
		{"apple maps address", "https://maps.apple.com/?address=Rua%20Augusta%20500,%20S%C3%A3o%20Paulo&ll=-23.55,-46.65&q=Padaria",
			[]want{loc("Padaria", "Rua Augusta 500, São Paulo", -23.55, -46.65)}},
		{"waze", "https://waze.com/ul?ll=-23.5614,-46.6559&navigate=yes", []want{loc("-23.5614, -46.6559", "", -23.5614, -46.6559)}},
		{"geo uri", "geo:40.4168,-3.7038", []want{loc("40.4168, -3.7038", "", 40.4168, -3.7038)}},
		{"geo uri with label", "geo:-23.5505,-46.6333?q=-23.5505,-46.6333(Casa)", []want{loc("Casa", "", -23.5505, -46.6333)}},
		{"short map link is not read", "https://maps.app.goo.gl/abc123", nil},
		{"not a map link", "https://example.com/@-23.55,-46.63", nil},
		{"address label en", "Address: 221B Baker Street, London", []want{loc("221B Baker Street, London", "221B Baker Street, London")}},
		{"address label pt", "Endereço: Av. Paulista, 1578 - Bela Vista, São Paulo",
			[]want{loc("Av. Paulista, 1578 - Bela Vista, São Paulo", "Av. Paulista, 1578 - Bela Vista, São Paulo")}},
		{"address label es", "Dirección: Calle Gran Vía 28, Madrid", []want{loc("Calle Gran Vía 28, Madrid", "Calle Gran Vía 28, Madrid")}},
		{"named place en", "The office is located at 350 Fifth Avenue, New York.", []want{loc("The office", "350 Fifth Avenue, New York")}},
		{"named place pt", "A padaria fica na Rua Augusta, 500", []want{loc("A padaria", "Rua Augusta, 500")}},
		{"named place es", "El hotel queda en la Avenida de Mayo 1370", []want{loc("El hotel", "Avenida de Mayo 1370")}},
		{"meeting place with a time is an event", "Meet me at the station tomorrow at 5",
			[]want{event("Meet me at the station", "2026-03-12 17:00", "", "The station")}},
		{"meeting time only", "Meet at 5pm", nil},
		{"staying home is no address", "Se queda en casa hoy", nil},
		{"idiom is no address", "Isso fica na mesma", nil},
	})
}

func TestAnalyseLists(t *testing.T) {
	t.Parallel()
	runAnalyseCases(t, wednesday, saoPaulo, []analyseCase{
		{"todo list", "Todo:\n- milk\n- eggs\n- call the plumber tomorrow\n\nThat's all folks",
			[]want{task("Milk", ""), task("Eggs", ""), task("Call the plumber", "2026-03-12")}},
		{"shopping list pt", "Lista de compras:\narroz\nfeijão\n\nDepois disso, nada",
			[]want{task("Arroz", ""), task("Feijão", "")}},
		{"checkboxes", "Tareas\n[ ] llamar a Pedro el lunes\n[x] comprar pan",
			[]want{task("Llamar a Pedro", "2026-03-16"), task("Comprar pan", "")}},
		{"idea list keeps its kind", "Ideias:\n- podcast sobre jardinagem\n- comprar um barco",
			[]want{idea("Podcast sobre jardinagem"), idea("Comprar um barco")}},
		{"numbered list with cues", "1. Buy milk\n2. Remind me to call Ana on Friday\n3) nothing here",
			[]want{task("Buy milk", ""), task("Call Ana", "2026-03-13")}},
		{"formatting marks", "*Comprar* _pão_ ~amanhã~", []want{task("Comprar pão", "2026-03-12")}},
	})
}

func TestAnalyseClauses(t *testing.T) {
	t.Parallel()
	runAnalyseCases(t, wednesday, saoPaulo, []analyseCase{
		{"two imperatives", "Buy milk, call mom, pay rent", []want{task("Buy milk", ""), task("Call mom", ""), task("Pay rent", "")}},
		{"date before the cue applies to all", "Tomorrow I need to buy milk and call mom",
			[]want{task("Buy milk", "2026-03-12"), task("Call mom", "2026-03-12")}},
		{"date after the cue stays", "I need to buy milk tomorrow and call mom",
			[]want{task("Buy milk", "2026-03-12"), task("Call mom", "")}},
		{"object list is one task", "Remind me to buy bread and eggs", []want{task("Buy bread and eggs", "")}},
		{"comma after a date is not a clause", "Tomorrow, call the dentist", []want{task("Call the dentist", "2026-03-12")}},
		{"nested cue", "Remind me that I need to call the bank at 4", []want{task("Call the bank", "2026-03-11 16:00")}},
		{"task then note", "Don't forget to take out the trash tonight, and remember that the cleaner comes on Thursday.",
			[]want{task("Take out the trash", "2026-03-11"), note("The cleaner comes on Thursday")}},
	})
}

func TestAnalyseBody(t *testing.T) {
	t.Parallel()
	got := Analyse("Remind me to call John tomorrow at 5pm.", wednesday, saoPaulo)
	if len(got) != 1 || got[0].Body != "Remind me to call John tomorrow at 5pm." {
		t.Errorf("body: %+v", got)
	}
	got = Analyse("Buy milk.", wednesday, saoPaulo)
	if len(got) != 1 || got[0].Body != "" {
		t.Errorf("a body equal to the title should be empty: %+v", got)
	}
	long := "Remind me to " + strings.Repeat("write the very long report ", 10)
	got = Analyse(long, wednesday, saoPaulo)
	if len(got) != 1 || !strings.HasSuffix(got[0].Title, "…") || len([]rune(got[0].Title)) > maxTitleRunes || got[0].Body != strings.TrimSpace(long) {
		t.Errorf("long title: %+v", got)
	}
}

func TestAnalyseNoteToSelf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       []want
	}{
		{"plain thought", "The best pizza in town is at Bráz. Their margherita is amazing.",
			[]want{{kind: domain.KindNote, title: "The best pizza in town is at Bráz", wantBody: "The best pizza in town is at Bráz. Their margherita is amazing."}}},
		{"one line", "Senha do wifi do escritório: cafe2024", []want{{kind: domain.KindNote, title: "Senha do wifi do escritório: cafe2024"}}},
		{"cue wins over fallback", "Comprar pão amanhã", []want{task("Comprar pão", "2026-03-12")}},
		{"only a link", "https://example.com/article", nil},
		{"only a repeated link", "https://example.com/article https://example.com/article!", nil},
		{"only emoji", "👍🎉", nil},
		{"empty", "  \n ", nil},
		{"first line is the title", "\n\nGift ideas for Ana\n- a book\n- a scarf", []want{{kind: domain.KindNote, title: "Gift ideas for Ana", wantBody: "Gift ideas for Ana\n- a book\n- a scarf"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := AnalyseNoteToSelf(tc.text, wednesday, saoPaulo)
			checkItems(t, tc.text, got, tc.want, saoPaulo)
		})
	}
	if got := Analyse("The best pizza in town is at Bráz.", wednesday, saoPaulo); got != nil {
		t.Errorf("Analyse made an item of a plain thought: %+v", got)
	}
}

func TestAnalyseLimits(t *testing.T) {
	t.Parallel()
	many := strings.Repeat("Buy milk.\n", MaxItems+20)
	if got := Analyse(many, wednesday, saoPaulo); len(got) != MaxItems {
		t.Errorf("got %d items, want MaxItems=%d", len(got), MaxItems)
	}
	huge := strings.Repeat("x", MaxAnalyseBytes) + " Buy milk."
	if got := Analyse(huge, wednesday, saoPaulo); got != nil {
		t.Errorf("text past MaxAnalyseBytes was read: %+v", got)
	}
}

func TestAnalyseDeterministic(t *testing.T) {
	t.Parallel()
	text := "Amanhã preciso levar o carro na oficina às 8h. E se a gente fizesse um churrasco? -23.5505, -46.6333"
	first := describe(Analyse(text, wednesday, saoPaulo), saoPaulo)
	for range 5 {
		if again := describe(Analyse(text, wednesday, saoPaulo), saoPaulo); again != first {
			t.Fatalf("different results:%s\nvs%s", first, again)
		}
	}
}

// TestFuzzRegressions holds inputs the fuzzers found.
func TestFuzzRegressions(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"0\x80", // invalid UTF-8 made an invalid title
	} {
		for _, it := range AnalyseNoteToSelf(text, wednesday, saoPaulo) {
			if !strings.ContainsFunc(it.Title, isWordRune) || !isValidUTF8(it.Title) {
				t.Errorf("%q: bad title %q", text, it.Title)
			}
		}
	}
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "") == s }
