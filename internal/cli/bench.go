package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"time"

	"github.com/synapse-kb/synapse/internal/bench"
)

const benchUsage = `Usage: synapse bench <name> [flags]

  ingest    durable ingest throughput with the sim engine
  latency   message-to-WebSocket latency at a fixed rate
  queries   chat list and message page latency over many stored messages
  sessions  memory and goroutines per idle connected sim session
  pages     web UI server time per page (100,000 messages and 10,000 items; -messages,
            -per-user items, -queries requests per page) and the dashboard's weight
  pipeline  messages/s through the whole knowledge pipeline (built-in analysers)
  whatsmeow pair -sessions N whatsmeow sessions with a protocol simulator (cmd/wasim,
            -simulator URL), -concurrency at a time, and measure memory per
            session; -messages M then pushes M messages through the protocol.
            With -restore, restart on the same -dir and time the restore.
  thumbnail time from an image message to its thumbnail being served

Flags (all benchmarks): -database postgres://… (default: a fresh SQLite file)
`

// benchNames are the benchmarks benchCmd runs.
var benchNames = []string{"ingest", "latency", "queries", "sessions", "pages", "pipeline", "whatsmeow", "thumbnail"}

func benchCmd(args []string, env Env) error {
	if len(args) == 0 {
		return usageError{msg: benchUsage}
	}
	switch {
	case args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help":
		fmt.Fprint(env.Stdout, benchUsage)
		return errHelp
	case !slices.Contains(benchNames, args[0]):
		return usageError{msg: fmt.Sprintf("unknown benchmark %q\n\n%s", args[0], benchUsage)}
	}
	fs := newFlagSet("bench "+args[0], "[flags]", "Run the "+args[0]+" benchmark; synapse bench -h describes them all.")
	dbURL := fs.String("database", "", "PostgreSQL URL (default: a fresh SQLite file)")
	sessions := fs.Int("sessions", 100, "sessions")
	messages := fs.Int("messages", 200000, "messages (ingest, latency)")
	rate := fs.Int("rate", 2000, "messages per second (latency)")
	perUser := fs.Int("per-user", 10000, "stored messages per user (queries)")
	queries := fs.Int("queries", 2000, "queries of each kind (queries); images (thumbnail)")
	simulator := fs.String("simulator", "", "protocol simulator URL (whatsmeow)")
	keepDir := fs.String("dir", "", "data directory kept between pairing and -restore (whatsmeow)")
	concurrency := fs.Int("concurrency", 4, "pairings at a time (whatsmeow)")
	restore := fs.Bool("restore", false, "restore the sessions paired earlier in -dir (whatsmeow)")
	restoreRate := fs.String("restore-rate", "", "WHATSAPP_RESTORE_RATE for -restore (0 lifts the ceiling)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run (whatsmeow: of its message phase)")
	if err := noArguments(fs, args[1:], env); err != nil {
		return err
	}
	dir, cleanup, err := bench.TempDir()
	if err != nil {
		return err
	}
	defer cleanup()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := bench.NewEnv(*dbURL, dir, env.Stdout, slog.New(slog.DiscardHandler))
	defer e.Cleanup()
	db := "sqlite"
	if *dbURL != "" {
		db = "postgres"
	}
	if args[0] != "whatsmeow" { // whatsmeow profiles its message phase alone
		stopProfile, err := bench.CPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	switch args[0] {
	case "ingest":
		r, err := bench.Ingest(ctx, e, *sessions, *messages)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "ingest %s: %d sessions, %d messages in %s: %.0f messages/s\n", db, r.Sessions, r.Messages, r.Elapsed.Round(1e6), r.PerSecond)
	case "latency":
		r, err := bench.Latency(ctx, e, *rate, *messages)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "latency %s: %d messages at %d/s to a WebSocket: p50 %s, p99 %s, max %s\n", db, r.Messages, r.Rate, r.P50, r.P99, r.Max)
	case "queries":
		r, err := bench.Queries(ctx, e, *sessions, *perUser, *queries)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "queries %s: %d messages across %d users\n", db, r.Messages, r.Users)
		for _, q := range r.Kinds {
			fmt.Fprintf(env.Stdout, "  %-28s p50 %8s  p99 %8s  max %8s\n", q.Name, q.P50, q.P99, q.Max)
		}
	case "pipeline":
		r, err := bench.Pipeline(ctx, e, *sessions, *messages)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "pipeline %s: %d messages (%d jobs) through the whole pipeline in %s: %.0f messages/s\n", db, r.Messages, r.Jobs, r.Elapsed.Round(1e6), r.PerSecond)
	case "thumbnail":
		r, err := bench.Thumbnail(ctx, e, *queries)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "thumbnail %s: %d image messages, message to thumbnail served: p50 %s, p99 %s, max %s\n", db, r.Images, r.P50, r.P99, r.Max)
	case "whatsmeow":
		if *simulator == "" || *keepDir == "" {
			return usageError{msg: "bench whatsmeow needs -simulator URL (start one with: go run ./cmd/wasim) and -dir DIR"}
		}
		o := bench.MeowOptions{Simulator: *simulator, Dir: *keepDir, Sessions: *sessions, Concurrency: *concurrency,
			CPUProfile: *cpuProfile, RestoreRate: *restoreRate}
		if flagSet(fs, "messages") {
			o.Messages = *messages
		}
		if *restore {
			r, err := bench.MeowRestore(ctx, e, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "whatsmeow restore %s: %d sessions WORKING again in %s (restore rate %q); per restored idle session: %.1f KiB resident, %.1f KiB heap+stacks, %.2f goroutines\n",
				db, r.Sessions, r.Elapsed.Round(time.Millisecond), *restoreRate, r.RSSPerSession/1024, r.HeapPerSession/1024, r.GoroutinesPerSession)
			return nil
		}
		r, err := bench.MeowPair(ctx, e, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "whatsmeow pairing %s: %d sessions, %d at a time, %d failures, in %s; per paired idle session: %.1f KiB resident, %.1f KiB heap+stacks, %.2f goroutines\n",
			db, r.Sessions, *concurrency, r.Failures, r.Elapsed.Round(time.Millisecond), r.RSSPerSession/1024, r.HeapPerSession/1024, r.GoroutinesPerSession)
		if r.Messages > 0 {
			fmt.Fprintf(env.Stdout, "whatsmeow messages %s: %d messages decrypted and stored at %.0f messages/s\n", db, r.Messages, r.MessagesPerSecond)
		}
	case "pages":
		// Defaults are the web UI's goal: 100,000 messages and 10,000 items for one user.
		msgs, items, reqs := 100000, 10000, 200
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "messages":
				msgs = *messages
			case "per-user":
				items = *perUser
			case "queries":
				reqs = *queries
			}
		})
		r, err := bench.Pages(ctx, e, msgs, items, reqs)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "pages %s: %d messages and %d items of one user; server time over %d requests per page\n", db, r.Messages, r.Items, reqs)
		for _, p := range r.Pages {
			fmt.Fprintf(env.Stdout, "  %-44.44s p50 %8s  p99 %8s  max %8s  %7d B\n", p.Path, p.P50, p.P99, p.Max, p.Bytes)
		}
		fmt.Fprintf(env.Stdout, "dashboard weight before images: %d B (HTML %d B, assets uncompressed), %d B with gzip assets\n",
			r.DashboardBytes, r.DashboardHTML, r.DashboardGzipBytes)
	case "sessions":
		r, err := bench.Sessions(ctx, e, *sessions)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "sessions %s: %d idle connected sim sessions: %.1f KiB heap and %.2f goroutines per session (%.1f KiB resident)\n",
			db, r.Sessions, r.HeapPerSession/1024, r.GoroutinesPerSession, r.RSSPerSession/1024)
	}
	return nil
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
