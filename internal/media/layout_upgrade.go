package media

import (
	"context"
	"fmt"
	"log/slog"
)

// Refs says which blobs records refer to (the store implements it).
type Refs interface {
	// MediaUsers lists the users whose records may refer to blobs.
	MediaUsers(ctx context.Context) ([]string, error)
	// MediaHashes lists the hashes of the blobs the user's records refer to.
	MediaHashes(ctx context.Context, userID string) ([]string, error)
}

// legacyLayout is a blob store that may still hold blobs in the one shared
// namespace of earlier versions.
type legacyLayout interface {
	layoutUpgraded(ctx context.Context) (bool, error)
	markLayoutUpgraded(ctx context.Context) error
	// adoptLegacy gives the user their own copy of the shared blob (or
	// link to its bytes) unless they have it already; false means the
	// shared blob is missing too.
	adoptLegacy(ctx context.Context, userID, hash string) (bool, error)
	// dropLegacy deletes every blob of the shared layout.
	dropLegacy(ctx context.Context) (int, error)
}

// UpgradeReport says what UpgradeLayout did.
type UpgradeReport struct {
	// Done is false when the store was upgraded already (nothing was done).
	Done bool
	// Adopted is how many (user, blob) references now have the user's own
	// blob; Missing how many had no blob anywhere.
	Adopted, Missing int
	// Dropped is how many shared blobs were deleted.
	Dropped int
}

// UpgradeLayout moves a store from the shared layout of earlier versions to
// per-user namespaces: each blob that a user's records refer to becomes that
// user's own, then the shared blobs are deleted (the ones no
// record referred to, of deleted users or never used, included). It runs
// once per store (a marker records it is done) and may be interrupted and
// run again, or run by several processes at once: every step is idempotent,
// and shared blobs are deleted only after every reference was adopted.
//
// The hashes in records were computed by the pipeline from bytes it had
// downloaded itself, so adopting them gives nobody access to bytes that were
// not theirs.
func UpgradeLayout(ctx context.Context, b Blobs, refs Refs, log *slog.Logger) (UpgradeReport, error) {
	var rep UpgradeReport
	l, ok := b.(legacyLayout)
	if !ok {
		return rep, nil
	}
	if done, err := l.layoutUpgraded(ctx); err != nil || done {
		return rep, err
	}
	users, err := refs.MediaUsers(ctx)
	if err != nil {
		return rep, fmt.Errorf("media: upgrade layout: %w", err)
	}
	for _, u := range users {
		hashes, err := refs.MediaHashes(ctx, u)
		if err != nil {
			return rep, fmt.Errorf("media: upgrade layout: %w", err)
		}
		for _, h := range hashes {
			if !validUser(u) || !validHash(h) {
				rep.Missing++
				continue
			}
			ok, err := l.adoptLegacy(ctx, u, h)
			if err != nil {
				return rep, fmt.Errorf("media: upgrade layout: %w", err)
			}
			if ok {
				rep.Adopted++
			} else {
				rep.Missing++
			}
		}
	}
	n, err := l.dropLegacy(ctx)
	rep.Dropped = n
	if err != nil {
		return rep, fmt.Errorf("media: upgrade layout: %w", err)
	}
	if err := l.markLayoutUpgraded(ctx); err != nil {
		return rep, fmt.Errorf("media: upgrade layout: %w", err)
	}
	rep.Done = true
	if log != nil && (rep.Adopted > 0 || rep.Dropped > 0 || rep.Missing > 0) {
		log.Info("media moved to per-user namespaces", "adopted", rep.Adopted, "missing", rep.Missing, "shared_deleted", rep.Dropped)
	}
	return rep, nil
}
