package knowledge

import (
	"fmt"
	"strings"
)

// summaryLabels are the words of a rendered summary in one language.
type summaryLabels struct {
	noMessages                              string
	messages                                func(n int) string
	participants                            func(n int) string
	from                                    string // joins "12 messages" and "3 participants"
	mostActive, links, questions, decisions string
	highlights                              string
}

func plural(one, many string) func(int) string {
	return func(n int) string {
		if n == 1 {
			return one
		}
		return fmt.Sprintf(many, n)
	}
}

var summaryLanguages = map[string]summaryLabels{
	"en": {
		noMessages: "No messages.", messages: plural("1 message", "%d messages"),
		participants: plural("1 participant", "%d participants"), from: "from",
		mostActive: "Most active", links: "Links", questions: "Questions",
		decisions: "Decisions and dates", highlights: "Highlights",
	},
	"pt": {
		noMessages: "Nenhuma mensagem.", messages: plural("1 mensagem", "%d mensagens"),
		participants: plural("1 participante", "%d participantes"), from: "de",
		mostActive: "Mais ativos", links: "Links", questions: "Perguntas",
		decisions: "Decisões e datas", highlights: "Destaques",
	},
	"es": {
		noMessages: "Ningún mensaje.", messages: plural("1 mensaje", "%d mensajes"),
		participants: plural("1 participante", "%d participantes"), from: "de",
		mostActive: "Más activos", links: "Enlaces", questions: "Preguntas",
		decisions: "Decisiones y fechas", highlights: "Destacados",
	},
	"he": {
		noMessages: "אין הודעות.", messages: plural("הודעה אחת", "%d הודעות"),
		participants: plural("משתתף אחד", "%d משתתפים"), from: "מאת",
		mostActive: "הכי פעילים", links: "קישורים", questions: "שאלות",
		decisions: "החלטות ותאריכים", highlights: "נקודות עיקריות",
	},
}

// renderSummary writes s as a few lines in s.Language (English when it has
// no labels), showing at most summaryTextItems entries of each list.
func renderSummary(s Summary) string {
	l, ok := summaryLanguages[s.Language]
	if !ok {
		l = summaryLanguages["en"]
	}
	if s.MessageCount == 0 {
		return l.noMessages
	}
	var b strings.Builder
	b.WriteString(l.messages(s.MessageCount))
	if s.Participants > 0 {
		b.WriteString(" " + l.from + " " + l.participants(s.Participants))
	}
	b.WriteString(".\n")
	if len(s.TopSenders) > 0 {
		parts := make([]string, 0, summaryTextItems)
		for _, sc := range s.TopSenders[:min(len(s.TopSenders), summaryTextItems)] {
			parts = append(parts, fmt.Sprintf("%s (%d)", sc.Name, sc.Count))
		}
		b.WriteString(l.mostActive + ": " + strings.Join(parts, ", ") + ".\n")
	}
	section := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		b.WriteString(title + ":\n")
		for _, it := range items[:min(len(items), summaryTextItems)] {
			b.WriteString("• " + it + "\n")
		}
	}
	section(l.decisions, s.Decisions)
	section(l.questions, s.Questions)
	section(l.links, s.Links)
	section(l.highlights, s.Highlights)
	return strings.TrimRight(b.String(), "\n")
}
