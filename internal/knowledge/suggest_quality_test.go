package knowledge

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// labelled is one message of testdata/suggestions.jsonl: a realistic
// WhatsApp message with what it should give.
type labelled struct {
	Lang       string `json:"lang"`
	Split      string `json:"split"` // dev (rules were written against it) or test (held out)
	Label      string `json:"label"` // none, promise or request
	FromMe     bool   `json:"fromMe"`
	Chat       string `json:"chat"` // dm or group
	MentionsMe bool   `json:"mentionsMe"`
	Text       string `json:"text"`
}

func loadLabelled(t *testing.T) []labelled {
	t.Helper()
	f, err := os.Open("testdata/suggestions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// score counts, over the messages that should or did give a suggestion,
// the right ones (kind and all), the ones found that are wrong, and the
// ones missed.
type score struct{ tp, fp, fn, n int }

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

// TestSuggestionQuality measures the built-in detector on the labelled
// set: precision and recall per language and overall, on the held-out half
// and on all of it (go test -run TestSuggestionQuality -v
// ./internal/knowledge prints the table docs/SUGGESTIONS.md reports).
func TestSuggestionQuality(t *testing.T) {
	set := loadLabelled(t)
	langs := map[string]int{}
	for _, l := range set {
		langs[l.Lang]++
	}
	if len(set) < 300 || langs["en"] < 100 || langs["pt"] < 100 || langs["es"] < 100 {
		t.Fatalf("the labelled set has %d messages (%v); want at least 300, 100 a language", len(set), langs)
	}
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	scores := map[[2]string]*score{}
	add := func(split, lang string, l labelled, got string) {
		k := [2]string{split, lang}
		s := scores[k]
		if s == nil {
			s = &score{}
			scores[k] = s
		}
		s.n++
		switch {
		case got != "none" && got == l.Label:
			s.tp++
		case got != "none":
			s.fp++
			if l.Label != "none" {
				s.fn++
			}
		case l.Label != "none":
			s.fn++
		}
	}
	for _, l := range set {
		got := "none"
		if sg, ok := Suggest(Said{Text: l.Text, FromMe: l.FromMe, Group: l.Chat == "group", AddressedToMe: l.MentionsMe}, now, time.UTC); ok {
			got = string(sg.Kind)
		}
		if got != l.Label && testing.Verbose() {
			t.Logf("%-4s %-3s want %-7s got %-7s %q", l.Split, l.Lang, l.Label, got, l.Text)
		}
		for _, split := range []string{l.Split, "all"} {
			add(split, l.Lang, l, got)
			add(split, "all", l, got)
		}
	}
	keys := make([][2]string, 0, len(scores))
	for k := range scores {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	var b strings.Builder
	b.WriteString("\n| split | language | messages | precision | recall |\n| --- | --- | ---: | ---: | ---: |\n")
	for _, k := range keys {
		s := scores[k]
		fmt.Fprintf(&b, "| %s | %s | %d | %.2f | %.2f |\n", k[0], k[1], s.n, s.precision(), s.recall())
	}
	t.Log(b.String())
	held := scores[[2]string{"test", "all"}]
	if held.precision() < 0.8 || held.recall() < 0.7 {
		t.Errorf("held-out precision %.2f, recall %.2f: want at least 0.80 and 0.70", held.precision(), held.recall())
	}
}

func TestSuggestTitlesAndDueDates(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) // a Tuesday
	tomorrow := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in    Said
		kind  SuggestionKind
		title string
		due   *time.Time
	}{
		{Said{Text: "can you send me the report tomorrow?"}, SuggestRequest, "Send me the report", &tomorrow},
		{Said{Text: "I'll send you the file tomorrow", FromMe: true}, SuggestPromise, "Send you the file", &tomorrow},
		{Said{Text: "Vou te mandar o arquivo amanhã", FromMe: true}, SuggestPromise, "Mandar o arquivo", &tomorrow},
		{Said{Text: "¿Me pasas la dirección?"}, SuggestRequest, "Pasas la dirección", nil},
		{Said{Text: "Oi! Tudo bem? Você pode me mandar o link?"}, SuggestRequest, "Mandar o link", nil},
		{Said{Text: "@Sam can you update the sheet?", Group: true, AddressedToMe: true}, SuggestRequest, "Update the sheet", nil},
	} {
		sg, ok := Suggest(c.in, now, time.UTC)
		if !ok || sg.Kind != c.kind || sg.Title != c.title || (sg.Due == nil) != (c.due == nil) || c.due != nil && !sg.Due.Equal(*c.due) {
			t.Errorf("%q: %+v %v, want %s %q due %v", c.in.Text, sg, ok, c.kind, c.title, c.due)
		}
	}
	for _, in := range []Said{
		{Text: "can you send me the report?", Group: true},     // a group message not addressed to the person
		{Text: "I'll send you the file tomorrow"},              // someone else's promise
		{Text: "Could you send me the address?", FromMe: true}, // the person's own request
		{Text: "", FromMe: true},
	} {
		if sg, ok := Suggest(in, now, time.UTC); ok {
			t.Errorf("%+v gave %+v", in, sg)
		}
	}
	if !MayBeSuggestion("Você pode me mandar?") || MayBeSuggestion("bom dia!") {
		t.Error("MayBeSuggestion")
	}
}
