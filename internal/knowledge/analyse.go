package knowledge

import (
	"github.com/synapse-kb/synapse/internal/domain"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// MaxAnalyseBytes is how much of a text Analyse reads; the rest is
	// ignored. It is about an hour of transcribed speech.
	MaxAnalyseBytes = 64 << 10
	// MaxItems is the most items Analyse returns for one text.
	MaxItems = 100
	// maxTitleRunes is the longest title; longer ones are cut at a word and
	// the full text is kept in Body.
	maxTitleRunes = 120
	// maxNoteTitleRunes is the longest title of a fallback note.
	maxNoteTitleRunes = 80
)

// Analyse finds tasks, ideas, notes, locations and events in a voice-memo
// transcript or a message, in English, Portuguese or Spanish (mixed freely;
// accents optional). It is rule-based and deterministic: the same
// text, now and loc always give the same items.
//
// The text is cut into lines, sentences and clauses ("buy milk and call Ana"
// is two clauses), and each clause gives at most one item:
//   - an event for a meeting or plan word ("meet", "lunch", "reunião",
//     "cita", "quedamos") with both a day and a time of day, unless a task,
//     note or idea cue opens the clause; see analyse_events.go;
//   - a location for coordinates, a geo: URI or a map link (Google Maps,
//     OpenStreetMap, Apple Maps, Waze), or after an address cue ("address:",
//     "meet me at", "fica na", "queda en");
//   - a task after a task cue at the head of the clause ("remind me to",
//     "need to", "buy", "preciso", "me lembra de", "tengo que", "llamar a"),
//     with Due set when a date or time is said;
//   - an idea after an idea cue ("what if", "e se", "y si", "idea:");
//   - a note after a note cue ("note:", "remember that", "lembrete:", "apunte:").
//
// A line that is only a label ("Todo:", "Lista de compras:") makes each
// following line, up to a blank line, an item of that kind. Cues count only at
// the head of a clause, after fillers ("ok so"), a subject pronoun for modal
// cues ("I need to") or a date; questions give no tasks or notes; so chit-chat
// gives nothing. Analyse never makes a note of a whole text: see
// AnalyseNoteToSelf.
//
// Dates are resolved in loc (nil means UTC) against now; an ambiguous
// numeric date ("3/4") is month/day when the text reads as English
// (DetectLanguage), else day/month: relative words count
// from now's date in loc, a weekday is its next occurrence after today (so
// today's weekday means a week from today), a date without a year is its next
// occurrence from today on, and a date that has passed is not a due date. A
// time alone is today when still ahead, else tomorrow. Due dates are never
// before now's date. Only the first MaxAnalyseBytes of text are read and at
// most MaxItems items are returned; the result is nil when nothing was found.
func Analyse(text string, now time.Time, loc *time.Location) []Item {
	a := newAnalyser(now, loc)
	a.env.monthFirst = monthFirstText(text)
	return a.run(text)
}

// AnalyseNoteToSelf is Analyse for a text a person sent to themselves: when
// Analyse finds nothing, the whole text becomes one note, titled by its first
// sentence (cut to 80 characters) with the full text in Body. A text that is
// only links, punctuation or emoji gives no note, since links become bookmarks
// elsewhere.
func AnalyseNoteToSelf(text string, now time.Time, loc *time.Location) []Item {
	if items := Analyse(text, now, loc); len(items) > 0 {
		return items
	}
	return noteOfWholeText(text)
}

func noteOfWholeText(text string) []Item {
	body := strings.TrimSpace(strings.ToValidUTF8(capBytes(text, MaxAnalyseBytes), "\uFFFD"))
	if !hasLetterOrDigit(withoutLinks(body)) {
		return nil
	}
	var title string
	for line := range strings.SplitSeq(prepareText(body), "\n") {
		if line = strings.TrimSpace(stripBullet(line)); hasLetterOrDigit(line) {
			title = cleanTitle(splitSentences(line)[0])
			break
		}
	}
	if title == "" {
		title = cleanTitle(body)
	}
	title = capitalise(truncateRunes(title, maxNoteTitleRunes))
	if !hasLetterOrDigit(title) {
		return nil
	}
	it := Item{Kind: domain.KindNote, Title: title}
	if sameText(body, title) {
		return []Item{it}
	}
	it.Body = body
	return []Item{it}
}

type analyser struct {
	env *dateEnv
}

func newAnalyser(now time.Time, loc *time.Location) *analyser {
	return &analyser{env: newDateEnv(now, loc)}
}

// monthFirstText reports whether numeric dates in text are month/day: the
// text reads as English.
func monthFirstText(text string) bool {
	return DetectLanguage([]string{capBytes(text, 4096)}) == "en"
}

// capBytes cuts s to at most n bytes, at a rune boundary.
func capBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// prepareText caps the text, unifies line ends and removes WhatsApp
// formatting marks.
func prepareText(text string) string {
	text = strings.ToValidUTF8(capBytes(text, MaxAnalyseBytes), "\uFFFD")
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n").Replace(text)
	return stripFormatting(text)
}

var reBullet = regexp.MustCompile(`^(?:[-*•·–—+>▪◦]|\d{1,2}[.)]|\[[ xX✓✔]?\]|☐|☑️?|✅|✔️?|🔲|🔳)\s+`)

// stripBullet removes list bullets and checkboxes from the start of a line.
func stripBullet(line string) string {
	for range 2 {
		loc := reBullet.FindStringIndex(line)
		if loc == nil {
			break
		}
		line = line[loc[1]:]
	}
	return line
}

func (a *analyser) run(text string) []Item {
	var items []Item
	var list domain.Kind // the kind of a list headed by a label line
	for line := range strings.SplitSeq(prepareText(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			list = ""
			continue
		}
		content := strings.TrimSpace(stripBullet(line))
		if k, ok := headerLabel(content); ok {
			list = k
			continue
		}
		for _, s := range splitSentences(content) {
			items = a.sentence(s, list, items)
			if len(items) >= MaxItems {
				return items[:MaxItems]
			}
		}
	}
	return items
}

// sentence analyses one sentence, clause by clause, and appends its items.
// A date said before the cue of a clause ("Tomorrow I need to buy milk and
// call Ana") also applies to the clauses after it that have none.
func (a *analyser) sentence(s string, list domain.Kind, items []Item) []Item {
	var carry *due
	for _, c := range a.splitClauses(s) {
		it, next, ok := a.clause(c, list, carry)
		if ok {
			items = append(items, it)
		}
		carry = next
	}
	return items
}

// splitClauses cuts a sentence before a connector ("and", "e", "y", a comma)
// when both the part before and the part after open with a cue.
func (a *analyser) splitClauses(s string) []string {
	f := fold(s)
	toks := tokenize(f.s)
	if len(toks) < 3 {
		return []string{s}
	}
	candidates := false
	for j := 1; j < len(toks) && !candidates; j++ {
		candidates = connectorWords[toks[j].w] || strings.ContainsAny(f.s[toks[j-1].end:toks[j].start], ",;")
	}
	if !candidates {
		return []string{s}
	}
	temps := findTemporal(f.s, a.env, graveAt(s, f))
	skip := inTemporal(temps)
	if len(headCues(toks, skip, false)) == 0 {
		return []string{s}
	}
	var out []string
	start := 0    // byte offset in s of the current clause
	startTok := 0 // its first token
	for j := 1; j < len(toks); j++ {
		between := f.s[toks[j-1].end:toks[j].start]
		if !connectorWords[toks[j].w] && !strings.ContainsAny(between, ",;") {
			continue
		}
		if skip(toks[j]) || len(headCues(toks[j:], skip, false)) == 0 {
			continue
		}
		// The part before must have its own cue: "Tomorrow, call the
		// dentist" is one clause.
		if hits := headCues(toks[startTok:j], skip, false); len(hits) == 0 {
			continue
		}
		cut := f.orig[toks[j].start]
		if strings.ContainsAny(between, ",;") && !connectorWords[toks[j].w] {
			cut = f.orig[toks[j-1].end]
		}
		if part := strings.TrimSpace(s[start:cut]); part != "" {
			out = append(out, part)
		}
		start, startTok = cut, j
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// graveAt returns a test for whether the folded byte at pos came from "à".
func graveAt(text string, f folded) func(int) bool {
	return func(pos int) bool {
		if pos < 0 || pos >= len(f.s) {
			return false
		}
		o := f.orig[pos]
		return strings.HasPrefix(text[o:], "à") || strings.HasPrefix(text[o:], "À")
	}
}

// inTemporal returns a test for tokens inside one of the expressions.
func inTemporal(temps []temporal) func(token) bool {
	return func(t token) bool {
		for _, e := range temps {
			if t.start >= e.start && t.end <= e.end {
				return true
			}
		}
		return false
	}
}

// clauseInfo is one clause, folded and tokenised, with links masked out.
type clauseInfo struct {
	text     string
	f        folded
	masked   string
	toks     []token
	temps    []temporal
	links    []linkSpan
	question bool
}

func (a *analyser) parseClause(text string) *clauseInfo {
	c := &clauseInfo{text: text, f: fold(text)}
	c.links = findLinks(text, MaxLinks)
	c.masked = c.f.s
	if len(c.links) > 0 {
		b := []byte(c.f.s)
		for i := range b {
			o := c.f.orig[i]
			for _, l := range c.links {
				if o >= l.start && o < l.end {
					b[i] = ' '
				}
			}
		}
		c.masked = string(b)
	}
	c.toks = tokenize(c.masked)
	c.temps = findTemporal(c.masked, a.env, graveAt(text, c.f))
	t := strings.TrimSpace(text)
	c.question = strings.HasSuffix(t, "?") || strings.HasPrefix(t, "¿")
	return c
}

// origOffset maps a folded offset of the clause to the clause text.
func (c *clauseInfo) origOffset(i int) int { return c.f.orig[i] }

// clause analyses one clause. list is the kind of the list the clause is a
// line of, if any; carry is a due date from an earlier clause of the
// sentence. It returns the item, the due date to carry to the next clause,
// and whether there is an item.
func (a *analyser) clause(text string, list domain.Kind, carry *due) (Item, *due, bool) {
	text = strings.TrimSpace(text)
	if !hasLetterOrDigit(text) {
		return Item{}, nil, false
	}
	c := a.parseClause(text)
	label, labelEnd, hasLabel := matchLabel(c.masked, c.toks)
	if !hasLabel && list == "" && !c.question && !a.otherCueFirst(c) {
		if it, ok := a.eventItem(c); ok {
			return it, nil, true
		}
	}

	if !hasLabel || label == domain.KindLocation {
		if p, ok := findPlace(text, c.links); ok {
			from := 0
			if hasLabel {
				from = c.origOffset(labelEnd)
			}
			if it, ok := a.placeItem(c, p, from); ok {
				return it, nil, true
			}
		}
	}
	if hasLabel {
		it, ok := a.build(c, label, labelEnd, nil, carry)
		return it, nil, ok
	}
	skip := inTemporal(c.temps)
	hits := headCues(c.toks, skip, c.question)
	for _, h := range hits {
		kind := h.cue.kind
		if list != "" && kind != list && kind != domain.KindLocation {
			continue
		}
		from := c.toks[h.end-1].end
		if h.cue.has(cueKeep) {
			from = c.toks[h.start].start
		}
		if it, ok := a.build(c, kind, from, &h, carry); ok {
			// Dates said before the cue carry to the next clauses.
			var before []temporal
			for _, t := range c.temps {
				if t.end <= c.toks[h.start].start {
					before = append(before, t)
				}
			}
			next, _ := a.env.resolve(before)
			if next == nil && len(c.temps) == 0 {
				next = carry
			}
			return it, next, true
		}
	}
	if !c.question {
		if h, ok := anywhereCue(c.toks); ok {
			if it, ok := a.addressItem(c, h); ok {
				return it, nil, true
			}
		}
	}
	if list != "" && !c.question {
		it, ok := a.build(c, list, 0, nil, carry)
		return it, nil, ok
	}
	return Item{}, nil, false
}

// otherCueFirst reports a task, note or idea cue at the head of the clause:
// "remind me to book lunch on Friday at 1" is a task, not an event.
func (a *analyser) otherCueFirst(c *clauseInfo) bool {
	for _, h := range headCues(c.toks, inTemporal(c.temps), false) {
		if h.cue.kind != domain.KindLocation {
			return true
		}
	}
	return false
}

// leadingDropWords are cut from the start of a title after a cut cue:
// "remind me *to* call", "lembrar *de* ligar", "recuérdame *que* ...".
var leadingDropWords = setOf("to that de que please pls")

// speechVerbs after a modal are small talk, not tasks: "I have to say".
var speechVerbs = setOf("say admit confess agree tell dizer confessar admitir concordar falar decir confesar")

// leaveVerbs and leaveTails make small talk of a task: "I have to go now",
// "tenho que ir embora", "me tengo que ir ya".
var (
	leaveVerbs = setOf("go leave run sleep ir irme dormir sair")
	leaveTails = setOf("now home already soon bye agora embora ja tchau ya adios chau")
)

// smallTalkTask reports a task title that only says the speaker is leaving:
// a leaving verb alone, before a word like "now", or before punctuation.
func smallTalkTask(title string) bool {
	f := foldString(title)
	toks := tokenize(f)
	if len(toks) == 0 || !leaveVerbs[toks[0].w] {
		return false
	}
	if len(toks) == 1 || leaveTails[toks[1].w] {
		return true
	}
	return strings.TrimSpace(f[toks[0].end:toks[1].start]) != ""
}

// build makes an item of kind from the clause text after folded offset from
// (a label, a cue, or the start), cutting dates and times out of task titles.
func (a *analyser) build(c *clauseInfo, kind domain.Kind, from int, h *cueHit, carry *due) (Item, bool) {
	it := Item{Kind: kind}
	var cuts [][2]int
	for _, l := range c.links {
		cuts = append(cuts, [2]int{l.start, l.end})
	}
	if kind == domain.KindLocation {
		return a.addressFrom(c, from, "", false)
	}
	if kind == domain.KindTask {
		d, used := a.env.resolve(c.temps)
		if d == nil {
			d = carry
		}
		if d != nil {
			at := d.at
			it.Due, it.DueHasTime = &at, d.hasTime
		}
		for _, t := range used {
			cuts = append(cuts, [2]int{c.origOffset(t.start), c.origOffset(t.end)})
		}
	}
	// A cut cue may be followed by another: "remind me that I need to call".
	if h != nil && !h.cue.has(cueKeep) {
		j := h.end
		for j < len(c.toks) && leadingDropWords[c.toks[j].w] {
			j++
		}
		if j < len(c.toks) {
			if hits := headCues(c.toks[j:], inTemporal(c.temps), false); len(hits) > 0 {
				n := hits[0]
				if n.cue.kind == domain.KindTask && kind == domain.KindTask && !n.cue.has(cueKeep) {
					from = c.toks[j+n.end-1].end
				}
			}
		}
		if kind == domain.KindTask && h.cue.has(cueSubject) && h.end < len(c.toks) {
			next := c.toks[h.end].w
			if speechVerbs[next] || h.cue.words[0] == "must" && (next == "be" || next == "have") {
				return Item{}, false
			}
		}
	}
	title := cleanTitle(cutSpans(c.text, c.origOffset(from), cuts))
	if h != nil && !h.cue.has(cueKeep) {
		title = dropLeadingWords(title)
	}
	if kind == domain.KindTask && smallTalkTask(title) {
		return Item{}, false
	}
	return finishItem(it, title, c.text)
}

// finishItem sets the title (capitalised, cut to length) and the body.
func finishItem(it Item, title, source string) (Item, bool) {
	if !hasLetterOrDigit(title) {
		return Item{}, false
	}
	it.Title = capitalise(truncateRunes(title, maxTitleRunes))
	if !sameText(source, it.Title) {
		it.Body = strings.TrimSpace(source)
	}
	return it, true
}

// sameText reports whether a body would add nothing to a title.
func sameText(source, title string) bool {
	trim := func(s string) string { return strings.TrimRight(strings.TrimSpace(foldString(s)), ".!?;:… ") }
	return trim(source) == trim(title)
}

// addressItem makes a location from an address cue that may follow
// anything ("A padaria fica na Rua Augusta, 500"): the words before name the
// place, the words after are the address.
func (a *analyser) addressItem(c *clauseInfo, h cueHit) (Item, bool) {
	name := ""
	if h.start > 0 {
		name = cleanTitle(c.text[:c.origOffset(c.toks[h.start].start)])
		if n := foldString(name); subjectWords[n] || fillerWords[n] || n == "it" || n == "se" || n == "isso" || n == "eso" {
			name = ""
		}
	}
	return a.addressFrom(c, c.toks[h.end-1].end, name, true)
}

// addressFrom makes a location whose address is the clause after folded
// offset from, without dates and times ("meet me at the station at 5").
//
// With strict, as after cues that may follow anything ("se queda en casa"),
// the address must look like one (see looksLikeAddress).
func (a *analyser) addressFrom(c *clauseInfo, from int, name string, strict bool) (Item, bool) {
	var cuts [][2]int
	for _, t := range c.temps {
		cuts = append(cuts, [2]int{c.origOffset(t.start), c.origOffset(t.end)})
	}
	addr := cleanTitle(cutSpans(c.text, c.origOffset(from), cuts))
	for {
		w, rest, _ := strings.Cut(addr, " ")
		if !addressLeadWords[foldString(w)] || rest == "" {
			break
		}
		addr = rest
	}
	if !hasLetterOrDigit(addr) || strict && !looksLikeAddress(addr) {
		return Item{}, false
	}
	addr = truncateRunes(addr, maxTitleRunes)
	it := Item{Kind: domain.KindLocation, Address: capitalise(addr)}
	if name == "" {
		name = addr
	}
	return finishItem(it, name, c.text)
}

var addressLeadWords = setOf("at in on em en no na el la")

// placeItem makes a location from coordinates or a map link. The title is
// the place's name when the link has one, else the rest of the clause
// ("Parking: -23.55, -46.63" is "Parking"), else the coordinates.
func (a *analyser) placeItem(c *clauseInfo, p place, from int) (Item, bool) {
	it := Item{Kind: domain.KindLocation, Address: truncateRunes(p.address, maxTitleRunes)}
	if p.hasCoords {
		lat, lng := p.lat, p.lng
		it.Latitude, it.Longitude = &lat, &lng
	}
	title := p.name
	if title == "" {
		cuts := [][2]int{{p.start, p.end}}
		for _, l := range c.links {
			cuts = append(cuts, [2]int{l.start, l.end})
		}
		rest := cleanTitle(cutSpans(c.text, from, cuts))
		if letters(rest) >= 2 {
			title = rest
		}
	}
	if title == "" && p.hasCoords {
		return finishItem(it, formatCoords(p.lat, p.lng), c.text)
	}
	if title == "" {
		title = p.address
	}
	return finishItem(it, cleanTitle(title), c.text)
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if isWordRune(r) && !('0' <= r && r <= '9') {
			n++
		}
	}
	return n
}

// cutSpans returns s[from:] with the spans (byte offsets in s) replaced by
// a space.
func cutSpans(s string, from int, spans [][2]int) string {
	var b strings.Builder
	pos := from
	for pos < len(s) {
		next, nextEnd := len(s), len(s)
		for _, sp := range spans {
			if sp[1] > pos && sp[0] < next {
				next, nextEnd = max(sp[0], pos), sp[1]
			}
		}
		b.WriteString(s[pos:next])
		if next < len(s) {
			b.WriteByte(' ')
			// Overlapping spans: skip to the furthest end among those that start here.
			for _, sp := range spans {
				if sp[0] <= nextEnd && sp[1] > nextEnd {
					nextEnd = sp[1]
				}
			}
		}
		pos = nextEnd
	}
	return b.String()
}

// trailingDropWords are cut from the end of a title: prepositions and
// politeness left behind when a date is cut ("pay rent by" → "pay rent").
var trailingDropWords = setOf(`on by at for the and or to until till before from in of with please pls too also
	e y ou os as de do da dos das no na em en para pra ate hasta el la los las ao al del com con
	porfa pfv tambem tambien`)

// cleanTitle tidies a title: single spaces, no space before punctuation, no
// punctuation or dangling prepositions at either end.
func cleanTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer(" ,", ",", " .", ".", " ;", ";", " :", ":", " !", "!", " ?", "?", "( ", "(", " )", ")").Replace(s)
	for {
		before := s
		s = strings.TrimLeft(s, " ,;:.-–—!?¿¡)]}>·•=")
		s = strings.TrimRight(s, " ,;:.-–—!?¿¡([{<=")
		if i := strings.LastIndexByte(s, ' '); i > 0 && trailingDropWords[foldString(s[i+1:])] {
			s = s[:i]
		}
		if f := foldString(s); strings.HasSuffix(f, " por favor") && len(f) == len(s) {
			s = s[:len(s)-len(" por favor")]
		}
		if s == before {
			return s
		}
	}
}

// dropLeadingWords removes words like "to", "de", "que" left at the start of
// a title after its cue was cut.
func dropLeadingWords(s string) string {
	for {
		w, rest, ok := strings.Cut(s, " ")
		if !ok || !leadingDropWords[foldString(w)] {
			return s
		}
		s = rest
	}
}
