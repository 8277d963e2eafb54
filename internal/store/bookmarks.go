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

// Bookmark statuses.
const (
	BookmarkPending = "pending"
	BookmarkFetched = "fetched"
	BookmarkFailed  = "failed"
)

// Bookmark is a link the user shared or saved, with its page's preview.
type Bookmark struct {
	ID            string     `json:"id"`
	URL           string     `json:"url"`
	NormalizedURL string     `json:"normalizedUrl"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	SiteName      string     `json:"siteName"`
	ImageURL      string     `json:"imageUrl,omitempty"`
	ImageSHA256   string     `json:"-"`
	HasPreview    bool       `json:"hasPreviewImage"`
	Status        string     `json:"status"`
	Error         string     `json:"error,omitempty"`
	Manual        bool       `json:"manual"`
	FetchedAt     *time.Time `json:"fetchedAt,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	// EditedAt is when the person last changed the bookmark by hand.
	EditedAt *time.Time      `json:"editedAt,omitempty"`
	Tags     []string        `json:"tags"`
	Shares   []BookmarkShare `json:"shares"`
	// Mentions is how many messages shared the link (Shares holds the
	// newest 20).
	Mentions int `json:"mentions"`
}

// BookmarkShare is a message that shared a bookmark.
type BookmarkShare struct {
	ChatID     string    `json:"chatId"`
	MessageID  string    `json:"messageId"`
	Sender     string    `json:"sender"`
	SenderName string    `json:"senderName"`
	SharedAt   time.Time `json:"sharedAt"`
	// Text is the message that shared the link, kept past retention.
	Text string `json:"text,omitempty"`
}

const bookmarkColumns = `id, url, normalized_url, title, description, site_name, image_url, image_sha256, status, error, manual, fetched_at, created_at, updated_at, edited_at`

func scanBookmark(row interface{ Scan(...any) error }) (Bookmark, error) {
	var b Bookmark
	var fetched sql.NullInt64
	var created, updated, edited int64
	err := row.Scan(&b.ID, &b.URL, &b.NormalizedURL, &b.Title, &b.Description, &b.SiteName, &b.ImageURL, &b.ImageSHA256,
		&b.Status, &b.Error, &b.Manual, &fetched, &created, &updated, &edited)
	b.CreatedAt, b.UpdatedAt, b.EditedAt = fromMS(created), fromMS(updated), editedTime(edited)
	if fetched.Valid {
		t := fromMS(fetched.Int64)
		b.FetchedAt = &t
	}
	b.HasPreview = b.ImageSHA256 != ""
	b.Shares, b.Tags = []BookmarkShare{}, []string{}
	return b, err
}

// ShareBookmark records that a message shared url (normalized as key). It
// creates the bookmark (pending) if the user had none for that key, and
// reports whether it did. The share is recorded once per message.
func (s *Store) ShareBookmark(ctx context.Context, userID, url, key string, share BookmarkShare) (b Bookmark, created bool, err error) {
	err = s.WithTx(ctx, func(tx *Tx) error {
		b, created, err = tx.ShareBookmark(ctx, userID, url, key, share)
		return err
	})
	return b, created, err
}

// ShareBookmark is Store.ShareBookmark in this transaction.
func (t *Tx) ShareBookmark(ctx context.Context, userID, url, key string, share BookmarkShare) (Bookmark, bool, error) {
	s, tx := t.s, t.tx
	now := ms(s.clock())
	res, err := tx.ExecContext(ctx, `INSERT INTO bookmarks (id, user_id, url, normalized_url, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (user_id, normalized_url) DO NOTHING`,
		NewID(), userID, url, key, BookmarkPending, now)
	if err != nil {
		return Bookmark{}, false, fmt.Errorf("store: add bookmark: %w", err)
	}
	n, _ := res.RowsAffected()
	created := n == 1
	b, err := scanBookmark(tx.QueryRowContext(ctx, `SELECT `+bookmarkColumns+` FROM bookmarks WHERE user_id = $1 AND normalized_url = $2`, userID, key))
	if err != nil {
		return Bookmark{}, false, fmt.Errorf("store: read bookmark: %w", err)
	}
	if share.MessageID != "" {
		_, err = tx.ExecContext(ctx, `INSERT INTO bookmark_shares (bookmark_id, user_id, chat_id, message_id, sender, sender_name, shared_at, text)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			b.ID, userID, share.ChatID, share.MessageID, share.Sender, share.SenderName, ms(share.SharedAt), share.Text)
		if err != nil {
			return Bookmark{}, false, fmt.Errorf("store: add bookmark share: %w", err)
		}
		if err := t.TagFromText(ctx, userID, domain.KindBookmark, b.ID, share.Text); err != nil {
			return Bookmark{}, false, err
		}
		// The sender of a share is one of the people the bookmark came from.
		if !created {
			if err := s.refreshFilters(ctx, tx, userID, domain.KindBookmark, b.ID); err != nil {
				return Bookmark{}, false, err
			}
		}
	}
	if created {
		if err := s.indexDoc(ctx, tx, userID, domain.KindBookmark, b.ID, b.CreatedAt, url); err != nil {
			return Bookmark{}, false, err
		}
	}
	return b, created, nil
}

// BookmarkPreview is what fetching a bookmark's page found.
type BookmarkPreview struct {
	Title, Description, SiteName, ImageURL, ImageSHA256 string
}

// SetBookmarkPreview records a fetched preview (keeping fields a person
// edited by hand) and re-indexes the bookmark.
func (s *Store) SetBookmarkPreview(ctx context.Context, userID, id string, p BookmarkPreview) (b Bookmark, err error) {
	err = s.WithTx(ctx, func(tx *Tx) error {
		b, err = tx.SetBookmarkPreview(ctx, userID, id, p)
		return err
	})
	return b, err
}

// SetBookmarkPreview is Store.SetBookmarkPreview in this transaction.
func (t *Tx) SetBookmarkPreview(ctx context.Context, userID, id string, p BookmarkPreview) (Bookmark, error) {
	// A fetched page may hold anything (see cleanText).
	p.Title, p.Description, p.SiteName, p.ImageURL = cleanText(p.Title), cleanText(p.Description), cleanText(p.SiteName), cleanText(p.ImageURL)
	now := ms(t.s.clock())
	b, err := scanBookmark(t.tx.QueryRowContext(ctx, `UPDATE bookmarks SET
		title = CASE WHEN title = '' THEN $3 ELSE title END,
		description = CASE WHEN description = '' THEN $4 ELSE description END,
		site_name = $5, image_url = $6, image_sha256 = $7, status = $8, error = '', fetched_at = $9, updated_at = $9
		WHERE user_id = $1 AND id = $2 RETURNING `+bookmarkColumns,
		userID, id, p.Title, p.Description, p.SiteName, p.ImageURL, p.ImageSHA256, BookmarkFetched, now))
	if err != nil {
		return Bookmark{}, notFound(err)
	}
	return b, t.s.indexBookmark(ctx, t.tx, userID, b)
}

func (s *Store) indexBookmark(ctx context.Context, tx *sql.Tx, userID string, b Bookmark) error {
	return s.indexDoc(ctx, tx, userID, domain.KindBookmark, b.ID, b.CreatedAt, b.Title+" "+b.Description+" "+b.SiteName+" "+b.URL)
}

// SetBookmarkFailed records why a bookmark's page could not be fetched.
func (s *Store) SetBookmarkFailed(ctx context.Context, userID, id, reason string) error {
	return s.WithTx(ctx, func(tx *Tx) error { return tx.SetBookmarkFailed(ctx, userID, id, reason) })
}

// SetBookmarkFailed is Store.SetBookmarkFailed in this transaction.
func (t *Tx) SetBookmarkFailed(ctx context.Context, userID, id, reason string) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE bookmarks SET status = $3, error = $4, updated_at = $5 WHERE user_id = $1 AND id = $2`,
		userID, id, BookmarkFailed, reason, ms(t.s.clock()))
	if err != nil {
		return fmt.Errorf("store: set bookmark failed: %w", err)
	}
	return expectOne(res)
}

// CreateBookmark saves a link by hand; a link the user already has is
// ErrConflict. The pipeline's Runner.AddBookmark also queues the fetch of
// its preview, in the same transaction.
func (s *Store) CreateBookmark(ctx context.Context, userID, url, key, title, description string) (b Bookmark, err error) {
	err = s.WithTx(ctx, func(tx *Tx) error {
		b, err = tx.CreateBookmark(ctx, userID, url, key, title, description)
		return err
	})
	return b, err
}

// CreateBookmark is Store.CreateBookmark in this transaction. On
// ErrConflict the transaction is still usable (nothing was written).
func (t *Tx) CreateBookmark(ctx context.Context, userID, url, key, title, description string) (Bookmark, error) {
	now := ms(t.s.clock())
	// ON CONFLICT DO NOTHING rather than a failed INSERT: on PostgreSQL a
	// failed statement aborts the whole transaction.
	b, err := scanBookmark(t.tx.QueryRowContext(ctx, `INSERT INTO bookmarks (id, user_id, url, normalized_url, title, description, status, manual, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (user_id, normalized_url) DO NOTHING RETURNING `+bookmarkColumns,
		NewID(), userID, url, key, title, description, BookmarkPending, true, now))
	if errors.Is(err, sql.ErrNoRows) || isUniqueViolation(err) {
		return Bookmark{}, ErrConflict
	}
	if err != nil {
		return Bookmark{}, fmt.Errorf("store: create bookmark: %w", err)
	}
	return b, t.s.indexBookmark(ctx, t.tx, userID, b)
}

// UpdateBookmark changes a bookmark's title and description.
func (s *Store) UpdateBookmark(ctx context.Context, userID, id string, title, description *string) (Bookmark, error) {
	var b Bookmark
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanBookmark(tx.QueryRowContext(ctx, `UPDATE bookmarks SET title = COALESCE($3, title), description = COALESCE($4, description),
			updated_at = $5, edited_at = $5 WHERE user_id = $1 AND id = $2 RETURNING `+bookmarkColumns, userID, id, title, description, ms(s.clock())))
		if err != nil {
			return notFound(err)
		}
		return s.indexBookmark(ctx, tx, userID, b)
	})
	if err != nil {
		return Bookmark{}, err
	}
	return b, errors.Join(s.loadShares(ctx, userID, []*Bookmark{&b}), fillTagsOne(ctx, s, userID, domain.KindBookmark, &b, nil, bookmarkRef))
}

// DeleteBookmark deletes a bookmark and its shares.
func (s *Store) DeleteBookmark(ctx context.Context, userID, id string) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM bookmarks WHERE user_id = $1 AND id = $2`, userID, id)
		if err != nil {
			return fmt.Errorf("store: delete bookmark: %w", err)
		}
		if err := expectOne(res); err != nil {
			return err
		}
		return s.unindexDoc(ctx, tx, domain.KindBookmark, id)
	})
}

// GetBookmark returns one of the user's bookmarks with its shares.
func (s *Store) GetBookmark(ctx context.Context, userID, id string) (Bookmark, error) {
	b, err := scanBookmark(s.r.QueryRowContext(ctx, `SELECT `+bookmarkColumns+` FROM bookmarks WHERE user_id = $1 AND id = $2`, userID, id))
	if err != nil {
		return Bookmark{}, notFound(err)
	}
	return b, errors.Join(s.loadShares(ctx, userID, []*Bookmark{&b}), fillTagsOne(ctx, s, userID, domain.KindBookmark, &b, nil, bookmarkRef))
}

// ListBookmarks returns the user's bookmarks that pass the filter (chat
// and person: of any of its shares) with their shares, newest first.
func (s *Store) ListBookmarks(ctx context.Context, userID string, f ItemFilter, o ListOptions) (Page[Bookmark], error) {
	args := []any{userID}
	from, col, idCol, rest := f.tagged(s, "bookmarks", domain.KindBookmark, "created_at", &args)
	where := `user_id = $1` + rest.where(domain.KindBookmark, itemCols{at: col, viaShares: true}, &args)
	p, err := listKeysetBy(ctx, s, `SELECT `+bookmarkColumns+` FROM `+from, where, col, idCol, args, o, scanBookmark,
		func(b Bookmark) (int64, string) { return ms(b.CreatedAt), b.ID })
	if err != nil {
		return p, err
	}
	ptrs := make([]*Bookmark, len(p.Items))
	for i := range p.Items {
		ptrs[i] = &p.Items[i]
	}
	return p, errors.Join(s.loadShares(ctx, userID, ptrs), fillTags(ctx, s, userID, domain.KindBookmark, p.Items, bookmarkRef))
}

// loadShares fills in the newest 20 shares of each bookmark, in one query
// (the bookmarks are the user's own: they were read with the user id).
func (s *Store) loadShares(ctx context.Context, _ string, bs []*Bookmark) error {
	if len(bs) == 0 {
		return nil
	}
	byID := make(map[string]*Bookmark, len(bs))
	args := make([]any, 0, len(bs))
	var b strings.Builder
	b.WriteString(`SELECT bookmark_id, chat_id, message_id, sender, sender_name, shared_at, text FROM bookmark_shares WHERE bookmark_id IN `)
	for _, bm := range bs {
		byID[bm.ID] = bm
		args = append(args, bm.ID)
	}
	s.placeholders(&b, 0, len(args))
	b.WriteString(` ORDER BY bookmark_id, shared_at DESC`)
	rows, err := s.r.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return fmt.Errorf("store: bookmark shares: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var sh BookmarkShare
		var at int64
		if err := rows.Scan(&id, &sh.ChatID, &sh.MessageID, &sh.Sender, &sh.SenderName, &at, &sh.Text); err != nil {
			return err
		}
		sh.SharedAt = fromMS(at)
		bm := byID[id]
		if bm == nil {
			continue
		}
		bm.Mentions++
		if len(bm.Shares) < 20 {
			bm.Shares = append(bm.Shares, sh)
		}
	}
	return rows.Err()
}
