// Package media keeps media files (images, voice notes, thumbnails, link
// preview images) by the SHA-256 of their content, and makes thumbnails.
// Blobs is the seam: FS keeps them in a directory, S3 in an S3-compatible
// bucket.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrNotFound means no blob has that hash.
var ErrNotFound = errors.New("media: not found")

// Blobs stores content-addressed files. Put is idempotent: the same bytes
// give the same hash and are stored once.
type Blobs interface {
	Put(ctx context.Context, data []byte) (hash string, err error)
	Open(ctx context.Context, hash string) (io.ReadSeekCloser, int64, error)
	Size(ctx context.Context, hash string) (int64, error)
}

// Hash returns the hex SHA-256 of data, the key Put stores it under.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// FS keeps blobs in a directory, at <dir>/<hash[0:2]>/<hash[2:4]>/<hash>.
type FS struct {
	dir string
}

// NewFS returns a file-system blob store rooted at dir, creating it.
func NewFS(dir string) (*FS, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return &FS{dir: dir}, nil
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

func (f *FS) path(hash string) string {
	return filepath.Join(f.dir, hash[0:2], hash[2:4], hash)
}

// Put implements Blobs. The file is written to a temporary name, synced and
// renamed, so a crash never leaves a partial blob under its hash.
func (f *FS) Put(_ context.Context, data []byte) (string, error) {
	hash := Hash(data)
	p := f.path(hash)
	if _, err := os.Stat(p); err == nil {
		return hash, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("media: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("media: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	return hash, nil
}

// Open implements Blobs.
func (f *FS) Open(_ context.Context, hash string) (io.ReadSeekCloser, int64, error) {
	if !validHash(hash) {
		return nil, 0, ErrNotFound
	}
	file, err := os.Open(f.path(hash))
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("media: %w", err)
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, 0, fmt.Errorf("media: %w", err)
	}
	return file, st.Size(), nil
}

// Size implements Blobs.
func (f *FS) Size(_ context.Context, hash string) (int64, error) {
	if !validHash(hash) {
		return 0, ErrNotFound
	}
	st, err := os.Stat(f.path(hash))
	if errors.Is(err, os.ErrNotExist) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
