package cli

import (
	"context"
	"time"

	"github.com/synapse-kb/synapse/internal/app"
	"github.com/synapse-kb/synapse/internal/demo"
)

// demoCmd runs Synapse on the embedded defaults (SQLite under -dir) with the
// simulated WhatsApp, sets up the demo account and, once the person links
// the simulated phone, generates realistic traffic. -addr and -dir default
// to SYNAPSE_ADDR and SYNAPSE_DATA_DIR; the flags win.
func demoCmd(args []string, env Env) error {
	defAddr, defDir := env.Getenv("SYNAPSE_ADDR"), env.Getenv("SYNAPSE_DATA_DIR")
	if defAddr == "" {
		defAddr = "127.0.0.1:8080"
	}
	if defDir == "" {
		defDir = "./data"
	}
	fs := newFlagSet("demo", "[flags]",
		"Try Synapse on a simulated WhatsApp: it creates a demo account (its password is kept in the\n"+
			"data directory and printed on every run) and, once you link the simulated phone on the\n"+
			"Connect page, friends and groups write to it in English, Portuguese and Spanish.")
	dir := fs.String("dir", defDir, "data directory: SQLite database, media, the simulated phone and the demo password\n(SYNAPSE_DATA_DIR sets the default)")
	addr := fs.String("addr", defAddr, "listen address (SYNAPSE_ADDR sets the default)")
	email := fs.String("email", "demo@example.com", "the demo account's e-mail address")
	pace := fs.Duration("pace", 5*time.Second, "mean pause between simulated messages")
	if err := noArguments(fs, args, env); err != nil {
		return err
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
	ctx, stop := env.signalContext()
	defer stop()
	// Listen before app.New creates the data directory: a taken port is
	// said plainly and leaves nothing behind.
	ln, err := listen(cfg.Addr, func(alt string) string { return "run with -addr " + alt + " or SYNAPSE_ADDR=" + alt })
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log, version())
	if err != nil {
		ln.Close()
		return err
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
