package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// folded is a copy of a text made for matching: lower case, without
// diacritics ("Amanhã" and "amanha" fold alike), with typographic quotes and
// odd spaces made plain. orig maps every byte of s back to the byte offset in
// the original text where its rune came from, so that a match found in s can
// be cut out of the original.
type folded struct {
	s    string
	orig []int // len(s)+1 entries; orig[len(s)] is the length of the original
}

// latin1Fold strips diacritics from the lower-case letters U+00E0..U+00FF;
// zero means "keep as is".
const latin1Fold = "aaaaaa\x00ceeeeiiii\x00nooooo\x00ouuuuy\x00y"

var extAFold = map[rune]rune{
	'ā': 'a', 'ă': 'a', 'ą': 'a', 'ć': 'c', 'ĉ': 'c', 'ċ': 'c', 'č': 'c', 'ď': 'd', 'đ': 'd',
	'ē': 'e', 'ĕ': 'e', 'ė': 'e', 'ę': 'e', 'ě': 'e', 'ğ': 'g', 'ĩ': 'i', 'ī': 'i', 'ĭ': 'i',
	'į': 'i', 'ı': 'i', 'ł': 'l', 'ń': 'n', 'ņ': 'n', 'ň': 'n', 'ō': 'o', 'ŏ': 'o', 'ő': 'o',
	'ŕ': 'r', 'ř': 'r', 'ś': 's', 'ŝ': 's', 'ş': 's', 'š': 's', 'ţ': 't', 'ť': 't', 'ũ': 'u',
	'ū': 'u', 'ŭ': 'u', 'ů': 'u', 'ű': 'u', 'ų': 'u', 'ź': 'z', 'ż': 'z', 'ž': 'z',
}

// foldRune maps r to its matching form, or to -1 for runes that carry nothing
// for matching (combining marks, zero-width and direction marks).
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		if r == '\t' || r == '\r' || r == '\v' || r == '\f' {
			return ' '
		}
		return r
	}
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u2060', '\uFEFF', '\u00AD':
		return -1
	case '\u2018', '\u2019', '\u201B', '\u02BC', '\u00B4':
		return '\''
	case '\u201C', '\u201D', '\u201E':
		return '"'
	case '\u2013', '\u2014', '\u2212':
		return '-'
	}
	if unicode.Is(unicode.Mn, r) {
		return -1
	}
	if unicode.IsSpace(r) {
		return ' '
	}
	r = unicode.ToLower(r)
	if r >= 0xE0 && r <= 0xFF {
		if m := latin1Fold[r-0xE0]; m != 0 {
			return rune(m)
		}
		return r
	}
	if m, ok := extAFold[r]; ok {
		return m
	}
	return r
}

// fold returns the matching form of src.
func fold(src string) folded {
	var b strings.Builder
	b.Grow(len(src))
	orig := make([]int, 0, len(src)+1)
	for i, r := range src {
		r = foldRune(r)
		if r < 0 {
			continue
		}
		n := b.Len()
		b.WriteRune(r)
		for range b.Len() - n {
			orig = append(orig, i)
		}
	}
	orig = append(orig, len(src))
	return folded{s: b.String(), orig: orig}
}

// foldString is fold(s).s.
func foldString(s string) string { return fold(s).s }

// token is a word of a folded text: letters and digits, with apostrophes
// inside ("don't").
type token struct {
	start, end int
	w          string
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// tokenize splits a folded text into words.
func tokenize(s string) []token {
	var toks []token
	start := -1
	for i, r := range s {
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
		case r == '\'' && start >= 0 && i+1 < len(s):
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if !unicode.IsLetter(next) {
				toks = append(toks, token{start, i, s[start:i]})
				start = -1
			}
		default:
			if start >= 0 {
				toks = append(toks, token{start, i, s[start:i]})
				start = -1
			}
		}
	}
	if start >= 0 {
		toks = append(toks, token{start, len(s), s[start:]})
	}
	return toks
}

// prevWord returns the folded word that ends right before offset pos in s
// (only spaces between), or "".
func prevWord(s string, pos int) string {
	j := pos
	for j > 0 && s[j-1] == ' ' {
		j--
	}
	i := j
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if !isWordRune(r) && r != '\'' {
			break
		}
		i -= size
	}
	return s[i:j]
}

// nextWord returns the folded word that starts after offset pos in s (only
// spaces between), or "".
func nextWord(s string, pos int) string {
	i := pos
	for i < len(s) && s[i] == ' ' {
		i++
	}
	j := i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !isWordRune(r) {
			break
		}
		j += size
	}
	return s[i:j]
}

// stripFormatting removes WhatsApp formatting marks: "*", "_" and "~" at the
// edges of words (after or before punctuation) and "```" anywhere.
func stripFormatting(s string) string {
	if !strings.ContainsAny(s, "*_~`") {
		return s
	}
	s = strings.ReplaceAll(s, "```", "")
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		// Copy the spaces, then handle one word.
		i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexFunc(s, unicode.IsSpace)
		if j < 0 {
			j = len(s)
		}
		b.WriteString(stripWordMarks(s[:j]))
		s = s[j:]
	}
	return b.String()
}

func isMark(r rune) bool { return r == '*' || r == '_' || r == '~' }

func stripWordMarks(w string) string {
	if !strings.ContainsAny(w, "*_~") {
		return w
	}
	const leadPunct = "([{\"'¿¡“‘«"
	const trailPunct = ".,;:!?)]}\"'”’»…"
	// Leading run of marks and opening punctuation.
	lead := 0
	for lead < len(w) {
		r, size := utf8.DecodeRuneInString(w[lead:])
		if !isMark(r) && !strings.ContainsRune(leadPunct, r) {
			break
		}
		lead += size
	}
	trail := len(w)
	for trail > lead {
		r, size := utf8.DecodeLastRuneInString(w[:trail])
		if !isMark(r) && !strings.ContainsRune(trailPunct, r) {
			break
		}
		trail -= size
	}
	drop := func(s string) string {
		return strings.Map(func(r rune) rune {
			if isMark(r) {
				return -1
			}
			return r
		}, s)
	}
	return drop(w[:lead]) + w[lead:trail] + drop(w[trail:])
}

// noSplitAbbrevs are words that end with a full stop without ending a
// sentence: titles, street types and a few others ("Av. Paulista", "Dr. Silva").
var noSplitAbbrevs = setOf(`mr mrs ms dr dra drs sr sra srta sto sta st av avda ave r rd
	prof profa eng no nº n num apt ap apto dept depto vs approx aprox ft tel cel
	jan feb mar apr jun jul aug sep sept oct nov dec fev abr ago set out dez ene dic
	pg pag vol ed cap art inc ltd ltda cia co jr sen gov gen col lt`)

// splitSentences cuts a line into sentences at ".", "!", "?", "…" and ";"
// followed by a space or the end, keeping the punctuation with its sentence.
// A full stop after a known abbreviation or a single capital letter (an
// initial) does not end a sentence, nor does "a.m."/"p.m."/"etc." before a
// lower-case word.
func splitSentences(line string) []string {
	var out []string
	start := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		if !strings.ContainsRune(".!?…;", r) {
			i += size
			continue
		}
		j := i
		for j < len(line) {
			r2, s2 := utf8.DecodeRuneInString(line[j:])
			if !strings.ContainsRune(".!?…;\"')]”’»", r2) {
				break
			}
			j += s2
		}
		atEnd := j >= len(line)
		if !atEnd {
			next, _ := utf8.DecodeRuneInString(line[j:])
			if !unicode.IsSpace(next) {
				i = j
				continue
			}
		}
		if r == '.' && j == i+1 && !atEnd && !fullStopEnds(line, i, j) {
			i = j
			continue
		}
		if s := strings.TrimSpace(line[start:j]); s != "" {
			out = append(out, s)
		}
		start = j
		i = j
	}
	if s := strings.TrimSpace(line[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// fullStopEnds decides whether the single "." at line[dot] (followed by a
// space at line[after]) ends a sentence.
func fullStopEnds(line string, dot, after int) bool {
	w := prevWord(line[:dot], dot)
	if w == "" {
		return true
	}
	fw := foldString(w)
	nextUpper := false
	rest := strings.TrimLeft(line[after:], " \t")
	if r, _ := utf8.DecodeRuneInString(rest); unicode.IsUpper(r) {
		nextUpper = true
	}
	if noSplitAbbrevs[fw] {
		return false
	}
	if utf8.RuneCountInString(w) == 1 {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsUpper(r) {
			return false // an initial: "J. Smith"
		}
		if fw == "m" && !nextUpper {
			before := foldString(line[:dot])
			if strings.HasSuffix(before, "a.m") || strings.HasSuffix(before, "p.m") {
				return false
			}
		}
	}
	if fw == "etc" && !nextUpper {
		return false
	}
	return true
}

// setOf builds a set from space-separated words.
func setOf(words string) map[string]bool {
	m := make(map[string]bool)
	for w := range strings.FieldsSeq(words) {
		m[w] = true
	}
	return m
}

// capitalise upper-cases the first letter of s.
func capitalise(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// truncateRunes cuts s to at most n runes, at a word boundary when one is
// near, and marks the cut with "…".
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, count := 0, 0
	for i := range s {
		if count == n-1 {
			cut = i
			break
		}
		count++
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut*2/3 {
		cut = sp
	}
	return strings.TrimRight(s[:cut], " ,;:-") + "…"
}

// hasLetterOrDigit reports whether s holds any letter or digit.
func hasLetterOrDigit(s string) bool {
	return strings.IndexFunc(s, isWordRune) >= 0
}
