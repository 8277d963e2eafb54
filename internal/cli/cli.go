// Package cli is the synapse command line: it parses arguments and calls
// into the rest of the program.
package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
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
	// Context, when set, stops serve and demo when it ends, as SIGINT and
	// SIGTERM do (tests set it).
	Context context.Context
}

// signalContext ends on SIGINT or SIGTERM, or when env's Context ends.
func (env Env) signalContext() (context.Context, context.CancelFunc) {
	parent := env.Context
	if parent == nil {
		parent = context.Background()
	}
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

const usage = `synapse — your WhatsApp, turned into a personal knowledge base

Usage:
  synapse serve                 run the server (configuration from the environment)
  synapse demo [-dir D]         try Synapse on a simulated WhatsApp, with generated traffic
  synapse migrate [status]      apply database migrations, or show their state
  synapse user add --email E [--name N] [--admin] [--password-stdin]
  synapse user list
  synapse user set-admin --email E [--revoke]
  synapse bench <ingest|latency|queries|sessions> [flags]
  synapse mcp [-url U]          MCP over stdio for an AI assistant (token in SYNAPSE_TOKEN)
  synapse version

Every command takes -h for its flags. Configuration is read from environment
variables; see README.md.
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
		err = serve(args[1:], env)
	case "demo":
		err = demoCmd(args[1:], env)
	case "migrate":
		err = migrate(args[1:], env)
	case "user":
		err = userCmd(args[1:], env)
	case "bench":
		err = benchCmd(args[1:], env)
	case "mcp":
		err = mcpCmd(args[1:], env)
	case "version", "--version", "-v":
		if err = parseFlags(newFlagSet("version", "", "Print the version."), args[1:], env); err == nil {
			fmt.Fprintln(env.Stdout, "synapse", version())
		}
	case "help", "--help", "-h":
		fmt.Fprint(env.Stdout, usage)
	default:
		fmt.Fprintf(env.Stderr, "synapse: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	if err != nil {
		var ue usageError
		isUsage := errors.As(err, &ue)
		if !isUsage || !ue.shown {
			fmt.Fprintln(env.Stderr, "synapse:", err)
		}
		if isUsage {
			return 2
		}
		return 1
	}
	return 0
}

// usageError is a command line that makes no sense (exit code 2); shown
// means it was printed already, with the usage.
type usageError struct {
	msg   string
	shown bool
}

func (e usageError) Error() string { return e.msg }

// errHelp: the usage was asked for (-h, --help) and printed (exit code 0).
var errHelp = errors.New("help requested")

// newFlagSet is the flag set of a command: its usage names the command,
// its arguments and what it does, then lists the flags.
func newFlagSet(name, arguments, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\n%s\n", strings.TrimSpace("Usage: synapse "+name+" "+arguments), about)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprint(fs.Output(), "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses a command's flags. Asked for help (-h, -help, --help),
// it prints the usage on standard output and returns errHelp; given a flag
// it does not know, it prints the problem and the usage on standard error
// and returns a usageError.
func parseFlags(fs *flag.FlagSet, args []string, env Env) error {
	var out bytes.Buffer
	fs.SetOutput(&out)
	err := fs.Parse(args)
	fs.SetOutput(env.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = env.Stdout.Write(out.Bytes())
		return errHelp
	case err != nil:
		_, _ = env.Stderr.Write(out.Bytes())
		return usageError{msg: err.Error(), shown: true}
	}
	return nil
}

// noArguments parses flags of a command that takes no other arguments.
func noArguments(fs *flag.FlagSet, args []string, env Env) error {
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{msg: fmt.Sprintf("%s takes no arguments (see synapse %s -h)", fs.Name(), fs.Name())}
	}
	return nil
}

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

func serve(args []string, env Env) error {
	fs := newFlagSet("serve", "", "Run the server. Configuration is read from environment variables (SYNAPSE_ADDR,\nSYNAPSE_DATA_DIR, DATABASE_URL, WHATSAPP_ENGINE, ...); see README.md and docs/CONFIGURATION.md.")
	if err := noArguments(fs, args, env); err != nil {
		return err
	}
	cfg, log, err := loadConfig(env)
	if err != nil {
		return err
	}
	ctx, stop := env.signalContext()
	defer stop()
	// Listen first: a taken port is said plainly, before anything is created.
	ln, err := listen(cfg.Addr, func(alt string) string { return "set SYNAPSE_ADDR=" + alt + " to use another port" })
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log, version())
	if err != nil {
		ln.Close()
		return err
	}
	a.Start(ln)
	announce(env.Stderr, log, cfg, ln.Addr())
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a.Shutdown(sctx)
	return nil
}

func migrate(args []string, env Env) error {
	fs := newFlagSet("migrate", "[status]", "Apply the database migrations, or with status show the schema version.")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) > 0 && args[0] == "status" {
		if err := noArguments(newFlagSet("migrate status", "", "Show the schema version of the database."), args[1:], env); err != nil {
			return err
		}
	}
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
		return usageError{msg: "migrate takes no arguments but status"}
	}
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	applied, _, _ := s.SchemaVersion(ctx)
	fmt.Fprintf(env.Stdout, "database migrated to schema version %d (%s)\n", applied, s.Dialect())
	return nil
}

const userUsage = `Usage: synapse user <subcommand> [flags]

  add        create an account (--email E [--name N] [--timezone Z] [--admin] [--password-stdin])
  list       list the accounts
  set-admin  give or take (--revoke) the administrator role (--email E)
  set-password  set a new password (--email E [--password-stdin]); every session and token of the account ends
  disable    stop an account from signing in (--email E); every session and token ends
  enable     let a disabled account sign in again (--email E)

Each subcommand takes -h for its flags.
`

func userCmd(args []string, env Env) error {
	if len(args) == 0 {
		return usageError{msg: "user needs a subcommand: add, list, set-admin, set-password, disable, enable (see synapse user -h)"}
	}
	// Parse first: asking for help or getting a flag wrong opens nothing.
	var run func(ctx context.Context, s *store.Store, log *slog.Logger) error
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.Stdout, userUsage)
		return errHelp
	case "add":
		fs := newFlagSet("user add", "--email E [flags]", "Create an account. The password is read from SYNAPSE_USER_PASSWORD, or from standard input.")
		email := fs.String("email", "", "e-mail address (required)")
		name := fs.String("name", "", "display name")
		tz := fs.String("timezone", "", "IANA time zone (default UTC)")
		isAdmin := fs.Bool("admin", false, "make the user an administrator")
		fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
		if err := noArguments(fs, args[1:], env); err != nil {
			return err
		}
		if *email == "" {
			return usageError{msg: "user add: --email is required"}
		}
		run = func(ctx context.Context, s *store.Store, log *slog.Logger) error {
			return userAdd(ctx, s, log, env, *email, *name, *tz, *isAdmin, *fromStdin)
		}
	case "list":
		if err := noArguments(newFlagSet("user list", "", "List the accounts."), args[1:], env); err != nil {
			return err
		}
		run = func(ctx context.Context, s *store.Store, _ *slog.Logger) error { return userList(ctx, s, env) }
	case "set-admin":
		fs := newFlagSet("user set-admin", "--email E [--revoke]", "Give an account the administrator role, or take it away.")
		email := fs.String("email", "", "e-mail address (required)")
		revoke := fs.Bool("revoke", false, "take the administrator role away")
		if err := noArguments(fs, args[1:], env); err != nil {
			return err
		}
		run = func(ctx context.Context, s *store.Store, _ *slog.Logger) error {
			return userSetAdmin(ctx, s, env, *email, *revoke)
		}
	case "set-password", "disable", "enable":
		op := args[0]
		fs := newFlagSet("user "+op, "--email E", map[string]string{"set-password": "Set an account's password (from SYNAPSE_USER_PASSWORD or standard input); every session and token of the account ends.",
			"disable": "Stop an account from signing in; every session and token of the account ends.", "enable": "Let a disabled account sign in again."}[op])
		email := fs.String("email", "", "e-mail address (required)")
		fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (set-password)")
		if err := noArguments(fs, args[1:], env); err != nil {
			return err
		}
		if *email == "" {
			return usageError{msg: "user " + op + ": --email is required"}
		}
		run = func(ctx context.Context, s *store.Store, log *slog.Logger) error {
			return userCredentials(ctx, s, log, env, op, *email, *fromStdin)
		}
	default:
		return usageError{msg: fmt.Sprintf("unknown user subcommand %q (add, list, set-admin, set-password, disable, enable)", args[0])}
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
	return run(ctx, s, log)
}

func userAdd(ctx context.Context, s *store.Store, log *slog.Logger, env Env, email, name, tz string, isAdmin, fromStdin bool) error {
	password, err := readPassword(env, fromStdin)
	if err != nil {
		return err
	}
	svc := auth.NewService(auth.Options{Store: s, Log: log})
	u, err := svc.CreateUser(ctx, auth.Registration{Email: email, Password: password, Name: name, Timezone: tz, Admin: isAdmin})
	var verr validate.Errors
	if errors.As(err, &verr) {
		return usageError{msg: verr.Error()}
	}
	if err != nil {
		return err
	}
	role := "user"
	if u.IsAdmin {
		role = "administrator"
	}
	fmt.Fprintf(env.Stdout, "created %s %s (id %s)\n", role, u.Email, u.ID)
	return nil
}

func userList(ctx context.Context, s *store.Store, env Env) error {
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
}

func userSetAdmin(ctx context.Context, s *store.Store, env Env, email string, revoke bool) error {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user with e-mail %q", email)
	}
	if err != nil {
		return err
	}
	if err := s.SetAdmin(ctx, u.ID, !revoke); err != nil {
		return err
	}
	if revoke {
		fmt.Fprintf(env.Stdout, "%s is no longer an administrator\n", u.Email)
	} else {
		fmt.Fprintf(env.Stdout, "%s is now an administrator\n", u.Email)
	}
	return nil
}

// readPassword reads a password from SYNAPSE_USER_PASSWORD or, with
// fromStdin or without it, from the first line of standard input.
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

// userCredentials sets an account's password, or disables or enables it.
func userCredentials(ctx context.Context, s *store.Store, log *slog.Logger, env Env, op, email string, fromStdin bool) error {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user with e-mail %q", email)
	}
	if err != nil {
		return err
	}
	svc := auth.NewService(auth.Options{Store: s, Log: log})
	switch op {
	case "set-password":
		password, err := readPassword(env, fromStdin)
		if err != nil {
			return err
		}
		var verr validate.Errors
		if err := svc.ResetPassword(ctx, u.ID, password); errors.As(err, &verr) {
			return usageError{msg: verr.Error()}
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
	return nil
}
