package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
)

// One item per thing: a task, note, idea, event or place extracted again
// from a repeated or forwarded message adds a source to the item it repeats
// instead of making a new item; an image received again (the same bytes, or
// a re-compressed forward of the same picture) is shown once with several
// sources. Every source message of an item, the first one included, is a
// row of item_sources. Bookmarks merge by normalised link in
// bookmark_shares.
const (
	// MergeWindow is how far apart two messages may be for the items
	// they give to merge (tasks, notes, ideas, events, images by
	// perceptual hash).
	MergeWindow = 14 * 24 * time.Hour
	// PlaceNear is the distance (metres) within which two places with
	// similar names are one place; PlaceSameName the distance within
	// which two places with the same name are.
	PlaceNear     = 50.0
	PlaceSameName = 200.0
	// PHashMaxDistance is the most bits two images' perceptual hashes may
	// differ by for them to be one picture.
	PHashMaxDistance = 6
)

// ErrOnlySource means a split named an item's first source: the item
// itself, not a merged mention of it.
var ErrOnlySource = errors.New("store: the item's first source cannot be split off")

// ItemSource is one message an item was found in.
type ItemSource struct {
	ChatID    string    `json:"chatId"`
	MessageID string    `json:"messageId"`
	From      string    `json:"from"`
	FromName  string    `json:"fromName"`
	Text      string    `json:"text"`
	At        time.Time `json:"at,omitzero"`
	// First is the message the item was first found in (it cannot be
	// split off).
	First bool `json:"first"`
	// URL is the source's place in the web UI (set by the service).
	URL string `json:"url,omitempty"`
}

// mergeLeaders are words that start a repeated note without changing it.
var mergeLeaders = map[string]bool{"todo": true, "to": false, "fwd": true, "fw": true, "forwarded": true, "reminder": true, "note": true, "idea": true}

// NormText is the form in which extracted texts are compared for merging:
// folded (lower case, no accents, punctuation and emoji removed), spaces
// collapsed, and a leading "todo", "fwd" or "forwarded" dropped.
func NormText(s string) string {
	words := strings.Fields(Fold(s))
	for len(words) > 1 && mergeLeaders[words[0]] {
		words = words[1:]
	}
	return strings.Join(words, " ")
}

// MergeKey is the normalised text an extracted item is merged by: its
// title (a note's with its body, an event's with its start, a place's with
// its address). A task said again with another due time is the same task
// (it keeps the first due time; the repeat's words are among its
// sources). The words of each source are kept with the source, not
// compared.
func MergeKey(it Extracted) string {
	switch it.Kind {
	case domain.KindEvent:
		if it.Start == nil {
			return ""
		}
		return NormText(it.Title) + "@" + fmt.Sprint(it.Start.UnixMilli())
	case domain.KindLocation:
		return NormText(it.Title + " " + it.Address)
	case domain.KindNote:
		return NormText(it.Title) + "\n" + NormText(unlabel(it.Body))
	}
	return NormText(it.Title)
}

// unlabel drops a leading one-word label ("Note:", "Nota:", "Obs:") from
// a note's words.
func unlabel(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ':'); i > 0 && i <= 16 && !strings.ContainsAny(s[:i], " \n\t") {
		return s[i+1:]
	}
	return s
}

// sourcedTable is the table of an item kind that has sources (bookmarks
// keep theirs in bookmark_shares, voice memos have none).
func sourcedTable(kind domain.Kind) (string, bool) {
	if kind == domain.KindBookmark || kind == domain.KindVoiceMemo {
		return "", false
	}
	return itemTable(kind)
}

// fromSource is whether src names a message an item can be merged from.
func fromSource(src Source) bool {
	return src.Kind != SourceManual && src.ChatID != "" && src.MessageID != ""
}

// mergeExtracted decides where an item extracted from src goes: skip is
// true when nothing is to be stored (the source gave it already, or the
// person deleted it), target is the item it repeats (it was added as a
// source), or neither (a new item is to be made).
func (s *Store) mergeExtracted(ctx context.Context, tx *sql.Tx, userID string, src Source, it Extracted, norm string) (skip bool, err error) {
	kind := it.Kind
	if err := s.lockMerges(ctx, tx, userID); err != nil {
		return false, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM item_dismissals WHERE user_id = $1 AND item_kind = $2 AND chat_id = $3 AND message_id = $4 AND norm = $5) +
		(SELECT COUNT(*) FROM item_sources WHERE user_id = $1 AND item_kind = $2 AND chat_id = $3 AND message_id = $4 AND norm = $5)`,
		userID, string(kind), src.ChatID, src.MessageID, norm).Scan(&n); err != nil {
		return false, fmt.Errorf("store: merge: %w", err)
	}
	if n > 0 {
		return true, nil
	}
	target, err := s.mergeTarget(ctx, tx, userID, src, it, norm)
	if err != nil || target == "" {
		return false, err
	}
	return true, s.addSource(ctx, tx, userID, kind, target, src, norm)
}

// lockMerges makes one person's merges happen one at a time (until tx
// ends): two jobs that found the same thing at once would otherwise both
// make it. SQLite's single writer does so already.
func (s *Store) lockMerges(ctx context.Context, tx *sql.Tx, userID string) error {
	if s.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "merge:"+userID); err != nil {
		return fmt.Errorf("store: merge lock: %w", err)
	}
	return nil
}

// mergeTarget finds the item an extracted item repeats ("": none). Items
// the person edited, typed by hand or completed are never targets.
func (s *Store) mergeTarget(ctx context.Context, tx *sql.Tx, userID string, src Source, it Extracted, norm string) (string, error) {
	at := src.Snapshot.Time
	if at.IsZero() {
		at = s.clock()
	}
	from, to := ms(at.Add(-MergeWindow)), ms(at.Add(MergeWindow))
	table, _ := sourcedTable(it.Kind)
	var q string
	args := []any{userID, string(it.Kind), norm, from, to}
	switch it.Kind {
	case domain.KindTask, domain.KindNote, domain.KindIdea:
		// The same person said it again (a forward to one's own chat
		// comes from oneself).
		q = ` AND s.src_from = $6`
		args = append(args, src.Snapshot.From)
		if it.Kind == domain.KindTask {
			q += ` AND t.done = $7`
			args = append(args, false)
		}
	case domain.KindEvent:
		// Same title and start, whoever said it.
	case domain.KindLocation:
		if it.Latitude != nil && it.Longitude != nil {
			return s.nearPlace(ctx, tx, userID, it)
		}
	default:
		return "", nil
	}
	var id string
	err := tx.QueryRowContext(ctx, `SELECT t.id FROM item_sources s JOIN `+table+` t ON t.id = s.item_id
		WHERE s.user_id = $1 AND s.item_kind = $2 AND s.norm = $3 AND s.src_at >= $4 AND s.src_at <= $5
		AND t.user_id = $1 AND t.edited_at = 0 AND t.source <> 'manual'`+q+` ORDER BY t.created_at LIMIT 1`, args...).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: merge target: %w", err)
	}
	return id, nil
}

// nearPlace finds a place extracted before within PlaceNear metres with a
// similar name, or within PlaceSameName metres with the same name.
func (s *Store) nearPlace(ctx context.Context, tx *sql.Tx, userID string, it Extracted) (string, error) {
	lat, lng := *it.Latitude, *it.Longitude
	dLat := PlaceSameName / 111_000
	dLng := dLat / math.Max(math.Cos(lat*math.Pi/180), 0.01)
	rows, err := tx.QueryContext(ctx, `SELECT id, name, latitude, longitude FROM locations
		WHERE user_id = $1 AND edited_at = 0 AND source <> 'manual' AND latitude BETWEEN $2 AND $3 AND longitude BETWEEN $4 AND $5
		ORDER BY created_at`, userID, lat-dLat, lat+dLat, lng-dLng, lng+dLng)
	if err != nil {
		return "", fmt.Errorf("store: near places: %w", err)
	}
	defer rows.Close()
	name := NormText(it.Title)
	for rows.Next() {
		var id, other string
		var olat, olng float64
		if err := rows.Scan(&id, &other, &olat, &olng); err != nil {
			return "", err
		}
		d := distanceMetres(lat, lng, olat, olng)
		other = NormText(other)
		if (other == name && d <= PlaceSameName) || (d <= PlaceNear && similarNames(name, other)) {
			return id, rows.Close()
		}
	}
	return "", rows.Err()
}

// similarNames is whether two normalised place names name the same place:
// equal, one within the other, or one of them a bare pin.
func similarNames(a, b string) bool {
	pin := func(s string) bool { return s == "" || s == "shared location" || s == "location" }
	return a == b || pin(a) || pin(b) || strings.Contains(a, b) || strings.Contains(b, a)
}

// distanceMetres is the great-circle distance between two points.
func distanceMetres(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6_371_000
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// addSource records src as a source of an item and counts its mentions.
func (s *Store) addSource(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, itemID string, src Source, norm string) error {
	if err := s.insertSource(ctx, tx, userID, kind, itemID, src, norm); err != nil {
		return err
	}
	return s.recount(ctx, tx, userID, kind, itemID)
}

// insertSource records src as a source of an item.
func (s *Store) insertSource(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, itemID string, src Source, norm string) error {
	sn := src.Snapshot
	if _, err := tx.ExecContext(ctx, `INSERT INTO item_sources (user_id, item_kind, item_id, chat_id, message_id, norm, src_from, src_from_name, src_text, src_at, added_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
		userID, string(kind), itemID, src.ChatID, src.MessageID, norm, sn.From, sn.FromName, sn.Text, optSnapshotTime(sn.Time), ms(s.clock())); err != nil {
		return fmt.Errorf("store: add item source: %w", err)
	}
	return nil
}

// recount sets an item's mentions to the number of its sources.
func (s *Store) recount(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, itemID string) error {
	table, ok := sourcedTable(kind)
	if !ok {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET mentions = (SELECT COUNT(*) FROM item_sources
		WHERE user_id = $1 AND item_kind = $2 AND item_id = $3) WHERE user_id = $1 AND id = $3`, userID, string(kind), itemID)
	if err != nil {
		return fmt.Errorf("store: count mentions: %w", err)
	}
	return nil
}

// dismissItem remembers, before one of the person's items is deleted,
// what each of its sources gave, so that analysing them again does not
// bring it back; it then forgets the sources.
func (s *Store) dismissItem(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, itemID string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO item_dismissals (user_id, item_kind, chat_id, message_id, norm, dismissed_at)
		SELECT user_id, item_kind, chat_id, message_id, norm, $4 FROM item_sources WHERE user_id = $1 AND item_kind = $2 AND item_id = $3 AND norm <> ''
		ON CONFLICT DO NOTHING`, userID, string(kind), itemID, ms(s.clock())); err != nil {
		return fmt.Errorf("store: dismiss item: %w", err)
	}
	return s.forgetSources(ctx, tx, userID, kind, itemID)
}

// forgetSources deletes an item's sources (the item is going).
func (s *Store) forgetSources(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, itemID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM item_sources WHERE user_id = $1 AND item_kind = $2 AND item_id = $3`, userID, string(kind), itemID); err != nil {
		return fmt.Errorf("store: delete item sources: %w", err)
	}
	return nil
}

// dropMessageSources removes a changed or deleted message from the sources
// of the items it was merged into and recounts them; what the message
// itself made is handled by removeDerived.
func (s *Store) dropMessageSources(ctx context.Context, tx *sql.Tx, userID, chatID, messageID string) error {
	rows, err := tx.QueryContext(ctx, `DELETE FROM item_sources WHERE user_id = $1 AND chat_id = $2 AND message_id = $3 AND item_kind <> $4
		RETURNING item_kind, item_id`, userID, chatID, messageID, string(domain.KindImage))
	if err != nil {
		return fmt.Errorf("store: drop message sources: %w", err)
	}
	type ref struct{ kind, id string }
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.kind, &r.id); err != nil {
			rows.Close()
			return err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range refs {
		if err := s.recount(ctx, tx, userID, domain.Kind(r.kind), r.id); err != nil {
			return err
		}
		if err := s.refirst(ctx, tx, userID, domain.Kind(r.kind), r.id); err != nil {
			return err
		}
	}
	return nil
}

// refirst points an item whose first source message is gone (deleted for
// everyone, or its chat purged) at its earliest remaining source, so that
// it shows, and is filtered by, a message that still exists. An item with
// no source left is removeDerived's.
func (s *Store) refirst(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, itemID string) error {
	table, ok := sourcedTable(kind)
	if !ok || kind == domain.KindImage {
		return nil
	}
	var chatID, messageID, from, fromName, text string
	var at sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT s.chat_id, s.message_id, s.src_from, s.src_from_name, s.src_text, s.src_at
		FROM item_sources s JOIN `+table+` t ON t.user_id = s.user_id AND t.id = s.item_id
		WHERE s.user_id = $1 AND s.item_kind = $2 AND s.item_id = $3
		AND NOT EXISTS (SELECT 1 FROM item_sources f WHERE f.user_id = $1 AND f.item_kind = $2 AND f.item_id = $3 AND f.chat_id = t.chat_id AND f.message_id = t.message_id)
		ORDER BY s.src_at, s.added_at LIMIT 1`, userID, string(kind), itemID).Scan(&chatID, &messageID, &from, &fromName, &text, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // its first source is still there, or none is left
	}
	if err != nil {
		return fmt.Errorf("store: first source: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET chat_id = $3, message_id = $4, src_from = $5, src_from_name = $6, src_text = $7, src_at = $8
		WHERE user_id = $1 AND id = $2`, userID, itemID, chatID, messageID, from, fromName, text, at); err != nil {
		return fmt.Errorf("store: first source: %w", err)
	}
	return s.refreshFilters(ctx, tx, userID, kind, itemID)
}

// ItemSources lists the source messages of one of the user's items, the
// first one first (ErrNotFound: no such item).
func (s *Store) ItemSources(ctx context.Context, userID string, kind domain.Kind, itemID string) ([]ItemSource, error) {
	table, ok := sourcedTable(kind)
	if !ok {
		return nil, ErrNotFound
	}
	var first, firstMsg string
	col := `chat_id, message_id`
	if err := s.r.QueryRowContext(ctx, `SELECT `+col+` FROM `+table+` WHERE user_id = $1 AND id = $2`, userID, itemID).Scan(&first, &firstMsg); err != nil {
		return nil, notFound(err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT chat_id, message_id, src_from, src_from_name, src_text, src_at FROM item_sources
		WHERE user_id = $1 AND item_kind = $2 AND item_id = $3 ORDER BY src_at, added_at, message_id`, userID, string(kind), itemID)
	if err != nil {
		return nil, fmt.Errorf("store: item sources: %w", err)
	}
	defer rows.Close()
	out := []ItemSource{}
	for rows.Next() {
		var src ItemSource
		if err := rows.Scan(&src.ChatID, &src.MessageID, &src.From, &src.FromName, &src.Text, msTime{&src.At}); err != nil {
			return nil, err
		}
		src.First = src.ChatID == first && src.MessageID == firstMsg
		out = append(out, src)
	}
	return out, rows.Err()
}

// splitColumns are the columns a split copies from an item to the new
// item made of one of its sources.
var splitColumns = map[domain.Kind]string{
	domain.KindTask:     `title, body, due_at, due_has_time, done, done_at`,
	domain.KindNote:     `title, body`,
	domain.KindIdea:     `title, body`,
	domain.KindLocation: `name, address, latitude, longitude, url`,
	domain.KindEvent:    `title, body, starts_at, ends_at, place, people, time_zone`,
}

// SplitSource undoes a wrong merge: the source (chatID, messageID) of one
// of the user's items becomes an item of its own, a copy of the item's
// fields, and it returns the new item's id. The split is kept: analysing
// the message again finds its source recorded and adds nothing, and later
// repeats merge into either item. ErrNotFound: no such item or source;
// ErrOnlySource: the source is the item's first.
func (s *Store) SplitSource(ctx context.Context, userID string, kind domain.Kind, itemID, chatID, messageID string) (newID string, err error) {
	table, ok := sourcedTable(kind)
	if !ok {
		return "", ErrNotFound
	}
	err = s.InTx(ctx, func(tx *sql.Tx) error {
		var first, firstMsg string
		if err := tx.QueryRowContext(ctx, `SELECT chat_id, message_id FROM `+table+` WHERE user_id = $1 AND id = $2`, userID, itemID).Scan(&first, &firstMsg); err != nil {
			return notFound(err)
		}
		var src ItemSource
		var norm string
		err := tx.QueryRowContext(ctx, `SELECT src_from, src_from_name, src_text, src_at, norm FROM item_sources
			WHERE user_id = $1 AND item_kind = $2 AND item_id = $3 AND chat_id = $4 AND message_id = $5`,
			userID, string(kind), itemID, chatID, messageID).Scan(&src.From, &src.FromName, &src.Text, msTime{&src.At}, &norm)
		if err != nil {
			return notFound(err)
		}
		if first == chatID && firstMsg == messageID {
			return ErrOnlySource
		}
		if kind == domain.KindImage {
			// The image of that message exists: it is shown again.
			if err := tx.QueryRowContext(ctx, `UPDATE images SET dup_of = '' WHERE user_id = $1 AND chat_id = $2 AND message_id = $3 AND dup_of = $4 RETURNING id`,
				userID, chatID, messageID, itemID).Scan(&newID); err != nil {
				return notFound(err)
			}
		} else {
			newID = NewID()
			now := ms(s.clock())
			cols := splitColumns[kind]
			key := Source{Kind: SourceMessage, ChatID: chatID, MessageID: messageID}.key()
			var ordinal int
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(ordinal), -1) + 1 FROM `+table+` WHERE user_id = $1 AND source_key = $2`, userID, key).Scan(&ordinal); err != nil {
				return fmt.Errorf("store: split: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (id, user_id, source, source_key, ordinal, chat_id, message_id, voice_memo_id, created_at, updated_at,
				src_from, src_from_name, src_text, src_at, mentions, `+cols+`)
				SELECT $3, user_id, $4, $5, $6, $7, $8, '', $9, $9, $10, $11, $12, $13, 1, `+cols+` FROM `+table+` WHERE user_id = $1 AND id = $2`,
				userID, itemID, newID, SourceMessage, key, ordinal, chatID, messageID, now,
				src.From, src.FromName, src.Text, optSnapshotTime(src.At)); err != nil {
				return fmt.Errorf("store: split: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE item_sources SET item_id = $6 WHERE user_id = $1 AND item_kind = $2 AND item_id = $3 AND chat_id = $4 AND message_id = $5`,
			userID, string(kind), itemID, chatID, messageID, newID); err != nil {
			return fmt.Errorf("store: split: %w", err)
		}
		if err := s.recount(ctx, tx, userID, kind, itemID); err != nil {
			return err
		}
		if err := s.recount(ctx, tx, userID, kind, newID); err != nil {
			return err
		}
		return s.indexSplit(ctx, tx, userID, kind, newID)
	})
	return newID, err
}

// indexSplit adds an item made by a split to the search index.
func (s *Store) indexSplit(ctx context.Context, tx *sql.Tx, userID string, kind domain.Kind, id string) error {
	switch kind {
	case domain.KindTask:
		t, err := scanTask(tx.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE id = $1`, id))
		if err != nil {
			return err
		}
		return s.indexDoc(ctx, tx, userID, kind, id, t.CreatedAt, t.Title+" "+t.Body)
	case domain.KindNote, domain.KindIdea:
		n, err := scanNote(tx.QueryRowContext(ctx, `SELECT `+noteColumns+` FROM `+noteTable(kind)+` WHERE id = $1`, id))
		if err != nil {
			return err
		}
		return s.indexDoc(ctx, tx, userID, kind, id, n.CreatedAt, n.Title+" "+n.Body)
	case domain.KindLocation:
		l, err := scanLocation(tx.QueryRowContext(ctx, `SELECT `+locationColumns+` FROM locations WHERE id = $1`, id))
		if err != nil {
			return err
		}
		return s.indexDoc(ctx, tx, userID, kind, id, l.CreatedAt, l.Name+" "+l.Address)
	case domain.KindEvent:
		e, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = $1`, id))
		if err != nil {
			return err
		}
		return s.indexDoc(ctx, tx, userID, kind, id, e.CreatedAt, eventSearchText(e))
	case domain.KindImage:
		im, err := scanImage(tx.QueryRowContext(ctx, `SELECT `+imageColumns+` FROM images WHERE id = $1`, id))
		if err != nil || im.Caption == "" {
			return err
		}
		return s.indexDoc(ctx, tx, userID, kind, id, im.SentAt, im.Caption+" "+im.SenderName)
	}
	return nil
}

// hamming is the number of bits two perceptual hashes differ by.
func hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// ItemSourceRecord is one source message of one item, as exported.
type ItemSourceRecord struct {
	Kind   domain.Kind `json:"kind"`
	ItemID string      `json:"itemId"`
	ItemSource
}

// EachItemSource calls fn with every source of every item of the user, by
// kind and item.
func (s *Store) EachItemSource(ctx context.Context, userID string, fn func(ItemSourceRecord) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT item_kind, item_id, chat_id, message_id, src_from, src_from_name, src_text, src_at FROM item_sources
		WHERE user_id = $1 ORDER BY item_kind, item_id, src_at, message_id`, userID)
	if err != nil {
		return fmt.Errorf("store: item sources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r ItemSourceRecord
		var kind string
		if err := rows.Scan(&kind, &r.ItemID, &r.ChatID, &r.MessageID, &r.From, &r.FromName, &r.Text, msTime{&r.At}); err != nil {
			return err
		}
		r.Kind = domain.Kind(kind)
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SourcedItem returns the item of the given kind that one of the user's
// messages is a source of, and how many times that item has been mentioned;
// itemID is "" when the message is a source of none.
func (s *Store) SourcedItem(ctx context.Context, userID string, kind domain.Kind, chatID, messageID string) (itemID string, mentions int, err error) {
	table, ok := sourcedTable(kind)
	if !ok {
		return "", 0, fmt.Errorf("store: %s items have no sources", kind)
	}
	err = s.r.QueryRowContext(ctx, `SELECT s.item_id, t.mentions FROM item_sources s
		JOIN `+table+` t ON t.user_id = s.user_id AND t.id = s.item_id
		WHERE s.user_id = $1 AND s.item_kind = $2 AND s.chat_id = $3 AND s.message_id = $4
		ORDER BY s.added_at LIMIT 1`, userID, string(kind), chatID, messageID).Scan(&itemID, &mentions)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("store: sourced item: %w", err)
	}
	return itemID, mentions, nil
}
