package store

import (
	"testing"

	"github.com/synapse-kb/synapse/internal/domain"
)

// Fold's shortcut for ASCII text gives what folding any text gives.
func TestFoldASCIIShortcut(t *testing.T) {
	var all []byte
	for c := 0; c < 128; c++ {
		all = append(all, byte(c))
	}
	for _, s := range []string{string(all), "Hello, World! 42", "ProJETO_x-y@z.io #tag7", ""} {
		if got, want := Fold(s), foldText(s); got != want {
			t.Errorf("Fold(%q) = %q, want %q", s, got, want)
		}
	}
	if got := Fold("Ação ÉPICA"); got != "acao epica" {
		t.Errorf("Fold of non-ASCII text = %q", got)
	}
}

// rankDocs scores as BM25 over the hits given: more occurrences rank
// higher, a shorter document with as many ranks higher, a word rarer among
// the hits weighs more (any-word queries), and with prefix the last term
// counts words it starts.
func TestRankDocs(t *testing.T) {
	rank := func(texts []string, terms []string, prefix bool) []float64 {
		hits := make([]rawHit, len(texts))
		for i := range hits {
			hits[i] = rawHit{kind: domain.KindNote, ref: string(rune('a' + i))}
		}
		rankDocs(hits, texts, terms, prefix)
		out := make([]float64, len(hits))
		for i, h := range hits {
			out[i] = h.rank
		}
		return out
	}
	r := rank([]string{"projeto um", "projeto projeto um", "projeto um dois tres quatro cinco seis"}, []string{"projeto"}, false)
	if !(r[1] > r[0] && r[0] > r[2] && r[2] > 0) {
		t.Errorf("term frequency and length: ranks %v", r)
	}
	// Any word: "raro" is in one hit, "comum" in all three.
	r = rank([]string{"comum raro", "comum comum", "comum x"}, []string{"comum", "raro"}, false)
	if !(r[0] > r[1] && r[0] > r[2]) {
		t.Errorf("rarer word: ranks %v", r)
	}
	// Whole words only, unless prefix; Fold'ed, so case and accents do not count.
	r = rank([]string{"Projetos", "PROJETÓ"}, []string{"projeto"}, false)
	if r[0] != 0 || r[1] <= 0 {
		t.Errorf("whole words: ranks %v", r)
	}
	r = rank([]string{"Projetos", "outro"}, []string{"proj"}, true)
	if r[0] <= 0 || r[1] != 0 {
		t.Errorf("prefix: ranks %v", r)
	}
	rank(nil, []string{"x"}, false) // no hits: nothing to do
}
