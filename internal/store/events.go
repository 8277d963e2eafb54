package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
)

// Event is a calendar event: a meeting or plan with a start, found in a
// message or transcript or typed by hand. Start and End are instants; they
// were computed from the local wall time in TimeZone.
type Event struct {
	ID     string     `json:"id"`
	Title  string     `json:"title"`
	Body   string     `json:"body"`
	Start  time.Time  `json:"start"`
	End    *time.Time `json:"end,omitempty"`
	Place  string     `json:"place"`
	People []string   `json:"people"`
	// TimeZone is the IANA zone the wall times were read in.
	TimeZone  string    `json:"timeZone,omitempty"`
	Tags      []string  `json:"tags"`
	Source    Source    `json:"source"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// EditedAt is when the person last changed the event by hand.
	EditedAt *time.Time `json:"editedAt,omitempty"`
	// Mentions is how many messages gave the event (0: typed by hand);
	// Sources lists them (on a single event's read only).
	Mentions int          `json:"mentions"`
	Sources  []ItemSource `json:"sources,omitempty"`
}

const eventColumns = `id, title, body, starts_at, ends_at, place, people, time_zone, ` + sourceColumns

func scanEvent(row scanner) (Event, error) {
	var e Event
	var start, created, updated, edited int64
	var end sql.NullInt64
	var people string
	err := row.Scan(append([]any{&e.ID, &e.Title, &e.Body, &start, &end, &e.Place, &people, &e.TimeZone},
		scanSource(&e.Source, &created, &updated, &edited, &e.Mentions)...)...)
	if err != nil {
		return Event{}, err
	}
	e.Start, e.End = fromMS(start), optTime(end)
	e.People, e.Tags = decodePeople(people), []string{}
	e.CreatedAt, e.UpdatedAt, e.EditedAt = fromMS(created), fromMS(updated), editedTime(edited)
	return e, nil
}

func decodePeople(s string) []string {
	people := []string{}
	_ = json.Unmarshal([]byte(s), &people)
	if people == nil {
		people = []string{}
	}
	return people
}

func encodePeople(people []string) string {
	clean := []string{}
	for _, p := range people {
		if p = strings.TrimSpace(p); p != "" {
			clean = append(clean, p)
		}
	}
	b, _ := json.Marshal(clean)
	return string(b)
}

// eventSearchText is what search finds an event by.
func eventSearchText(e Event) string {
	return strings.Join(append([]string{e.Title, e.Body, e.Place}, e.People...), " ")
}

// insertEvent stores one extracted event, or nothing (nil) when the source
// gave it already.
func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, base []any, userID string, it Extracted, tagText, from, chat string) (any, error) {
	if it.Start == nil {
		return nil, fmt.Errorf("store: add event: no start")
	}
	row := tx.QueryRowContext(ctx, `INSERT INTO events (`+srcCols+`,
		title, body, starts_at, ends_at, place, people, time_zone) VALUES (`+srcVals+`, $14, $15, $16, $17, $18, $19, $20)
		ON CONFLICT (user_id, source_key, ordinal) DO NOTHING RETURNING `+eventColumns,
		append(base, it.Title, it.Body, it.Start.UnixMilli(), optMS(it.End), it.Place, encodePeople(it.People), it.TimeZone)...)
	e, err := scanEvent(row)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: add event: %w", err)
	}
	keys, err := s.tagNew(ctx, tx, userID, domain.KindEvent, e.ID, tagText, from, chat)
	if err != nil {
		return nil, err
	}
	return e, s.indexDocKeys(ctx, tx, userID, domain.KindEvent, e.ID, e.CreatedAt, eventSearchText(e), keys)
}

// EventFilter narrows an event list. From and To bound the start (From
// inclusive, To exclusive; nil: open). Desc lists the latest start first
// (past events); otherwise the soonest comes first. Tag, ChatID and
// Person narrow it as in ItemFilter.
type EventFilter struct {
	From, To            *time.Time
	Desc                bool
	Tag, ChatID, Person string
}

// ListEvents returns one page of the user's events ordered by start (and
// id), soonest first unless f.Desc. The cursor is the NextCursor of the
// previous page with the same filter.
func (s *Store) ListEvents(ctx context.Context, userID string, f EventFilter, o ListOptions) (Page[Event], error) {
	where, args := `user_id = $1`, []any{userID}
	from, col, idCol, rest := ItemFilter{Tag: f.Tag, ChatID: f.ChatID, Person: f.Person}.tagged(s, "events", domain.KindEvent, "starts_at", &args)
	if f.From != nil {
		args = append(args, f.From.UnixMilli())
		where += fmt.Sprintf(` AND %s >= $%d`, col, len(args))
	}
	if f.To != nil {
		args = append(args, f.To.UnixMilli())
		where += fmt.Sprintf(` AND %s < $%d`, col, len(args))
	}
	where += rest.where(domain.KindEvent, sourceCols, &args)
	cmp, dir := ">", "ASC"
	if f.Desc {
		cmp, dir = "<", "DESC"
	}
	if o.Cursor != "" {
		n, id, err := decodeCursor(o.Cursor)
		if err != nil {
			return Page[Event]{}, err
		}
		args = append(args, n, id)
		where += fmt.Sprintf(` AND (%s, %s) %s ($%d, $%d)`, col, idCol, cmp, len(args)-1, len(args))
	}
	limit := o.limit()
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY %s %s, %s %s LIMIT $%d`,
		eventColumns, from, where, col, dir, idCol, dir, len(args)), args...)
	if err != nil {
		return Page[Event]{}, fmt.Errorf("store: list events: %w", err)
	}
	defer rows.Close()
	var page Page[Event]
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return Page[Event]{}, fmt.Errorf("store: list events: %w", err)
		}
		page.Items = append(page.Items, e)
	}
	if err := rows.Err(); err != nil {
		return Page[Event]{}, fmt.Errorf("store: list events: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = encodeCursor(last.Start.UnixMilli(), last.ID)
	}
	return page, fillTags(ctx, s, userID, domain.KindEvent, page.Items, eventRef)
}

// EventsBetween returns all of the user's events that start in [from, to),
// soonest first, up to limit of them (at most MaxPageSize×10). It suits a
// calendar feed or a day's view that wants no cursor.
func (s *Store) EventsBetween(ctx context.Context, userID string, from, to time.Time, limit int) ([]Event, error) {
	limit = min(max(limit, 1), MaxPageSize*10)
	rows, err := s.r.QueryContext(ctx, `SELECT `+eventColumns+` FROM events WHERE user_id = $1 AND starts_at >= $2 AND starts_at < $3
		ORDER BY starts_at, id LIMIT $4`, userID, from.UnixMilli(), to.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: events between: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: events between: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, fillTags(ctx, s, userID, domain.KindEvent, out, eventRef)
}

// GetEvent returns one of the user's events.
func (s *Store) GetEvent(ctx context.Context, userID, id string) (Event, error) {
	e, err := scanEvent(s.r.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE user_id = $1 AND id = $2`, userID, id))
	return e, fillTagsOne(ctx, s, userID, domain.KindEvent, &e, notFound(err), eventRef)
}

// CreateEvent stores an event typed by hand. e.Title and e.Start are
// required; the id, source and times are set here.
func (s *Store) CreateEvent(ctx context.Context, userID string, e Event) (Event, error) {
	var out Event
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		start := e.Start
		v, err := s.insertItem(ctx, tx, userID, Source{Kind: SourceManual}, 0, Extracted{Kind: domain.KindEvent, Title: e.Title, Body: e.Body,
			Start: &start, End: e.End, Place: e.Place, People: e.People, TimeZone: e.TimeZone})
		if err == nil {
			out = v.(Event)
		}
		return err
	})
	return out, err
}

// EventPatch changes some of an event's fields (nil: unchanged). ClearEnd
// removes the end.
type EventPatch struct {
	Title, Body, Place *string
	Start, End         *time.Time
	ClearEnd           bool
	People             *[]string
	TimeZone           *string
}

// UpdateEvent applies a patch to one of the user's events and marks it
// edited by hand, so that re-analysis of its source never changes or
// removes it. An end before the start is ErrConflict.
func (s *Store) UpdateEvent(ctx context.Context, userID, id string, p EventPatch) (Event, error) {
	var e Event
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE user_id = $1 AND id = $2`, userID, id))
		if err != nil {
			return notFound(err)
		}
		if p.Title != nil {
			cur.Title = *p.Title
		}
		if p.Body != nil {
			cur.Body = *p.Body
		}
		if p.Place != nil {
			cur.Place = *p.Place
		}
		if p.Start != nil {
			cur.Start = *p.Start
		}
		if p.ClearEnd {
			cur.End = nil
		}
		if p.End != nil {
			cur.End = p.End
		}
		if p.People != nil {
			cur.People = *p.People
		}
		if p.TimeZone != nil {
			cur.TimeZone = *p.TimeZone
		}
		if cur.End != nil && cur.End.Before(cur.Start) {
			return ErrConflict
		}
		now := ms(s.clock())
		e, err = scanEvent(tx.QueryRowContext(ctx, `UPDATE events SET title = $3, body = $4, starts_at = $5, ends_at = $6, place = $7, people = $8,
			time_zone = $9, updated_at = $10, edited_at = $10 WHERE user_id = $1 AND id = $2 RETURNING `+eventColumns,
			userID, id, cur.Title, cur.Body, cur.Start.UnixMilli(), optMS(cur.End), cur.Place, encodePeople(cur.People), cur.TimeZone, now))
		if err != nil {
			return fmt.Errorf("store: update event: %w", err)
		}
		return s.indexDoc(ctx, tx, userID, domain.KindEvent, e.ID, e.CreatedAt, eventSearchText(e))
	})
	return e, fillTagsOne(ctx, s, userID, domain.KindEvent, &e, err, eventRef)
}

// DeleteEvent deletes one of the user's events.
func (s *Store) DeleteEvent(ctx context.Context, userID, id string) error {
	return s.deleteItem(ctx, userID, domain.KindEvent, "events", id)
}
