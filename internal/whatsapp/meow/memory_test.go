package meow

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// TestIdleSessionMemory measures what an idle restored session costs: N
// sessions are paired against a simulator running as its own process (so
// that its memory does not count), disconnected, and then restored from
// their stored devices. Set MEOW_MEMORY_SESSIONS=N to run it.
func TestIdleSessionMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MEOW_MEMORY_SESSIONS"))
	if n <= 0 {
		t.Skip("set MEOW_MEMORY_SESSIONS to measure idle session memory")
	}
	bin := filepath.Join(t.TempDir(), "wasim")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/synapse-kb/synapse/cmd/wasim").CombinedOutput(); err != nil {
		t.Fatalf("build wasim: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-root-key", base64.StdEncoding.EncodeToString(testRoot.Priv[:]))
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(line) // wasim listening on ADDR root-public-key KEY
	addr := f[3]
	control := "http://" + addr + "/control"
	post := func(path string, body any, out any) {
		b, _ := json.Marshal(body)
		resp, err := http.Post(control+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("POST %s: %s", path, resp.Status)
		}
		if out != nil {
			_ = json.NewDecoder(resp.Body).Decode(out)
		}
	}

	db := openSQLite(t, 1)
	e, err := New(Options{DB: db, Dialect: "sqlite", Simulator: &Simulator{Addr: addr, RootPublicKey: *testRoot.Pub}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	for i := range n {
		var phone struct{ Number string }
		post("/phones", map[string]string{}, &phone)
		r := newRecorder()
		c, _ := e.NewClient(ctx, whatsapp.SessionRef{ID: fmt.Sprint("m", i)}, r)
		if err := c.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		qr := event[whatsapp.QR](t, r, 1, 10*time.Second)
		post("/phones/"+phone.Number+"/scan", map[string]string{"qr": qr.Code}, nil)
		event[whatsapp.Connected](t, r, 1, 20*time.Second)
		c.Disconnect()
	}
	t.Logf("paired %d sessions in %s", n, time.Since(start).Round(time.Millisecond))

	simInfo := func() (heap, stack float64, goroutines int) {
		resp, err := http.Get(control + "/info?gc=1")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var info struct {
			Runtime struct {
				Goroutines int     `json:"goroutines"`
				HeapAlloc  float64 `json:"heapAlloc"`
				StackInuse float64 `json:"stackInuse"`
			} `json:"runtime"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&info)
		return info.Runtime.HeapAlloc, info.Runtime.StackInuse, info.Runtime.Goroutines
	}
	simHeap0, simStack0, simG0 := simInfo()
	base := measure()
	writeProfile(t, "base")
	clients := make([]whatsapp.Client, n)
	recs := make([]*recorder, n)
	start = time.Now()
	for i := range n {
		recs[i] = newRecorder()
		clients[i], _ = e.NewClient(ctx, whatsapp.SessionRef{ID: fmt.Sprint("m", i)}, recs[i])
		if err := clients[i].Connect(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		event[whatsapp.Connected](t, recs[i], 1, 30*time.Second)
	}
	t.Logf("restored %d sessions in %s", n, time.Since(start).Round(time.Millisecond))
	time.Sleep(3 * time.Second) // let post-login work settle
	after := measure()
	writeProfile(t, "after")
	per := func(a, b uint64) float64 { return float64(int64(a)-int64(b)) / float64(n) / 1024 }
	t.Logf("per idle session: heap %.1f KiB, stacks %.1f KiB, heap+stacks %.1f KiB, RSS %.1f KiB, goroutines %.1f",
		per(after.heap, base.heap), per(after.stack, base.stack), per(after.heap+after.stack, base.heap+base.stack),
		per(after.rss, base.rss), float64(after.goroutines-base.goroutines)/float64(n))
	simHeap1, simStack1, simG1 := simInfo()
	t.Logf("simulator, per connected device: heap %.1f KiB, stacks %.1f KiB, goroutines %.1f",
		(simHeap1-simHeap0)/float64(n)/1024, (simStack1-simStack0)/float64(n)/1024, float64(simG1-simG0)/float64(n))
	for _, c := range clients {
		c.Disconnect()
	}
}

func rssOf(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.ParseUint(strings.Fields(l)[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

type memSample struct {
	heap, stack, rss uint64
	goroutines       int
}

func measure() memSample {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := memSample{heap: ms.HeapAlloc, stack: ms.StackInuse, goroutines: runtime.NumGoroutine()}
	s.rss = rssOf(os.Getpid())
	return s
}

// writeProfile writes a heap profile to $MEOW_MEMORY_PROFILE.name when set.
func writeProfile(t *testing.T, name string) {
	p := os.Getenv("MEOW_MEMORY_PROFILE")
	if p == "" {
		return
	}
	f, err := os.Create(p + "." + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	_ = pprof.WriteHeapProfile(f)
}
