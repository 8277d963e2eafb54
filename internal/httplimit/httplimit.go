// Package httplimit bounds what one HTTP client can hold of the server: a
// minimum transfer rate for response bodies and request bodies (so that a
// client reading or sending a few bytes a second cannot keep a connection
// and its handler forever), and who may read the metrics.
//
// The rate limits replace http.Server's ReadTimeout and WriteTimeout,
// which bound a whole request and so cannot tell a slow client from a long
// stream: Configure sets the server timeouts that go with New.
package httplimit

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// ErrTooSlow is the error a request body's Read returns when the body
// arrives slower than the minimum rate; the handler should answer 408 (the
// connection is closed after the response).
var ErrTooSlow = errors.New("httplimit: request body arrived too slowly")

// Options are the limits of New. Zero values take the defaults.
type Options struct {
	// MinRate is the slowest transfer accepted, in bytes per second, in
	// either direction (default 4096).
	MinRate int64
	// Grace is how long a transfer may stall outright before the rate
	// applies (default 10 s): each write of n bytes of a response must
	// complete within Grace + n/MinRate (writes are made at most 16 KiB at
	// a time), and a request body must arrive at MinRate on average once
	// the server has waited Grace for it in all.
	Grace time.Duration
	// Exempt reports requests to pass through untouched (default:
	// IsStream). A response whose Content-Type is text/event-stream is
	// exempt from the moment its header is written, whatever Exempt says.
	Exempt func(*http.Request) bool
}

// chunk is the most written at once under one write deadline, so that one
// large Write cannot earn a long deadline.
const chunk = 16 << 10

func (o Options) withDefaults() Options {
	if o.MinRate <= 0 {
		o.MinRate = 4096
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Second
	}
	if o.Exempt == nil {
		o.Exempt = IsStream
	}
	return o
}

// IsStream reports whether r opens a long-lived stream that keeps its own
// liveness (heartbeats, pings, its own write timeouts): a WebSocket upgrade
// or a request for Server-Sent Events.
func IsStream(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") ||
		strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// New wraps next so that every response is written, and every request
// body read, at no less than o.MinRate after o.Grace; a client slower than
// that has its connection closed. Exempt requests (streams) pass through
// untouched. Mount it outermost, on the server's root handler, with the
// timeouts Configure sets.
func New(next http.Handler, o Options) http.Handler {
	o = o.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if o.Exempt(r) {
			// A keep-alive connection may carry the last request's
			// deadline; a stream must not inherit it.
			_ = rc.SetWriteDeadline(time.Time{})
			next.ServeHTTP(w, r)
			return
		}
		rw := &rateWriter{ResponseWriter: w, rc: rc, o: o}
		_ = rc.SetWriteDeadline(time.Now().Add(o.Grace))
		var body *rateBody
		if r.Body != nil && r.Body != http.NoBody {
			body = &rateBody{ReadCloser: r.Body, rc: rc, o: o}
			r.Body = body
		}
		next.ServeHTTP(rw, r)
		// After the handler returns, the server may read what it left of
		// the body (to reuse the connection), then flushes what is
		// buffered of the response: bound both. The next request on the
		// connection sets its own deadlines.
		flush := o.Grace
		if body != nil && !body.ended {
			_ = rc.SetReadDeadline(time.Now().Add(o.Grace))
			flush += o.Grace
		}
		if !rw.exempt {
			_ = rc.SetWriteDeadline(time.Now().Add(flush))
		}
	})
}

// rateWriter sets a write deadline for every chunk written.
type rateWriter struct {
	http.ResponseWriter
	rc          *http.ResponseController
	o           Options
	wroteHeader bool
	exempt      bool
}

func (w *rateWriter) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 {
		w.wroteHeader = true
		if strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
			w.exempt = true
			_ = w.rc.SetWriteDeadline(time.Time{})
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *rateWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.exempt {
		return w.ResponseWriter.Write(p)
	}
	written := 0
	for len(p) > 0 {
		n := min(len(p), chunk)
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.o.Grace + time.Duration(int64(n)*int64(time.Second)/w.o.MinRate)))
		m, err := w.ResponseWriter.Write(p[:n])
		written += m
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// Flush sends buffered data (for handlers that assert http.Flusher).
func (w *rateWriter) Flush() {
	if !w.exempt {
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.o.Grace + time.Duration(int64(chunk)*int64(time.Second)/w.o.MinRate)))
	}
	_ = w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *rateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// rateBody sets a read deadline for every Read of a request body. Only the
// time spent waiting for the client counts: a handler that works before it
// reads does not use up the client's allowance.
type rateBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	o       Options
	read    int64
	waited  time.Duration
	tooSlow bool
	ended   bool // a Read returned an error (io.EOF at the end)
}

func (b *rateBody) Read(p []byte) (int, error) {
	if b.tooSlow {
		return 0, ErrTooSlow
	}
	// The body must have arrived at MinRate over the time waited for it,
	// less Grace: the next byte is due when that stops holding.
	allowance := b.o.Grace + time.Duration(b.read*int64(time.Second)/b.o.MinRate) - b.waited
	start := time.Now()
	_ = b.rc.SetReadDeadline(start.Add(max(allowance, 0)))
	n, err := b.ReadCloser.Read(p)
	b.waited += time.Since(start)
	b.read += int64(n)
	b.ended = b.ended || err != nil
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The deadline stays passed: the server's own attempt to read
		// what is left of the body fails at once too, and it closes the
		// connection after the response.
		b.tooSlow = true
		return n, fmt.Errorf("%w (%d bytes in %s)", ErrTooSlow, b.read, b.waited.Round(time.Millisecond))
	case err != nil:
		// Done with the body: the connection's reads that follow (the
		// server's own, watching for the client to go away) must not
		// inherit the deadline.
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// Configure sets srv's timeouts for use with New: a bound on reading a
// request's header (10 s) and on an idle keep-alive connection (2 min),
// and no ReadTimeout or WriteTimeout, which would end every stream (SSE,
// WebSocket) and every long download after a fixed time however fast it
// goes; New bounds slow bodies in both directions instead.
func Configure(srv *http.Server) {
	srv.ReadHeaderTimeout = 10 * time.Second
	srv.IdleTimeout = 2 * time.Minute
	srv.ReadTimeout = 0
	srv.WriteTimeout = 0
	if srv.MaxHeaderBytes == 0 {
		srv.MaxHeaderBytes = 64 << 10
	}
}
