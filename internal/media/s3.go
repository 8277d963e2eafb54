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

// S3 keeps blobs as objects <prefix>users/<user id>/<hash[0:2]>/<hash> in
// a bucket.
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

func (s *S3) userPrefix(userID string) string { return s.prefix + "users/" + userID + "/" }

func (s *S3) key(userID, hash string) string { return s.userPrefix(userID) + hash[:2] + "/" + hash }

// Put implements Blobs. An object already stored under the hash is not
// uploaded again.
func (s *S3) Put(ctx context.Context, userID string, data []byte) (string, error) {
	if !validUser(userID) {
		return "", ErrBadUser
	}
	hash := Hash(data)
	key := s.key(userID, hash)
	if _, err := s.c.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{}); err == nil {
		return hash, nil
	} else if !isNotFound(err) {
		return "", fmt.Errorf("media: S3 stat: %w", err)
	}
	_, err := s.c.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return "", fmt.Errorf("media: S3 put: %w", err)
	}
	return hash, nil
}

// Open implements Blobs.
func (s *S3) Open(ctx context.Context, userID, hash string) (io.ReadSeekCloser, int64, error) {
	size, err := s.Stat(ctx, userID, hash)
	if err != nil {
		return nil, 0, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.key(userID, hash), minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("media: S3 get: %w", err)
	}
	return obj, size, nil
}

// Stat implements Blobs.
func (s *S3) Stat(ctx context.Context, userID, hash string) (int64, error) {
	if !validUser(userID) || !validHash(hash) {
		return 0, ErrNotFound
	}
	info, err := s.c.StatObject(ctx, s.bucket, s.key(userID, hash), minio.StatObjectOptions{})
	if isNotFound(err) {
		return 0, ErrNotFound
	} else if err != nil {
		return 0, fmt.Errorf("media: S3 stat: %w", err)
	}
	return info.Size, nil
}

// Delete implements Blobs.
func (s *S3) Delete(ctx context.Context, userID, hash string) error {
	if !validUser(userID) || !validHash(hash) {
		return nil
	}
	if err := s.c.RemoveObject(ctx, s.bucket, s.key(userID, hash), minio.RemoveObjectOptions{}); err != nil && !isNotFound(err) {
		return fmt.Errorf("media: S3 delete: %w", err)
	}
	return nil
}

// DeleteUser implements Blobs.
func (s *S3) DeleteUser(ctx context.Context, userID string) error {
	if !validUser(userID) {
		return ErrBadUser
	}
	_, err := s.removePrefix(ctx, s.userPrefix(userID), nil)
	return err
}

// removePrefix deletes the objects under prefix (those keep accepts, when
// it is not nil) and returns how many.
func (s *S3) removePrefix(ctx context.Context, prefix string, keep func(key string) bool) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var listErr error
	n := 0
	keys := make(chan minio.ObjectInfo)
	listed := make(chan struct{})
	go func() {
		defer close(listed)
		defer close(keys)
		for obj := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if obj.Err != nil {
				listErr = obj.Err
				return
			}
			if keep != nil && !keep(obj.Key) {
				continue
			}
			n++
			select {
			case keys <- obj:
			case <-ctx.Done():
				return
			}
		}
	}()
	var rmErr error
	for e := range s.c.RemoveObjects(ctx, s.bucket, keys, minio.RemoveObjectsOptions{}) {
		if e.Err != nil && rmErr == nil && !isNotFound(e.Err) {
			rmErr = e.Err
		}
	}
	cancel()
	<-listed
	if err := errors.Join(listErr, rmErr); err != nil {
		return n, fmt.Errorf("media: S3 delete: %w", err)
	}
	return n, nil
}

// The layout of earlier versions: one shared namespace,
// <prefix><hash[0:2]>/<hash>.

func (s *S3) legacyKey(hash string) string { return s.prefix + hash[:2] + "/" + hash }

func (s *S3) markerKey() string { return s.prefix + ".layout-per-user" }

func (s *S3) layoutUpgraded(ctx context.Context) (bool, error) {
	_, err := s.c.StatObject(ctx, s.bucket, s.markerKey(), minio.StatObjectOptions{})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("media: S3 stat: %w", err)
	}
	return true, nil
}

func (s *S3) markLayoutUpgraded(ctx context.Context) error {
	body := "blobs are kept per user under users/\n"
	_, err := s.c.PutObject(ctx, s.bucket, s.markerKey(), strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{ContentType: "text/plain"})
	if err != nil {
		return fmt.Errorf("media: S3 put: %w", err)
	}
	return nil
}

// adoptLegacy copies the shared object to the user's key, inside the
// store (the bytes do not pass through Synapse).
func (s *S3) adoptLegacy(ctx context.Context, userID, hash string) (bool, error) {
	if _, err := s.Stat(ctx, userID, hash); err == nil {
		return true, nil
	} else if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	_, err := s.c.CopyObject(ctx, minio.CopyDestOptions{Bucket: s.bucket, Object: s.key(userID, hash)},
		minio.CopySrcOptions{Bucket: s.bucket, Object: s.legacyKey(hash)})
	if err == nil {
		return true, nil
	}
	if !isNotFound(err) {
		return false, fmt.Errorf("media: S3 copy: %w", err)
	}
	// Gone from the shared layout: another process may have adopted it
	// and then deleted the shared layout.
	if _, err := s.Stat(ctx, userID, hash); err == nil {
		return true, nil
	}
	return false, nil
}

// dropLegacy deletes the objects of the shared layout: <hash[0:2]>/<hash>
// right under the prefix.
func (s *S3) dropLegacy(ctx context.Context) (int, error) {
	total := 0
	for i := range 256 {
		pair := fmt.Sprintf("%02x", i)
		n, err := s.removePrefix(ctx, s.prefix+pair+"/", func(key string) bool {
			rest := strings.TrimPrefix(key, s.prefix+pair+"/")
			return validHash(rest) && rest[:2] == pair
		})
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound" || minio.ToErrorResponse(err).StatusCode == 404
}
