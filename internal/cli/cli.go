// Package cli is the synapse command line: it parses arguments and calls
// into the rest of the program.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/synapse-kb/synapse/internal/app"
	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/config"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
)

// Version is set at build time with -ldflags "-X …/cli.Version=v1.2.3";
// otherwise it comes from the module's build information.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Env is how the command reads its environment (os.Getenv in production).
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

const usage = `synapse — your WhatsApp, turned into a personal knowledge base

Usage:
  synapse serve                 run the server (configuration from the environment)
  synapse demo [-dir D]         try Synapse on a simulated WhatsApp, with generated traffic
  synapse migrate [status]      apply database migrations, or show their state
  synapse user add --email E [--name N] [--admin] [--password-stdin]
  synapse user list
  synapse user set-admin --email E [--revoke]
  synapse user set-password --email E [--password-stdin]
  synapse user disable --email E | enable --email E
  synapse bench <ingest|latency|queries|sessions> [flags]
  synapse version

Configuration is read from environment variables; see README.md.
`

// Run executes the command line args (without the program name) and returns
// the process exit code.
func Run(args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(env)
	case "demo":
		err = demoCmd(args[1:], env)
	case "migrate":
		err = migrate(args[1:], env)
	case "user":
		err = userCmd(args[1:], env)
	case "bench":
		err = benchCmd(args[1:], env)
	case "version", "--version", "-v":
		fmt.Fprintln(env.Stdout, "synapse", version())
	case "help", "--help", "-h":
		fmt.Fprint(env.Stdout, usage)
	default:
		fmt.Fprintf(env.Stderr, "synapse: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "synapse:", err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func loadConfig(env Env) (*config.Config, *slog.Logger, error) {
	cfg, err := config.Load(env.Getenv)
	if err != nil {
		return nil, nil, err
	}
	return cfg, newLogger(cfg, env.Stderr), nil
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(env Env) error {
	cfg, log, err := loadConfig(env)
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
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a.Shutdown(sctx)
	return nil
}

func migrate(args []string, env Env) error {
	cfg, _, err := loadConfig(env)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var s *store.Store
	if cfg.IsPostgres() {
		s, err = store.OpenPostgres(cfg.DatabaseURL, store.Options{})
	} else {
		s, err = store.OpenSQLite(cfg.SQLitePath(), store.Options{})
	}
	if err != nil {
		return err
	}
	defer s.Close()
	if len(args) > 0 && args[0] == "status" {
		applied, known, err := s.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "schema version %d of %d (%s)\n", applied, known, s.Dialect())
		return nil
	}
	if len(args) > 0 {
		return usageError{"migrate takes no arguments but status"}
	}
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	applied, _, _ := s.SchemaVersion(ctx)
	fmt.Fprintf(env.Stdout, "database migrated to schema version %d (%s)\n", applied, s.Dialect())
	return nil
}

func userCmd(args []string, env Env) error {
	if len(args) == 0 {
		return usageError{"user needs a subcommand: add, list, set-admin, set-password, disable, enable"}
	}
	cfg, log, err := loadConfig(env)
	if err != nil {
		return err
	}
	ctx := context.Background()
	s, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	switch args[0] {
	case "add":
		fs := flag.NewFlagSet("user add", flag.ContinueOnError)
		fs.SetOutput(env.Stderr)
		email := fs.String("email", "", "e-mail address (required)")
		name := fs.String("name", "", "display name")
		tz := fs.String("timezone", "", "IANA time zone (default UTC)")
		isAdmin := fs.Bool("admin", false, "make the user an administrator")
		fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{err.Error()}
		}
		if *email == "" {
			return usageError{"user add: --email is required"}
		}
		password, err := readPassword(env, *fromStdin)
		if err != nil {
			return err
		}
		svc := auth.NewService(auth.Options{Store: s, Log: log})
		u, err := svc.CreateUser(ctx, auth.Registration{Email: *email, Password: password, Name: *name, Timezone: *tz, Admin: *isAdmin})
		var verr validate.Errors
		if errors.As(err, &verr) {
			return usageError{verr.Error()}
		}
		if err != nil {
			return err
		}
		role := "user"
		if u.IsAdmin {
			role = "administrator"
		}
		fmt.Fprintf(env.Stdout, "created %s %s (id %s)\n", role, u.Email, u.ID)
	case "list":
		users, err := s.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tADMIN\tCREATED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", u.ID, u.Email, u.Name, u.IsAdmin, u.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	case "set-admin":
		fs := flag.NewFlagSet("user set-admin", flag.ContinueOnError)
		fs.SetOutput(env.Stderr)
		email := fs.String("email", "", "e-mail address (required)")
		revoke := fs.Bool("revoke", false, "take the administrator role away")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{err.Error()}
		}
		u, err := s.UserByEmail(ctx, *email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user with e-mail %q", *email)
		}
		if err != nil {
			return err
		}
		if err := s.SetAdmin(ctx, u.ID, !*revoke); err != nil {
			return err
		}
		if *revoke {
			fmt.Fprintf(env.Stdout, "%s is no longer an administrator\n", u.Email)
		} else {
			fmt.Fprintf(env.Stdout, "%s is now an administrator\n", u.Email)
		}
	case "set-password", "disable", "enable":
		fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
		fs.SetOutput(env.Stderr)
		email := fs.String("email", "", "e-mail address (required)")
		fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{err.Error()}
		}
		u, err := s.UserByEmail(ctx, *email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user with e-mail %q", *email)
		}
		if err != nil {
			return err
		}
		svc := auth.NewService(auth.Options{Store: s, Log: log})
		switch args[0] {
		case "set-password":
			password, err := readPassword(env, *fromStdin)
			if err != nil {
				return err
			}
			var verr validate.Errors
			if err := svc.ResetPassword(ctx, u.ID, password); errors.As(err, &verr) {
				return usageError{verr.Error()}
			} else if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s has a new password; every session and token of the account has ended\n", u.Email)
		case "disable":
			if err := svc.SetDisabled(ctx, u.ID, true); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s is disabled; every session and token of the account has ended\n", u.Email)
		case "enable":
			if err := svc.SetDisabled(ctx, u.ID, false); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s is enabled; it must sign in again\n", u.Email)
		}
	default:
		return usageError{fmt.Sprintf("unknown user subcommand %q (add, list, set-admin, set-password, disable, enable)", args[0])}
	}
	return nil
}

// readPassword reads a password from SYNAPSE_USER_PASSWORD or, with
// fromStdin or when that is unset, from the first line of standard input
// (prompting when not fromStdin).
func readPassword(env Env, fromStdin bool) (string, error) {
	password := env.Getenv("SYNAPSE_USER_PASSWORD")
	if !fromStdin && password != "" {
		return password, nil
	}
	if !fromStdin {
		fmt.Fprint(env.Stderr, "Password: ")
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
