// Package media keeps media files (images, voice notes, thumbnails, link
// preview images) and makes thumbnails. Blobs is the seam: FS keeps them in
// a directory, S3 in an S3-compatible bucket.
//
// Files are kept per user, and addressed by the SHA-256 of their content
// within that user's namespace only: the same bytes stored by two people
// are two blobs. Nothing (no read, no existence check, no deduplication)
// crosses from one user's namespace to another's, so knowing a hash tells
// nobody anything about another person's files, and a person's files can be
// deleted with their account.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
)

// ErrNotFound means the user has no blob with that hash.
var ErrNotFound = errors.New("media: not found")

// ErrBadUser means a user id cannot name a namespace (empty, too long, or
// with characters other than letters, digits, '-' and '_').
var ErrBadUser = errors.New("media: invalid user id")

// Blobs stores each user's files by content hash. Put is idempotent: the
// same bytes for the same user give the same hash and are stored once.
//
// Callers pass only hashes that come from the user's own records, which the
// pipeline made from bytes it downloaded and hashed itself; a hash a message
// claims is never a key to anything.
type Blobs interface {
	Put(ctx context.Context, userID string, data []byte) (hash string, err error)
	// Open returns the blob and its size, or ErrNotFound.
	Open(ctx context.Context, userID, hash string) (io.ReadSeekCloser, int64, error)
	// Stat returns the blob's size, or ErrNotFound.
	Stat(ctx context.Context, userID, hash string) (int64, error)
	// Delete removes one blob; a missing one is no error.
	Delete(ctx context.Context, userID, hash string) error
	// DeleteUser removes every blob of the user.
	DeleteUser(ctx context.Context, userID string) error
}

// Hash returns the hex SHA-256 of data, the key Put stores it under.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func validHash(h string) bool { return len(h) == 64 && lowerHex(h) }

// hexPair reports whether s is a two-digit hash prefix, the name of a
// directory (or key prefix) of the shared layout of earlier versions.
func hexPair(s string) bool { return len(s) == 2 && lowerHex(s) }

func lowerHex(s string) bool {
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// validUser reports whether id can name a namespace: it becomes one
// element of a path or an object key.
func validUser(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}
