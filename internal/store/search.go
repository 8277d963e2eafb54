package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Search document kinds.
const (
	SearchMessage   = "message"
	SearchBookmark  = "bookmark"
	SearchTask      = "task"
	SearchNote      = "note"
	SearchIdea      = "idea"
	SearchLocation  = "location"
	SearchVoiceMemo = "voice_memo"
	SearchSummary   = "summary"
	SearchImage     = "image"
)

// Fold is the form in which text is indexed and searched: lower case,
// without diacritics (so "acao" finds "ação" and vowel points do not hide a
// Hebrew word), with punctuation turned into spaces.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			return unicode.ToLower(r)
		}
		return ' '
	}, out)
}

// searchTerms splits a query into at most 8 folded words.
func searchTerms(q string) []string {
	terms := strings.Fields(Fold(q))
	if len(terms) > 8 {
		terms = terms[:8]
	}
	return terms
}

func userToken(userID string) string { return "u" + strings.ToLower(userID) }

// indexDoc adds or replaces the search document of one thing.
func (s *Store) indexDoc(ctx context.Context, tx *sql.Tx, userID, kind, ref string, ts time.Time, text string) error {
	body := Fold(text)
	switch s.dialect {
	case SQLite:
		body = userToken(userID) + " " + body
		if err := s.unindexDoc(ctx, tx, kind, ref); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO search_docs (user_id, kind, ref, ts) VALUES ($1, $2, $3, $4) RETURNING id`,
			userID, kind, ref, ms(ts)).Scan(&id); err != nil {
			return fmt.Errorf("store: index %s: %w", kind, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, body) VALUES ($1, $2)`, id, body); err != nil {
			return fmt.Errorf("store: index %s: %w", kind, err)
		}
	case Postgres:
		if _, err := tx.ExecContext(ctx, `INSERT INTO search_docs (user_id, kind, ref, ts, tsv) VALUES ($1, $2, $3, $4, to_tsvector('simple', $5))
			ON CONFLICT (kind, ref) DO UPDATE SET ts = excluded.ts, tsv = excluded.tsv`, userID, kind, ref, ms(ts), body); err != nil {
			return fmt.Errorf("store: index %s: %w", kind, err)
		}
	}
	return nil
}

// unindexDoc removes a thing's search document (the SQLite trigger removes
// its indexed text).
func (s *Store) unindexDoc(ctx context.Context, tx *sql.Tx, kind, ref string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE kind = $1 AND ref = $2`, kind, ref); err != nil {
		return fmt.Errorf("store: unindex %s: %w", kind, err)
	}
	return nil
}

// SearchHit is one search result. Title and Snippet come from the thing
// itself; Ref identifies it within its kind (for messages, "<chat id>/<id>").
type SearchHit struct {
	Kind    string    `json:"kind"`
	ID      string    `json:"id"`
	ChatID  string    `json:"chatId,omitempty"`
	Title   string    `json:"title"`
	Snippet string    `json:"snippet"`
	Time    time.Time `json:"time"`
	Rank    float64   `json:"rank"`
}

// SearchOptions select a page of results.
type SearchOptions struct {
	// Kinds restricts results to these kinds (default: all).
	Kinds []string
	Limit int
}

type rawHit struct {
	kind, ref string
	ts        int64
	rank      float64
}

// Search finds the user's messages and knowledge matching every word of q
// (the last word may be the start of a word), best first. A query without
// words finds nothing.
func (s *Store) Search(ctx context.Context, userID, q string, o SearchOptions) ([]SearchHit, error) {
	terms := searchTerms(q)
	if len(terms) == 0 {
		return nil, nil
	}
	limit := ListOptions{Limit: o.Limit}.limit()
	wantMessages, docKinds := len(o.Kinds) == 0, []string(nil)
	for _, k := range o.Kinds {
		if k == SearchMessage {
			wantMessages = true
		} else {
			docKinds = append(docKinds, k)
		}
	}
	var raw []rawHit
	if wantMessages {
		hits, err := s.searchMessages(ctx, userID, terms, limit)
		if err != nil {
			return nil, err
		}
		raw = append(raw, hits...)
	}
	if len(o.Kinds) == 0 || len(docKinds) > 0 {
		hits, err := s.searchDocs(ctx, userID, terms, docKinds, limit)
		if err != nil {
			return nil, err
		}
		raw = append(raw, hits...)
	}
	sort.SliceStable(raw, func(i, j int) bool {
		if raw[i].rank != raw[j].rank {
			return raw[i].rank > raw[j].rank
		}
		return raw[i].ts > raw[j].ts
	})
	if len(raw) > limit {
		raw = raw[:limit]
	}
	return s.resolveHits(ctx, userID, raw, terms)
}

func kindFilter(kinds []string, args *[]any) string {
	if len(kinds) == 0 {
		return ""
	}
	ph := make([]string, len(kinds))
	for i, k := range kinds {
		*args = append(*args, k)
		ph[i] = fmt.Sprintf("$%d", len(*args))
	}
	return " AND d.kind IN (" + strings.Join(ph, ",") + ")"
}

// ftsQuery is an FTS5 query: the owner's token and every term, the last as
// a prefix. Terms are quoted, so FTS5 syntax in a query is just text.
func ftsQuery(userID string, terms []string) string {
	parts := []string{`"` + userToken(userID) + `"`}
	for i, t := range terms {
		p := `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
		if i == len(terms)-1 {
			p += "*"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " AND ")
}

// tsQuery is a PostgreSQL tsquery of every term, the last as a prefix.
func tsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		// Folded terms hold only letters and digits; quote them anyway.
		parts[i] = "'" + strings.ReplaceAll(t, "'", "") + "'"
		if i == len(terms)-1 {
			parts[i] += ":*"
		}
	}
	return strings.Join(parts, " & ")
}

// rankWindow bounds how many matching messages are ranked: the newest
// ones. A query that matches tens of thousands of messages ranks the most
// recent rankWindow of them instead of all, which keeps its cost bounded.
const rankWindow = 2000

func (s *Store) searchMessages(ctx context.Context, userID string, terms []string, limit int) ([]rawHit, error) {
	if s.dialect == SQLite {
		return s.scanHits(ctx, `SELECT 'message', m.seq, m.ts, f.r FROM
			(SELECT rowid, bm25(message_fts) AS r FROM message_fts WHERE message_fts MATCH $1 ORDER BY rowid DESC LIMIT $4) f
			JOIN messages m ON m.seq = f.rowid WHERE m.user_id = $2 ORDER BY f.r, m.ts DESC LIMIT $3`,
			[]any{ftsQuery(userID, terms), userID, limit, rankWindow}, true)
	}
	return s.scanHits(ctx, `SELECT 'message', m.seq, m.ts, ts_rank(m.tsv, query) FROM
		(SELECT seq, ts, tsv FROM messages, to_tsquery('simple', $1) query WHERE user_id = $2 AND tsv @@ query ORDER BY ts DESC LIMIT $4) m,
		to_tsquery('simple', $1) query ORDER BY ts_rank(m.tsv, query) DESC, m.ts DESC LIMIT $3`,
		[]any{tsQuery(terms), userID, limit, rankWindow}, false)
}

func (s *Store) searchDocs(ctx context.Context, userID string, terms, kinds []string, limit int) ([]rawHit, error) {
	if s.dialect == SQLite {
		args := []any{ftsQuery(userID, terms), userID}
		q := `SELECT d.kind, d.ref, d.ts, bm25(search_fts) FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
			WHERE search_fts MATCH $1 AND d.user_id = $2` + kindFilter(kinds, &args)
		args = append(args, limit)
		return s.scanHits(ctx, q+fmt.Sprintf(` ORDER BY bm25(search_fts), d.ts DESC LIMIT $%d`, len(args)), args, true)
	}
	args := []any{tsQuery(terms), userID}
	q := `SELECT d.kind, d.ref, d.ts, ts_rank(d.tsv, query) FROM search_docs d, to_tsquery('simple', $1) query
		WHERE d.user_id = $2 AND d.tsv @@ query` + kindFilter(kinds, &args)
	args = append(args, limit)
	return s.scanHits(ctx, q+fmt.Sprintf(` ORDER BY ts_rank(d.tsv, query) DESC, d.ts DESC LIMIT $%d`, len(args)), args, false)
}

func (s *Store) scanHits(ctx context.Context, q string, args []any, lowerIsBetter bool) ([]rawHit, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	defer rows.Close()
	var out []rawHit
	for rows.Next() {
		var h rawHit
		if err := rows.Scan(&h.kind, &h.ref, &h.ts, &h.rank); err != nil {
			return nil, err
		}
		if lowerIsBetter {
			h.rank = -h.rank
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// resolveHits loads each hit's title and text and cuts a snippet around
// the first matching word.
func (s *Store) resolveHits(ctx context.Context, userID string, raw []rawHit, terms []string) ([]SearchHit, error) {
	out := make([]SearchHit, 0, len(raw))
	for _, h := range raw {
		hit := SearchHit{Kind: h.kind, Time: fromMS(h.ts), Rank: h.rank}
		var title, text string
		var err error
		switch h.kind {
		case SearchMessage:
			var m Message
			var seq int64
			if _, err = fmt.Sscan(h.ref, &seq); err == nil {
				m, err = scanMessage(s.r.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE user_id = $1 AND seq = $2`, userID, seq))
			}
			hit.ID, hit.ChatID, title, text = m.ID, m.ChatID, m.FromName, m.Text
		default:
			title, text, hit.ChatID, err = s.searchText(ctx, userID, h.kind, h.ref)
			hit.ID = h.ref
		}
		if err != nil {
			continue // deleted since it was found
		}
		hit.Title = title
		hit.Snippet = Snippet(text, terms, 160)
		out = append(out, hit)
	}
	return out, nil
}

// searchText returns what a search hit of a non-message kind shows.
func (s *Store) searchText(ctx context.Context, userID, kind, id string) (title, text, chatID string, err error) {
	var q string
	switch kind {
	case SearchBookmark:
		q = `SELECT title, description || ' ' || url, '' FROM bookmarks WHERE user_id = $1 AND id = $2`
	case SearchTask:
		q = `SELECT title, body, chat_id FROM tasks WHERE user_id = $1 AND id = $2`
	case SearchNote:
		q = `SELECT title, body, chat_id FROM notes WHERE user_id = $1 AND id = $2`
	case SearchIdea:
		q = `SELECT title, body, chat_id FROM ideas WHERE user_id = $1 AND id = $2`
	case SearchLocation:
		q = `SELECT name, address, chat_id FROM locations WHERE user_id = $1 AND id = $2`
	case SearchVoiceMemo:
		q = `SELECT sender_name, transcript, chat_id FROM voice_memos WHERE user_id = $1 AND id = $2`
	case SearchSummary:
		q = `SELECT chat_name || ' ' || day, text, chat_id FROM summaries WHERE user_id = $1 AND id = $2`
	case SearchImage:
		q = `SELECT sender_name, caption, chat_id FROM images WHERE user_id = $1 AND id = $2`
	default:
		return "", "", "", ErrNotFound
	}
	err = s.r.QueryRowContext(ctx, q, userID, id).Scan(&title, &text, &chatID)
	return title, text, chatID, notFound(err)
}

// Snippet cuts about width characters of text around the first word that
// matches one of the folded terms (as a prefix), or from the start.
func Snippet(text string, terms []string, width int) string {
	words := strings.Fields(text)
	hit := -1
	for i, w := range words {
		fw := strings.TrimSpace(Fold(w))
		for _, t := range terms {
			if t != "" && strings.HasPrefix(fw, t) {
				hit = i
				break
			}
		}
		if hit >= 0 {
			break
		}
	}
	start := 0
	if hit > 3 {
		start = hit - 3
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	for i := start; i < len(words); i++ {
		if b.Len()+len(words[i]) > width && i > hit {
			b.WriteString(" …")
			break
		}
		if i > start {
			b.WriteByte(' ')
		}
		b.WriteString(words[i])
	}
	return b.String()
}
