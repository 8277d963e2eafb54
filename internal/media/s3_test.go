package media

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
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

// Every blob store keeps the same contract.
func TestBlobStores(t *testing.T) {
	ctx := context.Background()
	stores := map[string]func(t *testing.T) Blobs{
		"fs": func(t *testing.T) Blobs {
			fs, err := NewFS(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return fs
		},
		"s3": func(t *testing.T) Blobs {
			srv, _ := fakeS3(t, "media")
			s, err := NewS3(ctx, S3Options{Endpoint: srv.URL, Bucket: "media", AccessKey: "k", SecretKey: "s", Region: "us-east-1", Prefix: "synapse/"})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			b := open(t)
			data := []byte(strings.Repeat("a voice note ", 1000))
			h1, err := b.Put(ctx, data)
			if err != nil || h1 != Hash(data) {
				t.Fatalf("put %s %v", h1, err)
			}
			if h2, err := b.Put(ctx, data); err != nil || h2 != h1 {
				t.Fatalf("put again: %s %v", h2, err)
			}
			if n, err := b.Size(ctx, h1); err != nil || n != int64(len(data)) {
				t.Fatalf("size %d %v", n, err)
			}
			r, n, err := b.Open(ctx, h1)
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
			for _, bad := range []string{"", "../../etc/passwd", Hash([]byte("other")), "zz" + h1[2:]} {
				if _, _, err := b.Open(ctx, bad); !errors.Is(err, ErrNotFound) {
					t.Errorf("open %q: %v", bad, err)
				}
				if _, err := b.Size(ctx, bad); !errors.Is(err, ErrNotFound) {
					t.Errorf("size %q: %v", bad, err)
				}
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
	h, _ := s.Put(ctx, []byte("photo"))
	// Objects live under the prefix, by hash.
	if _, err := backend.HeadObject("media", "synapse/"+h[:2]+"/"+h); err != nil {
		t.Fatalf("object not at its key: %v", err)
	}
}
