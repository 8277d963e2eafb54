package knowledge

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/synapse-kb/synapse/internal/domain"
)

// This file finds calendar events: a clause that names a meeting or plan
// ("meet", "lunch", "reunião", "cita", "quedamos") together with a day and a
// time of day ("on Saturday at 11", "12/15 at 3pm", "amanhã às 15h",
// "el viernes a las 3", "tomorrow 3-4pm").

// eventWords name a meeting or plan, folded. Words that are also task cues
// ("call", "book") are left out: "call Ana tomorrow at 5" stays a task.
var eventWords = setOf(`meet meeting meetings meetup appointment appt lunch dinner breakfast brunch coffee drinks party
	interview catchup rehearsal concert wedding webinar standup
	reuniao reunioes encontro encontrar encontramos encontrarmos consulta almoco jantar cafe festa entrevista aula ensaio
	casamento churrasco
	reunion reuniones cita quedamos quedar quedo quedemos encontrarnos almuerzo cena desayuno fiesta clase ensayo boda asado`)

// meetVerbs are followed by the person met: "meet Lucía", "ver a Ana".
var meetVerbs = setOf(`meet meeting see visit encontrar encontro visitar ver`)

// withWords introduce the people of an event: "with Carla", "com a Ana", "con Pedro".
var withWords = setOf(`with com con`)

// nameJoiners join names in a list: "Ana and Pedro", "Ana e Pedro", "Ana y Pedro".
var nameJoiners = setOf(`and e y`)

// nameArticles may stand before a name: "com a Ana", "con el Pedro", "ver a Lucía".
var nameArticles = setOf(`a o el la the`)

// placeWords introduce the place of an event: "at Café Central", "no escritório", "en mi casa".
var placeWords = setOf(`at no na em en in`)

// eventLeadWords are dropped from the start of an event's title: "I have a
// meeting" is "Meeting", "tenho reunião" is "Reunião".
var eventLeadWords = setOf(`i we ive we've have has got a an the there there's is tenho temos tem tengo tenemos tiene hay um uma un una`)

// eventStopWords end a place: "at the office with Ana".
var eventStopWords = setOf(`with com con and e y about sobre para pra to for`)

// MayHaveEvent reports whether text could hold an event: it has a digit or
// a word of a day ("tomorrow", "amanhã", "mañana", "tonight") and a word
// that names a meeting or plan. It is cheap, for deciding whether a message
// is worth analysing; Analyse decides.
func MayHaveEvent(text string) bool {
	f := foldString(capBytes(text, MaxAnalyseBytes))
	if !strings.ContainsAny(f, "0123456789") && !strings.Contains(f, "noon") && !strings.Contains(f, "meio") && !strings.Contains(f, "mediodia") {
		return false
	}
	for _, t := range tokenize(f) {
		if eventWords[t.w] {
			return true
		}
	}
	return false
}

// eventItem makes an event of a clause that has an event word (outside any
// date or time) and both a day and a time of day.
func (a *analyser) eventItem(c *clauseInfo) (Item, bool) {
	skip := inTemporal(c.temps)
	found := false
	for _, t := range c.toks {
		if eventWords[t.w] && !skip(t) {
			found = true
			break
		}
	}
	if !found {
		return Item{}, false
	}
	start, end, ok := a.env.resolveEvent(c.temps)
	if !ok {
		return Item{}, false
	}
	var cuts [][2]int
	for _, l := range c.links {
		cuts = append(cuts, [2]int{l.start, l.end})
	}
	for _, t := range c.temps {
		cuts = append(cuts, [2]int{c.origOffset(t.start), c.origOffset(t.end)})
	}
	title := cleanTitle(cutSpans(c.text, 0, cuts))
	for {
		w, rest, ok := strings.Cut(title, " ")
		if !ok || !eventLeadWords[strings.Trim(foldString(w), "'")] {
			break
		}
		title = rest
	}
	it := Item{Kind: domain.KindEvent, Start: &start, End: end, People: eventPeople(c, skip), Place: eventPlace(c, skip)}
	return finishItem(it, title, c.text)
}

// origWord is the token as written in the clause.
func (c *clauseInfo) origWord(t token) string {
	return c.text[c.origOffset(t.start):c.origOffset(t.end)]
}

// capitalised reports whether a word as written starts with an upper-case letter.
func capitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// eventPeople returns the names after "with"/"com"/"con" and after a verb of
// meeting ("meet Lucía"): capitalised words, joined by "and", "e", "y" or commas.
func eventPeople(c *clauseInfo, skip func(token) bool) []string {
	var people []string
	seen := map[string]bool{}
	for i := 0; i < len(c.toks); i++ {
		t := c.toks[i]
		if skip(t) || !withWords[t.w] && !meetVerbs[t.w] {
			continue
		}
		j := i + 1
		for j < len(c.toks) {
			if nameArticles[c.toks[j].w] && j+1 < len(c.toks) && capitalised(c.origWord(c.toks[j+1])) {
				j++
			}
			k := j
			for k < len(c.toks) && !skip(c.toks[k]) && capitalised(c.origWord(c.toks[k])) && !monthOrWeekday(c.toks[k].w) && k-j < 3 {
				k++
			}
			if k == j {
				break
			}
			name := c.text[c.origOffset(c.toks[j].start):c.origOffset(c.toks[k-1].end)]
			if !seen[name] {
				seen[name] = true
				people = append(people, name)
			}
			if k < len(c.toks) && (nameJoiners[c.toks[k].w] || strings.TrimSpace(c.masked[c.toks[k-1].end:c.toks[k].start]) == ",") {
				j = k
				if nameJoiners[c.toks[k].w] {
					j = k + 1
				}
				continue
			}
			break
		}
		i = j - 1
	}
	return people
}

func monthOrWeekday(w string) bool {
	_, m := monthNames[w]
	_, d := weekdayNames[w]
	return m || d
}

// eventPlace returns the words after "at", "no", "en" and the like that are
// not a date or time, up to the next date or time, "with" or the end: "at
// Café Central", "no escritório", "en mi casa". After "in" the place must
// be capitalised ("in Lisbon", not "in a hurry").
func eventPlace(c *clauseInfo, skip func(token) bool) string {
	for i := 0; i < len(c.toks)-1; i++ {
		t := c.toks[i]
		if skip(t) || !placeWords[t.w] || skip(c.toks[i+1]) || eventStopWords[c.toks[i+1].w] {
			continue
		}
		if t.w == "in" && !capitalised(c.origWord(c.toks[i+1])) {
			continue
		}
		// "meet me at": the person, not a place.
		if between := c.masked[t.end:c.toks[i+1].start]; strings.TrimSpace(between) != "" {
			continue
		}
		k := i + 1
		for k < len(c.toks) && !skip(c.toks[k]) && !eventStopWords[c.toks[k].w] {
			if k > i+1 && strings.ContainsAny(c.masked[c.toks[k-1].end:c.toks[k].start], ".;!?") {
				break
			}
			k++
		}
		place := cleanTitle(c.text[c.origOffset(c.toks[i+1].start):c.origOffset(c.toks[k-1].end)])
		if hasLetterOrDigit(place) {
			return capitalise(truncateRunes(place, maxTitleRunes))
		}
	}
	return ""
}

// resolveEvent turns the expressions of a clause into an event's start and
// end: it needs a day and a time of day (a span from now, "in 2 hours", is
// no event). The wall times are read in the user's zone for that day, so an
// event after a daylight-saving change keeps its local hour.
func (e *dateEnv) resolveEvent(ts []temporal) (time.Time, *time.Time, bool) {
	var date, clock *temporal
	per := periodNone
	for i := range ts {
		t := &ts[i]
		switch t.kind {
		case tDuration:
			return time.Time{}, nil, false
		case tDate:
			if date == nil {
				date = t
				if per == periodNone {
					per = t.period
				}
			}
		case tTime:
			if clock == nil {
				clock = t
				if t.period != periodNone {
					per = t.period
				}
			}
		case tPeriod:
			if per == periodNone {
				per = t.period
			}
		}
	}
	if date == nil || clock == nil {
		return time.Time{}, nil, false
	}
	loc := e.now.Location()
	d := date.date
	h := adjustHour(clock.hour, clock.certainty, per)
	start := time.Date(d.y, d.m, d.d, h, clock.min, 0, 0, loc)
	if !clock.hasEnd {
		return start, nil, true
	}
	eh := adjustHour(clock.endHour, clock.endCertainty, per)
	if clock.endCertainty != hourExact && eh < h && eh+12 > h && eh < 12 {
		eh += 12 // "das 10 às 2": 10:00 to 14:00
	}
	end := time.Date(d.y, d.m, d.d, eh, clock.endMin, 0, 0, loc)
	if end.Before(start) {
		end = time.Date(d.y, d.m, d.d+1, eh, clock.endMin, 0, 0, loc) // past midnight
	}
	return start, &end, true
}

// reTimeRange is a range of times: "3-4pm", "15h-16h", "15:00–16:30", "from
// 3 to 4pm", "de 15h a 16h", "das 10h às 12h", "de 9 a 11h".
var reTimeRange = regexp.MustCompile(`(?:\b(?:at|from|between|de|das|desde\s+las?|entre|a\s+las|as)\s+)?\b(\d{1,2})(?:[:.h](\d{2}))?` +
	`\s*(?:([ap])\.?\s?m\b\.?|(hs|hrs|h)\b)?\s*(?:-|\bto\b|\btill\b|\buntil\b|\ba\b|\bate\b|\bas\b|\bhasta\b|\ba\s+las\b)\s*` +
	`(\d{1,2})(?:[:.h](\d{2}))?\s*(?:([ap])\.?\s?m\b\.?|(hs|hrs|h)\b)?`)

// timeRangeRule reads reTimeRange. At least one side must be written as a
// time (am/pm, "h", or minutes), so "2-3 days" and "3 to 4 people" are not
// times.
func timeRangeRule(_ *scan, s string, m []int) (temporal, bool) {
	sh, sm, sap, shs := group(s, m, 1), group(s, m, 2), group(s, m, 3), group(s, m, 4)
	eh, em, eap, ehs := group(s, m, 5), group(s, m, 6), group(s, m, 7), group(s, m, 8)
	if sap == "" && shs == "" && sm == "" && eap == "" && ehs == "" && em == "" {
		return temporal{}, false
	}
	if m[0] > 0 && strings.IndexByte("/.-:", s[m[0]-1]) >= 0 {
		return temporal{}, false
	}
	if m[1] < len(s) && strings.IndexByte("/:", s[m[1]]) >= 0 {
		return temporal{}, false
	}
	if eh == "" {
		return temporal{}, false
	}
	shn, _ := strconv.Atoi(sh)
	ehn, _ := strconv.Atoi(eh)
	if sap == "" && eap != "" && shn <= 12 && shs == "" {
		sap = eap
		if shn%12 > ehn%12 {
			sap = "a" // "11-1pm"
			if eap == "a" {
				sap = "p"
			}
		}
	}
	if eap == "" && sap != "" && ehn <= 12 && ehs == "" {
		eap = sap
		if ehn%12 < shn%12 {
			eap = "p" // "11am-1"
		}
	}
	var st, et temporal
	var ok bool
	if sap != "" {
		st, ok = amPm(sh, sm, sap)
	} else {
		c := hourGuess
		if sm != "" || shs != "" || ehs != "" || em != "" {
			c = hourLiteral
		}
		st, ok = clockTime(sh, sm, c)
	}
	if !ok {
		return temporal{}, false
	}
	if eap != "" {
		et, ok = amPm(eh, em, eap)
	} else {
		c := hourGuess
		if em != "" || ehs != "" || sm != "" || shs != "" {
			c = hourLiteral
		}
		et, ok = clockTime(eh, em, c)
	}
	if !ok {
		return temporal{}, false
	}
	st.hasEnd, st.endHour, st.endMin, st.endCertainty = true, et.hour, et.min, et.certainty
	return st, true
}
