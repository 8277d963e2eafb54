package knowledge

import (
	"fmt"
	"github.com/synapse-kb/synapse/internal/domain"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzExtractLinks(f *testing.F) {
	for _, s := range []string{
		"see https://example.com/a?b=1.",
		"(https://en.wikipedia.org/wiki/Go_(language))",
		"mail me@example.com or visit www.example.org",
		"*bold.com/x* _it.io_ ~s.net~",
		"https://a.com,https://b.com",
		"café.com/menu [http://[::1]:80/]",
		"http://",
		"x.co:99999/a",
		"https://exa\x00mple.com",
		"www.\u200bexample.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		links := ExtractLinks(text)
		if len(links) > MaxLinks {
			t.Fatalf("%d links, more than MaxLinks", len(links))
		}
		seen := make(map[string]bool)
		for _, l := range links {
			u, err := url.Parse(l)
			if err != nil {
				t.Fatalf("link %q does not parse: %v", l, err)
			}
			if !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
				t.Fatalf("link %q is not an absolute http(s) URL with a host", l)
			}
			if !utf8.ValidString(l) {
				t.Fatalf("link %q is not valid UTF-8", l)
			}
			if _, err := NormalizeURL(l); err != nil {
				t.Fatalf("link %q is refused by NormalizeURL: %v", l, err)
			}
			if seen[l] {
				t.Fatalf("link %q returned twice", l)
			}
			seen[l] = true
		}
	})
}

func FuzzNormalizeURL(f *testing.F) {
	for _, s := range []string{
		"https://Example.COM:443/a/./b/../c?utm_source=x&b=2&a=1#frag",
		"http://user:pw@[2001:DB8::1]:80",
		"https://münchen.de/%7e?q=%3d&&",
		"https://www.youtube.com/watch?v=x&si=y",
		"http://example.com./..",
		"https://example.com/%zz",
		"https://xn--caf-dma.com/é",
		"HTTPS://a_b.example.com:0/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := NormalizeURL(raw)
		if err != nil {
			return
		}
		if len(n) > MaxURLLength {
			t.Fatalf("NormalizeURL(%q) = %d bytes, over MaxURLLength", raw, len(n))
		}
		u, err := url.Parse(n)
		if err != nil || !u.IsAbs() || u.Hostname() == "" {
			t.Fatalf("NormalizeURL(%q) = %q, which does not parse as an absolute URL: %v", raw, n, err)
		}
		again, err := NormalizeURL(n)
		if err != nil || again != n {
			t.Fatalf("not idempotent: NormalizeURL(%q) = %q, then %q, %v", raw, n, again, err)
		}
	})
}

// fuzzZones are the locations FuzzAnalyse picks from: no DST, DST in
// either hemisphere, a +14 zone, and a half-hour zone.
var fuzzZones = []*time.Location{
	time.UTC, saoPaulo, mustLoad("America/New_York"), mustLoad("Australia/Sydney"),
	mustLoad("Pacific/Kiritimati"), mustLoad("Asia/Kolkata"), mustLoad("America/Santiago"),
}

func FuzzAnalyse(f *testing.F) {
	for _, s := range []string{
		"Remind me to call John tomorrow at 5pm. What if we sold stickers?",
		"Preciso comprar pão e ligar para a Maria na sexta às 15h",
		"Recuérdame llamar a Juan el viernes a las 10 de la mañana",
		"Todo:\n- milk\n- call the plumber 03/12",
		"Parking: 23°33'01.8\"S 46°38'02.0\"W",
		"https://www.google.com/maps/place/X/@48.85,2.29,17z geo:-23.5,-46.6?q=1,2(a)",
		"lembrete: 2026-12-03 17:30 dia 31 de fevereiro",
		"pay in 9999 days at 99:99 on 12/25/1999",
		"*_~```~_*",
		"A padaria fica na Rua Augusta, 500",
		"0\x80",
		"Meet Lucía on Saturday at 11 at Café Central",
		"Lunch with Ana and Tom tomorrow 11-1pm, then dinner with Bea tonight 22h-1h",
		"Reunião com a Ana e o Pedro amanhã das 10 às 2 no escritório",
		"Quedamos con Pablo el 31/12 de 23:30 a 00:30 en mi casa",
	} {
		f.Add(s, int64(1_773_000_000), uint8(1))
	}
	f.Add("on Friday", int64(1_798_675_200), uint8(4))
	f.Add("tomorrow at midnight", int64(-1), uint8(0))
	f.Fuzz(func(t *testing.T, text string, unix int64, zone uint8) {
		loc := fuzzZones[int(zone)%len(fuzzZones)]
		// Keep now within years a person would use (1843 to 2096).
		now := time.Unix(unix%4_000_000_000, 0).In(loc)
		today := civilOf(now)
		for _, fn := range []func(string, time.Time, *time.Location) []Item{Analyse, AnalyseNoteToSelf} {
			items := fn(text, now, loc)
			if len(items) > MaxItems {
				t.Fatalf("%d items, more than MaxItems", len(items))
			}
			for _, it := range items {
				switch it.Kind {
				case domain.KindTask, domain.KindNote, domain.KindIdea, domain.KindLocation:
					if it.Start != nil || it.End != nil || it.Place != "" || it.People != nil {
						t.Fatalf("non-event %+v has event fields", it)
					}
				case domain.KindEvent:
					if it.Start == nil || it.End != nil && it.End.Before(*it.Start) {
						t.Fatalf("event %+v has no start, or ends before it starts", it)
					}
					for _, s := range append([]string{it.Place}, it.People...) {
						if !utf8.ValidString(s) {
							t.Fatalf("event %+v has invalid text", it)
						}
					}
				default:
					t.Fatalf("item %+v has kind %q", it, it.Kind)
				}
				if strings.TrimSpace(it.Title) == "" || !utf8.ValidString(it.Title) {
					t.Fatalf("item %+v has an empty or invalid title", it)
				}
				if (it.Latitude == nil) != (it.Longitude == nil) {
					t.Fatalf("item %+v has half a position", it)
				}
				if it.Latitude != nil && !validCoords(*it.Latitude, *it.Longitude) {
					t.Fatalf("item %+v has coordinates out of range", it)
				}
				if it.Due != nil {
					if it.Kind != domain.KindTask {
						t.Fatalf("non-task %+v has a due date", it)
					}
					if civilOf(it.Due.In(loc)).before(today) {
						t.Fatalf("text %q at %v: due %v is before today", text, now, it.Due)
					}
				} else if it.DueHasTime {
					t.Fatalf("item %+v has DueHasTime without Due", it)
				}
			}
		}
	})
}

func FuzzSummarise(f *testing.F) {
	f.Add("Oi gente, tudo bem?\nVamos no sábado às 10?\nhttps://example.com/x?utm_source=a\nCombinado!")
	f.Add("שלום לכולם\nמי בא מחר?")
	f.Add("\x80\n\n👍")
	f.Fuzz(func(t *testing.T, text string) {
		base := time.Date(2026, 3, 11, 9, 0, 0, 0, saoPaulo)
		var msgs []SummaryMessage
		for i, line := range strings.Split(text, "\n") {
			msgs = append(msgs, SummaryMessage{
				ID: fmt.Sprint(i), ReplyTo: fmt.Sprint(i / 2), From: fmt.Sprint(i % 3), FromName: line[:min(len(line), 3)],
				Text: line, Type: "text", Time: base.Add(time.Duration(i%5) * time.Minute),
			})
		}
		s := Summarise(msgs)
		switch s.Language {
		case "en", "pt", "es", "he":
		default:
			t.Fatalf("language %q", s.Language)
		}
		if s.MessageCount != len(msgs) || s.Text == "" || !utf8.ValidString(s.Text) {
			t.Fatalf("count %d of %d, text %q", s.MessageCount, len(msgs), s.Text)
		}
		if len(s.Links) > MaxSummaryLinks || len(s.Questions) > MaxQuestions || len(s.Decisions) > MaxDecisions ||
			len(s.Highlights) > MaxHighlights || len(s.TopSenders) > MaxTopSenders {
			t.Fatalf("a list is over its cap: %+v", s)
		}
		for _, l := range s.Links {
			if n, err := NormalizeURL(l); err != nil || n != l {
				t.Fatalf("link %q is not normalised: %q, %v", l, n, err)
			}
		}
	})
}

// FuzzSuggest: any text, from anyone, in any chat, gives at most one
// suggestion of a valid kind with a non-empty title of bounded length, and
// MayBeSuggestion never misses a message that gives one.
func FuzzSuggest(f *testing.F) {
	for _, s := range []string{"can you send me the report tomorrow?", "Te mando o arquivo amanhã", "¿me pasas la dirección?",
		"@Sam, please\n\n- send it", "I'll", "vou te", "por favor", "ok ok ok ok ok ok ok ok ok can you x", "\x00te mando\uFFFD"} {
		f.Add(s, true, false, false)
		f.Add(s, false, true, true)
	}
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string, fromMe, group, addressed bool) {
		sg, ok := Suggest(Said{Text: text, FromMe: fromMe, Group: group, AddressedToMe: addressed}, now, time.UTC)
		if !ok {
			return
		}
		if !sg.Kind.Valid() || sg.Title == "" || utf8.RuneCountInString(sg.Title) > maxTitleRunes+1 {
			t.Fatalf("%q: %+v", text, sg)
		}
		if (sg.Kind == SuggestPromise) != fromMe {
			t.Fatalf("%q: a %s from fromMe=%v", text, sg.Kind, fromMe)
		}
		if !fromMe && !MayBeSuggestion(text) {
			t.Fatalf("%q gives a request but MayBeSuggestion says no", text)
		}
	})
}
