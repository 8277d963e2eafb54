package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Options reach an S3-compatible object store (AWS S3, MinIO, Garage,
// Ceph RGW, R2…).
type S3Options struct {
	// Endpoint is the store's URL, for example https://s3.eu-west-1.amazonaws.com
	// or http://minio:9000; its scheme decides TLS.
	Endpoint  string
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	// Prefix is prepended to every object key ("synapse/" keeps Synapse's
	// objects apart in a shared bucket).
	Prefix string
}

// S3 keeps blobs as objects <prefix><hash[0:2]>/<hash> in a bucket.
type S3 struct {
	c      *minio.Client
	bucket string
	prefix string
}

var _ Blobs = (*S3)(nil)

// NewS3 connects to the store and checks that the bucket exists.
func NewS3(ctx context.Context, o S3Options) (*S3, error) {
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("media: S3 endpoint %q is not an http(s) URL", o.Endpoint)
	}
	if o.Bucket == "" {
		return nil, errors.New("media: an S3 bucket is required")
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure: u.Scheme == "https",
		Region: o.Region,
		// Path-style requests work with every S3-compatible store.
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("media: S3 client: %w", err)
	}
	ok, err := c.BucketExists(ctx, o.Bucket)
	if err != nil {
		return nil, fmt.Errorf("media: S3 bucket %q at %s: %w", o.Bucket, u.Host, err)
	}
	if !ok {
		return nil, fmt.Errorf("media: S3 bucket %q does not exist at %s", o.Bucket, u.Host)
	}
	return &S3{c: c, bucket: o.Bucket, prefix: strings.TrimLeft(o.Prefix, "/")}, nil
}

func (s *S3) key(hash string) string { return s.prefix + hash[:2] + "/" + hash }

// Put implements Blobs. An object already stored under the hash is not
// uploaded again.
func (s *S3) Put(ctx context.Context, data []byte) (string, error) {
	hash := Hash(data)
	if _, err := s.c.StatObject(ctx, s.bucket, s.key(hash), minio.StatObjectOptions{}); err == nil {
		return hash, nil
	} else if !isNotFound(err) {
		return "", fmt.Errorf("media: S3 stat: %w", err)
	}
	_, err := s.c.PutObject(ctx, s.bucket, s.key(hash), bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return "", fmt.Errorf("media: S3 put: %w", err)
	}
	return hash, nil
}

// Open implements Blobs.
func (s *S3) Open(ctx context.Context, hash string) (io.ReadSeekCloser, int64, error) {
	if !validHash(hash) {
		return nil, 0, ErrNotFound
	}
	size, err := s.Size(ctx, hash)
	if err != nil {
		return nil, 0, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.key(hash), minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("media: S3 get: %w", err)
	}
	return obj, size, nil
}

// Size implements Blobs.
func (s *S3) Size(ctx context.Context, hash string) (int64, error) {
	if !validHash(hash) {
		return 0, ErrNotFound
	}
	info, err := s.c.StatObject(ctx, s.bucket, s.key(hash), minio.StatObjectOptions{})
	if isNotFound(err) {
		return 0, ErrNotFound
	} else if err != nil {
		return 0, fmt.Errorf("media: S3 stat: %w", err)
	}
	return info.Size, nil
}

func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound" || minio.ToErrorResponse(err).StatusCode == 404
}
