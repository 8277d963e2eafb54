package e2e_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// With MEDIA_S3_*, the pipeline keeps media in an S3-compatible bucket
// (here an in-memory server speaking the S3 protocol) and serves them from
// there; nothing is written to the data directory's media folder.
func TestMediaInS3(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("synapse-media"); err != nil {
		t.Fatal(err)
	}
	s3 := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(s3.Close)
	dataDir := t.TempDir()
	srv := apptest.Start(t, apptest.Options{DataDir: dataDir, Env: map[string]string{
		"MEDIA_S3_ENDPOINT": s3.URL, "MEDIA_S3_BUCKET": "synapse-media", "MEDIA_S3_ACCESS_KEY": "key",
		"MEDIA_S3_SECRET_KEY": "secret", "MEDIA_S3_PREFIX": "media/",
	}})
	c := srv.Client
	ana := c.Register("ana@example.com")
	c.Connect(ana, "5511900000001")
	c.Deliver(ana, map[string]any{"id": "img-1", "chat": "351912000001", "type": "image", "caption": "a photo"})

	imgs := getList(t, c, "/api/v1/images", ana.Token, 1)
	id := imgs[0]["id"].(string)
	for _, part := range []string{"original", "thumbnail"} {
		r := c.Do("GET", "/api/v1/images/"+id+"/"+part, ana.Token, nil)
		if r.Status != 200 || len(r.Body) == 0 {
			t.Fatalf("%s: %d", part, r.Status)
		}
		sum := sha256.Sum256(r.Body)
		h := hex.EncodeToString(sum[:])
		obj, err := backend.GetObject("synapse-media", "media/users/"+ana.ID+"/"+h[:2]+"/"+h, nil)
		if err != nil {
			t.Fatalf("%s is not in the bucket: %v", part, err)
		}
		b, _ := io.ReadAll(obj.Contents)
		obj.Contents.Close()
		if sha256.Sum256(b) != sum {
			t.Fatalf("%s in the bucket differs from what was served", part)
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "media")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("media written to the data directory: %v", err)
	}
}
