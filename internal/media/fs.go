package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FS keeps blobs in a directory, at
// <dir>/users/<user id>/<hash[0:2]>/<hash[2:4]>/<hash>.
type FS struct {
	dir string
}

var _ Blobs = (*FS)(nil)

// NewFS returns a file-system blob store rooted at dir, creating it.
func NewFS(dir string) (*FS, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return &FS{dir: dir}, nil
}

func (f *FS) userDir(userID string) string { return filepath.Join(f.dir, "users", userID) }

func (f *FS) path(userID, hash string) string {
	return filepath.Join(f.userDir(userID), hash[0:2], hash[2:4], hash)
}

// Put implements Blobs. The file is written to a temporary name, synced and
// renamed, so a crash never leaves a partial blob under its hash.
func (f *FS) Put(_ context.Context, userID string, data []byte) (string, error) {
	if !validUser(userID) {
		return "", ErrBadUser
	}
	hash := Hash(data)
	p := f.path(userID, hash)
	if _, err := os.Stat(p); err == nil {
		return hash, nil
	}
	if err := writeFile(p, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return "", err
	}
	return hash, nil
}

// writeFile writes a file through a synced temporary file and a rename.
func writeFile(p string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("media: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("media: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// Open implements Blobs.
func (f *FS) Open(_ context.Context, userID, hash string) (io.ReadSeekCloser, int64, error) {
	if !validUser(userID) || !validHash(hash) {
		return nil, 0, ErrNotFound
	}
	file, err := os.Open(f.path(userID, hash))
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

// Stat implements Blobs.
func (f *FS) Stat(_ context.Context, userID, hash string) (int64, error) {
	if !validUser(userID) || !validHash(hash) {
		return 0, ErrNotFound
	}
	st, err := os.Stat(f.path(userID, hash))
	if errors.Is(err, os.ErrNotExist) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("media: %w", err)
	}
	return st.Size(), nil
}

// Delete implements Blobs.
func (f *FS) Delete(_ context.Context, userID, hash string) error {
	if !validUser(userID) || !validHash(hash) {
		return nil
	}
	if err := os.Remove(f.path(userID, hash)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// DeleteUser implements Blobs.
func (f *FS) DeleteUser(_ context.Context, userID string) error {
	if !validUser(userID) {
		return ErrBadUser
	}
	if err := os.RemoveAll(f.userDir(userID)); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// The layout of earlier versions: one shared namespace,
// <dir>/<hash[0:2]>/<hash[2:4]>/<hash>.

func (f *FS) legacyPath(hash string) string {
	return filepath.Join(f.dir, hash[0:2], hash[2:4], hash)
}

const fsLayoutMarker = ".layout-per-user"

func (f *FS) layoutUpgraded(context.Context) (bool, error) {
	_, err := os.Stat(filepath.Join(f.dir, fsLayoutMarker))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (f *FS) markLayoutUpgraded(context.Context) error {
	return writeFile(filepath.Join(f.dir, fsLayoutMarker), func(w io.Writer) error {
		_, err := io.WriteString(w, "blobs are kept per user under users/\n")
		return err
	})
}

// adoptLegacy gives the user the shared blob hash as their own: a hard
// link (no copy), or a copy where the file system has none.
func (f *FS) adoptLegacy(_ context.Context, userID, hash string) (bool, error) {
	dst := f.path(userID, hash)
	if _, err := os.Stat(dst); err == nil {
		return true, nil
	}
	src := f.legacyPath(hash)
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("media: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return false, fmt.Errorf("media: %w", err)
	}
	if err := os.Link(src, dst); err == nil || errors.Is(err, fs.ErrExist) {
		return true, nil
	}
	in, err := os.Open(src)
	if err != nil {
		return false, fmt.Errorf("media: %w", err)
	}
	defer in.Close()
	if err := writeFile(dst, func(w io.Writer) error { _, err := io.Copy(w, in); return err }); err != nil {
		return false, err
	}
	return true, nil
}

// dropLegacy deletes the shared layout's blobs and returns how many.
func (f *FS) dropLegacy(context.Context) (int, error) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return 0, fmt.Errorf("media: %w", err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() || !hexPair(e.Name()) {
			continue
		}
		top := filepath.Join(f.dir, e.Name())
		_ = filepath.WalkDir(top, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		if err := os.RemoveAll(top); err != nil {
			return n, fmt.Errorf("media: %w", err)
		}
	}
	return n, nil
}
