package meow

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// errTooLarge is what the media transport returns once a download passes
// its limit; Download maps it to whatsapp.ErrMediaTooLarge.
var errTooLarge = errors.New("meow: media exceeds the size limit")

type limitKey struct{}

// withLimit makes media downloads under ctx fail with errTooLarge past n
// bytes of (encrypted) body.
func withLimit(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, limitKey{}, n)
}

// limitTransport enforces the per-download limit while the body streams,
// so that an oversized file is refused without being read whole: whatsmeow
// reads media into memory.
type limitTransport struct{ base http.RoundTripper }

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if n, ok := req.Context().Value(limitKey{}).(int64); ok {
		// The error comes from reading the body, never from RoundTrip:
		// whatsmeow retries transport errors (a *url.Error is a net.Error).
		if resp.ContentLength > n {
			n = -1
		}
		resp.Body = &limitedBody{rc: resp.Body, left: n}
	}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, errTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
