// Package tags reads and normalises the tags people put on their items:
// "#hashtags" in the words an item came from, and tags typed by hand.
package tags

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const (
	// MaxLen is the most characters (runes) a tag may have.
	MaxLen = 50
	// MaxPerItem is the most tags one item may carry.
	MaxPerItem = 20
)

// Normalize returns a tag in its stored form: NFC, lower case, without a
// leading "#". It reports false when the result is empty, longer than
// MaxLen, or holds anything but letters, digits, "_" and "-".
func Normalize(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "#")
	s = strings.ToLower(norm.NFC.String(s))
	if s == "" || utf8.RuneCountInString(s) > MaxLen {
		return "", false
	}
	for _, r := range s {
		if !tagRune(r) {
			return "", false
		}
	}
	return s, true
}

// tagRune is a character a tag may hold. Marks (Mn, Mc) count so that a
// decomposed "café" typed on some keyboards is still one word.
func tagRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// Clean normalises a list of tags as a person typed them, keeping the first
// of duplicates in order. bad holds the ones that are not tags; too many
// reports more than MaxPerItem distinct tags.
func Clean(in []string) (out []string, bad []string, tooMany bool) {
	seen := map[string]bool{}
	out = []string{}
	for _, t := range in {
		n, ok := Normalize(t)
		if !ok {
			bad = append(bad, t)
			continue
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, bad, len(out) > MaxPerItem
}

// Parse finds the hashtags in text, normalised, distinct, in order, at most
// MaxPerItem of them. A hashtag is "#" followed by a word of letters,
// digits, "_" and "-" that holds at least one letter ("#1" is a number, not
// a tag), where the "#" starts a word: the "#" of a URL fragment
// ("example.com/page#top") or of "a#b" is not one. A word longer than
// MaxLen is not a tag. Trailing "-" and "_" are dropped ("#café-" is café).
func Parse(text string) []string {
	var out []string
	seen := map[string]bool{}
	prev := ' '
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r != '#' || !boundary(prev) {
			prev = r
			i += size
			continue
		}
		j := i + size
		for j < len(text) {
			c, n := utf8.DecodeRuneInString(text[j:])
			if !tagRune(c) {
				break
			}
			j += n
		}
		word := strings.TrimRight(text[i+size:j], "-_")
		if t, ok := Normalize(word); ok && hasLetter(t) && !seen[t] {
			seen[t] = true
			out = append(out, t)
			if len(out) == MaxPerItem {
				break
			}
		}
		if j == i+size {
			prev = r
		} else {
			prev = 'x'
		}
		i = j
	}
	return out
}

// boundary says whether a "#" after r starts a word: after a space, the
// start of the text, or an opening bracket or quote, not after a letter,
// digit, "/" or another "#" (URLs, "C#", "##").
func boundary(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("([{\"'«“‘¿¡,;:.!?", r)
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}
