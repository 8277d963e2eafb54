package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/synapse-kb/synapse/internal/domain"
	"strings"
	"time"
)

// Image is a picture received in a chat. Its bytes and thumbnail live in the
// media store under their SHA-256.
type Image struct {
	ID          string    `json:"id"`
	ChatID      string    `json:"chatId"`
	MessageID   string    `json:"messageId"`
	Sender      string    `json:"sender"`
	SenderName  string    `json:"senderName"`
	Caption     string    `json:"caption"`
	SHA256      string    `json:"sha256"`
	MimeType    string    `json:"mimeType"`
	Size        int64     `json:"size"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	ThumbSHA256 string    `json:"-"`
	Tags        []string  `json:"tags"`
	SentAt      time.Time `json:"sentAt"`
	CreatedAt   time.Time `json:"createdAt"`
	// PHash is the perceptual hash of the picture (0: none), by which a
	// re-compressed forward is recognised.
	PHash uint64 `json:"-"`
	// DupOf is the image this one repeats (the same picture received
	// again): the gallery shows that one, with this one among its
	// sources.
	DupOf string `json:"duplicateOf,omitempty"`
	// Mentions is how many messages sent the picture; Sources lists them
	// (on a single image's read only).
	Mentions int          `json:"mentions"`
	Sources  []ItemSource `json:"sources,omitempty"`
}

const imageColumns = `id, chat_id, message_id, sender, sender_name, caption, sha256, mime_type, size, width, height, thumb_sha256, sent_at, created_at, phash, dup_of, mentions`

func scanImage(row interface{ Scan(...any) error }) (Image, error) {
	var im Image
	var sent, created int64
	var ph sql.NullInt64
	err := row.Scan(&im.ID, &im.ChatID, &im.MessageID, &im.Sender, &im.SenderName, &im.Caption, &im.SHA256, &im.MimeType,
		&im.Size, &im.Width, &im.Height, &im.ThumbSHA256, &sent, &created, &ph, &im.DupOf, &im.Mentions)
	im.SentAt, im.CreatedAt, im.Tags = fromMS(sent), fromMS(created), []string{}
	im.PHash = uint64(ph.Int64)
	return im, err
}

// optPHash is a perceptual hash as a nullable column (its bits as a
// signed 64-bit number).
func optPHash(h uint64) sql.NullInt64 {
	if h == 0 {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(h), Valid: true}
}

// notDeleted is the condition under which the media of message ($2, $3,
// $4: user, chat, id) may be recorded: it was not deleted for everyone (a
// download that ends after the deletion records nothing).
const notDeleted = `NOT EXISTS (SELECT 1 FROM messages WHERE user_id = $2 AND chat_id = $3 AND id = $4 AND deleted_at IS NOT NULL)`

// AddImage records an image once per message: it reports false (and
// changes nothing) when the message's image is already recorded.
func (s *Store) AddImage(ctx context.Context, userID string, im *Image) (inserted bool, err error) {
	err = s.WithTx(ctx, func(tx *Tx) error {
		inserted, err = tx.AddImage(ctx, userID, im)
		return err
	})
	return inserted, err
}

// AddImage is Store.AddImage in this transaction.
func (t *Tx) AddImage(ctx context.Context, userID string, im *Image) (bool, error) {
	im.ID = NewID()
	im.CreatedAt = fromMS(ms(t.s.clock()))
	dup, err := t.s.sameImage(ctx, t.tx, userID, im)
	if err != nil {
		return false, err
	}
	im.DupOf, im.Mentions = dup, 1
	res, err := t.tx.ExecContext(ctx, `INSERT INTO images (id, user_id, chat_id, message_id, sender, sender_name, caption, sha256, mime_type,
		size, width, height, thumb_sha256, sent_at, created_at, phash, dup_of) SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17
		WHERE `+notDeleted+` ON CONFLICT (user_id, chat_id, message_id) DO NOTHING`,
		im.ID, userID, im.ChatID, im.MessageID, im.Sender, im.SenderName, im.Caption, im.SHA256, im.MimeType,
		im.Size, im.Width, im.Height, im.ThumbSHA256, ms(im.SentAt), ms(im.CreatedAt), optPHash(im.PHash), dup)
	if err != nil {
		return false, fmt.Errorf("store: add image: %w", err)
	}
	n, _ := res.RowsAffected()
	inserted := n == 1
	if !inserted {
		return false, nil
	}
	src := Source{Kind: SourceMessage, ChatID: im.ChatID, MessageID: im.MessageID,
		Snapshot: Snapshot{From: im.Sender, FromName: im.SenderName, Text: im.Caption, Time: im.SentAt}}
	if dup != "" {
		// The same picture again: a source of the image it repeats, not
		// a picture of its own in the gallery or search.
		return true, t.s.addSource(ctx, t.tx, userID, domain.KindImage, dup, src, im.SHA256)
	}
	if err := t.s.insertSource(ctx, t.tx, userID, domain.KindImage, im.ID, src, im.SHA256); err != nil {
		return false, err
	}
	if im.Caption != "" {
		if err := t.TagFromText(ctx, userID, domain.KindImage, im.ID, im.Caption); err != nil {
			return false, err
		}
		return true, t.s.indexDoc(ctx, t.tx, userID, domain.KindImage, im.ID, im.SentAt, im.Caption+" "+im.SenderName)
	}
	return inserted, nil
}

// GetImage returns one of the user's images.
func (s *Store) GetImage(ctx context.Context, userID, id string) (Image, error) {
	im, err := scanImage(s.r.QueryRowContext(ctx, `SELECT `+imageColumns+` FROM images WHERE user_id = $1 AND id = $2`, userID, id))
	return im, fillTagsOne(ctx, s, userID, domain.KindImage, &im, notFound(err), imageRef)
}

// ImageForMessage returns the image recorded for one of the user's messages.
func (s *Store) ImageForMessage(ctx context.Context, userID, chatID, messageID string) (Image, error) {
	im, err := scanImage(s.r.QueryRowContext(ctx, `SELECT `+imageColumns+` FROM images WHERE user_id = $1 AND chat_id = $2 AND message_id = $3`,
		userID, chatID, messageID))
	return im, notFound(err)
}

// ImageFilter narrows an image list (see ItemFilter; the time is when an
// image was sent).
type ImageFilter struct {
	ChatID      string
	From, To    time.Time // sent within [From, To)
	Tag, Person string
}

// ListImages returns the user's images, newest first.
func (s *Store) ListImages(ctx context.Context, userID string, f ImageFilter, o ListOptions) (Page[Image], error) {
	args := []any{userID}
	from, col, idCol, rest := ItemFilter{Tag: f.Tag, ChatID: f.ChatID, Person: f.Person, From: f.From, To: f.To}.tagged(s, "images", domain.KindImage, "sent_at", &args)
	where := `user_id = $1` + rest.where(domain.KindImage, mediaCols.orderedBy(col), &args)
	// A picture received again is shown once (see Image.DupOf).
	where += ` AND dup_of = ''`
	p, err := listKeysetBy(ctx, s, `SELECT `+imageColumns+` FROM `+from, where, col, idCol, args, o, scanImage,
		func(im Image) (int64, string) { return ms(im.SentAt), im.ID })
	return pageTags(ctx, s, userID, domain.KindImage, p, err, imageRef)
}

// listKeyset runs a newest-first keyset-paginated query ordered by
// (col, id).
func listKeyset[T any](ctx context.Context, s *Store, sel, where, col string, args []any, o ListOptions,
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) (int64, string)) (Page[T], error) {
	return listKeysetBy(ctx, s, sel, where, col, "id", args, o, scan, key)
}

// listKeysetBy is listKeyset ordered by col and idCol, which hold what
// key returns (tagged lists order by item_tags' copies of them).
func listKeysetBy[T any](ctx context.Context, s *Store, sel, where, col, idCol string, args []any, o ListOptions,
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) (int64, string)) (Page[T], error) {
	limit := o.limit()
	if o.Cursor != "" {
		n, id, err := decodeCursor(o.Cursor)
		if err != nil {
			return Page[T]{}, err
		}
		args = append(args, n, id)
		where += fmt.Sprintf(` AND (%s, %s) < ($%d, $%d)`, col, idCol, len(args)-1, len(args))
	}
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`%s WHERE %s ORDER BY %s DESC, %s DESC LIMIT $%d`, sel, where, col, idCol, len(args)), args...)
	if err != nil {
		return Page[T]{}, fmt.Errorf("store: list: %w", err)
	}
	defer rows.Close()
	var page Page[T]
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return Page[T]{}, err
		}
		page.Items = append(page.Items, v)
	}
	if err := rows.Err(); err != nil {
		return Page[T]{}, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		n, id := key(page.Items[limit-1])
		page.NextCursor = encodeCursor(n, id)
	}
	return page, nil
}

// Voice memo statuses.
const (
	MemoAwaiting    = "awaiting_transcription"
	MemoTranscribed = "transcribed"
	MemoFailed      = "failed"
	// MemoDeleted is never stored: AddVoiceMemo reports it when the memo's
	// message was deleted for everyone while it was downloaded.
	MemoDeleted = "deleted"
)

// VoiceMemo is a voice note with its transcript.
type VoiceMemo struct {
	ID            string     `json:"id"`
	ChatID        string     `json:"chatId"`
	MessageID     string     `json:"messageId"`
	Sender        string     `json:"sender"`
	SenderName    string     `json:"senderName"`
	SHA256        string     `json:"sha256"`
	MimeType      string     `json:"mimeType"`
	Size          int64      `json:"size"`
	Seconds       int        `json:"seconds"`
	Status        string     `json:"status"`
	Language      string     `json:"language,omitempty"`
	Transcript    string     `json:"transcript"`
	Error         string     `json:"error,omitempty"`
	Tags          []string   `json:"tags"`
	SentAt        time.Time  `json:"sentAt"`
	TranscribedAt *time.Time `json:"transcribedAt,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
}

const memoColumns = `id, chat_id, message_id, sender, sender_name, sha256, mime_type, size, seconds, status, language, transcript, error, sent_at, transcribed_at, created_at`

func scanMemo(row interface{ Scan(...any) error }) (VoiceMemo, error) {
	var v VoiceMemo
	var sent, created int64
	var tr sql.NullInt64
	err := row.Scan(&v.ID, &v.ChatID, &v.MessageID, &v.Sender, &v.SenderName, &v.SHA256, &v.MimeType, &v.Size, &v.Seconds,
		&v.Status, &v.Language, &v.Transcript, &v.Error, &sent, &tr, &created)
	v.SentAt, v.CreatedAt, v.Tags = fromMS(sent), fromMS(created), []string{}
	if tr.Valid {
		t := fromMS(tr.Int64)
		v.TranscribedAt = &t
	}
	return v, err
}

// AddVoiceMemo records a voice note once per message (awaiting
// transcription); it reports false when it was already recorded, and then
// v holds the stored memo.
func (s *Store) AddVoiceMemo(ctx context.Context, userID string, v *VoiceMemo) (created bool, err error) {
	err = s.WithTx(ctx, func(tx *Tx) error {
		created, err = tx.AddVoiceMemo(ctx, userID, v)
		return err
	})
	return created, err
}

// AddVoiceMemo is Store.AddVoiceMemo in this transaction.
func (t *Tx) AddVoiceMemo(ctx context.Context, userID string, v *VoiceMemo) (bool, error) {
	v.ID, v.Status = NewID(), MemoAwaiting
	v.CreatedAt = fromMS(ms(t.s.clock()))
	res, err := t.tx.ExecContext(ctx, `INSERT INTO voice_memos (id, user_id, chat_id, message_id, sender, sender_name, sha256, mime_type,
		size, seconds, status, sent_at, created_at) SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13
		WHERE `+notDeleted+` ON CONFLICT (user_id, chat_id, message_id) DO NOTHING`,
		v.ID, userID, v.ChatID, v.MessageID, v.Sender, v.SenderName, v.SHA256, v.MimeType, v.Size, v.Seconds, v.Status, ms(v.SentAt), ms(v.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("store: add voice memo: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	stored, err := scanMemo(t.tx.QueryRowContext(ctx, `SELECT `+memoColumns+` FROM voice_memos WHERE user_id = $1 AND chat_id = $2 AND message_id = $3`,
		userID, v.ChatID, v.MessageID))
	if err == sql.ErrNoRows {
		// Its message was deleted for everyone while it was downloaded.
		v.Status = MemoDeleted
		return false, nil
	}
	if err != nil {
		return false, notFound(err)
	}
	*v = stored
	return false, nil
}

// GetVoiceMemo returns one of the user's voice memos.
func (s *Store) GetVoiceMemo(ctx context.Context, userID, id string) (VoiceMemo, error) {
	v, err := scanMemo(s.r.QueryRowContext(ctx, `SELECT `+memoColumns+` FROM voice_memos WHERE user_id = $1 AND id = $2`, userID, id))
	return v, fillTagsOne(ctx, s, userID, domain.KindVoiceMemo, &v, notFound(err), memoRef)
}

// ListVoiceMemos returns the user's voice memos that pass the filter (the
// time is when a memo was sent), newest first.
func (s *Store) ListVoiceMemos(ctx context.Context, userID string, f ItemFilter, o ListOptions) (Page[VoiceMemo], error) {
	args := []any{userID}
	from, col, idCol, rest := f.tagged(s, "voice_memos", domain.KindVoiceMemo, "sent_at", &args)
	where := `user_id = $1` + rest.where(domain.KindVoiceMemo, mediaCols.orderedBy(col), &args)
	p, err := listKeysetBy(ctx, s, `SELECT `+memoColumns+` FROM `+from, where, col, idCol, args, o, scanMemo,
		func(v VoiceMemo) (int64, string) { return ms(v.SentAt), v.ID })
	return pageTags(ctx, s, userID, domain.KindVoiceMemo, p, err, memoRef)
}

// SetTranscript records a memo's transcript and indexes it. It reports
// false when the memo was already transcribed (nothing changes).
func (s *Store) SetTranscript(ctx context.Context, userID, id, transcript, language string) (changed bool, err error) {
	err = s.WithTx(ctx, func(tx *Tx) error {
		changed, err = tx.SetTranscript(ctx, userID, id, transcript, language)
		return err
	})
	return changed, err
}

// SetTranscript is Store.SetTranscript in this transaction.
func (t *Tx) SetTranscript(ctx context.Context, userID, id, transcript, language string) (bool, error) {
	var sent int64
	err := t.tx.QueryRowContext(ctx, `UPDATE voice_memos SET status = $3, transcript = $4, language = $5, error = '', transcribed_at = $6
		WHERE user_id = $1 AND id = $2 AND status <> $3 RETURNING sent_at`,
		userID, id, MemoTranscribed, transcript, language, ms(t.s.clock())).Scan(&sent)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := t.getMemo(ctx, userID, id); err != nil {
			return false, err
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: set transcript: %w", err)
	}
	if err := t.TagFromText(ctx, userID, domain.KindVoiceMemo, id, transcript); err != nil {
		return false, err
	}
	return true, t.s.indexDoc(ctx, t.tx, userID, domain.KindVoiceMemo, id, fromMS(sent), transcript)
}

func (t *Tx) getMemo(ctx context.Context, userID, id string) (VoiceMemo, error) {
	v, err := scanMemo(t.tx.QueryRowContext(ctx, `SELECT `+memoColumns+` FROM voice_memos WHERE user_id = $1 AND id = $2`, userID, id))
	return v, notFound(err)
}

// SetMemoStatus records a memo's status and, for failures, why.
func (s *Store) SetMemoStatus(ctx context.Context, userID, id, status, reason string) error {
	return s.WithTx(ctx, func(tx *Tx) error { return tx.SetMemoStatus(ctx, userID, id, status, reason) })
}

// SetMemoStatus is Store.SetMemoStatus in this transaction.
func (t *Tx) SetMemoStatus(ctx context.Context, userID, id, status, reason string) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE voice_memos SET status = $3, error = $4 WHERE user_id = $1 AND id = $2`, userID, id, status, reason)
	if err != nil {
		return fmt.Errorf("store: set memo status: %w", err)
	}
	return expectOne(res)
}

// SetMemoAnalysed records that a transcribed memo's transcript has been
// analysed (whether or not it held any items), so that the pipeline's sweep
// leaves it alone.
func (t *Tx) SetMemoAnalysed(ctx context.Context, userID, id string) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE voice_memos SET analysed_at = $3 WHERE user_id = $1 AND id = $2`, userID, id, ms(t.s.clock()))
	if err != nil {
		return fmt.Errorf("store: set memo analysed: %w", err)
	}
	return expectOne(res)
}

// MessageMedia is the stored media of one message: what the pipeline
// downloaded for it and hashed itself (an image's or a voice memo's record).
type MessageMedia struct {
	SHA256      string
	MimeType    string
	ThumbSHA256 string // images only, when a thumbnail was made
	ImageID     string // images only
}

// MessageMedia returns the media the pipeline stored for one of the user's
// messages, or ErrNotFound when it stored none (not downloaded yet, or a
// kind it does not download). The hash a message carries is never used:
// it is what the sender claims.
func (s *Store) MessageMedia(ctx context.Context, userID, chatID, messageID string) (MessageMedia, error) {
	var m MessageMedia
	err := s.r.QueryRowContext(ctx, `SELECT sha256, mime_type, thumb_sha256, id FROM images WHERE user_id = $1 AND chat_id = $2 AND message_id = $3
		UNION ALL SELECT sha256, mime_type, '', '' FROM voice_memos WHERE user_id = $1 AND chat_id = $2 AND message_id = $3
		UNION ALL SELECT sha256, mime_type, '', '' FROM files WHERE user_id = $1 AND chat_id = $2 AND message_id = $3
		LIMIT 1`, userID, chatID, messageID).Scan(&m.SHA256, &m.MimeType, &m.ThumbSHA256, &m.ImageID)
	if err != nil {
		return MessageMedia{}, notFound(err)
	}
	return m, nil
}

// File is a document (or another file) downloaded from a message.
type File struct {
	ID        string
	ChatID    string
	MessageID string
	SHA256    string
	MimeType  string
	Size      int64
	FileName  string
}

// AddFile records the file downloaded for a message, once; it reports
// false (and changes nothing) when one is recorded already or the message
// was deleted for everyone meanwhile.
func (s *Store) AddFile(ctx context.Context, userID string, f *File) (bool, error) {
	f.ID = NewID()
	res, err := s.w.ExecContext(ctx, `INSERT INTO files (id, user_id, chat_id, message_id, sha256, mime_type, size, file_name, created_at)
		SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9 WHERE `+notDeleted+` ON CONFLICT (user_id, chat_id, message_id) DO NOTHING`,
		f.ID, userID, f.ChatID, f.MessageID, f.SHA256, f.MimeType, f.Size, f.FileName, ms(s.clock()))
	if err != nil {
		return false, fmt.Errorf("store: add file: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// MediaUsers lists the ids of all users, whose records may refer to media.
func (s *Store) MediaUsers(ctx context.Context) ([]string, error) {
	return s.strings(ctx, `SELECT id FROM users ORDER BY id`)
}

// MediaHashes lists the distinct content hashes that the user's records
// (images, thumbnails, voice memos, bookmark preview images) refer to.
func (s *Store) MediaHashes(ctx context.Context, userID string) ([]string, error) {
	return s.strings(ctx, `SELECT sha256 FROM images WHERE user_id = $1
		UNION SELECT thumb_sha256 FROM images WHERE user_id = $1 AND thumb_sha256 <> ''
		UNION SELECT sha256 FROM voice_memos WHERE user_id = $1
		UNION SELECT image_sha256 FROM bookmarks WHERE user_id = $1 AND image_sha256 <> ''
		UNION SELECT sha256 FROM files WHERE user_id = $1
		ORDER BY 1`, userID)
}

func (s *Store) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return scanIDs(rows)
}

// sameImage finds the image an image repeats ("": none): the same bytes,
// or a picture whose perceptual hash differs by at most PHashMaxDistance
// bits, received within MergeWindow, with a similar aspect ratio.
func (s *Store) sameImage(ctx context.Context, tx *sql.Tx, userID string, im *Image) (string, error) {
	if err := s.lockMerges(ctx, tx, userID); err != nil {
		return "", err
	}
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM images WHERE user_id = $1 AND sha256 = $2 AND dup_of = '' ORDER BY sent_at LIMIT 1`,
		userID, im.SHA256).Scan(&id)
	if err == nil || err != sql.ErrNoRows {
		return id, err
	}
	if im.PHash == 0 {
		return "", nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, phash, width, height FROM images
		WHERE user_id = $1 AND dup_of = '' AND phash IS NOT NULL AND sent_at >= $2 AND sent_at <= $3 ORDER BY sent_at`,
		userID, ms(im.SentAt.Add(-MergeWindow)), ms(im.SentAt.Add(MergeWindow)))
	if err != nil {
		return "", fmt.Errorf("store: similar images: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ph int64
		var w, h int
		if err := rows.Scan(&id, &ph, &w, &h); err != nil {
			return "", err
		}
		if hamming(uint64(ph), im.PHash) <= PHashMaxDistance && sameAspect(w, h, im.Width, im.Height) {
			return id, rows.Close()
		}
	}
	return "", rows.Err()
}

// sameAspect is whether two pictures have about the same shape (unknown
// sizes match).
func sameAspect(w1, h1, w2, h2 int) bool {
	if w1 <= 0 || h1 <= 0 || w2 <= 0 || h2 <= 0 {
		return true
	}
	a, b := float64(w1)/float64(h1), float64(w2)/float64(h2)
	return a/b < 1.05 && b/a < 1.05
}

// imageGone keeps the sources of a deleted image right: a repeat's message
// leaves its image's sources; the first of a picture's repeats takes the
// place of a deleted picture.
func (s *Store) imageGone(ctx context.Context, tx *sql.Tx, userID, imageID, dupOf, chatID, messageID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM item_sources WHERE user_id = $1 AND item_kind = $2 AND chat_id = $3 AND message_id = $4`,
		userID, string(domain.KindImage), chatID, messageID); err != nil {
		return fmt.Errorf("store: image sources: %w", err)
	}
	if dupOf != "" {
		return s.recount(ctx, tx, userID, domain.KindImage, dupOf)
	}
	next, err := scanImage(tx.QueryRowContext(ctx, `SELECT `+imageColumns+` FROM images WHERE user_id = $1 AND dup_of = $2 ORDER BY sent_at, id LIMIT 1`, userID, imageID))
	if err == sql.ErrNoRows {
		return s.forgetSources(ctx, tx, userID, domain.KindImage, imageID)
	}
	if err != nil {
		return fmt.Errorf("store: image repeats: %w", err)
	}
	for _, q := range []string{
		`UPDATE images SET dup_of = '' WHERE user_id = $1 AND id = $2`,
		`UPDATE images SET dup_of = $2 WHERE user_id = $1 AND dup_of = $3`,
		`UPDATE item_sources SET item_id = $2 WHERE user_id = $1 AND item_kind = 'image' AND item_id = $3`,
	} {
		args := []any{userID, next.ID, imageID}
		if strings.Count(q, "$") == 2 {
			args = args[:2]
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: image repeats: %w", err)
		}
	}
	if err := s.recount(ctx, tx, userID, domain.KindImage, next.ID); err != nil {
		return err
	}
	if next.Caption != "" {
		return s.indexDoc(ctx, tx, userID, domain.KindImage, next.ID, next.SentAt, next.Caption+" "+next.SenderName)
	}
	return nil
}
