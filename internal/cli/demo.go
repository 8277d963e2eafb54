package cli

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/synapse-kb/synapse/internal/app"
	"github.com/synapse-kb/synapse/internal/demo"
)

// demoCmd runs Synapse on the embedded defaults (SQLite under -dir) with the
// simulated WhatsApp, creates a demo account and, once the person links the
// simulated phone, generates realistic traffic.
func demoCmd(args []string, env Env) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	dir := fs.String("dir", "./data", "data directory: SQLite database, media and the simulated phone")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	email := fs.String("email", "demo@example.com", "the demo account's e-mail address")
	pace := fs.Duration("pace", 5*time.Second, "mean pause between simulated messages")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{"demo takes flags only (-dir, -addr, -email, -pace)"}
	}
	// The demo always runs the simulator on the embedded database, whatever
	// the environment says; logs stay quiet unless asked for.
	demoEnv := env
	demoEnv.Getenv = func(k string) string {
		switch k {
		case "WHATSAPP_ENGINE":
			return "sim"
		case "SYNAPSE_DATA_DIR":
			return *dir
		case "SYNAPSE_ADDR":
			return *addr
		case "DATABASE_URL", "SYNAPSE_PUBLIC_URL":
			return ""
		case "SYNAPSE_LOG_LEVEL":
			if v := env.Getenv(k); v != "" {
				return v
			}
			return "warn"
		}
		return env.Getenv(k)
	}
	cfg, log, err := loadConfig(demoEnv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, log, version())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.Shutdown(context.Background())
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	a.Start(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		a.Shutdown(sctx)
	}()
	tz := env.Getenv("TZ")
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		tz = "UTC"
	}
	return demo.Run(ctx, demo.RunOptions{App: a, URL: browseURL(ln.Addr()), Email: *email, Timezone: tz, Pace: *pace, Out: env.Stdout})
}

// browseURL is the address to open in a browser for a listener: loopback
// for a wildcard address.
func browseURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
