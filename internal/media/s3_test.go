package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
)

// fakeS3 runs an in-memory server speaking the S3 protocol, with bucket.
func fakeS3(t *testing.T, bucket string) (*httptest.Server, *s3mem.Backend) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return srv, backend
}

// blobStores opens each kind of blob store on fresh storage.
var blobStores = map[string]func(t *testing.T) Blobs{
	"fs": func(t *testing.T) Blobs {
		fs, err := NewFS(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return fs
	},
	"s3": func(t *testing.T) Blobs {
		srv, _ := fakeS3(t, "media")
		s, err := NewS3(context.Background(), S3Options{Endpoint: srv.URL, Bucket: "media", AccessKey: "k", SecretKey: "s", Region: "us-east-1", Prefix: "synapse/"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	},
}

// Every blob store keeps the same contract: content-addressed within each
// user, and nothing crosses from one user to another.
func TestBlobStores(t *testing.T) {
	ctx := context.Background()
	for name, open := range blobStores {
		t.Run(name, func(t *testing.T) {
			b := open(t)
			const ana, bruno = "01jana0000000000000000000a", "01jbruno00000000000000000b"
			data := []byte(strings.Repeat("a voice note ", 1000))
			h1, err := b.Put(ctx, ana, data)
			if err != nil || h1 != Hash(data) {
				t.Fatalf("put %s %v", h1, err)
			}
			if h2, err := b.Put(ctx, ana, data); err != nil || h2 != h1 {
				t.Fatalf("put again: %s %v", h2, err)
			}
			if n, err := b.Stat(ctx, ana, h1); err != nil || n != int64(len(data)) {
				t.Fatalf("stat %d %v", n, err)
			}
			r, n, err := b.Open(ctx, ana, h1)
			if err != nil || n != int64(len(data)) {
				t.Fatalf("open: %d %v", n, err)
			}
			// Seekable, as http.ServeContent needs for ranges.
			if _, err := r.Seek(13, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(r)
			r.Close()
			if string(rest) != string(data[13:]) {
				t.Fatalf("read after seek: %d bytes", len(rest))
			}

			// Another user knowing the hash finds nothing: neither the bytes
			// nor that they exist.
			if _, _, err := b.Open(ctx, bruno, h1); !errors.Is(err, ErrNotFound) {
				t.Fatalf("bruno opens ana's blob: %v", err)
			}
			if _, err := b.Stat(ctx, bruno, h1); !errors.Is(err, ErrNotFound) {
				t.Fatalf("bruno learns that ana's blob exists: %v", err)
			}
			// The same bytes stored by both are two blobs: deleting one
			// leaves the other.
			if h, err := b.Put(ctx, bruno, data); err != nil || h != h1 {
				t.Fatalf("bruno puts the same bytes: %s %v", h, err)
			}
			if err := b.Delete(ctx, ana, h1); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Stat(ctx, ana, h1); !errors.Is(err, ErrNotFound) {
				t.Fatalf("deleted blob: %v", err)
			}
			if _, err := b.Stat(ctx, bruno, h1); err != nil {
				t.Fatalf("bruno's copy went with ana's: %v", err)
			}
			if err := b.Delete(ctx, ana, h1); err != nil {
				t.Fatalf("deleting a missing blob: %v", err)
			}
			other, _ := b.Put(ctx, bruno, []byte("other"))
			if err := b.DeleteUser(ctx, bruno); err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{h1, other} {
				if _, err := b.Stat(ctx, bruno, h); !errors.Is(err, ErrNotFound) {
					t.Fatalf("blob outlived its user: %v", err)
				}
			}

			h3, _ := b.Put(ctx, ana, []byte("third"))
			for _, bad := range []string{"", "../../etc/passwd", Hash([]byte("other")), "zz" + h3[2:], strings.ToUpper(h3)} {
				if _, _, err := b.Open(ctx, ana, bad); !errors.Is(err, ErrNotFound) {
					t.Errorf("open %q: %v", bad, err)
				}
				if _, err := b.Stat(ctx, ana, bad); !errors.Is(err, ErrNotFound) {
					t.Errorf("stat %q: %v", bad, err)
				}
			}
			for _, bad := range []string{"", "..", "../" + ana, ana + "/x", "a b"} {
				if _, err := b.Put(ctx, bad, data); !errors.Is(err, ErrBadUser) {
					t.Errorf("put as %q: %v", bad, err)
				}
				if _, err := b.Stat(ctx, bad, h3); !errors.Is(err, ErrNotFound) {
					t.Errorf("stat as %q: %v", bad, err)
				}
			}
		})
	}
}

// putLegacy stores a blob the way earlier versions did, in one shared
// namespace.
func putLegacy(t *testing.T, b Blobs, data []byte) string {
	t.Helper()
	h := Hash(data)
	switch b := b.(type) {
	case *FS:
		if err := writeFile(b.legacyPath(h), func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			t.Fatal(err)
		}
	case *S3:
		if _, err := b.c.PutObject(context.Background(), b.bucket, b.legacyKey(h), bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// fakeRefs are the hashes each user's records refer to; a user "!" makes
// the listing fail, as a database gone away would.
type fakeRefs map[string][]string

func (f fakeRefs) MediaUsers(context.Context) ([]string, error) {
	var out []string
	for u := range f {
		if u == "!" {
			return nil, errors.New("database gone")
		}
		out = append(out, u)
	}
	sort.Strings(out)
	return out, nil
}

func (f fakeRefs) MediaHashes(_ context.Context, userID string) ([]string, error) {
	return f[userID], nil
}

// An upgraded store serves each user the blobs their records refer to, and
// only those; the shared blobs are gone.
func TestUpgradeLayout(t *testing.T) {
	ctx := context.Background()
	for name, open := range blobStores {
		t.Run(name, func(t *testing.T) {
			b := open(t)
			const ana, bruno = "01jana0000000000000000000a", "01jbruno00000000000000000b"
			shared := putLegacy(t, b, []byte("a photo both received"))
			anas := putLegacy(t, b, []byte("ana's voice note"))
			orphan := putLegacy(t, b, []byte("of a deleted user"))
			refs := fakeRefs{ana: {shared, anas}, bruno: {shared, Hash([]byte("never stored"))}}
			// Interrupted before it finished: nothing shared is deleted yet.
			if _, err := UpgradeLayout(ctx, b, fakeRefs{"!": nil}, nil); err == nil {
				t.Fatal("an interrupted upgrade reported success")
			}
			if ok, _ := b.(legacyLayout).adoptLegacy(ctx, "01jcarla0000000000000000c", orphan); !ok {
				t.Fatal("an interrupted upgrade deleted shared blobs")
			}
			rep, err := UpgradeLayout(ctx, b, refs, nil)
			if err != nil || !rep.Done || rep.Adopted != 3 || rep.Missing != 1 || rep.Dropped != 3 {
				t.Fatalf("upgrade: %+v %v", rep, err)
			}
			for _, r := range [][2]string{{ana, shared}, {ana, anas}, {bruno, shared}} {
				if _, err := b.Stat(ctx, r[0], r[1]); err != nil {
					t.Fatalf("%s lost %s: %v", r[0], r[1], err)
				}
			}
			if _, err := b.Stat(ctx, bruno, anas); !errors.Is(err, ErrNotFound) {
				t.Fatalf("bruno reaches ana's voice note: %v", err)
			}
			if ok, _ := b.(legacyLayout).adoptLegacy(ctx, bruno, orphan); ok {
				t.Fatal("the shared blob is still there")
			}
			// Done once: the next start does nothing.
			if rep, err := UpgradeLayout(ctx, b, fakeRefs{"!": nil}, nil); err != nil || rep.Done {
				t.Fatalf("second upgrade: %+v %v", rep, err)
			}
		})
	}
}

func TestS3Setup(t *testing.T) {
	ctx := context.Background()
	srv, backend := fakeS3(t, "media")
	if _, err := NewS3(ctx, S3Options{Endpoint: srv.URL, Bucket: "missing", AccessKey: "k", SecretKey: "s"}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing bucket: %v", err)
	}
	if _, err := NewS3(ctx, S3Options{Endpoint: "minio:9000", Bucket: "media"}); err == nil {
		t.Fatal("an endpoint without a scheme was accepted")
	}
	s, err := NewS3(ctx, S3Options{Endpoint: srv.URL, Bucket: "media", AccessKey: "k", SecretKey: "s", Prefix: "synapse/"})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := s.Put(ctx, "01jana0000000000000000000a", []byte("photo"))
	// Objects live under the prefix, by user and hash.
	if _, err := backend.HeadObject("media", "synapse/users/01jana0000000000000000000a/"+h[:2]+"/"+h); err != nil {
		t.Fatalf("object not at its key: %v", err)
	}
}
