package store

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/synapse-kb/synapse/internal/domain"
)

// On SQLite a window of matching documents (not messages) is ranked in Go,
// not by FTS5's bm25: bm25 weighs each phrase of the query by counting
// every document that holds it, and every query holds the owner's token,
// which is in all of the owner's documents (and a common word may be too),
// so its cost grew with everything the owner has, however few documents
// the query's filter left. Here the window (at most rankWindow documents,
// the newest matches) has its text read back and is scored with BM25 whose
// statistics — how many documents hold each word, their mean length — are
// the window's own. Within the window the order is bm25's but for those
// statistics: every document of an all-words query holds every word, so
// the words' weights are equal either way, and with Ask's any-word
// queries a word rarer in the window weighs more, as a word rarer in the
// index did.

// BM25's usual constants (FTS5's as well).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// docTextSQL is the table of a kind of indexed thing and the SQL
// expression of the text it is indexed with (docText's, as one column;
// an event's people are its JSON list, which folds to the same words).
func docTextSQL(kind domain.Kind) (table, expr string, ok bool) {
	switch kind {
	case domain.KindTask, domain.KindNote, domain.KindIdea:
		table, _ = itemTable(kind)
		return table, `title || ' ' || body`, true
	case domain.KindLocation:
		return "locations", `name || ' ' || address`, true
	case domain.KindEvent:
		return "events", `title || ' ' || body || ' ' || place || ' ' || people`, true
	case domain.KindImage:
		return "images", `caption || ' ' || sender_name`, true
	case domain.KindVoiceMemo:
		return "voice_memos", `transcript`, true
	case domain.KindBookmark:
		return "bookmarks", `title || ' ' || description || ' ' || site_name || ' ' || url`, true
	case domain.KindSummary:
		return "summaries", `chat_name || ' ' || text`, true
	}
	return "", "", false
}

// docTexts reads the indexed text of each hit, one query per kind; a hit
// whose thing is gone (deleted since it was found) gets "". (Only SQLite
// needs them: PostgreSQL ranks with ts_rank.)
func (s *Store) docTexts(ctx context.Context, userID string, hits []rawHit) ([]string, error) {
	byKind := map[domain.Kind][]int{}
	for i, h := range hits {
		byKind[h.kind] = append(byKind[h.kind], i)
	}
	texts := make([]string, len(hits))
	for kind, idx := range byKind {
		table, expr, ok := docTextSQL(kind)
		if !ok {
			continue
		}
		ids := make([]string, len(idx))
		at := make(map[string][]int, len(idx))
		for j, i := range idx {
			ids[j] = hits[i].ref
			at[hits[i].ref] = append(at[hits[i].ref], i)
		}
		from, arg, err := s.ofIDs(table, ids)
		if err != nil {
			return nil, fmt.Errorf("store: search texts: %w", err)
		}
		rows, err := s.r.QueryContext(ctx, `SELECT t.id, `+expr+from, userID, arg)
		if err != nil {
			return nil, fmt.Errorf("store: search texts: %w", err)
		}
		for rows.Next() {
			var id, text string
			if err := rows.Scan(&id, &text); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: search texts: %w", err)
			}
			for _, i := range at[id] {
				texts[i] = text
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: search texts: %w", err)
		}
	}
	return texts, nil
}

// rankInGo scores a window of matching documents (rankDocs) from their
// text and orders it best first, the newer first among equals.
func (s *Store) rankInGo(ctx context.Context, userID string, hits []rawHit, terms []string, prefix bool) ([]rawHit, error) {
	texts, err := s.docTexts(ctx, userID, hits)
	if err != nil {
		return nil, err
	}
	rankDocs(hits, texts, terms, prefix)
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].rank != hits[j].rank {
			return hits[i].rank > hits[j].rank
		}
		return hits[i].ts > hits[j].ts
	})
	return hits, nil
}

// rankDocs sets each hit's rank to its BM25 score over its text (texts[i]),
// with the statistics of these hits alone (see above). A term matches a
// whole word, or with prefix the last term the start of one, as the
// full-text query did.
func rankDocs(hits []rawHit, texts []string, terms []string, prefix bool) {
	if len(hits) == 0 {
		return
	}
	tf := make([][]int, len(hits)) // tf[i][t]: occurrences of term t in hit i
	lengths := make([]int, len(hits))
	holding := make([]int, len(terms)) // how many hits hold term t
	total := 0
	for i := range hits {
		words := strings.Fields(Fold(texts[i]))
		lengths[i] = len(words)
		total += len(words)
		tf[i] = make([]int, len(terms))
		for t, term := range terms {
			asPrefix := prefix && t == len(terms)-1
			for _, w := range words {
				if w == term || asPrefix && strings.HasPrefix(w, term) {
					tf[i][t]++
				}
			}
			if tf[i][t] > 0 {
				holding[t]++
			}
		}
	}
	n := float64(len(hits))
	avg := max(float64(total)/n, 1)
	idf := make([]float64, len(terms))
	for t := range terms {
		h := float64(holding[t])
		idf[t] = math.Log((n-h+0.5)/(h+0.5) + 1)
	}
	for i := range hits {
		score := 0.0
		norm := bm25K1 * (1 - bm25B + bm25B*float64(lengths[i])/avg)
		for t := range terms {
			f := float64(tf[i][t])
			score += idf[t] * f * (bm25K1 + 1) / (f + norm)
		}
		hits[i].rank = score
	}
}
