package demo_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/app"
	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/demo"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

var ctx = context.Background()

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDemo runs the generator on a running Synapse (yesterday's history
// and some live traffic) and checks that every kind of page gets something
// to show.
func TestDemo(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	a := srv.App

	u := demoAccount(t, a)

	q, err := a.Sessions.QR(ctx, u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := a.Sessions.SessionID(ctx, u.ID)
	if _, err := a.Sim.Scan(sid, sim.ScanOptions{Code: q.Raw}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "WORKING", func() bool {
		st, _ := a.Sessions.Status(ctx, u.ID)
		return st.Status == whatsapp.StatusWorking
	})

	lisbon, _ := time.LoadLocation("Europe/Lisbon")
	now := time.Now().In(lisbon)
	g := demo.New(demo.Options{Sim: a.Sim, SessionID: sid, Location: lisbon, Pace: time.Millisecond, Seed: 7})

	// Backfill: yesterday's talk in three groups, enough to summarise.
	n, err := g.Backfill(ctx)
	if err != nil || n < 60 {
		t.Fatalf("backfill: %d %v", n, err)
	}
	dayStart := time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, lisbon)
	waitFor(t, "backfilled messages", func() bool {
		c, _ := a.Store.CountMessages(ctx, u.ID, dayStart)
		return c == n
	})
	active, err := a.Store.GroupActivity(ctx, u.ID, dayStart, dayStart.AddDate(0, 0, 1))
	if err != nil || len(active) != 3 {
		t.Fatalf("groups active yesterday: %+v %v", active, err)
	}

	// Live traffic.
	total := 0
	for range 40 {
		k, err := g.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += k
	}
	waitFor(t, "live messages", func() bool {
		c, _ := a.Store.CountMessages(ctx, u.ID, time.Time{})
		return c == n+total
	})

	chats, err := a.Store.ListChats(ctx, u.ID, store.AllChats, store.ListOptions{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	groups, direct := 0, 0
	for _, c := range chats.Items {
		if c.IsGroup {
			groups++
		} else {
			direct++
		}
	}
	if groups < 3 || direct < 4 { // groups, friends and the chat with oneself
		t.Fatalf("chats: %d groups, %d direct", groups, direct)
	}

	// The pipeline turns it into knowledge of every kind.
	var usage store.Usage
	waitFor(t, "knowledge from the demo traffic", func() bool {
		var err error
		if usage, err = a.Store.StorageUsage(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		return usage.Images >= 6 && usage.VoiceMemos >= 4 && usage.Bookmarks >= 6 && usage.Locations >= 6 &&
			usage.Tasks >= 5 && usage.Notes >= 1 && usage.Ideas >= 2
	})

	// Yesterday's summaries, in each group's language.
	day := dayStart.Format("2006-01-02")
	if k, err := a.Jobs.QueueSummaries(ctx, u.ID, "", day, true); err != nil || k != 3 {
		t.Fatalf("queue summaries: %d %v", k, err)
	}
	var sums store.Page[store.Summary]
	waitFor(t, "summaries", func() bool {
		sums, _ = a.Store.ListSummaries(ctx, u.ID, store.SummaryFilter{Day: day}, store.ListOptions{})
		return len(sums.Items) == 3
	})
	langs := map[string]bool{}
	for _, s := range sums.Items {
		langs[s.Language] = true
	}
	if !langs["en"] || !langs["pt"] || !langs["es"] {
		t.Fatalf("summary languages: %v", langs)
	}
}

// TestRunWaitsForTheLink: while the phone is not linked nothing is sent,
// and Run ends with its context.
func TestRunWaitsForTheLink(t *testing.T) {
	e, err := sim.New(sim.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	g := demo.New(demo.Options{Sim: e, SessionID: "nosuchsession", Pace: time.Millisecond})
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	asked := 0
	if err := g.Run(cctx, func() bool { asked++; return false }); err != nil {
		t.Fatalf("run: %v", err)
	}
	if asked < 2 {
		t.Fatalf("linked asked %d times", asked)
	}
	// Linked, but the phone has no device: a step fails, and says why.
	if _, err := g.Step(ctx); err == nil {
		t.Fatal("a step without a linked device succeeded")
	}
}

func TestPicture(t *testing.T) {
	seen := map[string]bool{}
	for _, kind := range []string{demo.Sunset, demo.Mountains, demo.City, demo.Food, demo.Garden, demo.Beach, demo.Cake} {
		b := demo.Picture(kind, rand.New(rand.NewPCG(1, 2)))
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != 640 || cfg.Height != 480 {
			t.Fatalf("%s: %+v %v", kind, cfg, err)
		}
		if seen[string(b)] {
			t.Fatalf("%s looks like another kind", kind)
		}
		seen[string(b)] = true
	}
	a := demo.Picture(demo.Sunset, rand.New(rand.NewPCG(1, 2)))
	b := demo.Picture(demo.Sunset, rand.New(rand.NewPCG(3, 4)))
	if bytes.Equal(a, b) {
		t.Fatal("pictures do not vary")
	}
}

// demoAccount checks the demo account across runs: made once, an
// administrator, its password kept in a file only its owner reads and
// never changed behind the person's back; reset (and said so) only when
// the file is gone. It returns the account.
func demoAccount(t *testing.T, a *app.App) store.User {
	t.Helper()
	file := filepath.Join(t.TempDir(), "data", demo.PasswordFile)
	first, err := demo.Account(ctx, a.Auth, a.Store, "demo@example.com", "Europe/Lisbon", file)
	if err != nil {
		t.Fatal(err)
	}
	u := first.User
	if !u.IsAdmin || u.Timezone != "Europe/Lisbon" || !strings.HasPrefix(first.Password, "demo-") || first.Reset || first.Changed {
		t.Fatalf("account %+v", first)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v %v", fi, err)
	}
	login := func(pw string) error {
		_, err := a.Auth.Login(ctx, "demo@example.com", pw, "192.0.2.1")
		return err
	}
	// Run again: the same account and password.
	again, err := demo.Account(ctx, a.Auth, a.Store, "demo@example.com", "UTC", file)
	if err != nil || again.User.ID != u.ID || again.Password != first.Password || again.Reset || again.Changed {
		t.Fatalf("second run: %+v %v", again, err)
	}
	if err := login(first.Password); err != nil {
		t.Fatalf("the kept password: %v", err)
	}
	// The person changed the password in Synapse: theirs stands.
	hash, err := auth.HashPassword("my own password", auth.DefaultPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.SetPassword(ctx, u.ID, hash); err != nil {
		t.Fatal(err)
	}
	changed, err := demo.Account(ctx, a.Auth, a.Store, "demo@example.com", "UTC", file)
	if err != nil || !changed.Changed || changed.Password != "" || login("my own password") != nil {
		t.Fatalf("after a change in Synapse: %+v %v", changed, err)
	}
	// The file is gone: a new password, said to be new.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	reset, err := demo.Account(ctx, a.Auth, a.Store, "demo@example.com", "UTC", file)
	if err != nil || !reset.Reset || reset.Password == "" || reset.Password == first.Password || login(reset.Password) != nil || login("my own password") == nil {
		t.Fatalf("without the file: %+v %v", reset, err)
	}
	if kept, err := os.ReadFile(file); err != nil || strings.TrimSpace(string(kept)) != reset.Password {
		t.Fatalf("the new password is not kept: %q %v", kept, err)
	}
	return u
}
