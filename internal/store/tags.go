package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/tags"
)

// Tag origins: where a tag on an item came from.
const (
	TagHashtag = "hashtag" // a "#word" in the words the item came from
	TagManual  = "manual"  // added by the person
)

// ErrTooManyTags means a change would leave an item with more than
// tags.MaxPerItem tags.
var ErrTooManyTags = errors.New("store: too many tags")

// TaggedKinds are the kinds of items that carry tags.
var TaggedKinds = []domain.Kind{domain.KindTask, domain.KindNote, domain.KindIdea, domain.KindLocation, domain.KindEvent,
	domain.KindBookmark, domain.KindImage, domain.KindVoiceMemo}

// itemTable is the table that holds a tagged kind's items.
func itemTable(kind domain.Kind) (string, bool) {
	switch kind {
	case domain.KindTask:
		return "tasks", true
	case domain.KindNote:
		return "notes", true
	case domain.KindIdea:
		return "ideas", true
	case domain.KindLocation:
		return "locations", true
	case domain.KindEvent:
		return "events", true
	case domain.KindBookmark:
		return "bookmarks", true
	case domain.KindImage:
		return "images", true
	case domain.KindVoiceMemo:
		return "voice_memos", true
	}
	return "", false
}

// tagNew tags an item just made, not yet indexed, with the hashtags of
// text (the words of its source), and returns its filter keys (see
// filterKeys): its tags, from, the person its source came from, and chat,
// the chat it came from.
func (s *Store) tagNew(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, id, text, from, chat string) ([]string, error) {
	keys := []string{}
	if text != "" {
		added, err := (&Tx{s: s, tx: tx}).tagFromText(ctx, userID, kind, id, text, false)
		if err != nil {
			return nil, err
		}
		for _, t := range added {
			keys = append(keys, "t:"+t)
		}
	}
	if from != "" {
		keys = append(keys, "p:"+from)
	}
	if chat != "" {
		keys = append(keys, "c:"+chat)
	}
	slices.Sort(keys)
	return keys, nil
}

// TagFromText tags one of the user's items with the hashtags in text (the
// words it came from), as many as fit under tags.MaxPerItem; tags it
// carries already stay as they are.
func (t *Tx) TagFromText(ctx context.Context, userID string, kind domain.Kind, id, text string) error {
	_, err := t.tagFromText(ctx, userID, kind, id, text, true)
	return err
}

// tagFromText is TagFromText, returning the tags it added; refresh brings
// the item's search document's filter keys up to date (an item not indexed
// yet needs none).
func (t *Tx) tagFromText(ctx context.Context, userID string, kind domain.Kind, id, text string, refresh bool) ([]string, error) {
	found := tags.Parse(text)
	if len(found) == 0 {
		return nil, nil
	}
	have, now, err := tagTimes(ctx, t.tx, kind, id, ms(t.s.clock()))
	if err != nil {
		return nil, err
	}
	var added []string
	for _, i := range lockOrder(found) {
		tag := found[i]
		if have >= tags.MaxPerItem {
			break
		}
		// Distinct times keep the order of the text.
		res, err := t.tx.ExecContext(ctx, `INSERT INTO item_tags (user_id, item_kind, item_id, tag, origin, created_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (item_kind, item_id, tag) DO NOTHING`, userID, kind, id, tag, TagHashtag, now+int64(i))
		if err != nil {
			return nil, fmt.Errorf("store: tag %s: %w", kind, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			have++
			added = append(added, tag)
		}
	}
	if len(added) == 0 || !refresh {
		return added, nil
	}
	return added, t.s.refreshFilters(ctx, t.tx, userID, kind, id)
}

// checkItem reports ErrNotFound unless the user has the item.
func checkItem(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, id string) error {
	table, ok := itemTable(kind)
	if !ok {
		return ErrNotFound
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE user_id = $1 AND id = $2`, userID, id).Scan(&one)
	return notFound(err)
}

// ChangeTags changes the tags of one of the user's items and returns them
// after the change (in the order they were added): it adds add (as manual
// tags), removes remove, and when set is non-nil replaces them all with
// set (a tag the item had keeps its origin). Tags must be normalised
// (tags.Normalize). ErrNotFound when the user has no such item;
// ErrTooManyTags (nothing changes) when it would carry more than
// tags.MaxPerItem.
func (s *Store) ChangeTags(ctx context.Context, userID string, kind domain.Kind, id string, set *[]string, add, remove []string) ([]string, error) {
	var out []string
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if err := checkItem(ctx, tx, userID, kind, id); err != nil {
			return err
		}
		if set != nil {
			keep := map[string]bool{}
			for _, t := range *set {
				keep[t] = true
			}
			cur, err := tagsIn(ctx, tx, kind, id)
			if err != nil {
				return err
			}
			for _, t := range cur {
				if !keep[t] {
					remove = append(remove, t)
				}
			}
			add = append(add, *set...)
		}
		slices.Sort(remove) // lock order, as lockOrder
		for _, t := range remove {
			if _, err := tx.ExecContext(ctx, `DELETE FROM item_tags WHERE item_kind = $1 AND item_id = $2 AND tag = $3`, kind, id, t); err != nil {
				return fmt.Errorf("store: untag %s: %w", kind, err)
			}
		}
		_, now, err := tagTimes(ctx, tx, kind, id, ms(s.clock()))
		if err != nil {
			return err
		}
		for _, i := range lockOrder(add) {
			t := add[i]
			// Distinct times keep the order the tags were given in.
			if _, err := tx.ExecContext(ctx, `INSERT INTO item_tags (user_id, item_kind, item_id, tag, origin, created_at) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (item_kind, item_id, tag) DO NOTHING`, userID, kind, id, t, TagManual, now+int64(i)); err != nil {
				return fmt.Errorf("store: tag %s: %w", kind, err)
			}
		}
		if out, err = tagsIn(ctx, tx, kind, id); err != nil {
			return err
		}
		if len(out) > tags.MaxPerItem {
			return ErrTooManyTags
		}
		return s.refreshFilters(ctx, tx, userID, kind, id)
	})
	return out, err
}

// lockOrder is the order in which to write tags (their positions in
// list): by name, so that two transactions writing the same tags lock
// their tag_counts rows in one order and never deadlock.
func lockOrder(list []string) []int {
	order := make([]int, len(list))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(list[a], list[b]) })
	return order
}

// tagTimes counts an item's tags and returns the time (ms) from which new
// ones are stamped: now, or just after its newest tag, so that tags list in
// the order they were added even within one millisecond.
func tagTimes(ctx context.Context, tx *sql.Tx, kind domain.Kind, id string, now int64) (int, int64, error) {
	var n int
	var newest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MAX(created_at) FROM item_tags WHERE item_kind = $1 AND item_id = $2`, kind, id).Scan(&n, &newest); err != nil {
		return 0, 0, fmt.Errorf("store: count tags: %w", err)
	}
	if newest.Valid && newest.Int64 >= now {
		now = newest.Int64 + 1
	}
	return n, now, nil
}

func tagsIn(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, kind domain.Kind, id string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT tag FROM item_tags WHERE item_kind = $1 AND item_id = $2 ORDER BY created_at, tag`, kind, id)
	if err != nil {
		return nil, fmt.Errorf("store: tags: %w", err)
	}
	out, err := scanIDs(rows)
	if out == nil {
		out = []string{}
	}
	return out, err
}

// ItemTags returns the tags of one of the user's items.
func (s *Store) ItemTags(ctx context.Context, userID string, kind domain.Kind, id string) ([]string, error) {
	table, ok := itemTable(kind)
	if !ok {
		return nil, ErrNotFound
	}
	var one int
	if err := s.r.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE user_id = $1 AND id = $2`, userID, id).Scan(&one); err != nil {
		return nil, notFound(err)
	}
	return tagsIn(ctx, s.r, kind, id)
}

// fillTags sets the Tags of each item (of one kind, all the user's) in one
// query; ref returns an item's id and its Tags field.
func fillTags[T any](ctx context.Context, s *Store, userID string, kind domain.Kind, items []T, ref func(*T) (string, *[]string)) error {
	if len(items) == 0 {
		return nil
	}
	byID := make(map[string]*[]string, len(items))
	args := []any{userID, kind}
	ph := make([]string, 0, len(items))
	for i := range items {
		id, tags := ref(&items[i])
		*tags = []string{}
		byID[id] = tags
		args = append(args, id)
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := s.r.QueryContext(ctx, `SELECT item_id, tag FROM item_tags WHERE user_id = $1 AND item_kind = $2 AND item_id IN (`+
		strings.Join(ph, ",")+`) ORDER BY item_id, created_at, tag`, args...)
	if err != nil {
		return fmt.Errorf("store: tags of %s: %w", kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		if p := byID[id]; p != nil {
			*p = append(*p, tag)
		}
	}
	return rows.Err()
}

func fillTagsOne[T any](ctx context.Context, s *Store, userID string, kind domain.Kind, item *T, err error, ref func(*T) (string, *[]string)) error {
	if err != nil {
		return err
	}
	one := []T{*item}
	if err := fillTags(ctx, s, userID, kind, one, ref); err != nil {
		return err
	}
	*item = one[0]
	return nil
}

func taskRef(t *Task) (string, *[]string)         { return t.ID, &t.Tags }
func noteRef(n *Note) (string, *[]string)         { return n.ID, &n.Tags }
func locationRef(l *Location) (string, *[]string) { return l.ID, &l.Tags }
func eventRef(e *Event) (string, *[]string)       { return e.ID, &e.Tags }
func bookmarkRef(b *Bookmark) (string, *[]string) { return b.ID, &b.Tags }
func imageRef(im *Image) (string, *[]string)      { return im.ID, &im.Tags }
func memoRef(v *VoiceMemo) (string, *[]string)    { return v.ID, &v.Tags }
func pageTags[T any](ctx context.Context, s *Store, userID string, kind domain.Kind, p Page[T], err error, ref func(*T) (string, *[]string)) (Page[T], error) {
	if err != nil {
		return p, err
	}
	return p, fillTags(ctx, s, userID, kind, p.Items, ref)
}

// TagCount is one of a person's tags and how many items carry it.
type TagCount struct {
	Tag   string `json:"tag"`
	Count int    `json:"count"`
}

// MaxTagList bounds ListTags.
const MaxTagList = 1000

// ListTags returns the user's tags, the most used first (then by name), at
// most MaxTagList of them.
func (s *Store) ListTags(ctx context.Context, userID string) ([]TagCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tag, n FROM tag_counts WHERE user_id = $1 ORDER BY n DESC, tag LIMIT $2`, userID, MaxTagList)
	if err != nil {
		return nil, fmt.Errorf("store: list tags: %w", err)
	}
	defer rows.Close()
	out := []TagCount{}
	for rows.Next() {
		var t TagCount
		if err := rows.Scan(&t.Tag, &t.Count); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Person is someone who sent what items were made from: their WhatsApp id
// and the name last seen for them.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// MaxPeople bounds ListPeople.
const MaxPeople = 1000

// ListPeople returns the people whose messages the user's items came from
// (their tasks, notes, ideas, places, events, images, voice memos and the
// shares of their bookmarks; a person stays listed once seen), by name (those without one last), at most
// MaxPeople of them.
func (s *Store) ListPeople(ctx context.Context, userID string) ([]Person, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT person, name FROM source_people WHERE user_id = $1
		ORDER BY CASE WHEN name = '' THEN 1 ELSE 0 END, name, person LIMIT $2`, userID, MaxPeople)
	if err != nil {
		return nil, fmt.Errorf("store: list people: %w", err)
	}
	defer rows.Close()
	out := []Person{}
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ItemFilter narrows a list of items; every field set must hold. Person is
// the sender of the message an item came from (a WhatsApp id); From and
// To bound the time the list is ordered by (From inclusive, To exclusive;
// zero: open).
type ItemFilter struct {
	Tag, ChatID, Person string
	From, To            time.Time
}

// itemCols names the columns a kind's filter reads.
type itemCols struct {
	chat, person, at string
	// viaShares: chat and person are those of the bookmark's shares.
	viaShares bool
}

// where adds the filter's conditions for one kind ($1 is the user).
func (f ItemFilter) where(kind domain.Kind, c itemCols, args *[]any) string {
	var b strings.Builder
	arg := func(v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	if f.Tag != "" {
		b.WriteString(" AND id IN (SELECT item_id FROM item_tags WHERE user_id = $1 AND tag = " + arg(f.Tag) + " AND item_kind = " + arg(string(kind)) + ")")
	}
	if c.viaShares {
		if f.ChatID != "" {
			b.WriteString(" AND id IN (SELECT bookmark_id FROM bookmark_shares WHERE user_id = $1 AND chat_id = " + arg(f.ChatID) + ")")
		}
		if f.Person != "" {
			b.WriteString(" AND id IN (SELECT bookmark_id FROM bookmark_shares WHERE user_id = $1 AND sender = " + arg(f.Person) + ")")
		}
	} else {
		if f.ChatID != "" {
			b.WriteString(" AND " + c.chat + " = " + arg(f.ChatID))
		}
		if f.Person != "" {
			b.WriteString(" AND " + c.person + " = " + arg(f.Person))
		}
	}
	if !f.From.IsZero() {
		b.WriteString(" AND " + c.at + " >= " + arg(ms(f.From)))
	}
	if !f.To.IsZero() {
		b.WriteString(" AND " + c.at + " < " + arg(ms(f.To)))
	}
	return b.String()
}

// tagged is where a list of one kind reads its items from, and the
// columns it orders by (the list's time and the id), for the filter f;
// rest is the filter left for where. On PostgreSQL a list narrowed by a
// tag reads the tag's rows of item_tags, newest first from their index of
// the item's list time (at), joined with the items, so a page costs the
// same however few items carry the tag; the planner would otherwise walk
// the whole list testing each item. SQLite starts from the tagged ids by
// itself.
func (f ItemFilter) tagged(s *Store, table string, kind domain.Kind, col string, args *[]any) (from, orderCol, idCol string, rest ItemFilter) {
	if s.dialect != Postgres || f.Tag == "" {
		return table, col, "id", f
	}
	*args = append(*args, string(kind), f.Tag)
	from = fmt.Sprintf(`(SELECT t.*, g.at AS tag_at, g.item_id AS tag_id FROM item_tags g JOIN %s t ON t.user_id = g.user_id AND t.id = g.item_id
		WHERE g.user_id = $1 AND g.item_kind = $%d AND g.tag = $%d) %s`, table, len(*args)-1, len(*args), table)
	rest = f
	rest.Tag = ""
	return from, "tag_at", "tag_id", rest
}

// at returns the columns with the time read from col (a tagged list's
// copy of it, which its index holds).
func (c itemCols) orderedBy(col string) itemCols {
	c.at = col
	return c
}

var (
	sourceCols = itemCols{chat: "chat_id", person: "src_from", at: "created_at"}
	mediaCols  = itemCols{chat: "chat_id", person: "sender", at: "sent_at"}
)
