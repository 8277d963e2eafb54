package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/synapse-kb/synapse/internal/domain"
)

// Fold is the form in which text is indexed and searched: lower case,
// without diacritics (so "acao" finds "ação" and vowel points do not hide a
// Hebrew word), with punctuation turned into spaces.
func Fold(s string) string {
	if ascii(s) {
		// Nothing to decompose: only the case and punctuation change.
		b := []byte(s)
		for i, c := range b {
			switch {
			case 'A' <= c && c <= 'Z':
				b[i] = c + 'a' - 'A'
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			default:
				b[i] = ' '
			}
		}
		return string(b)
	}
	return foldText(s)
}

// foldText is Fold for any text.
func foldText(s string) string {
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

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// searchTerms splits a query into at most 8 folded words.
func searchTerms(q string) []string {
	terms := strings.Fields(Fold(q))
	if len(terms) > 8 {
		terms = terms[:8]
	}
	return terms
}

// userToken is the owner's token, which on SQLite starts every indexed
// document (the rest is the document's folded text). Queries match it only
// as the first token of a document (ftsQueryOf): the same word inside text —
// anyone can send anyone a message holding it — never counts as ownership.
func userToken(userID string) string { return "u" + strings.ToLower(userID) }

// indexDoc adds or replaces the search document of one thing. The
// document also holds the thing's filter keys (filterKeys), read here.
func (s *Store) indexDoc(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, ref string, ts time.Time, text string) error {
	keys, err := filterKeys(ctx, tx, userID, kind, ref)
	if err != nil {
		return err
	}
	return s.indexDocKeys(ctx, tx, userID, kind, ref, ts, text, keys)
}

// indexDocKeys is indexDoc with the thing's filter keys known (an item
// just made: what reading them would cost is a good part of making it).
func (s *Store) indexDocKeys(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, ref string, ts time.Time, text string, keys []string) error {
	body := Fold(text)
	switch s.dialect {
	case SQLite:
		body = sqliteDocBody(userID, body, keys)
		if err := s.unindexDoc(ctx, tx, kind, ref); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO search_docs (user_id, kind, ref, ts) VALUES ($1, $2, $3, $4) RETURNING id`,
			userID, kind, ref, ms(ts)).Scan(&id); err != nil {
			return fmt.Errorf("store: index %s: %w", kind, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, body) VALUES ($1, $2)`, -id, body); err != nil {
			return fmt.Errorf("store: index %s: %w", kind, err)
		}
	case Postgres:
		if _, err := tx.ExecContext(ctx, `INSERT INTO search_docs (user_id, kind, ref, ts, tsv, filters) VALUES ($1, $2, $3, $4, to_tsvector('simple', $5), $6)
			ON CONFLICT (kind, ref) DO UPDATE SET ts = excluded.ts, tsv = excluded.tsv, filters = excluded.filters`, userID, kind, ref, ms(ts), body, keys); err != nil {
			return fmt.Errorf("store: index %s: %w", kind, err)
		}
	}
	return nil
}

// sqliteDocBody is a search document as SQLite indexes it: the owner's
// token first, then the folded text, then the filter keys' tokens.
func sqliteDocBody(userID, folded string, keys []string) string {
	var b strings.Builder
	b.WriteString(userToken(userID))
	b.WriteByte(' ')
	b.WriteString(folded)
	for _, k := range keys {
		b.WriteByte(' ')
		b.WriteString(filterToken(k))
	}
	return b.String()
}

// Filter keys name what the tag, person and chat filters of search look
// for, kept in each search document of an item so that a filter is one
// more term of the full-text query (read from the index with the words)
// instead of a condition tested on every document the words match:
// "t:<tag>" for each of the item's tags, "p:<WhatsApp id>" for each person
// it came from and "c:<chat id>" for each chat it came from. The SQL
// conditions of the filter still hold as well, so a key left behind (a
// bookmark share since deleted) never lets a wrong item through;
// a key must never be missing, so whatever gives an item a tag, a person or
// a chat after it was indexed calls refreshFilters.
//
// On PostgreSQL the keys are a text[] column of their own (search_docs.filters,
// with a GIN index), apart from the words' tsvector. On SQLite they are
// tokens of the document (filterToken) that no text can spell: ordinary
// text is indexed folded (Fold), which keeps only letters and digits, and
// each key's token starts with a private-use character (U+E000), which
// Fold turns into a space and FTS5's tokenizer keeps inside a token.
const filterMark = "\ue000"

// filterToken is a filter key as an SQLite token: the mark, the key's
// letter and its value in hexadecimal (a tag may hold '-' or '_' and a
// WhatsApp id '@' and '.', which would split a token).
func filterToken(key string) string {
	kind, value, _ := strings.Cut(key, ":")
	return filterMark + kind + hex.EncodeToString([]byte(value))
}

// A thingSource names, for a kind of thing with a search document, the
// table its chats and people are read from: ref is the column holding the
// document's ref, person the one naming who sent what it came from (none
// for summaries); chat_id names the chat. A bookmark has a row (a share)
// per chat and sharer.
type thingSource struct {
	kind               domain.Kind
	table, ref, person string
}

// thingSources has one for every kind with a search document.
var thingSources = []thingSource{
	{domain.KindTask, "tasks", "id", "src_from"},
	{domain.KindNote, "notes", "id", "src_from"},
	{domain.KindIdea, "ideas", "id", "src_from"},
	{domain.KindLocation, "locations", "id", "src_from"},
	{domain.KindEvent, "events", "id", "src_from"},
	{domain.KindImage, "images", "id", "sender"},
	{domain.KindVoiceMemo, "voice_memos", "id", "sender"},
	{domain.KindBookmark, "bookmark_shares", "bookmark_id", "sender"},
	{domain.KindSummary, "summaries", "id", ""},
}

// filterKeys returns the filter keys of one of the user's things: its
// tags, the people it came from and the chats it came from (none for
// messages; a summary has only its chat).
func filterKeys(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, ref string) ([]string, error) {
	i := slices.IndexFunc(thingSources, func(t thingSource) bool { return t.kind == kind })
	if i < 0 {
		return []string{}, nil
	}
	t := thingSources[i]
	person := "CAST('' AS TEXT)"
	if t.person != "" {
		person = t.person
	}
	from := `SELECT ` + person + ` AS person, chat_id AS chat FROM ` + t.table + ` WHERE user_id = $1 AND ` + t.ref + ` = $3`
	rows, err := tx.QueryContext(ctx, `SELECT 't:' || tag FROM item_tags WHERE user_id = $1 AND item_kind = $2 AND item_id = $3
		UNION SELECT 'p:' || p.person FROM (`+from+`) p WHERE p.person <> ''
		UNION SELECT 'c:' || p.chat FROM (`+from+`) p WHERE p.chat <> ''`,
		userID, string(kind), ref)
	if err != nil {
		return nil, fmt.Errorf("store: filter keys: %w", err)
	}
	keys, err := scanIDs(rows)
	if keys == nil {
		keys = []string{}
	}
	sort.Strings(keys)
	return keys, err
}

// refreshFilters brings the filter keys of a thing's search document up
// to date after its tags or people changed (nothing when it has no
// document). It keeps the document's row, so what hangs from it (its
// embedding) stays.
func (s *Store) refreshFilters(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, ref string) error {
	keys, err := filterKeys(ctx, tx, userID, kind, ref)
	if err != nil {
		return err
	}
	if s.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `UPDATE search_docs SET filters = $4 WHERE user_id = $1 AND kind = $2 AND ref = $3`, userID, string(kind), ref, keys); err != nil {
			return fmt.Errorf("store: refresh filters: %w", err)
		}
		return nil
	}
	// SQLite keeps no copy of a document's text: it is made again from
	// the thing, as it was indexed.
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM search_docs WHERE user_id = $1 AND kind = $2 AND ref = $3`, userID, string(kind), ref).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: refresh filters: %w", err)
	}
	text, err := docText(ctx, tx, userID, kind, ref)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: refresh filters: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid = $1`, -id); err != nil {
		return fmt.Errorf("store: refresh filters: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, body) VALUES ($1, $2)`, -id, sqliteDocBody(userID, Fold(text), keys)); err != nil {
		return fmt.Errorf("store: refresh filters: %w", err)
	}
	return nil
}

// docText is the text a tagged thing is indexed with (as its indexDoc
// calls give it).
func docText(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, ref string) (string, error) {
	var q string
	switch kind {
	case domain.KindTask, domain.KindNote, domain.KindIdea:
		table, _ := itemTable(kind)
		q = `SELECT title || ' ' || body FROM ` + table
	case domain.KindLocation:
		q = `SELECT name || ' ' || address FROM locations`
	case domain.KindEvent:
		e, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE user_id = $1 AND id = $2`, userID, ref))
		return eventSearchText(e), err
	case domain.KindImage:
		q = `SELECT caption || ' ' || sender_name FROM images`
	case domain.KindVoiceMemo:
		q = `SELECT transcript FROM voice_memos`
	case domain.KindBookmark:
		q = `SELECT title || ' ' || description || ' ' || site_name || ' ' || url FROM bookmarks`
	case domain.KindSummary:
		q = `SELECT chat_name || ' ' || text FROM summaries`
	default:
		return "", sql.ErrNoRows
	}
	var text string
	err := tx.QueryRowContext(ctx, q+` WHERE user_id = $1 AND id = $2`, userID, ref).Scan(&text)
	return text, err
}

// unindexDoc removes a thing's search document (the SQLite trigger removes
// its indexed text).
func (s *Store) unindexDoc(ctx context.Context, tx *sql.Tx, kind domain.Kind, ref string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE kind = $1 AND ref = $2`, kind, ref); err != nil {
		return fmt.Errorf("store: unindex %s: %w", kind, err)
	}
	return nil
}

// SearchHit is one search result. Title and Snippet come from the thing
// itself; Ref identifies it within its kind (for messages, "<chat id>/<id>").
type SearchHit struct {
	Kind    domain.Kind `json:"kind"`
	ID      string      `json:"id"`
	ChatID  string      `json:"chatId,omitempty"`
	Title   string      `json:"title"`
	Snippet string      `json:"snippet"`
	Time    time.Time   `json:"time"`
	Rank    float64     `json:"rank"`
}

// SearchOptions select a page of results.
type SearchOptions struct {
	// Kinds restricts results to these kinds (default: all).
	Kinds []domain.Kind
	// ChatID keeps only what came from one chat (its messages, and the
	// items, bookmarks, images, voice memos and summaries made from them).
	ChatID string
	// From and To keep only what was sent or made in [From, To); a zero
	// time leaves that side open.
	From, To time.Time
	// Tag keeps only items carrying this (normalised) tag: no messages.
	Tag string
	// Person keeps only what this WhatsApp id sent: their messages, and
	// the items, bookmarks, images and voice memos made from them.
	Person string
	// Newest orders results by time, newest first, instead of by
	// relevance. Relevance pages through the best maxRelevanceHits; newest
	// first pages through every match.
	Newest bool
	// Cursor is a SearchPage's NextCursor, for the page after it.
	Cursor string
	Limit  int
}

// SearchPage is one page of search results.
type SearchPage struct {
	Hits []SearchHit
	// NextCursor asks for the next page; empty on the last.
	NextCursor string
}

// maxRelevanceHits is how deep relevance order pages: past it, results
// are only found newest first (ranking more would read the whole index).
const maxRelevanceHits = 1000

type rawHit struct {
	kind domain.Kind
	ref  string
	ts   int64
	rank float64
}

// searchFilter is what every source of hits applies in SQL.
type searchFilter struct {
	chatID   string
	tag      string
	person   string
	from, to int64 // ms; 0: open
	before   int64 // newest first: ts <= before (0: no bound)
	newest   bool
	limit    int
	// anyTerm matches documents holding any of the terms instead of all
	// (Ask's questions hold words the answer does not).
	anyTerm bool
}

// Search returns the first page of SearchPaged.
func (s *Store) Search(ctx context.Context, userID, q string, o SearchOptions) ([]SearchHit, error) {
	p, err := s.SearchPaged(ctx, userID, q, o)
	return p.Hits, err
}

// SearchPaged finds the user's messages and knowledge matching every word
// of q, best (or newest) first, one page at a time; when whole words find
// too little, the last word may also be the start of a word. A query
// without words finds nothing.
func (s *Store) SearchPaged(ctx context.Context, userID, q string, o SearchOptions) (SearchPage, error) {
	terms := searchTerms(q)
	if len(terms) == 0 {
		return SearchPage{}, nil
	}
	limit := ListOptions{Limit: o.Limit}.limit()
	f := searchFilter{chatID: o.ChatID, tag: o.Tag, person: o.Person, newest: o.Newest}
	if !o.From.IsZero() {
		f.from = ms(o.From)
	}
	if !o.To.IsZero() {
		f.to = ms(o.To)
	}
	// Relevance pages by position; newest first by the time of the last
	// hit shown and how many hits of that very time were shown.
	var offset, atBefore int
	if o.Cursor != "" {
		n, tag, err := decodeCursor(o.Cursor)
		if err != nil {
			return SearchPage{}, err
		}
		switch {
		case !o.Newest && tag == "r" && n >= 0 && n < maxRelevanceHits:
			offset = int(n)
		case o.Newest && strings.HasPrefix(tag, "t"):
			k, err := strconv.Atoi(tag[1:])
			if err != nil || k < 0 || k > maxRelevanceHits || n <= 0 {
				return SearchPage{}, ErrBadCursor
			}
			f.before, atBefore = n, k
		default:
			return SearchPage{}, ErrBadCursor
		}
	}
	f.limit = offset + atBefore + limit + 1
	wantMessages, docKinds := len(o.Kinds) == 0, []domain.Kind(nil)
	for _, k := range o.Kinds {
		if k == domain.KindMessage {
			wantMessages = true
		} else {
			docKinds = append(docKinds, k)
		}
	}
	wantMessages = wantMessages && o.Tag == "" // messages carry no tags
	// Whole words first; only when they find too little is the last word
	// also taken as the start of words (a prefix query reads far more of
	// the index). Newest first always takes the last word as a prefix too,
	// so that all its pages follow one order.
	var raw []rawHit
	seen := map[string]bool{}
	passes := []bool{false, true}
	if o.Newest {
		passes = []bool{true}
	}
	for _, prefix := range passes {
		if prefix && !o.Newest && len(raw) >= f.limit {
			break
		}
		found, err := s.searchBoth(ctx, userID, terms, wantMessages, len(o.Kinds) == 0 || len(docKinds) > 0, docKinds, prefix, f)
		if err != nil {
			return SearchPage{}, err
		}
		for _, h := range found {
			if k := string(h.kind) + "/" + h.ref; !seen[k] {
				seen[k] = true
				if prefix && !o.Newest {
					h.rank /= 2 // a whole-word match ranks above a prefix match
				}
				raw = append(raw, h)
			}
		}
	}
	var page SearchPage
	if o.Newest {
		// Each source is in (time, kind, its own order); the merge keeps
		// that order, so hits of one time come in the same order on every
		// page and the first atBefore of them are the ones already shown.
		sort.SliceStable(raw, func(i, j int) bool {
			if raw[i].ts != raw[j].ts {
				return raw[i].ts > raw[j].ts
			}
			return raw[i].kind < raw[j].kind
		})
		skip := 0
		for skip < len(raw) && skip < atBefore && raw[skip].ts == f.before {
			skip++
		}
		raw = raw[skip:]
		if len(raw) > limit {
			raw = raw[:limit]
			last, same := raw[len(raw)-1].ts, 0
			for _, h := range raw {
				if h.ts == last {
					same++
				}
			}
			if last == f.before {
				same += atBefore
			}
			page.NextCursor = encodeCursor(last, "t"+strconv.Itoa(same))
		}
	} else {
		sort.SliceStable(raw, func(i, j int) bool {
			if raw[i].rank != raw[j].rank {
				return raw[i].rank > raw[j].rank
			}
			return raw[i].ts > raw[j].ts
		})
		raw = raw[min(offset, len(raw)):]
		if len(raw) > limit {
			raw = raw[:limit]
			if next := offset + limit; next < maxRelevanceHits {
				page.NextCursor = encodeCursor(int64(next), "r")
			}
		}
	}
	hits, err := s.resolveHits(ctx, userID, raw, terms)
	page.Hits = hits
	return page, err
}

// searchBoth finds the matching messages (with messages) and things
// other than messages (with docs, of docKinds or all), each normalised,
// messages first. The two are independent reads, each several
// milliseconds at a million messages: asked at once, on two connections,
// a search takes as long as the slower instead of both.
func (s *Store) searchBoth(ctx context.Context, userID string, terms []string, messages, docs bool, docKinds []domain.Kind, prefix bool, f searchFilter) ([]rawHit, error) {
	var msgHits, docHits []rawHit
	var msgErr, docErr error
	searchMessages := func() { msgHits, msgErr = s.searchMessages(ctx, userID, terms, prefix, f) }
	searchDocs := func() { docHits, docErr = s.searchDocs(ctx, userID, terms, docKinds, prefix, f) }
	switch {
	case messages && docs:
		var wg sync.WaitGroup
		wg.Go(func() {
			// A panic here fails this search, as one in the request's own
			// goroutine does, instead of the whole process.
			defer func() {
				if r := recover(); r != nil {
					msgErr = fmt.Errorf("store: search messages: panic: %v", r)
				}
			}()
			searchMessages()
		})
		searchDocs()
		wg.Wait()
	case messages:
		searchMessages()
	case docs:
		searchDocs()
	}
	if err := errors.Join(msgErr, docErr); err != nil {
		return nil, err
	}
	normalise(msgHits)
	normalise(docHits)
	return append(msgHits, docHits...), nil
}

// where adds the filter's conditions on a source's chat, sender, tags and
// time; chat, person and tag turn an argument into a condition (tag is
// nil for messages, which have none).
func (f searchFilter) where(args *[]any, tsCol string, chat, person, tag func(arg string) string) string {
	var b strings.Builder
	arg := func(v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	if f.chatID != "" {
		b.WriteString(" AND " + chat(arg(f.chatID)))
	}
	if f.person != "" {
		b.WriteString(" AND " + person(arg(f.person)))
	}
	if f.tag != "" && tag != nil {
		b.WriteString(" AND " + tag(arg(f.tag)))
	}
	if f.from > 0 {
		b.WriteString(" AND " + tsCol + " >= " + arg(f.from))
	}
	if f.to > 0 {
		b.WriteString(" AND " + tsCol + " < " + arg(f.to))
	}
	if f.before > 0 {
		b.WriteString(" AND " + tsCol + " <= " + arg(f.before))
	}
	return b.String()
}

// keys are the filter keys (see filterMark) a search document must hold
// to pass the filter's tag, person and chat.
func (f searchFilter) keys() []string {
	var out []string
	if f.tag != "" {
		out = append(out, "t:"+f.tag)
	}
	if f.person != "" {
		out = append(out, "p:"+f.person)
	}
	if f.chatID != "" {
		out = append(out, "c:"+f.chatID)
	}
	return out
}

// filtered says whether the filter narrows a source beyond its words.
func (f searchFilter) filtered() bool {
	return f.chatID != "" || f.person != "" || f.tag != "" || f.from > 0 || f.to > 0 || f.before > 0 || f.newest
}

// docsOfChat is the condition that a search document's thing came from
// one chat, and docsOfPerson that it was made from what one person sent,
// each looked up on the thing of the document's kind (one lookup per
// document that the words and filter keys found, rather than every thing
// of the chat's or person's: they may be thousands); $2 is the user.
func docsOfChat(chat string) string {
	return docsWhere(func(string) string { return "chat_id" }, chat)
}

func docsOfPerson(person string) string {
	return docsWhere(func(p string) string { return p }, person)
}

// docsWhere is the condition that the thing of a search document has value
// in the column of its thingSources entry that column picks (none: false).
func docsWhere(column func(person string) string, value string) string {
	var b strings.Builder
	b.WriteString("CASE d.kind")
	for _, t := range thingSources {
		if col := column(t.person); col != "" {
			fmt.Fprintf(&b, " WHEN '%s' THEN EXISTS (SELECT 1 FROM %s x WHERE x.%s = d.ref AND x.user_id = $2 AND x.%s = %s)",
				t.kind, t.table, t.ref, col, value)
		}
	}
	b.WriteString(" ELSE false END")
	return b.String()
}

// docTagged is the condition that a search document's item carries a tag;
// $2 is the user.
func docTagged(tag string) string {
	return "EXISTS (SELECT 1 FROM item_tags g WHERE g.item_kind = d.kind AND g.item_id = d.ref AND g.user_id = $2 AND g.tag = " + tag + ")"
}

func kindFilter(kinds []domain.Kind, args *[]any) string {
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

// ftsQueryOf is an FTS5 query: the owner's token as the first token of the
// document ("^", FTS5's initial-token query), and every term, with prefix
// the last as a prefix. Anchoring the owner matters: another person's
// documents may hold the owner's token in their text (their copies of
// messages they sent), and, matching, would fill the window of newest
// matches that is taken before results are filtered by user, pushing the
// owner's own hits out. Terms are quoted, so FTS5 syntax in a query is
// just text.
//
// With anyTerm, it is the owner's token and any one of the terms. Every
// filter key's token (filterToken) must be there as well.
func ftsQueryOf(userID string, terms []string, prefix, anyTerm bool, keys []string) string {
	prefix = ownerSafePrefix(userID, terms, prefix)
	var parts []string
	for i, t := range terms {
		p := `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
		if prefix && i == len(terms)-1 {
			p += "*"
		}
		parts = append(parts, p)
	}
	owner := `^"` + userToken(userID) + `"`
	for _, k := range keys {
		owner += ` AND "` + filterToken(k) + `"`
	}
	if anyTerm {
		return owner + " AND (" + strings.Join(parts, " OR ") + ")"
	}
	return strings.Join(append([]string{owner}, parts...), " AND ")
}

// ownerSafePrefix is whether the last term may be taken as the start of
// words on SQLite: not when the owner's token, which starts every one of
// their documents, starts with it ("u" would find everything).
func ownerSafePrefix(userID string, terms []string, prefix bool) bool {
	return prefix && len(terms) > 0 && !strings.HasPrefix(userToken(userID), terms[len(terms)-1])
}

// tsQueryOf is a PostgreSQL tsquery of every term, with prefix the last as
// a prefix. With anyTerm, it is a query for any one of the terms.
func tsQueryOf(terms []string, prefix, anyTerm bool) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		// Folded terms hold only letters and digits; quote them anyway.
		parts[i] = "'" + strings.ReplaceAll(t, "'", "") + "'"
		if prefix && i == len(terms)-1 {
			parts[i] += ":*"
		}
	}
	if anyTerm {
		return strings.Join(parts, " | ")
	}
	return strings.Join(parts, " & ")
}

// rankWindow bounds how many matching documents are ranked: the newest
// ones. A query that matches tens of thousands of things ranks the most
// recent rankWindow of them instead of all, which keeps its cost bounded.
const rankWindow = 2000

// goRankWindow is rankWindow where the window is ranked in Go (SQLite):
// as many as relevance pages through.
const goRankWindow = maxRelevanceHits

// messageCandidates is how many of the newest matching messages are
// scored. Messages are ranked in Go, not with bm25: bm25 counts every
// document of every phrase of the query to weigh it, and on SQLite the
// query holds the owner's token, which is in all of the owner's messages.
const messageCandidates = 300

func (s *Store) searchMessages(ctx context.Context, userID string, terms []string, prefix bool, f searchFilter) ([]rawHit, error) {
	var q string
	var args []any
	candidates := messageCandidates
	if f.newest {
		candidates = f.limit
	} else {
		candidates = max(candidates, min(f.limit, maxRelevanceHits))
	}
	if s.dialect == SQLite {
		if f.filtered() {
			probe, window := s.messageWindowSizes()
			hits, found, err := s.newestMessagesSQLite(ctx, userID, terms, ownerSafePrefix(userID, terms, prefix), f, candidates, probe, window)
			if err != nil || found {
				return bestMessageHits(hits, f), err
			}
		}
		args = []any{ftsQueryOf(userID, terms, prefix, f.anyTerm, nil), userID, candidates}
		if !f.filtered() {
			q = `SELECT m.seq, m.ts, m.text, m.sender_name FROM
			(SELECT rowid FROM message_fts WHERE message_fts MATCH $1 ORDER BY rowid LIMIT $3) f
			JOIN messages m ON m.seq = -f.rowid WHERE m.user_id = $2`
		} else if !f.newest {
			// Ranked: the window is the newest stored matches that pass
			// the filter, read in the index's order (newest stored first)
			// until it is full, not every match sorted by time.
			q = `SELECT m.seq, m.ts, m.text, m.sender_name FROM
			(SELECT rowid FROM message_fts WHERE message_fts MATCH $1 ORDER BY rowid) f
			CROSS JOIN messages m ON m.seq = -f.rowid WHERE m.user_id = $2` +
				f.where(&args, "m.ts", func(a string) string { return "m.chat_id = " + a }, func(a string) string { return "m.sender = " + a }, nil) +
				` LIMIT $3`
		} else {
			q = `SELECT m.seq, m.ts, m.text, m.sender_name FROM
			(SELECT rowid FROM message_fts WHERE message_fts MATCH $1) f
			JOIN messages m ON m.seq = -f.rowid WHERE m.user_id = $2` +
				f.where(&args, "m.ts", func(a string) string { return "m.chat_id = " + a }, func(a string) string { return "m.sender = " + a }, nil) +
				` ORDER BY m.ts DESC, m.seq DESC LIMIT $3`
		}
	} else {
		return s.searchMessagesPostgres(ctx, userID, terms, prefix, f, candidates)
	}
	hits, err := s.messageHits(ctx, s.r, q, args, terms, f)
	return bestMessageHits(hits, f), err
}

// PostgreSQL looks for the newest matching messages by reading the
// person's newest messages in time order (in the search's chat and time
// range) and testing each, rather than from the words' index, when that
// reads few: first the newest messageProbe; then, if the matches among
// them say the candidates are within the newest messageWindow, those.
const (
	messageProbe  = 2000
	messageWindow = 20000
)

// messageWindowSizes is messageProbe and messageWindow, or what a test
// set instead.
func (s *Store) messageWindowSizes() (probe, window int) {
	if s.messageWindows != [2]int{} {
		return s.messageWindows[0], s.messageWindows[1]
	}
	return messageProbe, messageWindow
}

// searchMessagesPostgres finds the newest candidates messages matching
// the words, at a cost that does not grow with how many messages hold
// them. A word in a quarter of a person's million messages has 250,000
// matches; asking the words' index for them and sorting them by time
// takes about a second. Read newest first, the candidates are among the
// first few thousand messages instead. A word in few messages is the
// opposite case: reading in time order would read everything, while the
// words' index hands over its few matches. The newest messageProbe
// messages tell which case it is (how many of them match); a middle case
// reads up to messageWindow. Every step finds exactly the newest
// candidates matches. Asked in one query, the server chose between
// reading in time order and the words' index by its estimate of how
// common the words are, which was wrong without statistics (the index,
// for common words) and for words it had no figure for.
func (s *Store) searchMessagesPostgres(ctx context.Context, userID string, terms []string, prefix bool, f searchFilter, candidates int) ([]rawHit, error) {
	probe, window := s.messageWindowSizes()
	query := tsQueryOf(terms, prefix, f.anyTerm)
	hits, found, err := s.newestMessagesIn(ctx, userID, query, terms, f, candidates, probe, window)
	if err != nil || found {
		return bestMessageHits(hits, f), err
	}
	// Every match, from the words' index (a materialised list, so that the
	// server does not walk the time index instead, testing every message),
	// sorted by time. With a sender, the server chooses: the words may be
	// common and the sender's share small, which the first steps read too
	// little of to find, and the index would hand over every match of the
	// words, the sender's or not.
	args := []any{query, userID, candidates}
	matches := `SELECT seq, ts, text, sender_name FROM messages WHERE user_id = $2 AND tsv @@ to_tsquery('simple', $1)` +
		f.where(&args, "ts", messagesOfChat, messagesOfSender, nil)
	q := `WITH m AS MATERIALIZED (` + matches + `) SELECT seq, ts, text, sender_name FROM m ORDER BY ts DESC, seq DESC LIMIT $3`
	if f.person != "" {
		q = matches + ` ORDER BY ts DESC, seq DESC LIMIT $3`
	}
	hits, err = s.messageHits(ctx, s.r, q, args, terms, f)
	return bestMessageHits(hits, f), err
}

// newestMessagesIn finds the newest candidates matches among the
// person's newest window messages (in the search's chat, sender and time
// range), read in time order from the (user, time), (user, chat, time) or
// (user, sender, time) index, each tested against the words by the
// server; found says whether they were found: candidates matched, or the
// filter's messages ran out (then the matches are all there are). The
// first probe messages tell whether the candidates are within the window;
// if not, it stops there and the words' index is the better way. Each
// further read asks for about as many messages as the matches so far say
// are needed (the server computes every row it is asked for, even those
// the client does not read). Sorting is turned off for the transaction,
// so that the server does not read all of the person's messages to sort
// them, as it did for a window larger than it guessed the person's
// messages to be (without statistics, 0.5% of the table).
func (s *Store) newestMessagesIn(ctx context.Context, userID, query string, terms []string, f searchFilter, candidates, probe, window int) (hits []rawHit, found bool, err error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, false, fmt.Errorf("store: search messages: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_sort = off`); err != nil {
		return nil, false, fmt.Errorf("store: search messages: %w", err)
	}
	now := s.clock()
	var lastTS, lastSeq int64
	read := 0
	for n := probe; read < window; {
		n = min(n, window-read)
		args := []any{query, userID, n}
		after := ""
		if read > 0 {
			args = append(args, lastTS, lastSeq)
			after = ` AND (ts, seq) < ($4, $5)`
		}
		q := `SELECT seq, ts, CASE WHEN hit THEN text END, CASE WHEN hit THEN sender_name END FROM
			(SELECT seq, ts, text, sender_name, COALESCE(tsv @@ to_tsquery('simple', $1), false) AS hit FROM messages WHERE user_id = $2` + after +
			f.where(&args, "ts", messagesOfChat, messagesOfSender, nil) + ` ORDER BY ts DESC, seq DESC LIMIT $3) m`
		got, err := func() (int, error) {
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			got := 0
			for rows.Next() {
				var text, sender sql.NullString
				if err := rows.Scan(&lastSeq, &lastTS, &text, &sender); err != nil {
					return got, err
				}
				got++
				if !text.Valid || len(hits) == candidates {
					continue
				}
				h := rawHit{kind: domain.KindMessage, ref: strconv.FormatInt(lastSeq, 10), ts: lastTS}
				if !f.newest {
					h.rank = messageScore(text.String+" "+sender.String, terms, fromMS(lastTS), now)
				}
				hits = append(hits, h)
			}
			return got, rows.Err()
		}()
		if err != nil {
			return nil, false, fmt.Errorf("store: search messages: %w", err)
		}
		if read += got; len(hits) == candidates || got < n {
			return hits, true, nil
		}
		if read == probe && len(hits)*window < candidates*probe {
			return nil, false, nil // too few match: the words' index
		}
		// As many as the matches so far say the rest needs, and a margin.
		n = (candidates-len(hits))*read/max(len(hits), 1)*5/4 + 100
	}
	return nil, false, nil
}

// newestMessagesSQLite is newestMessagesIn for SQLite, whose full-text
// index cannot be asked about one message cheaply: the person's newest
// messages in the search's chat, sender and time range are read in time
// order from the (user, chat, time), (user, sender, time) or (user, time)
// index, and the words are tested in Go on the same folded text the index
// holds (foldedHas), until candidates match, the filter's messages run out
// (then the matches are all there are) or window were read. After the
// first probe, the matches so far tell whether the candidates are within
// the window; if not, found is false and the words' index is the better
// way. The words are folded now, the index's text when it was stored: a
// change to Fold or to messageSearchText needs the messages indexed again,
// or the two would find different messages.
func (s *Store) newestMessagesSQLite(ctx context.Context, userID string, terms []string, prefix bool, f searchFilter, candidates, probe, window int) (hits []rawHit, found bool, err error) {
	args := []any{userID, window}
	q := `SELECT seq, ts, text, sender_name, payload FROM messages WHERE user_id = $1 AND deleted_at IS NULL` +
		f.where(&args, "ts", messagesOfChat, messagesOfSender, nil) + ` ORDER BY ts DESC, seq DESC LIMIT $2`
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: search messages: %w", err)
	}
	defer rows.Close()
	now := s.clock()
	read := 0
	for rows.Next() {
		if read++; read > probe && len(hits)*window < candidates*probe {
			return nil, false, nil // too few match: the words' index
		}
		var m Message
		var ts int64
		var raw sql.NullString
		if err := rows.Scan(&m.Seq, &ts, &m.Text, &m.FromName, &raw); err != nil {
			return nil, false, fmt.Errorf("store: search messages: %w", err)
		}
		if err := decodePayload(raw, &m); err != nil {
			return nil, false, err
		}
		if !foldedHas(Fold(messageSearchText(&m)), terms, prefix, f.anyTerm) {
			continue
		}
		h := rawHit{kind: domain.KindMessage, ref: strconv.FormatInt(m.Seq, 10), ts: ts}
		if !f.newest {
			h.rank = messageScore(m.Text+" "+m.FromName, terms, fromMS(ts), now)
		}
		if hits = append(hits, h); len(hits) == candidates {
			return hits, true, nil
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("store: search messages: %w", err)
	}
	return hits, read < window, nil
}

// foldedHas reports whether folded text holds every term (with anyTerm,
// any one) as a word, the last also as the start of a word with prefix:
// what SQLite's full-text index finds in the same folded text (whose
// tokens are its runs of letters and digits).
func foldedHas(folded string, terms []string, prefix, anyTerm bool) bool {
	words := strings.Fields(tokenFold(folded))
	for i, t := range terms {
		t = tokenFold(t)
		starts := prefix && i == len(terms)-1
		has := slices.ContainsFunc(words, func(w string) bool {
			return w == t || starts && strings.HasPrefix(w, t)
		})
		if has == anyTerm {
			return has
		}
	}
	return !anyTerm
}

// tokenFold folds folded text (Fold) the rest of the way SQLite's
// unicode61 tokenizer (remove_diacritics 2) does, for foldedHas: a few
// letters it folds further (Greek final sigma and symbol forms, the micro
// sign, long s) and a few Go counts as letters that it splits words at.
// TestTokenFoldMatchesFTS5 compares every letter and digit.
func tokenFold(s string) string {
	if ascii(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0x19B0 && r <= 0x19C0, r == 0x19C8, r == 0x19C9, r == 0x1CF2, r == 0x1CF3:
			return ' '
		}
		if f, ok := tokenFolds[r]; ok {
			return f
		}
		return r
	}, s)
}

var tokenFolds = map[rune]rune{
	'ς': 'σ', 'µ': 'μ', 'ſ': 's', 'ϐ': 'β', 'ϑ': 'θ', 'ϕ': 'φ', 'ϖ': 'π', 'ϰ': 'κ', 'ϱ': 'ρ', 'ϵ': 'ε', 'ẛ': 's',
}

func messagesOfChat(a string) string   { return "chat_id = " + a }
func messagesOfSender(a string) string { return "sender = " + a }

// messageHits reads matching messages (seq, ts, text, sender name),
// scored by messageScore unless the search is newest first.
func (s *Store) messageHits(ctx context.Context, db queryer, q string, args []any, terms []string, f searchFilter) ([]rawHit, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search messages: %w", err)
	}
	defer rows.Close()
	now := s.clock()
	var out []rawHit
	for rows.Next() {
		var seq, ts int64
		var text, sender string
		if err := rows.Scan(&seq, &ts, &text, &sender); err != nil {
			return nil, err
		}
		h := rawHit{kind: domain.KindMessage, ref: strconv.FormatInt(seq, 10), ts: ts}
		if !f.newest {
			h.rank = messageScore(text+" "+sender, terms, fromMS(ts), now)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// bestMessageHits orders hits best first (unless the search is newest
// first, which they already are) and keeps at most f.limit.
func bestMessageHits(hits []rawHit, f searchFilter) []rawHit {
	if !f.newest {
		sort.SliceStable(hits, func(i, j int) bool { return hits[i].rank > hits[j].rank })
	}
	return hits[:min(len(hits), f.limit)]
}

// messageScore ranks a matching message: how often the query's words occur
// in it (each counted at most three times), plus a bonus for recency that
// halves over a week.
func messageScore(text string, terms []string, at, now time.Time) float64 {
	score := 0.0
	words := strings.Fields(Fold(text))
	for _, t := range terms {
		n := 0
		for _, w := range words {
			if strings.HasPrefix(w, t) {
				n++
			}
		}
		score += float64(min(n, 3))
	}
	age := max(now.Sub(at).Hours()/24, 0)
	return score + 1/(1+age/7)
}

// normalise scales a group's ranks to (0, 1], so that groups ranked by
// different measures can be merged.
func normalise(hits []rawHit) {
	top := 0.0
	for _, h := range hits {
		top = max(top, h.rank)
	}
	if top <= 0 {
		return
	}
	for i := range hits {
		hits[i].rank /= top
	}
}

func (s *Store) searchDocs(ctx context.Context, userID string, terms []string, kinds []domain.Kind, prefix bool, f searchFilter) ([]rawHit, error) {
	if s.dialect == SQLite {
		args := []any{ftsQueryOf(userID, terms, prefix, f.anyTerm, f.keys()), userID}
		if f.newest {
			q := `SELECT d.kind, d.ref, d.ts, 0 FROM
			(SELECT rowid FROM search_fts WHERE search_fts MATCH $1) f
			JOIN search_docs d ON d.id = -f.rowid WHERE d.user_id = $2` + kindFilter(kinds, &args) + f.where(&args, "d.ts", docsOfChat, docsOfPerson, docTagged)
			args = append(args, f.limit)
			return s.scanHits(ctx, q+fmt.Sprintf(` ORDER BY d.ts DESC, d.kind, d.id DESC LIMIT $%d`, len(args)), args)
		}
		// The window of newest matches is ranked in Go (rankInGo), not
		// with bm25, whose cost is that of every document holding the
		// owner's token; its texts are read back, so it is smaller than
		// PostgreSQL's (as deep as relevance pages).
		var q string
		if len(f.keys()) > 0 && (f.from > 0 || f.to > 0 || len(kinds) > 0) {
			// The window of newest matches is taken among the documents
			// that pass the whole filter, not before they are picked: a
			// time or kind is on few of the tag's (person's, chat's)
			// matches, which the plain window may miss.
			q = `SELECT d.kind, d.ref, d.ts, 0 FROM search_fts
			JOIN search_docs d ON d.id = -search_fts.rowid WHERE search_fts MATCH $1 AND d.user_id = $2` + kindFilter(kinds, &args) + f.where(&args, "d.ts", docsOfChat, docsOfPerson, docTagged)
			args = append(args, goRankWindow)
			q += fmt.Sprintf(` ORDER BY d.ts DESC LIMIT $%d`, len(args))
		} else {
			// A tag, person or chat is in the full-text query (its
			// filter keys): the plain window holds only their documents.
			args = append(args, goRankWindow)
			q = `SELECT d.kind, d.ref, d.ts, 0 FROM
			(SELECT rowid FROM search_fts WHERE search_fts MATCH $1 ORDER BY rowid LIMIT $3) f
			CROSS JOIN search_docs d ON d.id = -f.rowid WHERE d.user_id = $2` + kindFilter(kinds, &args) + f.where(&args, "d.ts", docsOfChat, docsOfPerson, docTagged)
		}
		hits, err := s.scanHits(ctx, q, args)
		if err != nil {
			return nil, err
		}
		if hits, err = s.rankInGo(ctx, userID, hits, terms, prefix); err != nil {
			return nil, err
		}
		return hits[:min(len(hits), f.limit)], nil
	}
	args := []any{tsQueryOf(terms, prefix, f.anyTerm), userID}
	// The filter's keys are looked up in their own index, which the
	// words' index is intersected with.
	keys := ""
	if k := f.keys(); len(k) > 0 {
		args = append(args, k)
		keys = fmt.Sprintf(" AND d.filters @> $%d::text[]", len(args))
	}
	if f.newest {
		q := `SELECT d.kind, d.ref, d.ts, 0 FROM search_docs d WHERE d.user_id = $2 AND d.tsv @@ to_tsquery('simple', $1)` + keys +
			kindFilter(kinds, &args) + f.where(&args, "d.ts", docsOfChat, docsOfPerson, docTagged)
		args = append(args, f.limit)
		return s.scanHits(ctx, q+fmt.Sprintf(` ORDER BY d.ts DESC, d.kind COLLATE "C", d.id DESC LIMIT $%d`, len(args)), planEach(args))
	}
	args = append(args, rankWindow)
	window := fmt.Sprintf("$%d", len(args))
	q := `SELECT d.kind, d.ref, d.ts, ts_rank(d.tsv, query) FROM
		(SELECT kind, ref, ts, tsv FROM search_docs d, to_tsquery('simple', $1) query WHERE d.user_id = $2 AND d.tsv @@ query` + keys + kindFilter(kinds, &args) + f.where(&args, "d.ts", docsOfChat, docsOfPerson, docTagged) + `
		ORDER BY d.ts DESC LIMIT ` + window + `) d, to_tsquery('simple', $1) query`
	args = append(args, f.limit)
	return s.scanHits(ctx, q+fmt.Sprintf(` ORDER BY ts_rank(d.tsv, query) DESC, d.ts DESC LIMIT $%d`, len(args)), planEach(args))
}

// planEach makes PostgreSQL plan a query for its arguments every time it
// runs. pgx prepares a statement once, and after five executions the
// server may keep a generic plan, made without knowing the words: for a
// search narrowed by a tag that plan intersects all of a common word's
// index entry with the tag's (100,000 entries read where 2,000 documents
// would do), two to three times slower.
func planEach(args []any) []any {
	return append([]any{pgx.QueryExecModeExec}, args...)
}

func (s *Store) scanHits(ctx context.Context, q string, args []any) ([]rawHit, error) {
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
		out = append(out, h)
	}
	return out, rows.Err()
}

// resolveHits loads each hit's title and text and cuts a snippet around
// the first matching word. Things other than messages are read one query
// per kind (a page's 50 round trips were much of a search on PostgreSQL).
func (s *Store) resolveHits(ctx context.Context, userID string, raw []rawHit, terms []string) ([]SearchHit, error) {
	shown, err := s.searchTexts(ctx, userID, raw)
	if err != nil {
		return nil, err
	}
	out := make([]SearchHit, 0, len(raw))
	for i, h := range raw {
		hit := SearchHit{Kind: h.kind, Time: fromMS(h.ts), Rank: h.rank}
		var title, text string
		switch h.kind {
		case domain.KindMessage:
			var m Message
			var seq int64
			if _, err = fmt.Sscan(h.ref, &seq); err == nil {
				m, err = scanMessage(s.r.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE user_id = $1 AND seq = $2`, userID, seq))
			}
			if err != nil {
				continue // deleted since it was found
			}
			hit.ID, hit.ChatID, title, text = m.ID, m.ChatID, m.FromName, m.Text
		default:
			sh, ok := shown[i]
			if !ok {
				continue // deleted since it was found
			}
			hit.ID, hit.ChatID, title, text = h.ref, sh.chatID, sh.title, sh.text
		}
		hit.Title = title
		hit.Snippet = Snippet(text, terms, 160)
		out = append(out, hit)
	}
	return out, nil
}

// shownText is what a search hit of a non-message kind shows.
type shownText struct{ title, text, chatID string }

// searchTexts reads what each hit other than a message shows, one query
// per kind, by the hit's index in hits; a thing deleted since it was
// found is missing.
func (s *Store) searchTexts(ctx context.Context, userID string, hits []rawHit) (map[int]shownText, error) {
	byKind := map[domain.Kind][]int{}
	for i, h := range hits {
		if _, ok := searchTextSQL(h.kind); ok {
			byKind[h.kind] = append(byKind[h.kind], i)
		}
	}
	out := make(map[int]shownText, len(hits))
	for kind, idx := range byKind {
		st, _ := searchTextSQL(kind)
		ids := make([]string, len(idx))
		at := make(map[string][]int, len(idx))
		for j, i := range idx {
			ids[j] = hits[i].ref
			at[hits[i].ref] = append(at[hits[i].ref], i)
		}
		from, arg, err := s.ofIDs(st.table, ids)
		if err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
		rows, err := s.r.QueryContext(ctx, `SELECT t.id, `+st.columns+from, userID, arg)
		if err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
		for rows.Next() {
			var id string
			var sh shownText
			if err := rows.Scan(&id, &sh.title, &sh.text, &sh.chatID); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: search: %w", err)
			}
			for _, i := range at[id] {
				out[i] = sh
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
	}
	return out, nil
}

// ofIDs is the FROM and WHERE of a query of the user's rows of table
// (as t) whose id is one of ids, each read by its primary key; $1 is the
// user and $2 the returned argument.
func (s *Store) ofIDs(table string, ids []string) (string, any, error) {
	if s.dialect == SQLite {
		// CROSS JOIN keeps the order: the planner would rather read all
		// of the user's rows.
		b, err := json.Marshal(ids)
		return ` FROM json_each($2) j CROSS JOIN ` + table + ` t ON t.id = j.value WHERE t.user_id = $1`, string(b), err
	}
	return ` FROM ` + table + ` t WHERE t.user_id = $1 AND t.id = ANY($2)`, ids, nil
}

// searchTable is where what a search hit shows is read: a table and its
// title, text and chat columns.
type searchTable struct{ table, columns string }

// searchTextSQL is the searchTable of a kind other than messages.
func searchTextSQL(kind domain.Kind) (searchTable, bool) {
	switch kind {
	case domain.KindBookmark:
		return searchTable{"bookmarks", `CASE WHEN title = '' THEN url ELSE title END, description || ' ' || url, ''`}, true
	case domain.KindTask:
		return searchTable{"tasks", `title, body, chat_id`}, true
	case domain.KindNote:
		return searchTable{"notes", `title, body, chat_id`}, true
	case domain.KindIdea:
		return searchTable{"ideas", `title, body, chat_id`}, true
	case domain.KindLocation:
		return searchTable{"locations", `name, address, chat_id`}, true
	case domain.KindVoiceMemo:
		return searchTable{"voice_memos", `sender_name, transcript, chat_id`}, true
	case domain.KindSummary:
		return searchTable{"summaries", `chat_name || ' ' || day, text, chat_id`}, true
	case domain.KindImage:
		return searchTable{"images", `sender_name, caption, chat_id`}, true
	case domain.KindEvent:
		return searchTable{"events", `title, body || ' ' || place, chat_id`}, true
	}
	return searchTable{}, false
}

// searchText returns what a search hit of a non-message kind shows.
func (s *Store) searchText(ctx context.Context, userID string, kind domain.Kind, id string) (title, text, chatID string, err error) {
	t, ok := searchTextSQL(kind)
	if !ok {
		return "", "", "", ErrNotFound
	}
	err = s.r.QueryRowContext(ctx, `SELECT `+t.columns+` FROM `+t.table+` WHERE user_id = $1 AND id = $2`, userID, id).Scan(&title, &text, &chatID)
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
