package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"github.com/synapse-kb/synapse/internal/ical"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                   "plain",
		`a\b`:                     `a\\b`,
		"a;b,c":                   `a\;b\,c`,
		"one\ntwo\r\nthree\rfour": `one\ntwo\nthree\nfour`,
		"tab\there":               "tab\there",
		"bell\x07\x00gone":        "bellgone",
		"bad\xffutf8":             "badutf8",
		"ação: 東京, ok":            `ação: 東京\, ok`,
		`\n literal`:              `\\n literal`,
	} {
		if got := ical.Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// checkLines fails unless s is made of CRLF-ended lines of at most 75
// octets, none of which splits a UTF-8 sequence, with no bare CR or LF.
func checkLines(t *testing.T, s string) {
	t.Helper()
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("does not end with CRLF: %q", s)
	}
	for i, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets: %q", i, len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i, line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i, line)
		}
	}
}

func TestFold(t *testing.T) {
	for _, line := range []string{
		"",
		strings.Repeat("a", 75),
		strings.Repeat("a", 76),
		strings.Repeat("a", 300),
		"SUMMARY:" + strings.Repeat("é", 100),
		"SUMMARY:" + strings.Repeat("東", 100),
		"SUMMARY:" + strings.Repeat("😀", 100),
		"X:" + strings.Repeat("ab😀", 77),
	} {
		f := ical.Fold(line)
		checkLines(t, f)
		if un := strings.ReplaceAll(f, "\r\n ", ""); un != line+"\r\n" {
			t.Errorf("unfolding gives back %q, not %q", un, line)
		}
	}
	if got := ical.Fold(strings.Repeat("a", 76)); got != strings.Repeat("a", 75)+"\r\n a\r\n" {
		t.Errorf("76 octets fold as %q", got)
	}
	// A continuation line holds 74 octets after its space.
	if got := ical.Fold(strings.Repeat("a", 150)); got != strings.Repeat("a", 75)+"\r\n "+strings.Repeat("a", 74)+"\r\n a\r\n" {
		t.Errorf("150 octets fold as %q", got)
	}
}

func TestOffset(t *testing.T) {
	for sec, want := range map[int]string{0: "+0000", 3600: "+0100", -12600: "-0330", 19800: "+0530", 45900: "+1245", -2205: "-003645"} {
		if got := ical.Offset(sec); got != want {
			t.Errorf("Offset(%d) = %q, want %q", sec, got, want)
		}
	}
}

// decode parses s with an independent parser, and encodes the result
// again with it, which checks the properties that must appear once.
func decode(t testing.TB, s string) *goical.Calendar {
	t.Helper()
	cal, err := goical.NewDecoder(strings.NewReader(s)).Decode()
	if err != nil {
		t.Fatalf("the document does not parse: %v\n%s", err, s)
	}
	if err := goical.NewEncoder(&bytes.Buffer{}).Encode(cal); err != nil {
		t.Fatalf("the document is not valid: %v\n%s", err, s)
	}
	return cal
}

func sample(summary, desc string, loc *time.Location) ical.Component {
	cal := ical.Calendar("-//Test//EN", "Cal, name; \\ with\nbreak", loc.String())
	cal.Children = append(cal.Children, ical.Timezone(loc, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)))
	ev := ical.Component{Name: "VEVENT"}
	ev.AddText("UID", "task-1@example.org")
	ev.AddUTC("DTSTAMP", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	ev.Add("DTSTART", ical.Local(time.Date(2026, 7, 1, 9, 30, 0, 0, loc)), ical.Param{Name: "TZID", Value: loc.String()})
	ev.AddText("SUMMARY", summary)
	ev.AddText("DESCRIPTION", desc)
	cal.Children = append(cal.Children, ev)
	return cal
}

func TestParsesIndependently(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	summary := "Call Ana, then Bruno; bring the \\ backslash — and ação " + strings.Repeat("東京", 40)
	desc := "line one\nline two\r\nline three"
	s := ical.EncodeString(sample(summary, desc, loc))
	checkLines(t, s)
	cal := decode(t, s)
	if name, _ := cal.Props.Get("X-WR-CALNAME").Text(); name != "Cal, name; \\ with\nbreak" {
		t.Errorf("calendar name %q", name)
	}
	ev := cal.Events()[0]
	if got, _ := ev.Props.Get("SUMMARY").Text(); got != summary {
		t.Errorf("summary %q, want %q", got, summary)
	}
	if got, _ := ev.Props.Get("DESCRIPTION").Text(); got != "line one\nline two\nline three" {
		t.Errorf("description %q", got)
	}
	start, err := ev.DateTimeStart(nil)
	if err != nil || !start.Equal(time.Date(2026, 7, 1, 13, 30, 0, 0, time.UTC)) {
		t.Errorf("start %v, %v", start, err)
	}
}

// TestTimezone checks the VTIMEZONE of zones with and without daylight
// saving time against Go's data: every onset changes the offset from
// TZOFFSETFROM to TZOFFSETTO at that moment, and every change in the
// window is an onset.
func TestTimezone(t *testing.T) {
	from, to := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range []string{"Europe/Lisbon", "America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Kolkata",
		"UTC", "Pacific/Chatham", "Africa/Casablanca", "Europe/Moscow", "Asia/Tehran"} {
		t.Run(name, func(t *testing.T) {
			loc, err := time.LoadLocation(name)
			if err != nil {
				t.Skip(err)
			}
			doc := ical.Calendar("-//Test//EN", "x", name)
			doc.Children = append(doc.Children, ical.Timezone(loc, from, to))
			s := ical.EncodeString(doc)
			checkLines(t, s)
			cal, err := goical.NewDecoder(strings.NewReader(s)).Decode()
			if err != nil {
				t.Fatal(err)
			}
			tz := cal.Children[0]
			if tz.Name != "VTIMEZONE" || tz.Props.Get("TZID").Value != name {
				t.Fatalf("got %s %v", tz.Name, tz.Props)
			}
			onsets := map[int64]bool{}
			for _, ob := range tz.Children {
				if ob.Name != "STANDARD" && ob.Name != "DAYLIGHT" {
					t.Fatalf("sub-component %s", ob.Name)
				}
				offFrom, offTo := parseOffset(t, ob.Props.Get("TZOFFSETFROM").Value), parseOffset(t, ob.Props.Get("TZOFFSETTO").Value)
				wall := []string{ob.Props.Get("DTSTART").Value}
				if r := ob.Props.Get("RDATE"); r != nil {
					wall = append(wall, strings.Split(r.Value, ",")...)
				}
				for _, w := range wall {
					local, err := time.ParseInLocation("20060102T150405", w, time.FixedZone("", offFrom))
					if err != nil {
						t.Fatal(err)
					}
					onsets[local.Unix()] = true
					if _, o := local.Add(-time.Second).In(loc).Zone(); o != offFrom && local.After(from) {
						t.Errorf("%s %s: offset before is %d, not TZOFFSETFROM %d", ob.Name, w, o, offFrom)
					}
					if _, o := local.In(loc).Zone(); o != offTo {
						t.Errorf("%s %s: offset after is %d, not TZOFFSETTO %d", ob.Name, w, o, offTo)
					}
					if dst := local.In(loc).IsDST(); dst != (ob.Name == "DAYLIGHT") {
						t.Errorf("%s %s: daylight saving is %v", ob.Name, w, dst)
					}
				}
			}
			changes := 0
			for at := from; at.Before(to); at = at.Add(time.Hour) {
				_, a := at.In(loc).Zone()
				_, b := at.Add(time.Hour).In(loc).Zone()
				if a != b {
					changes++
					_, end := at.In(loc).ZoneBounds()
					if !onsets[end.Unix()] {
						t.Errorf("the change at %v is no onset", end)
					}
				}
			}
			if changes == 0 && len(tz.Children) != 1 {
				t.Errorf("a zone without changes has %d observances", len(tz.Children))
			}
		})
	}
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	if len(s) != 5 && len(s) != 7 {
		t.Fatalf("offset %q", s)
	}
	n := 0
	parts := []int{3600, 60, 1}
	for i := 1; i+1 < len(s); i += 2 {
		n += (int(s[i]-'0')*10 + int(s[i+1]-'0')) * parts[(i-1)/2]
	}
	if s[0] == '-' {
		n = -n
	}
	return n
}

// FuzzWriter checks that whatever text goes into a calendar, the document
// has valid lines and parses, and the text comes back as Text keeps it.
func FuzzWriter(f *testing.F) {
	f.Add("Call Ana", "at 10:00, ok;\nbring \\ it", "Europe/Lisbon")
	f.Add(strings.Repeat("東", 50), "\r\n\r", "Asia/Kolkata")
	f.Add("\x00\x1b[31m", "\xff\xfe", "America/St_Johns")
	f.Fuzz(func(t *testing.T, summary, desc, zone string) {
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "" || zone == "Local" {
			loc = time.UTC
		}
		s := ical.EncodeString(sample(summary, desc, loc))
		checkLines(t, s)
		ev := decode(t, s).Events()[0]
		if got, err := ev.Props.Get("SUMMARY").Text(); err != nil || got != unescapeText(ical.Text(summary)) {
			t.Errorf("summary %q (%v), want %q", got, err, ical.Text(summary))
		}
	})
}

// unescapeText is what a TEXT value written by ical.Text means.
func unescapeText(s string) string {
	r := strings.NewReplacer(`\\`, `\`, `\;`, ";", `\,`, ",", `\n`, "\n")
	return r.Replace(s)
}
