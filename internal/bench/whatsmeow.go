package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/synapse-kb/synapse/internal/app"
	"github.com/synapse-kb/synapse/internal/store"
)

// MeowOptions configure the whatsmeow benchmarks, which run Synapse's real
// engine against a protocol simulator in another process (cmd/wasim).
type MeowOptions struct {
	// Simulator is the simulator's base URL (http://host:port).
	Simulator string
	// Dir keeps the data directory (SQLite database and all) between the
	// pairing run and the restore run.
	Dir string
	// Sessions to pair, Concurrency pairings at a time.
	Sessions, Concurrency int
	// Messages to send through the protocol after pairing (0: none), and
	// the file for a CPU profile of that phase.
	Messages   int
	CPUProfile string
	// RestoreRate is WHATSAPP_RESTORE_RATE for the restore run ("0" lifts
	// the ceiling; empty keeps the default).
	RestoreRate string
}

// MeowResult is what a run measured.
type MeowResult struct {
	Sessions, Failures   int
	Elapsed              time.Duration // pairing all, or restoring all
	RSSPerSession        float64       // bytes
	HeapPerSession       float64       // bytes (live heap + goroutine stacks)
	GoroutinesPerSession float64
	Messages             int
	MessagesPerSecond    float64
}

type simClient struct{ base string }

func (c simClient) post(path string, body, out any) error {
	b, _ := json.Marshal(body)
	resp, err := http.Post(c.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("simulator %s: %d %s", path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func (o MeowOptions) env() map[string]string {
	env := map[string]string{
		"SYNAPSE_DATA_DIR": o.Dir, "WHATSAPP_ENGINE": "whatsmeow", "WHATSAPP_SIMULATOR_URL": o.Simulator,
		"SYNAPSE_LOG_LEVEL": "error",
	}
	if o.RestoreRate != "" {
		env["WHATSAPP_RESTORE_RATE"] = o.RestoreRate
	}
	return env
}

// memory reads, after collecting garbage and returning it to the OS, the
// resident set, the live heap plus goroutine stacks, and the goroutines.
func memory() (rss int64, heap uint64, goroutines int) {
	time.Sleep(time.Second)
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return residentBytes(), ms.HeapAlloc + ms.StackInuse, runtime.NumGoroutine()
}

func perSession(r *MeowResult, n int, rss0, rss1 int64, heap0, heap1 uint64, g0, g1 int) {
	r.RSSPerSession = float64(rss1-rss0) / float64(n)
	r.HeapPerSession = float64(int64(heap1)-int64(heap0)) / float64(n)
	r.GoroutinesPerSession = float64(g1-g0) / float64(n)
}

// MeowPair pairs o.Sessions whatsmeow sessions with simulated phones,
// o.Concurrency at a time, measures what each idle connected session costs,
// and optionally pushes o.Messages through the real protocol. The data
// directory keeps the paired devices for MeowRestore.
func MeowPair(ctx context.Context, e Env, o MeowOptions) (MeowResult, error) {
	a, err := e.startMeow(ctx, o)
	if err != nil {
		return MeowResult{}, err
	}
	defer a.Shutdown(context.Background())
	sim := simClient{strings.TrimRight(o.Simulator, "/")}
	rss0, heap0, g0 := memory()
	var failures atomic.Int32
	users := make([]string, o.Sessions)
	numbers := make([]string, o.Sessions)
	start := time.Now()
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(1, o.Concurrency) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := pairOne(ctx, a, sim, i, users, numbers); err != nil {
					failures.Add(1)
					e.printf("pairing %d failed: %v\n", i, err)
				}
			}
		}()
	}
	for i := range o.Sessions {
		work <- i
	}
	close(work)
	wg.Wait()
	r := MeowResult{Sessions: o.Sessions, Failures: int(failures.Load()), Elapsed: time.Since(start)}
	rss1, heap1, g1 := memory()
	perSession(&r, o.Sessions, rss0, rss1, heap0, heap1, g0, g1)
	if o.Messages > 0 && r.Failures == 0 {
		if err := meowMessages(ctx, a, sim, numbers, o, &r); err != nil {
			return r, err
		}
	}
	return r, nil
}

func pairOne(ctx context.Context, a *app.App, sim simClient, i int, users, numbers []string) error {
	// The simulator numbers new phones itself, so runs never collide.
	var phone struct {
		Number string `json:"number"`
	}
	if err := sim.post("/control/phones", map[string]string{"pushName": fmt.Sprint("Bench ", i)}, &phone); err != nil {
		return err
	}
	number := phone.Number
	u, err := a.Store.CreateUser(ctx, store.User{Email: fmt.Sprintf("meow%06d@example.com", i), Name: "bench", PasswordHash: "x"})
	if err != nil {
		return err
	}
	users[i], numbers[i] = u.ID, number
	qr, err := a.Sessions.QR(ctx, u.ID, false)
	if err != nil {
		return fmt.Errorf("qr: %w", err)
	}
	if err := sim.post("/control/phones/"+number+"/scan", map[string]string{"qr": qr.Raw}, nil); err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := a.Sessions.Status(ctx, u.ID)
		if err != nil {
			return err
		}
		switch st.Status {
		case "WORKING":
			return nil
		case "FAILED", "STOPPED":
			return fmt.Errorf("session %s: %s", st.Status, st.Reason)
		}
		if time.Now().After(deadline) {
			return errors.New("not WORKING after 2 minutes")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// meowMessages has a contact phone send messages to every paired phone,
// through the real protocol, and measures decrypted-and-stored messages per
// second.
func meowMessages(ctx context.Context, a *app.App, sim simClient, numbers []string, o MeowOptions, r *MeowResult) error {
	var sender struct {
		Number string `json:"number"`
	}
	if err := sim.post("/control/phones", map[string]string{"pushName": "Sender"}, &sender); err != nil {
		return err
	}
	contact := sender.Number
	stopProfile, err := CPUProfile(o.CPUProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	before := a.Ingest.Stored()
	start := time.Now()
	work := make(chan int)
	var wg sync.WaitGroup
	var sendErr atomic.Value
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				to := numbers[i%len(numbers)]
				err := sim.post("/control/phones/"+contact+"/messages", map[string]any{"to": to, "type": "text",
					"text": fmt.Sprintf("Benchmark message %d with a sentence of ordinary length in it.", i)}, nil)
				if err != nil {
					sendErr.Store(err)
				}
			}
		}()
	}
	for i := range o.Messages {
		work <- i
	}
	close(work)
	wg.Wait()
	if err, _ := sendErr.Load().(error); err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for a.Ingest.Stored()-before < uint64(o.Messages) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d messages stored", a.Ingest.Stored()-before, o.Messages)
		}
		time.Sleep(5 * time.Millisecond)
	}
	el := time.Since(start)
	r.Messages, r.MessagesPerSecond = o.Messages, float64(o.Messages)/el.Seconds()
	return nil
}

// MeowRestore starts Synapse on a data directory paired by MeowPair and
// measures the time until every session is WORKING again (no QR codes),
// and what each restored idle session costs.
func MeowRestore(ctx context.Context, e Env, o MeowOptions) (MeowResult, error) {
	a, err := e.newMeow(ctx, o)
	if err != nil {
		return MeowResult{}, err
	}
	defer a.Shutdown(context.Background())
	rows, err := a.Store.SessionsToRestore(ctx)
	if err != nil {
		return MeowResult{}, err
	}
	n := len(rows)
	if n == 0 {
		return MeowResult{}, errors.New("no paired sessions in this data directory; run the pairing benchmark first with the same -dir")
	}
	rss0, heap0, g0 := memory()
	start := time.Now()
	a.Start(e.listener())
	deadline := time.Now().Add(30 * time.Minute)
	for {
		working := 0
		for _, st := range a.Sessions.Live() {
			if st.Status == "WORKING" {
				working++
			}
		}
		if working == n {
			break
		}
		if time.Now().After(deadline) {
			return MeowResult{}, fmt.Errorf("only %d of %d sessions WORKING after 30 minutes", working, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	r := MeowResult{Sessions: n, Elapsed: time.Since(start)}
	rss1, heap1, g1 := memory()
	perSession(&r, n, rss0, rss1, heap0, heap1, g0, g1)
	return r, nil
}

func (e Env) newMeow(ctx context.Context, o MeowOptions) (*app.App, error) {
	if o.Dir == "" {
		return nil, errors.New("-dir is required")
	}
	return e.newApp(ctx, o.env())
}

func (e Env) startMeow(ctx context.Context, o MeowOptions) (*app.App, error) {
	a, err := e.newMeow(ctx, o)
	if err != nil {
		return nil, err
	}
	a.Start(e.listener())
	return a, nil
}
