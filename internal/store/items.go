package store

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/synapse-kb/synapse/internal/domain"
	"time"
)

// Item sources.
const (
	SourceMessage   = "message"
	SourceVoiceMemo = "voice_memo"
	SourceManual    = "manual"
)

// Source says where an item came from: a message (chat and id) or a voice
// memo, or a person typing it.
type Source struct {
	Kind        string `json:"kind"`
	ChatID      string `json:"chatId,omitempty"`
	MessageID   string `json:"messageId,omitempty"`
	VoiceMemoID string `json:"voiceMemoId,omitempty"`
	// Snapshot keeps the words the item came from, so that its context
	// outlives the message (which retention removes).
	Snapshot Snapshot `json:"snapshot,omitzero"`
}

// Snapshot is what a source said, kept with what was made from it: who
// sent it, when, and its text (a voice memo's transcript).
type Snapshot struct {
	From     string    `json:"from,omitempty"`
	FromName string    `json:"fromName,omitempty"`
	Text     string    `json:"text,omitempty"`
	Time     time.Time `json:"time,omitzero"`
}

// msTime scans a nullable milliseconds column into a time (zero: NULL).
type msTime struct{ t *time.Time }

func (m msTime) Scan(v any) error {
	var n sql.NullInt64
	if err := n.Scan(v); err != nil {
		return err
	}
	*m.t = time.Time{}
	if n.Valid {
		*m.t = fromMS(n.Int64)
	}
	return nil
}

// optSnapshotTime is a snapshot's time as a nullable column.
func optSnapshotTime(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(t), Valid: true}
}

// key identifies an analysed source, so that analysing it again is a no-op.
func (s Source) key() sql.NullString {
	switch s.Kind {
	case SourceMessage:
		return sql.NullString{String: "m:" + s.ChatID + "/" + s.MessageID, Valid: true}
	case SourceVoiceMemo:
		return sql.NullString{String: "v:" + s.VoiceMemoID, Valid: true}
	}
	return sql.NullString{} // manual items: NULLs never conflict
}

// Task is something to do.
type Task struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Body       string     `json:"body"`
	Due        *time.Time `json:"due,omitempty"`
	DueHasTime bool       `json:"dueHasTime"`
	Done       bool       `json:"done"`
	DoneAt     *time.Time `json:"doneAt,omitempty"`
	Tags       []string   `json:"tags"`
	Source     Source     `json:"source"`
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	// EditedAt is when the person last changed the item by hand.
	EditedAt *time.Time `json:"editedAt,omitempty"`
	// Mentions is how many messages gave the item (0: typed by hand);
	// Sources lists them (on a single item's read only).
	Mentions int          `json:"mentions"`
	Sources  []ItemSource `json:"sources,omitempty"`
}

// Note is something to remember.
type Note struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Tags      []string  `json:"tags"`
	Source    Source    `json:"source"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// EditedAt is when the person last changed the item by hand.
	EditedAt *time.Time `json:"editedAt,omitempty"`
	// Mentions is how many messages gave the item (0: typed by hand);
	// Sources lists them (on a single item's read only).
	Mentions int          `json:"mentions"`
	Sources  []ItemSource `json:"sources,omitempty"`
}

// Idea is a thought worth keeping.
type Idea Note

// Location is a place.
type Location struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Address   string    `json:"address"`
	Latitude  *float64  `json:"latitude,omitempty"`
	Longitude *float64  `json:"longitude,omitempty"`
	URL       string    `json:"url,omitempty"`
	Tags      []string  `json:"tags"`
	Source    Source    `json:"source"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// EditedAt is when the person last changed the item by hand.
	EditedAt *time.Time `json:"editedAt,omitempty"`
	// Mentions is how many messages gave the item (0: typed by hand);
	// Sources lists them (on a single item's read only).
	Mentions int          `json:"mentions"`
	Sources  []ItemSource `json:"sources,omitempty"`
}

// Extracted is one item found by analysing a source, before it is stored.
type Extracted struct {
	Kind       domain.Kind // task, note, idea, location, event
	Title      string
	Body       string
	Due        *time.Time
	DueHasTime bool
	Address    string
	Latitude   *float64
	Longitude  *float64
	URL        string
	// Event fields, for domain.KindEvent: Start is required; TimeZone is
	// the zone the wall times were read in.
	Start    *time.Time
	End      *time.Time
	Place    string
	People   []string
	TimeZone string
}

type scanner interface{ Scan(...any) error }

// sourceColumns end every item's columns: where it came from, when it was
// made and changed, and when the person last changed it.
const sourceColumns = `source, chat_id, message_id, voice_memo_id, src_from, src_from_name, src_text, src_at, created_at, updated_at, edited_at, mentions`

func scanSource(src *Source, created, updated, edited *int64, mentions *int) []any {
	sn := &src.Snapshot
	return []any{&src.Kind, &src.ChatID, &src.MessageID, &src.VoiceMemoID, &sn.From, &sn.FromName, &sn.Text, msTime{&sn.Time}, created, updated, edited, mentions}
}

// editedTime is an edited_at column as a time (nil: never).
func editedTime(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	t := fromMS(v)
	return &t
}

const taskColumns = `id, title, body, due_at, due_has_time, done, done_at, ` + sourceColumns

func scanTask(row scanner) (Task, error) {
	var t Task
	var due, doneAt sql.NullInt64
	var created, updated, edited int64
	err := row.Scan(append([]any{&t.ID, &t.Title, &t.Body, &due, &t.DueHasTime, &t.Done, &doneAt}, scanSource(&t.Source, &created, &updated, &edited, &t.Mentions)...)...)
	t.Due, t.DoneAt, t.Tags = optTime(due), optTime(doneAt), []string{}
	t.CreatedAt, t.UpdatedAt, t.EditedAt = fromMS(created), fromMS(updated), editedTime(edited)
	return t, err
}

const noteColumns = `id, title, body, ` + sourceColumns

func scanNote(row scanner) (Note, error) {
	var n Note
	var created, updated, edited int64
	err := row.Scan(append([]any{&n.ID, &n.Title, &n.Body}, scanSource(&n.Source, &created, &updated, &edited, &n.Mentions)...)...)
	n.Tags = []string{}
	n.CreatedAt, n.UpdatedAt, n.EditedAt = fromMS(created), fromMS(updated), editedTime(edited)
	return n, err
}

const locationColumns = `id, name, address, latitude, longitude, url, ` + sourceColumns

func scanLocation(row scanner) (Location, error) {
	var l Location
	var lat, lng sql.NullFloat64
	var created, updated, edited int64
	err := row.Scan(append([]any{&l.ID, &l.Name, &l.Address, &lat, &lng, &l.URL}, scanSource(&l.Source, &created, &updated, &edited, &l.Mentions)...)...)
	l.Tags = []string{}
	if lat.Valid && lng.Valid {
		l.Latitude, l.Longitude = &lat.Float64, &lng.Float64
	}
	l.CreatedAt, l.UpdatedAt, l.EditedAt = fromMS(created), fromMS(updated), editedTime(edited)
	return l, err
}

func optTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func optMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func optFloat(f *float64) sql.NullFloat64 {
	if f == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *f, Valid: true}
}

// srcCols and srcVals insert an extracted item's source (the values of
// insertItem's base, $1 to $13); the item's own values follow from $14.
// An item typed by hand has no mentions.
const (
	srcCols = `id, user_id, source, source_key, ordinal, chat_id, message_id, voice_memo_id, created_at, updated_at, src_from, src_from_name, src_text, src_at, mentions`
	srcVals = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, CASE WHEN $3 = 'manual' THEN 0 ELSE 1 END`
)

// AddExtracted stores the items found in one source. Analysing the same
// source again stores nothing new (items are keyed by source and position,
// and by the normalised text each source gave). An item that repeats one
// found in another message (see MergeWindow) is added to it as a source
// instead, and an item the person deleted is not made again.
// It returns the items it stored, each a Task, Note, Idea, Location or
// Event.
func (s *Store) AddExtracted(ctx context.Context, userID string, src Source, items []Extracted) (out []any, err error) {
	err = s.WithTx(ctx, func(tx *Tx) error {
		out, err = tx.AddExtracted(ctx, userID, src, items)
		return err
	})
	return out, err
}

// AddExtracted is Store.AddExtracted in this transaction.
func (t *Tx) AddExtracted(ctx context.Context, userID string, src Source, items []Extracted) ([]any, error) {
	var out []any
	for i, it := range items {
		v, err := t.s.insertItem(ctx, t.tx, userID, src, i, it)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// insertItem stores one item, or nothing (nil) when it exists already, was
// merged into an item it repeats or was deleted by the person.
func (s *Store) insertItem(ctx context.Context, tx *sql.Tx, userID string, src Source, ordinal int, it Extracted) (any, error) {
	if !fromSource(src) {
		return s.insertNewItem(ctx, tx, userID, src, ordinal, it, true)
	}
	norm := MergeKey(it)
	skip, err := s.mergeExtracted(ctx, tx, userID, src, it, norm)
	if err != nil || skip {
		return nil, err
	}
	v, err := s.insertNewItem(ctx, tx, userID, src, ordinal, it, true)
	if err != nil || v == nil {
		return v, err
	}
	var id string
	switch x := v.(type) {
	case Task:
		id = x.ID
	case Note:
		id = x.ID
	case Idea:
		id = x.ID
	case Location:
		id = x.ID
	case Event:
		id = x.ID
	}
	return v, s.insertSource(ctx, tx, userID, it.Kind, id, src, norm)
}

// insertNewItem stores one item, or nothing (nil) when its source and
// position gave one already. With hashtags, the item is tagged with those
// of its source's words (before it is indexed, which reads its tags).
func (s *Store) insertNewItem(ctx context.Context, tx *sql.Tx, userID string, src Source, ordinal int, it Extracted, hashtags bool) (any, error) {
	tagText := ""
	if hashtags {
		tagText = src.Snapshot.Text
	}
	now := ms(s.clock())
	id := NewID()
	sn := src.Snapshot
	base := []any{id, userID, src.Kind, src.key(), ordinal, src.ChatID, src.MessageID, src.VoiceMemoID, now,
		sn.From, sn.FromName, sn.Text, optSnapshotTime(sn.Time)}
	var row *sql.Row
	switch it.Kind {
	case domain.KindTask:
		row = tx.QueryRowContext(ctx, `INSERT INTO tasks (`+srcCols+`, title, body, due_at, due_has_time) VALUES (`+srcVals+`, $14, $15, $16, $17)
			ON CONFLICT (user_id, source_key, ordinal) DO NOTHING RETURNING `+taskColumns, append(base, it.Title, it.Body, optMS(it.Due), it.DueHasTime && it.Due != nil)...)
		t, err := scanTask(row)
		if err == sql.ErrNoRows {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("store: add task: %w", err)
		}
		keys, err := s.tagNew(ctx, tx, userID, domain.KindTask, t.ID, tagText, sn.From, src.ChatID)
		if err != nil {
			return nil, err
		}
		return t, s.indexDocKeys(ctx, tx, userID, domain.KindTask, t.ID, t.CreatedAt, t.Title+" "+t.Body, keys)
	case domain.KindNote, domain.KindIdea:
		table := "notes"
		if it.Kind == domain.KindIdea {
			table = "ideas"
		}
		row = tx.QueryRowContext(ctx, `INSERT INTO `+table+` (`+srcCols+`, title, body) VALUES (`+srcVals+`, $14, $15)
			ON CONFLICT (user_id, source_key, ordinal) DO NOTHING RETURNING `+noteColumns, append(base, it.Title, it.Body)...)
		n, err := scanNote(row)
		if err == sql.ErrNoRows {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("store: add %s: %w", it.Kind, err)
		}
		keys, err := s.tagNew(ctx, tx, userID, it.Kind, n.ID, tagText, sn.From, src.ChatID)
		if err != nil {
			return nil, err
		}
		if err := s.indexDocKeys(ctx, tx, userID, it.Kind, n.ID, n.CreatedAt, n.Title+" "+n.Body, keys); err != nil {
			return nil, err
		}
		if it.Kind == domain.KindIdea {
			return Idea(n), nil
		}
		return n, nil
	case domain.KindLocation:
		row = tx.QueryRowContext(ctx, `INSERT INTO locations (`+srcCols+`, name, address, latitude, longitude, url) VALUES (`+srcVals+`, $14, $15, $16, $17, $18)
			ON CONFLICT (user_id, source_key, ordinal) DO NOTHING RETURNING `+locationColumns,
			append(base, it.Title, it.Address, optFloat(it.Latitude), optFloat(it.Longitude), it.URL)...)
		l, err := scanLocation(row)
		if err == sql.ErrNoRows {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("store: add location: %w", err)
		}
		keys, err := s.tagNew(ctx, tx, userID, domain.KindLocation, l.ID, tagText, sn.From, src.ChatID)
		if err != nil {
			return nil, err
		}
		return l, s.indexDocKeys(ctx, tx, userID, domain.KindLocation, l.ID, l.CreatedAt, l.Name+" "+l.Address, keys)
	case domain.KindEvent:
		return s.insertEvent(ctx, tx, base, userID, it, tagText, sn.From, src.ChatID)
	}
	return nil, fmt.Errorf("store: unknown item kind %q", it.Kind)
}

// TaskFilter narrows a task list.
type TaskFilter struct {
	Done *bool
	ItemFilter
}

// ListTasks returns the user's tasks, newest first.
func (s *Store) ListTasks(ctx context.Context, userID string, f TaskFilter, o ListOptions) (Page[Task], error) {
	where, args := `user_id = $1`, []any{userID}
	if f.Done != nil {
		args = append(args, *f.Done)
		where += ` AND done = $2`
	}
	from, col, idCol, rest := f.tagged(s, "tasks", domain.KindTask, "created_at", &args)
	where += rest.where(domain.KindTask, sourceCols.orderedBy(col), &args)
	p, err := listKeysetBy(ctx, s, `SELECT `+taskColumns+` FROM `+from, where, col, idCol, args, o, func(r interface{ Scan(...any) error }) (Task, error) { return scanTask(r) },
		func(t Task) (int64, string) { return ms(t.CreatedAt), t.ID })
	return pageTags(ctx, s, userID, domain.KindTask, p, err, taskRef)
}

// OpenTasks returns up to limit open tasks: overdue and dated ones first by
// due date, then undated ones, newest first.
func (s *Store) OpenTasks(ctx context.Context, userID string, limit int) ([]Task, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE user_id = $1 AND done = $2
		ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, created_at DESC LIMIT $3`, userID, false, limit)
	if err != nil {
		return nil, fmt.Errorf("store: open tasks: %w", err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, fillTags(ctx, s, userID, domain.KindTask, out, taskRef)
}

// GetTask returns one of the user's tasks.
func (s *Store) GetTask(ctx context.Context, userID, id string) (Task, error) {
	t, err := scanTask(s.r.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE user_id = $1 AND id = $2`, userID, id))
	return t, fillTagsOne(ctx, s, userID, domain.KindTask, &t, notFound(err), taskRef)
}

// CreateTask stores a task typed by hand.
func (s *Store) CreateTask(ctx context.Context, userID string, title, body string, due *time.Time, dueHasTime bool) (Task, error) {
	var t Task
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		v, err := s.insertItem(ctx, tx, userID, Source{Kind: SourceManual}, 0, Extracted{Kind: domain.KindTask, Title: title, Body: body, Due: due, DueHasTime: dueHasTime})
		if err == nil {
			t = v.(Task)
		}
		return err
	})
	return t, err
}

// TaskPatch changes some of a task's fields (nil: unchanged). ClearDue
// removes the due date.
type TaskPatch struct {
	Title, Body *string
	Due         *time.Time
	DueHasTime  *bool
	ClearDue    bool
	Done        *bool
}

// UpdateTask applies a patch to one of the user's tasks.
func (s *Store) UpdateTask(ctx context.Context, userID, id string, p TaskPatch) (Task, error) {
	var t Task
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanTask(tx.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE user_id = $1 AND id = $2`, userID, id))
		if err != nil {
			return notFound(err)
		}
		if p.Title != nil {
			cur.Title = *p.Title
		}
		if p.Body != nil {
			cur.Body = *p.Body
		}
		if p.ClearDue {
			cur.Due, cur.DueHasTime = nil, false
		}
		if p.Due != nil {
			cur.Due = p.Due
		}
		if p.DueHasTime != nil {
			cur.DueHasTime = *p.DueHasTime && cur.Due != nil
		}
		now := s.clock()
		if p.Done != nil && *p.Done != cur.Done {
			cur.Done = *p.Done
			cur.DoneAt = nil
			if cur.Done {
				d := fromMS(ms(now))
				cur.DoneAt = &d
			}
		}
		t, err = scanTask(tx.QueryRowContext(ctx, `UPDATE tasks SET title = $3, body = $4, due_at = $5, due_has_time = $6, done = $7, done_at = $8, updated_at = $9, edited_at = $9
			WHERE user_id = $1 AND id = $2 RETURNING `+taskColumns,
			userID, id, cur.Title, cur.Body, optMS(cur.Due), cur.DueHasTime, cur.Done, optMS(cur.DoneAt), ms(now)))
		if err != nil {
			return fmt.Errorf("store: update task: %w", err)
		}
		return s.indexDoc(ctx, tx, userID, domain.KindTask, t.ID, t.CreatedAt, t.Title+" "+t.Body)
	})
	return t, fillTagsOne(ctx, s, userID, domain.KindTask, &t, err, taskRef)
}

// deleteItem deletes one of the user's items of a kind.
func (s *Store) deleteItem(ctx context.Context, userID string, kind domain.Kind, table, id string) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.dismissItem(ctx, tx, userID, kind, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id = $1 AND id = $2`, userID, id)
		if err != nil {
			return fmt.Errorf("store: delete %s: %w", kind, err)
		}
		if err := expectOne(res); err != nil {
			return err
		}
		return s.unindexDoc(ctx, tx, kind, id)
	})
}

// DeleteTask deletes one of the user's tasks.
func (s *Store) DeleteTask(ctx context.Context, userID, id string) error {
	return s.deleteItem(ctx, userID, domain.KindTask, "tasks", id)
}

func noteTable(kind domain.Kind) string {
	if kind == domain.KindIdea {
		return "ideas"
	}
	return "notes"
}

// ListNotes returns the user's notes (kind "note") or ideas (kind "idea")
// that pass the filter, newest first.
func (s *Store) ListNotes(ctx context.Context, userID string, kind domain.Kind, f ItemFilter, o ListOptions) (Page[Note], error) {
	args := []any{userID}
	from, col, idCol, rest := f.tagged(s, noteTable(kind), kind, "created_at", &args)
	where := `user_id = $1` + rest.where(kind, sourceCols.orderedBy(col), &args)
	p, err := listKeysetBy(ctx, s, `SELECT `+noteColumns+` FROM `+from, where, col, idCol, args, o,
		func(r interface{ Scan(...any) error }) (Note, error) { return scanNote(r) },
		func(n Note) (int64, string) { return ms(n.CreatedAt), n.ID })
	return pageTags(ctx, s, userID, kind, p, err, noteRef)
}

// GetNote returns one of the user's notes or ideas.
func (s *Store) GetNote(ctx context.Context, userID string, kind domain.Kind, id string) (Note, error) {
	n, err := scanNote(s.r.QueryRowContext(ctx, `SELECT `+noteColumns+` FROM `+noteTable(kind)+` WHERE user_id = $1 AND id = $2`, userID, id))
	return n, fillTagsOne(ctx, s, userID, kind, &n, notFound(err), noteRef)
}

// CreateNote stores a note or idea typed by hand.
func (s *Store) CreateNote(ctx context.Context, userID string, kind domain.Kind, title, body string) (Note, error) {
	var n Note
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		v, err := s.insertItem(ctx, tx, userID, Source{Kind: SourceManual}, 0, Extracted{Kind: kind, Title: title, Body: body})
		if err != nil {
			return err
		}
		switch x := v.(type) {
		case Note:
			n = x
		case Idea:
			n = Note(x)
		}
		return nil
	})
	return n, err
}

// UpdateNote changes a note's or idea's title and body (nil: unchanged).
func (s *Store) UpdateNote(ctx context.Context, userID string, kind domain.Kind, id string, title, body *string) (Note, error) {
	var n Note
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = scanNote(tx.QueryRowContext(ctx, `UPDATE `+noteTable(kind)+` SET title = COALESCE($3, title), body = COALESCE($4, body), updated_at = $5, edited_at = $5
			WHERE user_id = $1 AND id = $2 RETURNING `+noteColumns, userID, id, title, body, ms(s.clock())))
		if err != nil {
			return notFound(err)
		}
		return s.indexDoc(ctx, tx, userID, kind, n.ID, n.CreatedAt, n.Title+" "+n.Body)
	})
	return n, fillTagsOne(ctx, s, userID, kind, &n, err, noteRef)
}

// DeleteNote deletes one of the user's notes or ideas.
func (s *Store) DeleteNote(ctx context.Context, userID string, kind domain.Kind, id string) error {
	return s.deleteItem(ctx, userID, kind, noteTable(kind), id)
}

// ListLocations returns the user's locations that pass the filter, newest
// first.
func (s *Store) ListLocations(ctx context.Context, userID string, f ItemFilter, o ListOptions) (Page[Location], error) {
	args := []any{userID}
	from, col, idCol, rest := f.tagged(s, "locations", domain.KindLocation, "created_at", &args)
	where := `user_id = $1` + rest.where(domain.KindLocation, sourceCols.orderedBy(col), &args)
	p, err := listKeysetBy(ctx, s, `SELECT `+locationColumns+` FROM `+from, where, col, idCol, args, o,
		func(r interface{ Scan(...any) error }) (Location, error) { return scanLocation(r) },
		func(l Location) (int64, string) { return ms(l.CreatedAt), l.ID })
	return pageTags(ctx, s, userID, domain.KindLocation, p, err, locationRef)
}

// GetLocation returns one of the user's locations.
func (s *Store) GetLocation(ctx context.Context, userID, id string) (Location, error) {
	l, err := scanLocation(s.r.QueryRowContext(ctx, `SELECT `+locationColumns+` FROM locations WHERE user_id = $1 AND id = $2`, userID, id))
	return l, fillTagsOne(ctx, s, userID, domain.KindLocation, &l, notFound(err), locationRef)
}

// CreateLocation stores a place typed by hand.
func (s *Store) CreateLocation(ctx context.Context, userID string, l Location) (Location, error) {
	var out Location
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		v, err := s.insertItem(ctx, tx, userID, Source{Kind: SourceManual}, 0,
			Extracted{Kind: domain.KindLocation, Title: l.Name, Address: l.Address, Latitude: l.Latitude, Longitude: l.Longitude, URL: l.URL})
		if err == nil {
			out = v.(Location)
		}
		return err
	})
	return out, err
}

// LocationPatch changes some of a location's fields (nil: unchanged).
type LocationPatch struct {
	Name, Address, URL  *string
	Latitude, Longitude *float64
}

// UpdateLocation applies a patch to one of the user's locations.
func (s *Store) UpdateLocation(ctx context.Context, userID, id string, p LocationPatch) (Location, error) {
	var l Location
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		l, err = scanLocation(tx.QueryRowContext(ctx, `UPDATE locations SET name = COALESCE($3, name), address = COALESCE($4, address),
			url = COALESCE($5, url), latitude = COALESCE($6, latitude), longitude = COALESCE($7, longitude), updated_at = $8, edited_at = $8
			WHERE user_id = $1 AND id = $2 RETURNING `+locationColumns,
			userID, id, p.Name, p.Address, p.URL, optFloat(p.Latitude), optFloat(p.Longitude), ms(s.clock())))
		if err != nil {
			return notFound(err)
		}
		return s.indexDoc(ctx, tx, userID, domain.KindLocation, l.ID, l.CreatedAt, l.Name+" "+l.Address)
	})
	return l, fillTagsOne(ctx, s, userID, domain.KindLocation, &l, err, locationRef)
}

// DeleteLocation deletes one of the user's locations.
func (s *Store) DeleteLocation(ctx context.Context, userID, id string) error {
	return s.deleteItem(ctx, userID, domain.KindLocation, "locations", id)
}
