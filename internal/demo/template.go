package demo

import (
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the small template language the demo's sentences are
// written in. "{a|b|c}" is one of a, b or c, chosen at random (choices nest
// and may be empty: "{ soon|}" is " soon" or nothing); "{$name}" is the value
// of a variable. Everything else is literal text.

// expand fills a template. A variable that is not set is a bug in the
// demo's sentences and panics, so that tests find it.
func expand(rng *rand.Rand, tpl string, vars map[string]string) string {
	var b strings.Builder
	expandInto(&b, rng, tpl, vars)
	return tidy(b.String())
}

func expandInto(b *strings.Builder, rng *rand.Rand, tpl string, vars map[string]string) {
	for i := 0; i < len(tpl); {
		if tpl[i] != '{' {
			j := strings.IndexByte(tpl[i:], '{')
			if j < 0 {
				b.WriteString(tpl[i:])
				return
			}
			b.WriteString(tpl[i : i+j])
			i += j
			continue
		}
		end := closingBrace(tpl, i)
		inner := tpl[i+1 : end]
		if strings.HasPrefix(inner, "$") && !strings.ContainsAny(inner, "|{") {
			v, ok := vars[inner[1:]]
			if !ok {
				panic("demo: template variable " + inner + " is not set in " + tpl)
			}
			b.WriteString(v)
		} else {
			alts := splitChoices(inner)
			expandInto(b, rng, alts[rng.IntN(len(alts))], vars)
		}
		i = end + 1
	}
}

// closingBrace returns the index of the "}" that closes the "{" at open.
func closingBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	panic("demo: unclosed { in template " + s)
}

// splitChoices cuts the inside of braces at its top-level "|".
func splitChoices(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// tidy mends what optional parts and empty variables leave behind: runs of
// spaces, spaces before punctuation, a comma before an end of sentence.
func tidy(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		line = strings.Join(strings.Fields(line), " ")
		for _, p := range []string{",", ".", "!", "?", ":", ";", ")"} {
			line = strings.ReplaceAll(line, " "+p, p)
		}
		line = strings.ReplaceAll(line, ",,", ",")
		for _, p := range []string{"!", "?", "."} {
			line = strings.ReplaceAll(line, ","+p, p)
		}
		b.WriteString(strings.TrimSuffix(line, ","))
	}
	return strings.TrimSpace(b.String())
}

// sentence is a message's text: it starts with a capital letter, unless it
// starts with a link.
func sentence(s string) string {
	if strings.HasPrefix(s, "http") {
		return s
	}
	return capitalise(s)
}

// capitalise upper-cases the first letter of s.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
