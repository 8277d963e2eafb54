package httplimit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The limits in these tests are scaled so that they run quickly: a client
// counts as slow below 1 MB/s, after 100 ms.
var fast = Options{MinRate: 1 << 20, Grace: 100 * time.Millisecond}

const imageSize = 8 << 20

var image = bytes.Repeat([]byte("0123456789abcdef"), imageSize/16)

// serve starts a real server whose handler reports how it ended.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// dialSmall connects with a small receive buffer, so that a client that
// does not read stalls the server soon.
func dialSmall(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitErr(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(time.Minute):
		t.Fatal("the handler did not finish")
		return nil
	}
}

// download serves the 8 MB image, reporting the handler's write error.
func download(done chan<- error, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", fmt.Sprint(len(image)))
		_, err := io.Copy(w, bytes.NewReader(image))
		done <- err
	}
}

// A client that reads an 8 MB image far below the minimum rate has its
// connection closed; it receives part of the image.
func TestSlowReaderIsCutOff(t *testing.T) {
	done := make(chan error, 1)
	srv := serve(t, New(download(done, "image/png"), fast))
	c := dialSmall(t, srv.Listener.Addr().String())
	fmt.Fprintf(c, "GET /image HTTP/1.1\r\nHost: x\r\n\r\n")
	// Read 512 bytes every 10 ms (50 KB/s) until the server gives up...
	buf := make([]byte, 512)
	got := 0
	var err error
	for {
		select {
		case err = <-done:
		default:
			n, rerr := c.Read(buf)
			got += n
			if rerr != nil {
				t.Fatalf("connection ended before the server gave up: %v", rerr)
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		break
	}
	if err == nil {
		t.Fatal("the whole image was written to a slow client")
	}
	// ...then take what the kernel still holds: the connection ends short.
	rest, _ := io.Copy(io.Discard, c)
	if got+int(rest) >= imageSize {
		t.Fatalf("received %d bytes, the whole image", got+int(rest))
	}
}

// A client that reads at full speed gets everything, and the connection
// stays usable for the next request even after it idled longer than any
// deadline set for the first.
func TestFastReaderGetsEverything(t *testing.T) {
	done := make(chan error, 2)
	srv := serve(t, New(download(done, "image/png"), fast))
	client := srv.Client()
	reused := false
	for i := range 2 {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(ci httptrace.GotConnInfo) { reused = reused || (i == 1 && ci.Reused) },
		}))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != imageSize {
			t.Fatalf("request %d: %d bytes, %v", i, n, err)
		}
		if err := waitErr(t, done); err != nil {
			t.Fatalf("request %d: handler: %v", i, err)
		}
		time.Sleep(3 * fast.Grace)
	}
	if !reused {
		t.Fatal("the second request did not reuse the connection")
	}
}

// Streams keep their own liveness: a stalled SSE client is not cut off,
// whether the request asked for an event stream or only the response is
// one.
func TestStreamsAreExempt(t *testing.T) {
	for _, accept := range []string{"text/event-stream", ""} {
		done := make(chan error, 1)
		srv := serve(t, New(download(done, "text/event-stream"), fast))
		c := dialSmall(t, srv.Listener.Addr().String())
		fmt.Fprintf(c, "GET /events HTTP/1.1\r\nHost: x\r\nAccept: %s\r\n\r\n", accept)
		time.Sleep(5 * fast.Grace) // stalled long past what a download may
		rd := bufio.NewReader(c)
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil || n != imageSize {
			t.Fatalf("Accept %q: stream cut after %d bytes: %v", accept, n, err)
		}
		if err := waitErr(t, done); err != nil {
			t.Fatalf("Accept %q: handler: %v", accept, err)
		}
	}
}

// A WebSocket upgrade reaches the handler with a connection it can take
// over.
func TestWebSocketUpgradePassesThrough(t *testing.T) {
	srv := serve(t, New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nhello")
		brw.Flush()
	}), fast))
	c := dialSmall(t, srv.Listener.Addr().String())
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	b, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(b), "HTTP/1.1 101") || !strings.HasSuffix(string(b), "hello") {
		t.Fatalf("upgrade: %q", b)
	}
}

// upload reads the whole body and reports the error.
func upload(done chan<- error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		done <- err
		if errors.Is(err, ErrTooSlow) {
			http.Error(w, "too slow", http.StatusRequestTimeout)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// A request body that trickles in is cut off with ErrTooSlow, and the
// connection is closed.
func TestSlowBodyIsCutOff(t *testing.T) {
	done := make(chan error, 1)
	srv := serve(t, New(upload(done), fast))
	c := dialSmall(t, srv.Listener.Addr().String())
	fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n")
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				if _, err := c.Write(bytes.Repeat([]byte("x"), 100)); err != nil {
					return
				}
			}
		}
	}()
	err := waitErr(t, done)
	close(stop)
	if !errors.Is(err, ErrTooSlow) {
		t.Fatalf("handler read the trickle: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil && resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatal(err)
	}
}

// A handler that answers without reading the body does not leave the
// server reading a trickle of it forever.
func TestUnreadSlowBodyIsCutOff(t *testing.T) {
	srv := serve(t, New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "sign in first", http.StatusUnauthorized)
	}), fast))
	c := dialSmall(t, srv.Listener.Addr().String())
	fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("%v %v", resp, err)
	}
	// The connection ends (rather than waiting for the rest of the body).
	if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatal(err)
	}
}

// A body that arrives quickly is read in full, even when the handler
// works for longer than the grace period before it reads.
func TestPromptBodyIsRead(t *testing.T) {
	done := make(chan error, 1)
	srv := serve(t, New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * fast.Grace)
		upload(done)(w, r)
	}), fast))
	resp, err := http.Post(srv.URL, "application/octet-stream", bytes.NewReader(image[:1<<20]))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := waitErr(t, done); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d, handler %v", resp.StatusCode, err)
	}
}

func TestGuardMetrics(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "metrics") })
	for _, tc := range []struct {
		name   string
		access MetricsAccess
		remote string
		header map[string]string
		want   int
	}{
		{"loopback by default", MetricsAccess{}, "127.0.0.1:5000", nil, 200},
		{"IPv6 loopback by default", MetricsAccess{}, "[::1]:5000", nil, 200},
		{"remote by default", MetricsAccess{}, "203.0.113.7:5000", nil, 403},
		{"proxied from loopback", MetricsAccess{}, "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "203.0.113.7"}, 403},
		{"proxied (Forwarded)", MetricsAccess{}, "127.0.0.1:5000", map[string]string{"Forwarded": "for=203.0.113.7"}, 403},
		{"public opt-in", MetricsAccess{Public: true}, "203.0.113.7:5000", nil, 200},
		{"token, none given", MetricsAccess{Token: "s3cret"}, "127.0.0.1:5000", nil, 401},
		{"token, wrong", MetricsAccess{Token: "s3cret", Public: true}, "203.0.113.7:5000", map[string]string{"Authorization": "Bearer nope"}, 401},
		{"token, right", MetricsAccess{Token: "s3cret"}, "203.0.113.7:5000", map[string]string{"Authorization": "Bearer s3cret"}, 200},
	} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = tc.remote
		for k, v := range tc.header {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		GuardMetrics(ok, tc.access).ServeHTTP(w, r)
		if w.Code != tc.want || (tc.want == 200) != (w.Body.String() == "metrics") {
			t.Errorf("%s: %d %q, want %d", tc.name, w.Code, w.Body.String(), tc.want)
		}
	}
}
