package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/synapse-kb/synapse/internal/domain"
)

// SetChatKept records whether the person keeps one of their chats. A chat
// not kept stores no new message (IngestMessages drops them); what it
// stored before stays unless PurgeChat removes it.
func (s *Store) SetChatKept(ctx context.Context, userID, chatID string, keep bool) (Chat, error) {
	var since any
	if !keep {
		since = ms(s.clock())
	}
	q := `UPDATE chats SET not_kept_since = NULL WHERE user_id = $1 AND id = $2`
	args := []any{userID, chatID}
	if !keep {
		q = `UPDATE chats SET not_kept_since = COALESCE(not_kept_since, $3) WHERE user_id = $1 AND id = $2`
		args = append(args, since)
	}
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return Chat{}, fmt.Errorf("store: keep chat: %w", err)
	}
	if err := expectOne(res); err != nil {
		return Chat{}, err
	}
	return s.GetChat(ctx, userID, chatID)
}

// PurgeChat removes what one of the user's chats stored: its messages with
// their search entries, the images and voice memos of its messages, the
// items made from them and bookmarks only it shared, except what the
// person edited or completed. It returns the media hashes no record of
// the user refers to any more (the caller deletes the blobs).
func (s *Store) PurgeChat(ctx context.Context, userID, chatID string) (ChangeResult, error) {
	var res ChangeResult
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		res = ChangeResult{}
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM chats WHERE user_id = $1 AND id = $2`, userID, chatID).Scan(&one); err != nil {
			return notFound(err)
		}
		// Repeats of the chat's pictures in other chats take their place.
		imgRows, err := tx.QueryContext(ctx, `SELECT id, message_id FROM images WHERE user_id = $1 AND chat_id = $2 ORDER BY sent_at, id`, userID, chatID)
		if err != nil {
			return fmt.Errorf("store: purge chat: %w", err)
		}
		var imgs [][2]string
		for imgRows.Next() {
			var im [2]string
			if err := imgRows.Scan(&im[0], &im[1]); err != nil {
				imgRows.Close()
				return err
			}
			imgs = append(imgs, im)
		}
		imgRows.Close()
		for _, im := range imgs {
			var dupOf string
			if err := tx.QueryRowContext(ctx, `SELECT dup_of FROM images WHERE id = $1`, im[0]).Scan(&dupOf); err != nil {
				return fmt.Errorf("store: purge chat: %w", err)
			}
			if err := s.imageGone(ctx, tx, userID, im[0], dupOf, chatID, im[1]); err != nil {
				return err
			}
			// Gone from the gallery's view of repeats until deleted below.
			if _, err := tx.ExecContext(ctx, `UPDATE images SET dup_of = id WHERE id = $1`, im[0]); err != nil {
				return fmt.Errorf("store: purge chat: %w", err)
			}
		}
		var hashes []string
		for _, q := range []struct {
			kind  domain.Kind
			query string
		}{
			{domain.KindImage, `DELETE FROM images WHERE user_id = $1 AND chat_id = $2 RETURNING id, sha256, thumb_sha256`},
			{domain.KindVoiceMemo, `DELETE FROM voice_memos WHERE user_id = $1 AND chat_id = $2 RETURNING id, sha256, ''`},
		} {
			rows, err := tx.QueryContext(ctx, q.query, userID, chatID)
			if err != nil {
				return fmt.Errorf("store: purge chat: %w", err)
			}
			var ids []string
			for rows.Next() {
				var id, a, b string
				if err := rows.Scan(&id, &a, &b); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
				hashes = append(hashes, a, b)
			}
			rows.Close()
			for _, id := range ids {
				res.Removed = append(res.Removed, RemovedItem{q.kind, id})
				if err := s.unindexDoc(ctx, tx, q.kind, id); err != nil {
					return err
				}
			}
		}
		frows, err := tx.QueryContext(ctx, `DELETE FROM files WHERE user_id = $1 AND chat_id = $2 RETURNING sha256`, userID, chatID)
		if err != nil {
			return fmt.Errorf("store: purge chat files: %w", err)
		}
		fileHashes, err := scanIDs(frows)
		if err != nil {
			return err
		}
		hashes = append(hashes, fileHashes...)
		// Items from the chat's messages and from its voice memos; items
		// other chats gave too stay, with those sources.
		srcRows, err := tx.QueryContext(ctx, `DELETE FROM item_sources WHERE user_id = $1 AND chat_id = $2 AND item_kind <> 'image' RETURNING item_kind, item_id`, userID, chatID)
		if err != nil {
			return fmt.Errorf("store: purge chat sources: %w", err)
		}
		var touched [][2]string
		for srcRows.Next() {
			var k [2]string
			if err := srcRows.Scan(&k[0], &k[1]); err != nil {
				srcRows.Close()
				return err
			}
			touched = append(touched, k)
		}
		srcRows.Close()
		for _, k := range touched {
			if err := s.recount(ctx, tx, userID, domain.Kind(k[0]), k[1]); err != nil {
				return err
			}
			if err := s.refirst(ctx, tx, userID, domain.Kind(k[0]), k[1]); err != nil {
				return err
			}
		}
		if err := s.removeDerived(ctx, tx, userID, `chat_id = $2 AND source IN ('message', 'voice_memo')`, []any{chatID}, &res); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT message_id FROM bookmark_shares WHERE user_id = $1 AND chat_id = $2`, userID, chatID)
		if err != nil {
			return fmt.Errorf("store: purge chat: %w", err)
		}
		msgIDs, err := scanIDs(rows)
		if err != nil {
			return err
		}
		for _, id := range msgIDs {
			if err := s.removeShares(ctx, tx, userID, chatID, id, nil, &res); err != nil {
				return err
			}
		}
		// Its suggestions go too, except those the person accepted (their
		// task keeps the words).
		if err := dropSuggestions(ctx, tx, userID, `status <> 'accepted' AND chat_id = $2`, chatID); err != nil {
			return err
		}
		// SQLite's message index goes with the rows (trigger).
		if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE user_id = $1 AND chat_id = $2`, userID, chatID); err != nil {
			return fmt.Errorf("store: purge chat messages: %w", err)
		}
		for _, h := range hashes {
			if h == "" || slices.Contains(res.FreedMedia, h) {
				continue
			}
			free, err := s.mediaFree(ctx, tx, userID, h)
			if err != nil {
				return err
			}
			if free {
				res.FreedMedia = append(res.FreedMedia, h)
			}
		}
		res.Applied = true
		return nil
	})
	return res, err
}

// notKept lists the chats, of the given users, that are not kept.
func (s *Store) notKept(ctx context.Context, tx *sql.Tx, users []string) (map[[2]string]bool, error) {
	var b []byte
	args := make([]any, len(users))
	for i, u := range users {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "$%d", i+1)
		args[i] = u
	}
	rows, err := tx.QueryContext(ctx, `SELECT user_id, id FROM chats WHERE not_kept_since IS NOT NULL AND user_id IN (`+string(b)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: chats not kept: %w", err)
	}
	defer rows.Close()
	var out map[[2]string]bool
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[[2]string]bool{}
		}
		out[k] = true
	}
	return out, rows.Err()
}
