package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ImageNeighbours returns the ids of the images just newer and just older
// than im in the order ListImages shows them (by sending time, then id),
// within f's chat; "" where there is none.
func (s *Store) ImageNeighbours(ctx context.Context, userID string, im Image, f ImageFilter) (newer, older string, err error) {
	where, args := `user_id = $1 AND dup_of = ''`, []any{userID, ms(im.SentAt), im.ID}
	if f.ChatID != "" {
		args = append(args, f.ChatID)
		where += fmt.Sprintf(` AND chat_id = $%d`, len(args))
	}
	one := func(cmp, dir string) (string, error) {
		var id string
		err := s.r.QueryRowContext(ctx, `SELECT id FROM images WHERE `+where+` AND (sent_at, id) `+cmp+` ($2, $3)
			ORDER BY sent_at `+dir+`, id `+dir+` LIMIT 1`, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("store: image neighbours: %w", err)
		}
		return id, nil
	}
	if newer, err = one(">", "ASC"); err != nil {
		return "", "", err
	}
	older, err = one("<", "DESC")
	return newer, older, err
}
