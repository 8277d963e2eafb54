package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that a running command writes to while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started is a long-running command (serve, demo) run in the background.
type started struct {
	out, errs *syncBuffer
	stop      context.CancelFunc
	code      chan int
}

func start(t *testing.T, env map[string]string, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{out: &syncBuffer{}, errs: &syncBuffer{}, stop: cancel, code: make(chan int, 1)}
	go func() {
		s.code <- Run(args, Env{Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""),
			Stdout: s.out, Stderr: s.errs, Context: ctx})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.code:
		case <-time.After(30 * time.Second):
			t.Error("the command did not stop")
		}
	})
	return s
}

// await waits until re matches the command's output (w), and returns the
// match.
func (s *started) await(t *testing.T, w *syncBuffer, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := rx.FindStringSubmatch(w.String()); m != nil {
			return m
		}
		select {
		case code := <-s.code:
			t.Fatalf("exited %d before %q:\nstdout: %s\nstderr: %s", code, re, s.out, s.errs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q:\nstdout: %s\nstderr: %s", re, s.out, s.errs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// end stops the command and returns its exit code.
func (s *started) end(t *testing.T) int {
	t.Helper()
	s.stop()
	select {
	case code := <-s.code:
		s.code <- code // for the cleanup
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not stop")
		return -1
	}
}

// taken is an address already listened on.
func taken(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestHelpExitsZero: -h and --help print the command's usage on standard
// output and exit 0, for every command, and touch nothing.
func TestHelpExitsZero(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"SYNAPSE_DATA_DIR": dir}
	for _, args := range [][]string{
		{"-h"}, {"--help"}, {"help"},
		{"serve", "-h"}, {"serve", "--help"},
		{"demo", "-h"}, {"demo", "--help"}, {"demo", "-help"},
		{"migrate", "-h"}, {"migrate", "status", "--help"},
		{"user", "-h"}, {"user", "add", "-h"}, {"user", "list", "--help"}, {"user", "set-admin", "-h"},
		{"bench", "-h"}, {"bench", "--help"}, {"bench", "ingest", "-h"},
		{"version", "-h"},
	} {
		code, out, errs := run(t, env, "", args...)
		if code != 0 || !strings.Contains(out, "Usage") || errs != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	if code, out, _ := run(t, env, "", "demo", "-h"); code != 0 || !strings.Contains(out, "-addr") || !strings.Contains(out, "SYNAPSE_ADDR") {
		t.Errorf("demo -h: %q", out)
	}
	if exists(dir) {
		t.Error("asking for help created the data directory")
	}
}

// TestUnknownFlagExitsTwo: a flag a command does not know is said, with
// the usage, on standard error, and the exit code is 2.
func TestUnknownFlagExitsTwo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"SYNAPSE_DATA_DIR": dir}
	for _, args := range [][]string{
		{"serve", "-x"}, {"serve", "extra"}, {"demo", "-bogus"}, {"demo", "extra"}, {"migrate", "-q"},
		{"user", "add", "--nope"}, {"user", "list", "-v"}, {"bench", "ingest", "-zzz"}, {"bench", "nosuch"}, {"version", "-x"},
	} {
		code, out, errs := run(t, env, "", args...)
		if code != 2 || out != "" || !strings.Contains(errs, "Usage") && !strings.Contains(errs, "-h") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
		if strings.Contains(errs, "help requested") {
			t.Errorf("%v: %q", args, errs)
		}
	}
	if exists(dir) {
		t.Error("a bad flag created the data directory")
	}
}

// TestTakenPort: demo and serve say in one line that the address is taken
// and how to pick another, exit 1, and create no data directory.
func TestTakenPort(t *testing.T) {
	addr := taken(t)
	root := t.TempDir()
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		dir  string
		hint []string
	}{
		{"demo -addr", map[string]string{}, []string{"demo", "-addr", addr, "-dir", filepath.Join(root, "a")}, "a", []string{"-addr 127.0.0.1:", "SYNAPSE_ADDR=127.0.0.1:"}},
		{"demo SYNAPSE_ADDR", map[string]string{"SYNAPSE_ADDR": addr, "SYNAPSE_DATA_DIR": filepath.Join(root, "b")}, []string{"demo"}, "b", []string{"-addr 127.0.0.1:"}},
		{"serve", map[string]string{"SYNAPSE_ADDR": addr, "SYNAPSE_DATA_DIR": filepath.Join(root, "c"), "WHATSAPP_ENGINE": "sim"}, []string{"serve"}, "c", []string{"SYNAPSE_ADDR=127.0.0.1:"}},
	} {
		code, _, errs := run(t, c.env, "", c.args...)
		if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, addr+" is already in use") {
			t.Errorf("%s: exit %d, stderr %q", c.name, code, errs)
		}
		for _, h := range c.hint {
			if !strings.Contains(errs, h) || strings.Contains(errs, strings.TrimSuffix(h, "127.0.0.1:")+addr) {
				t.Errorf("%s: %q does not suggest another port with %q", c.name, errs, h)
			}
		}
		if exists(filepath.Join(root, c.dir)) {
			t.Errorf("%s: the data directory was created", c.name)
		}
	}
}

// TestDemoCommand: -addr and -dir win over SYNAPSE_ADDR and
// SYNAPSE_DATA_DIR, which are honoured without them; the password is made
// once, kept in the data directory (0600) and printed on every run.
func TestDemoCommand(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "flag")
	env := map[string]string{"SYNAPSE_ADDR": taken(t), "SYNAPSE_DATA_DIR": filepath.Join(root, "env")}
	signIn := `Open (http://127\.0\.0\.1:\d+) and sign in:\s+e-mail\s+demo@example\.com\s+password\s+(demo-\S+)\n`

	first := start(t, env, "demo", "-addr", "127.0.0.1:0", "-dir", dir)
	m := first.await(t, first.out, signIn)
	resp, err := http.Get(m[1] + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/signin: %d", m[1], resp.StatusCode)
	}
	if code := first.end(t); code != 0 {
		t.Fatalf("demo exited %d: %s", code, first.errs)
	}
	password := m[2]
	fi, err := os.Stat(filepath.Join(dir, "demo-password"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v %v", fi, err)
	}
	if exists(filepath.Join(root, "env")) {
		t.Fatal("SYNAPSE_DATA_DIR was used although -dir was given")
	}

	// Again, the directory from SYNAPSE_DATA_DIR this time: the same password.
	env["SYNAPSE_DATA_DIR"] = dir
	second := start(t, env, "demo", "-addr", "127.0.0.1:0")
	if again := second.await(t, second.out, signIn); again[2] != password {
		t.Fatalf("the password changed from %s to %s", password, again[2])
	}
	if code := second.end(t); code != 0 {
		t.Fatalf("demo exited %d: %s", code, second.errs)
	}
}

// TestServePrintsURL: once serve listens it says where to open it, in the
// log and in a plain line; with the simulated engine, also how to link the
// simulated phone and send it a message.
func TestServePrintsURL(t *testing.T) {
	for _, c := range []struct {
		name, addr, public, want string
	}{
		{"loopback", "127.0.0.1:0", "", `http://127\.0\.0\.1:(\d+)`},
		{"any host", ":0", "", `http://localhost:(\d+)`},
		{"public URL", "127.0.0.1:0", "https://synapse.example.com/", `https://synapse\.example\.com()`},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"SYNAPSE_ADDR": c.addr, "SYNAPSE_DATA_DIR": t.TempDir(), "WHATSAPP_ENGINE": "sim", "SYNAPSE_PUBLIC_URL": c.public}
			s := start(t, env, "serve")
			m := s.await(t, s.errs, `(?m)^Synapse is running: open (`+c.want+`)\n`)
			s.await(t, s.errs, `msg="open Synapse in a browser" url=`+regexp.QuoteMeta(m[1]))
			s.await(t, s.errs, `Scan with simulated phone`)
			s.await(t, s.errs, `curl -X POST `+regexp.QuoteMeta(m[1])+`/api/v1/sim/messages`)
			if m[2] != "" {
				resp, err := http.Get("http://127.0.0.1:" + m[2] + "/signin")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET /signin: %d", resp.StatusCode)
				}
			}
			if code := s.end(t); code != 0 {
				t.Fatalf("serve exited %d: %s", code, s.errs)
			}
		})
	}
}
