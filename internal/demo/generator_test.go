package demo

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/knowledge"
)

// testNow is a fixed afternoon in Lisbon, so that the traffic is the same
// on every run.
func testNow(t *testing.T) time.Time {
	t.Helper()
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(2026, 3, 11, 15, 4, 0, 0, lisbon)
}

func testGenerator(t *testing.T, seed uint64) *Generator {
	now := testNow(t)
	return New(Options{Seed: seed, Location: now.Location(), Now: func() time.Time { return now }})
}

// live generates at least n messages of live traffic.
func live(g *Generator, n int) []msg {
	var out []msg
	for len(out) < n {
		out = append(out, g.nextBeat()...)
	}
	return out
}

// TestTrafficDoesNotRepeat: 2,000 messages (about three hours at the
// default pace) are essentially all different, in three languages, of
// every kind, in groups, direct chats and the chat with oneself.
func TestTrafficDoesNotRepeat(t *testing.T) {
	msgs := live(testGenerator(t, 1), 2000)
	texts, distinct := 0, map[string]int{}
	kinds, langs, pictures, chats := map[string]int{}, map[lang]int{}, map[string]int{}, map[string]int{}
	groups, directs, selfs, fromMe, forwards := 0, 0, 0, 0, 0
	for _, m := range msgs {
		kinds[m.kind]++
		langs[m.lang]++
		chats[m.chat.id]++
		switch {
		case m.chat == self:
			selfs++
		case m.chat.group:
			groups++
		default:
			directs++
		}
		if m.from == nil {
			fromMe++
		}
		if m.forward {
			forwards++
		}
		if m.kind == "image" {
			pictures[m.picture]++
		}
		if m.text == "" {
			continue
		}
		texts++
		distinct[m.text]++
		if strings.ContainsAny(m.text, "{}$") && !strings.Contains(m.text, "R$") || strings.Contains(m.text, "  ") || strings.TrimSpace(m.text) != m.text {
			t.Errorf("badly filled text %q", m.text)
		}
	}
	if share := float64(len(distinct)) / float64(texts); share < 0.95 {
		var repeated []string
		for s, n := range distinct {
			if n > 2 {
				repeated = append(repeated, fmt.Sprintf("%d× %q", n, s))
			}
		}
		t.Errorf("%d of %d texts are distinct (%.1f%%); most repeated: %v", len(distinct), texts, 100*share, repeated)
	}
	for _, k := range []string{"text", "image", "voice", "location", "document", "contact"} {
		if kinds[k] == 0 {
			t.Errorf("no %s message in %v", k, kinds)
		}
	}
	for l := range numLangs {
		if langs[l] < len(msgs)/6 {
			t.Errorf("only %d messages in %s: %v", langs[l], l, langs)
		}
	}
	for _, k := range pictureKinds {
		if pictures[k] == 0 {
			t.Errorf("no %s picture: %v", k, pictures)
		}
	}
	for _, c := range groups_(t) {
		if chats[c.id] == 0 {
			t.Errorf("nothing in %s", c.name)
		}
	}
	if groups < 400 || directs < 400 || selfs < 100 || fromMe < 300 || len(chats) < 6+10+1 {
		t.Errorf("%d in groups, %d in direct chats, %d to self, %d from the phone, %d chats", groups, directs, selfs, fromMe, len(chats))
	}
	if forwards == 0 || forwards > len(msgs)/50 {
		t.Errorf("%d forwarded links", forwards)
	}
	t.Logf("%d messages, %d with text, %d distinct; kinds %v; languages %v", len(msgs), texts, len(distinct), kinds, langs)
}

func groups_(*testing.T) []*chat { return groups }

// TestAnHourDoesNotRepeat: an hour at the default pace (about 700 beats)
// repeats no text but the links forwarded on purpose.
func TestAnHourDoesNotRepeat(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		seen := map[string]bool{}
		for _, m := range live(testGenerator(t, seed), 800) {
			if m.text != "" && !m.forward && seen[m.text] {
				t.Errorf("seed %d: %q repeats", seed, m.text)
			}
			seen[m.text] = true
		}
	}
}

// TestSameSeedSameTraffic: runs are repeatable; another seed differs.
func TestSameSeedSameTraffic(t *testing.T) {
	render := func(seed uint64) string {
		var b strings.Builder
		for _, m := range live(testGenerator(t, seed), 300) {
			fmt.Fprintf(&b, "%s|%s|%s|%s\n", m.chat.id, m.kind, m.text, m.file)
		}
		return b.String()
	}
	if a, b := render(9), render(9); a != b {
		t.Fatal("the same seed gave different traffic")
	}
	if render(9) == render(10) {
		t.Fatal("another seed gave the same traffic")
	}
}

// TestConversationsHaveContinuity: a conversation's later messages come
// beats later, in order, interleaved with other conversations.
func TestConversationsHaveContinuity(t *testing.T) {
	g := testGenerator(t, 4)
	first := map[string]int{} // a question's text → the beat it came in
	answered := 0
	for beat := 1; beat <= 400; beat++ {
		for _, m := range g.nextBeat() {
			if m.from != nil && m.kind == "text" && strings.HasSuffix(m.text, "?") {
				first[m.chat.id] = beat
			}
			if b, ok := first[m.chat.id]; ok && beat > b+0 && !strings.HasSuffix(m.text, "?") && m.text != "" {
				answered++
				delete(first, m.chat.id)
			}
		}
	}
	if answered < 50 {
		t.Fatalf("only %d questions were answered in a later beat", answered)
	}
	if len(g.pending) > 20 {
		t.Fatalf("%d beats pending: conversations pile up", len(g.pending))
	}
}

// TestMomentsAreUnderstood: every way the demo says a day and a time is
// read back by the knowledge analyser as that very moment, in each
// language, so that reminders get the due date they say.
func TestMomentsAreUnderstood(t *testing.T) {
	now := testNow(t)
	g := testGenerator(t, 5)
	cue := [numLangs]string{"Remind me to call Ana ", "Me lembra de ligar para a Ana ", "Recuérdame llamar a Ana "}
	for l := range numLangs {
		for range 400 {
			m := pickMoment(g.rng, l, now, whenOptions{})
			text := cue[l] + m.phrase
			items := knowledge.Analyse(text, now, now.Location())
			if len(items) != 1 || items[0].Due == nil || !items[0].DueHasTime || !items[0].Due.Equal(m.at) {
				got := "nothing"
				if len(items) > 0 && items[0].Due != nil {
					got = items[0].Due.In(now.Location()).Format(time.RFC3339)
				}
				t.Errorf("%q: due %s, want %s", text, got, m.at.Format(time.RFC3339))
			}
			if !m.at.After(now) {
				t.Errorf("%q is not ahead of %s", m.phrase, now)
			}
		}
	}
}

// TestNotesToSelfBecomeKnowledge: notes to self turn into the items they
// are written as: tasks (with a due date when one is said), ideas, notes.
func TestNotesToSelfBecomeKnowledge(t *testing.T) {
	now := testNow(t)
	g := testGenerator(t, 6)
	for _, c := range []struct {
		name  string
		topic topic
		kind  domain.Kind
		min   int
		due   bool
	}{
		{"todo", selfTodo, domain.KindTask, 1, false},
		{"list", selfList, domain.KindTask, 3, false},
		{"reminder", selfReminder, domain.KindTask, 1, true},
		{"idea", selfIdea, domain.KindIdea, 1, false},
		{"note", selfNote, domain.KindNote, 1, false},
	} {
		for range 300 {
			th := c.topic(g, now)
			text := th.msgs[0].text
			items := knowledge.AnalyseNoteToSelf(text, now, now.Location())
			n := 0
			for _, it := range items {
				if it.Kind == c.kind && (!c.due || it.Due != nil) {
					n++
				}
			}
			if n < c.min {
				t.Errorf("%s %q gave %+v", c.name, text, items)
			}
		}
	}
}

// TestBackfill: yesterday in the account's time zone, in order, with every
// kind of thing a summary and the pages need.
func TestBackfill(t *testing.T) {
	now := testNow(t)
	msgs := testGenerator(t, 7).backfillMessages(now)
	day := time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, now.Location())
	kinds, perGroup, selfs, links := map[string]int{}, map[string]int{}, 0, 0
	for i, m := range msgs {
		if m.at.Before(day) || !m.at.Before(day.AddDate(0, 0, 1)) || (i > 0 && m.at.Before(msgs[i-1].at)) {
			t.Fatalf("message %d at %s", i, m.at)
		}
		kinds[m.kind]++
		if m.url != "" {
			links++
		}
		if m.chat == self {
			selfs++
			continue
		}
		if m.chat.lang != m.lang {
			t.Errorf("%s: %q in %s", m.chat.name, m.text, m.lang)
		}
		perGroup[m.chat.name]++
	}
	for _, c := range backfilled {
		if perGroup[c.name] < 12 {
			t.Errorf("%s: %d messages yesterday", c.name, perGroup[c.name])
		}
	}
	if len(perGroup) != len(backfilled) || kinds["image"] < 6 || kinds["location"] < 5 || kinds["voice"] < 4 || links < 6 || selfs < 6 {
		t.Errorf("groups %v, kinds %v, %d links, %d notes to self", perGroup, kinds, links, selfs)
	}
}

func TestExpand(t *testing.T) {
	g := testGenerator(t, 8)
	vars := map[string]string{"name": "Ana", "empty": ""}
	for tpl, want := range map[string]string{
		"Hi {$name}!":                 "Hi Ana!",
		"{a|a}{ b|}{{c|c}|{c|c}}":     "",
		"Thanks{, {$empty}}!":         "Thanks!",
		"see you {soon|soon} , ok ?":  "see you soon, ok?",
		"one\n  two  {x|x}":           "one\ntwo x",
		"{$name}'s {cat|cat}{|}":      "Ana's cat",
		"{{nested {deeper|deeper}}}.": "nested deeper.",
	} {
		got := expand(g.rng, tpl, vars)
		if want == "" {
			if got != "a bc" && got != "ac" {
				t.Errorf("%q gave %q", tpl, got)
			}
			continue
		}
		if got != want {
			t.Errorf("%q gave %q, want %q", tpl, got, want)
		}
	}
}
