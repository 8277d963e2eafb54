package knowledge

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// SummaryMessage is one message of a group's day, as the built-in
// summariser needs it.
type SummaryMessage struct {
	// ID and ReplyTo (the ID of the message this one quotes) are optional;
	// when given, replies make the quoted message a better highlight.
	ID      string
	ReplyTo string
	// From identifies the sender (a phone number or JID); FromName is the
	// name to show, From when empty.
	From     string
	FromName string
	// Text is the text, or the caption of a media message; it may be empty.
	Text string
	// Type is the message type ("text", "image", "voice", ...).
	Type string
	Time time.Time
}

// SenderCount is how many messages one sender wrote.
type SenderCount struct {
	From  string `json:"from"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Summary is an extractive summary of one group's day.
type Summary struct {
	// Language is the language Text is written in: "en", "pt", "es" or
	// "he"; "en" when the messages' language could not be told.
	Language     string        `json:"language"`
	MessageCount int           `json:"messageCount"`
	Participants int           `json:"participants"`
	TopSenders   []SenderCount `json:"topSenders"`
	Links        []string      `json:"links"`
	Questions    []string      `json:"questions"`
	Decisions    []string      `json:"decisions"`
	Highlights   []string      `json:"highlights"`
	// Text is a short multi-line rendering of the above for people.
	Text string `json:"text"`
}

// Caps on the lists of a Summary.
const (
	MaxTopSenders   = 5
	MaxSummaryLinks = 10
	MaxQuestions    = 5
	MaxDecisions    = 5
	MaxHighlights   = 5
	// summaryTextItems is how many entries of each list Text shows.
	summaryTextItems = 3
	// maxQuoteRunes is the longest sentence or highlight quoted.
	maxQuoteRunes = 200
)

// decisionCues mark a sentence as a decision or an agreement.
var decisionCues = func() [][]string {
	var out [][]string
	for p := range strings.SplitSeq(`we decided|decided|let's|lets|we'll|we will|we agreed|agreed|it's settled|
		settled|confirmed|final decision|going with|the plan is|
		decidimos|decidido|ficou decidido|combinado|fica combinado|ficou combinado|fechado|fechou|confirmado|
		confirmada|vamos fazer|bora|o plano e|ficou marcado|esta marcado|acordado|
		quedamos|queda|acordamos|de acuerdo|el plan es|trato hecho|listo`, "|") {
		if w := tokenWords(p); len(w) > 0 {
			out = append(out, w)
		}
	}
	return out
}()

// Summarise builds the built-in summary of one group's day, for when no
// language model is configured. It is extractive and deterministic: it only
// quotes and counts, and the same messages (in any order: they are sorted by
// Time, ties kept in input order) give the same summary.
//
//   - TopSenders: the most active senders, by count, ties by who wrote first.
//   - Links: the http(s) links shared, once each, normalised (NormalizeURL:
//     without tracking parameters).
//   - Questions: sentences that end with "?" (or start with "¿"), three words
//     or more, once each.
//   - Decisions: other sentences of three words or more with a decision cue
//     ("we decided", "let's", "combinado", "fechado", "quedamos", "de
//     acuerdo"...) or a date or time ("on Friday at 10", "amanhã", "el
//     lunes"; a bare "today" does not count), once each.
//   - Highlights: up to five messages, "Name: text", in time order, picked by
//     score: words/8 (at most 5 points) + 2 with a link + 1.5 with a question
//   - 1.5 with a decision + 1 per reply received (at most 3); messages of
//     fewer than four words without a link are not candidates, and no sender
//     gets more than two highlights.
//
// Lists are capped (MaxTopSenders, MaxSummaryLinks, MaxQuestions,
// MaxDecisions, MaxHighlights) and quotes cut to 200 characters. Text is
// rendered in the dominant language (DetectLanguage), English when unknown.
func Summarise(msgs []SummaryMessage) Summary {
	sorted := slices.Clone(msgs)
	for i := range sorted {
		m := &sorted[i]
		m.Text = strings.ToValidUTF8(m.Text, "\uFFFD")
		m.From = strings.ToValidUTF8(m.From, "\uFFFD")
		m.FromName = strings.ToValidUTF8(m.FromName, "\uFFFD")
	}
	slices.SortStableFunc(sorted, func(a, b SummaryMessage) int { return a.Time.Compare(b.Time) })

	s := Summary{MessageCount: len(sorted)}
	texts := make([]string, 0, len(sorted))
	for _, m := range sorted {
		if t := strings.TrimSpace(m.Text); t != "" {
			texts = append(texts, t)
		}
	}
	s.Language = DetectLanguage(texts)
	if s.Language == "" {
		s.Language = "en"
	}
	s.TopSenders, s.Participants = topSenders(sorted)

	replies := make(map[string]int)
	for _, m := range sorted {
		if m.ReplyTo != "" {
			replies[m.ReplyTo]++
		}
	}
	seenLink := make(map[string]bool)
	seenSentence := make(map[string]bool)
	var cands []highlight
	for i, m := range sorted {
		text := strings.TrimSpace(m.Text)
		if text == "" {
			continue
		}
		links := ExtractLinks(text)
		for _, l := range links {
			key, err := NormalizeURL(l)
			if err != nil {
				continue
			}
			if !seenLink[key] && len(s.Links) < MaxSummaryLinks {
				seenLink[key] = true
				s.Links = append(s.Links, key)
			}
		}
		env := newDateEnv(m.Time, m.Time.Location())
		hasQuestion, hasDecision := false, false
		for line := range strings.SplitSeq(prepareText(text), "\n") {
			for _, sent := range splitSentences(strings.TrimSpace(line)) {
				f := foldString(sent)
				toks := tokenize(f)
				if len(toks) < 3 {
					continue
				}
				key := strings.Join(strings.Fields(f), " ")
				quote := truncateRunes(sent, maxQuoteRunes)
				switch {
				case strings.HasSuffix(sent, "?") || strings.HasPrefix(sent, "¿"):
					hasQuestion = true
					if !seenSentence[key] && len(s.Questions) < MaxQuestions {
						seenSentence[key] = true
						s.Questions = append(s.Questions, quote)
					}
				case isDecision(f, toks, env):
					hasDecision = true
					if !seenSentence[key] && len(s.Decisions) < MaxDecisions {
						seenSentence[key] = true
						s.Decisions = append(s.Decisions, quote)
					}
				}
			}
		}
		words := len(tokenize(foldString(text)))
		if words < 4 && len(links) == 0 {
			continue
		}
		score := min(float64(words)/8, 5)
		if len(links) > 0 {
			score += 2
		}
		if hasQuestion {
			score += 1.5
		}
		if hasDecision {
			score += 1.5
		}
		if m.ID != "" {
			score += float64(min(replies[m.ID], 3))
		}
		cands = append(cands, highlight{index: i, score: score, sender: senderKey(m)})
	}
	s.Highlights = pickHighlights(sorted, cands)
	s.Text = renderSummary(s)
	return s
}

// isDecision reports a sentence with a decision cue or a specific date or
// time.
func isDecision(f string, toks []token, env *dateEnv) bool {
	for i := range toks {
		for _, c := range decisionCues {
			if matchWords(toks, i, c) {
				return true
			}
		}
	}
	for _, t := range findTemporal(f, env, nil) {
		if t.kind == tDate && !t.vague || t.kind == tTime || t.kind == tDuration {
			return true
		}
	}
	return false
}

func senderKey(m SummaryMessage) string {
	if m.From != "" {
		return m.From
	}
	return m.FromName
}

// topSenders counts messages per sender (From, else FromName; messages with
// neither are counted in no one's name) and returns the most active and the
// number of distinct senders.
func topSenders(msgs []SummaryMessage) ([]SenderCount, int) {
	idx := make(map[string]int)
	var all []SenderCount
	for _, m := range msgs {
		k := senderKey(m)
		if k == "" {
			continue
		}
		i, ok := idx[k]
		if !ok {
			i = len(all)
			idx[k] = i
			all = append(all, SenderCount{From: m.From, Name: k})
		}
		all[i].Count++
		if m.FromName != "" {
			all[i].Name = m.FromName
		}
	}
	n := len(all)
	slices.SortStableFunc(all, func(a, b SenderCount) int { return cmp.Compare(b.Count, a.Count) })
	if len(all) > MaxTopSenders {
		all = all[:MaxTopSenders]
	}
	return all, n
}

type highlight struct {
	index  int
	score  float64
	sender string
}

// pickHighlights takes the best-scoring candidates, two per sender at most,
// and returns them in time order as "Name: text".
func pickHighlights(msgs []SummaryMessage, cands []highlight) []string {
	slices.SortStableFunc(cands, func(a, b highlight) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.index, b.index)
	})
	perSender := make(map[string]int)
	seen := make(map[string]bool)
	var picked []int
	for _, c := range cands {
		if len(picked) == MaxHighlights {
			break
		}
		key := strings.Join(strings.Fields(foldString(msgs[c.index].Text)), " ")
		if perSender[c.sender] >= 2 || seen[key] {
			continue
		}
		perSender[c.sender]++
		seen[key] = true
		picked = append(picked, c.index)
	}
	slices.Sort(picked)
	out := make([]string, 0, len(picked))
	for _, i := range picked {
		m := msgs[i]
		name := m.FromName
		if name == "" {
			name = m.From
		}
		text := strings.Join(strings.Fields(m.Text), " ")
		if name != "" {
			text = name + ": " + text
		}
		out = append(out, truncateRunes(text, maxQuoteRunes))
	}
	return out
}
