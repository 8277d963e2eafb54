package reminders

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/knowledge"
	"golang.org/x/text/unicode/norm"
)

// Capture is an item a message to oneself asks for.
type Capture struct {
	Kind       domain.Kind
	Title      string
	Body       string
	Due        *time.Time
	DueHasTime bool
}

// captureWords are the words a capture starts with (folded: lower case,
// no accents), in English, Portuguese and Spanish. "remind" words make a
// task whose date the rest of the text gives.
var captureWords = []struct {
	word   string
	kind   domain.Kind
	remind bool
}{
	{"remind me to", domain.KindTask, true}, {"remind me", domain.KindTask, true},
	{"lembrar de", domain.KindTask, true}, {"lembra-me de", domain.KindTask, true}, {"lembre-me de", domain.KindTask, true},
	{"lembrar", domain.KindTask, true},
	{"recuerdame", domain.KindTask, true}, {"recordarme", domain.KindTask, true},
	{"todo", domain.KindTask, false}, {"to-do", domain.KindTask, false}, {"task", domain.KindTask, false},
	{"tarefa", domain.KindTask, false}, {"tarea", domain.KindTask, false},
	{"note", domain.KindNote, false}, {"nota", domain.KindNote, false},
	{"idea", domain.KindIdea, false}, {"ideia", domain.KindIdea, false},
}

// fold lower-cases s and drops accents.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cutWord returns the text after a leading word (folded comparison), with
// separators (":", "-", spaces) dropped; ok is false when text does not
// start with the word as a whole word.
func cutWord(text, word string) (string, bool) {
	f := fold(text)
	if !strings.HasPrefix(f, word) {
		return "", false
	}
	// Map the folded prefix's length back to the original text: folding
	// drops combining marks only, so count runes of the original whose
	// folded form is consumed.
	n, consumed := 0, 0
	for consumed < len(word) && n < len(text) {
		r, size := utf8.DecodeRuneInString(text[n:])
		consumed += len(fold(string(r)))
		n += size
	}
	rest := text[n:]
	if rest != "" {
		r, _ := utf8.DecodeRuneInString(rest)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return "", false
		}
	}
	return strings.TrimLeft(rest, " :-–—,.\t"), true
}

// ParseCapture reads a message to oneself as a capture, or ok false. Dates
// ("tomorrow at 10", "amanhã às 10h", "mañana a las 10") are read by the
// built-in analyser relative to now in loc.
func ParseCapture(text string, now time.Time, loc *time.Location) (Capture, bool) {
	text = strings.TrimSpace(text)
	for _, w := range captureWords {
		rest, ok := cutWord(text, w.word)
		if !ok || strings.TrimSpace(rest) == "" {
			continue
		}
		c := Capture{Kind: w.kind}
		first, more, _ := strings.Cut(rest, "\n")
		c.Title = upperFirst(strings.TrimSpace(first))
		if strings.TrimSpace(more) != "" {
			c.Body = rest
		}
		if w.kind == domain.KindTask {
			// The analyser finds the date and a clean title ("buy bread"
			// of "buy bread tomorrow at 10").
			for _, it := range knowledge.AnalyseNoteToSelf("todo: "+rest, now, loc) {
				if it.Kind != domain.KindTask {
					continue
				}
				if it.Title != "" {
					c.Title = it.Title
				}
				c.Due, c.DueHasTime = it.Due, it.DueHasTime
				break
			}
			if w.remind && c.Due == nil {
				// "remind me to call Ana" without a time: still a task.
				c.Title = upperFirst(strings.TrimSpace(first))
			}
		}
		return c, true
	}
	return Capture{}, false
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// Reply is what a reply to a reminder asks for.
type Reply struct {
	Done   bool
	Snooze string // one of Snoozes
}

// ParseReply reads a reply to a reminder: "done"/"feito"/"hecho"/"ok" or
// "snooze 10m|1h|tomorrow" ("adiar 1h", "amanhã"; "posponer 1h",
// "mañana"). ok is false for anything else.
func ParseReply(text string) (Reply, bool) {
	f := strings.Trim(fold(strings.TrimSpace(text)), " .!✓✔")
	switch f {
	case "done", "feito", "feita", "concluido", "concluida", "hecho", "hecha", "listo", "lista", "ok", "✅":
		return Reply{Done: true}, true
	}
	for _, w := range []string{"snooze", "adiar", "posponer", "pospon", "later"} {
		rest, ok := cutWord(f, w)
		if !ok {
			continue
		}
		switch strings.ReplaceAll(rest, " ", "") {
		case "", "10m", "10min", "10minutes", "10minutos":
			if rest == "" {
				return Reply{Snooze: "1h"}, true
			}
			return Reply{Snooze: "10m"}, true
		case "1h", "1hour", "1hora", "60m", "60min":
			return Reply{Snooze: "1h"}, true
		case "tomorrow", "amanha", "manana":
			return Reply{Snooze: "tomorrow"}, true
		}
	}
	switch f {
	case "tomorrow", "amanha", "manana":
		return Reply{Snooze: "tomorrow"}, true
	}
	return Reply{}, false
}

// captureLabels name a captured item's kind in its confirmation.
var captureLabels = map[domain.Kind]string{domain.KindTask: "Task", domain.KindNote: "Note", domain.KindIdea: "Idea"}

// Confirmation is the reply to a capture: "✓ Task: Buy bread — due Tue
// 10:00".
func Confirmation(c Capture, loc *time.Location) string {
	s := "✓ " + captureLabels[c.Kind] + ": " + c.Title
	if c.Due != nil {
		if c.DueHasTime {
			s += " — due " + FormatDue(*c.Due, loc)
		} else {
			s += " — due " + c.Due.In(loc).Format("Mon 2 Jan")
		}
	}
	return s
}

// RepeatConfirmation is the reply to a capture that repeats an item the
// person already has (merged into it, which keeps its title and due time).
func RepeatConfirmation(c Capture, mentions int) string {
	return fmt.Sprintf("✓ %s: %s — already there, mentioned %d times", captureLabels[c.Kind], c.Title, mentions)
}
