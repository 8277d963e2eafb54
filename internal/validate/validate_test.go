package validate

import "testing"

func TestText(t *testing.T) {
	for s, want := range map[string]string{
		"plain":          "",
		"ação שָׁלוֹם 👍": "",
		"nul\x00inside":  "must not contain NUL characters",
		"bad\xffbyte":    "is not valid UTF-8",
		"":               "",
	} {
		var e Errors
		e.Text("f", s)
		got := ""
		if len(e) > 0 {
			got = e[0].Message
		}
		if got != want || IsText(s) != (want == "") {
			t.Errorf("%q: %q (IsText %v), want %q", s, got, IsText(s), want)
		}
	}
}

func TestEveryOfferedTimezoneLoads(t *testing.T) {
	if len(Timezones) < 300 {
		t.Fatalf("only %d time zones", len(Timezones))
	}
	for _, z := range Timezones {
		if _, err := ParseTimezone(z); err != nil {
			t.Errorf("%s: %v", z, err)
		}
	}
}
