package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func run(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, Env{Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestUserCommands(t *testing.T) {
	env := map[string]string{"SYNAPSE_DATA_DIR": t.TempDir()}
	code, out, errs := run(t, env, "a long password\n", "user", "add", "--email", "Root@Example.com", "--admin", "--password-stdin")
	if code != 0 || !strings.Contains(out, "created administrator root@example.com") {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	code, _, errs = run(t, env, "a long password\n", "user", "add", "--email", "root@example.com", "--password-stdin")
	if code == 0 || !strings.Contains(errs, "already exists") {
		t.Fatalf("duplicate add: %d %q", code, errs)
	}
	code, _, errs = run(t, env, "short\n", "user", "add", "--email", "b@example.com", "--password-stdin")
	if code != 2 || !strings.Contains(errs, "password") {
		t.Fatalf("short password: %d %q", code, errs)
	}
	env["SYNAPSE_USER_PASSWORD"] = "another long one"
	if code, _, errs := run(t, env, "", "user", "add", "--email", "b@example.com", "--name", "Bea"); code != 0 {
		t.Fatalf("add from env password: %d %q", code, errs)
	}
	code, out, _ = run(t, env, "", "user", "list")
	if code != 0 || !strings.Contains(out, "root@example.com") || !strings.Contains(out, "Bea") || !strings.Contains(out, "true") {
		t.Fatalf("list: %d %q", code, out)
	}
	if code, out, _ := run(t, env, "", "user", "set-admin", "--email", "b@example.com"); code != 0 || !strings.Contains(out, "now an administrator") {
		t.Fatalf("set-admin: %d %q", code, out)
	}
	if code, out, _ := run(t, env, "", "user", "set-admin", "--email", "b@example.com", "--revoke"); code != 0 || !strings.Contains(out, "no longer") {
		t.Fatalf("revoke: %d %q", code, out)
	}
	if code, _, errs := run(t, env, "", "user", "set-admin", "--email", "nobody@example.com"); code != 1 || !strings.Contains(errs, "no user") {
		t.Fatalf("set-admin unknown: %d %q", code, errs)
	}
	if code, out, errs := run(t, env, "a new long password\n", "user", "set-password", "--email", "b@example.com", "--password-stdin"); code != 0 || !strings.Contains(out, "new password") {
		t.Fatalf("set-password: %d %q %q", code, out, errs)
	}
	if code, _, errs := run(t, env, "short\n", "user", "set-password", "--email", "b@example.com", "--password-stdin"); code != 2 || !strings.Contains(errs, "password") {
		t.Fatalf("set-password too short: %d %q", code, errs)
	}
	if code, out, _ := run(t, env, "", "user", "disable", "--email", "b@example.com"); code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %d %q", code, out)
	}
	if code, out, _ := run(t, env, "", "user", "enable", "--email", "b@example.com"); code != 0 || !strings.Contains(out, "enabled") {
		t.Fatalf("enable: %d %q", code, out)
	}
}

func TestMigrateAndVersion(t *testing.T) {
	env := map[string]string{"SYNAPSE_DATA_DIR": t.TempDir()}
	code, out, errs := run(t, env, "", "migrate")
	var n int
	if _, err := fmt.Sscanf(out, "database migrated to schema version %d (sqlite)", &n); code != 0 || err != nil || n < 2 {
		t.Fatalf("migrate: %d %q %q", code, out, errs)
	}
	if code, out, _ := run(t, env, "", "migrate", "status"); code != 0 || out != fmt.Sprintf("schema version %d of %d (sqlite)\n", n, n) {
		t.Fatalf("status: %d %q", code, out)
	}
	if code, out, _ := run(t, env, "", "version"); code != 0 || !strings.HasPrefix(out, "synapse ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, errs := run(t, env, "", "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Fatalf("unknown: %d %q", code, errs)
	}
}

func TestBadConfigIsOneLine(t *testing.T) {
	code, _, errs := run(t, map[string]string{"WHATSAPP_ENGINE": "chrome"}, "", "serve")
	if code != 1 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "WHATSAPP_ENGINE") {
		t.Fatalf("bad config: %d %q", code, errs)
	}
}
