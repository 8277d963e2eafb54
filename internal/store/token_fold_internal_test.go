package store

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"unicode"
)

// TestTokenFoldMatchesFTS5: for every letter and digit that Fold keeps
// inside a word, the words foldedHas sees (tokenFold after Fold) are the
// tokens SQLite's index makes of the same folded text, so that a search
// that tests words in Go finds what the index finds.
func TestTokenFoldMatchesFTS5(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE VIRTUAL TABLE t USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2')`,
		`CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{}
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			continue
		}
		folded := Fold("a" + string(r) + "b")
		if len(strings.Fields(folded)) != 1 {
			continue // not a word character once folded: nothing to compare
		}
		want[int64(r)] = strings.Join(strings.Fields(tokenFold(folded)), " ")
		if _, err := tx.Exec(`INSERT INTO t (rowid, body) VALUES (?, ?)`, int64(r), folded); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT doc, group_concat(term, ' ') FROM (SELECT doc, term FROM v ORDER BY doc, offset) GROUP BY doc`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var wrong []string
	seen := 0
	for rows.Next() {
		var doc int64
		var tokens string
		if err := rows.Scan(&doc, &tokens); err != nil {
			t.Fatal(err)
		}
		seen++
		if tokens != want[doc] {
			wrong = append(wrong, fmt.Sprintf("U+%04X: index %q, Go %q", doc, tokens, want[doc]))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen < 100000 || len(wrong) > 0 {
		t.Fatalf("%d characters compared, %d differ: %v", seen, len(wrong), wrong[:min(len(wrong), 20)])
	}
}
