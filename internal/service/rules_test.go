package service

import (
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/validate"
)

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"+44 7700 900123", "(11) 98765-4321", "123", "+1-555-0100-12345678", "12a4567", "++4412345678", " 5511987654321 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParsePhone(s)
		if !ok {
			return
		}
		if len(d) < MinPhoneDigits || len(d) > MaxPhoneDigits || strings.Trim(d, "0123456789") != "" {
			t.Fatalf("ParsePhone(%q) = %q", s, d)
		}
		if strings.Trim(strings.TrimSpace(s), "0123456789+-.() ") != "" {
			t.Fatalf("ParsePhone(%q) accepted other characters", s)
		}
	})
}

func FuzzParseDue(f *testing.F) {
	for _, s := range [][2]string{{"2026-03-01", ""}, {"2026-03-01", "09:30"}, {"", "10:00"}, {"0000-01-01", ""}, {"2026-02-30", ""},
		{"2026-03-01", "25:00"}, {"9999-12-31", "23:59"}, {"2026-03-01T10:00:00Z", ""}, {"2026-03-01T10:00:00+01:00", "10:00"}} {
		f.Add(s[0], s[1])
	}
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	if err != nil {
		f.Fatal(err)
	}
	loc := func() *time.Location { return lisbon }
	f.Fuzz(func(t *testing.T, date, clock string) {
		due, hasTime, clear, msg := parseDue(date, clock, loc)
		if msg != "" {
			if due != nil || clear {
				t.Fatalf("parseDue(%q, %q): error %q with a result", date, clock, msg)
			}
			return
		}
		if due == nil {
			if !clear || strings.TrimSpace(date) != "" || hasTime {
				t.Fatalf("parseDue(%q, %q): no date", date, clock)
			}
			return
		}
		if due.Year() < 1900 || due.Year() > 9999 {
			t.Fatalf("parseDue(%q, %q) = %v", date, clock, due)
		}
		if _, err := time.Parse(time.RFC3339, strings.TrimSpace(date)); err == nil && strings.TrimSpace(clock) == "" {
			if !hasTime {
				t.Fatalf("parseDue(%q, %q): an RFC 3339 time without hasTime", date, clock)
			}
			return
		}
		if due.Location() != lisbon {
			t.Fatalf("parseDue(%q, %q) is not in the person's zone", date, clock)
		}
		if hasTime != (strings.TrimSpace(clock) != "") {
			t.Fatalf("parseDue(%q, %q): hasTime %v", date, clock, hasTime)
		}
		if got := due.Format("2006-01-02"); got != strings.TrimSpace(date) {
			t.Fatalf("parseDue(%q, %q) is on %s", date, clock, got)
		}
	})
}

func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"", " hi ", "a\x00b", "\xff", "line\nbreak\ttab", strings.Repeat("é", MaxTitle+1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var errs validate.Errors
		v := s
		checkText(&errs, "title", &v, true, MaxTitle)
		if len(errs) > 0 {
			return
		}
		if v != strings.TrimSpace(s) || v == "" || strings.ContainsRune(v, 0) || !cleanText(v) {
			t.Fatalf("checkText accepted %q as %q", s, v)
		}
	})
}

func TestTimezoneRule(t *testing.T) {
	for name, ok := range map[string]bool{"Europe/Lisbon": true, "UTC": true, "America/Sao_Paulo": true,
		"Local": false, "": false, "Europe/Lisbn": false, "Europe/Lisbon\x00": false, "../../etc/passwd": false} {
		_, err := validate.ParseTimezone(name)
		if (err == nil) != ok {
			t.Errorf("ParseTimezone(%q): err %v, want ok %v", name, err, ok)
		}
	}
}

func TestValidID(t *testing.T) {
	for id, ok := range map[string]bool{"abc": true, "120363000001@g.us": true, "": false, "a\x00b": false, "\xff": false,
		strings.Repeat("a", MaxID+1): false, "a\nb": false} {
		if validID(id) != ok {
			t.Errorf("validID(%q) = %v", id, !ok)
		}
	}
}

// A chat or person filter takes a WhatsApp id as it is and a phone number
// as that number's id; anything else is refused.
func TestWhatsAppID(t *testing.T) {
	for in, want := range map[string]string{
		"447700900001@s.whatsapp.net": "447700900001@s.whatsapp.net",
		" 120363000001@g.us ":         "120363000001@g.us",
		"99887766@lid":                "99887766@lid",
		"+44 7700 900001":             "447700900001@s.whatsapp.net",
		"+44 (7700) 900-001":          "447700900001@s.whatsapp.net",
		"447700900001":                "447700900001@s.whatsapp.net",
		"Bea":                         "",
		"12":                          "",
		"@x":                          "",
		"x@":                          "",
		"a b@g.us":                    "",
		"c\x01@g.us":                  "",
	} {
		got, ok := whatsAppID(in)
		if ok != (want != "") || (ok && got != want) {
			t.Errorf("whatsAppID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
