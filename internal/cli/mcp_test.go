package cli

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// mcpChildEnv makes the test binary run `synapse mcp` instead of the tests
// (TestMain), so that the stdio test starts a real process.
const mcpChildEnv = "SYNAPSE_TEST_MCP_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(mcpChildEnv) == "1" {
		os.Exit(Run([]string{"mcp"}, Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}

// mcpServer starts Synapse with a person who has a task, and returns it
// with a token of that person with scopes.
func mcpServer(t *testing.T, d store.Dialect, scopes ...string) (*apptest.Server, apptest.User, string, string) {
	t.Helper()
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	a := srv.Register("ana@example.com")
	if r := srv.Do("POST", "/api/v1/tasks", a.Token, map[string]any{"title": "water the ferns"}); r.Status != http.StatusCreated {
		t.Fatalf("task: %d %s", r.Status, r.Body)
	}
	r := srv.Do("POST", "/api/v1/tokens", a.Token, map[string]any{"name": "assistant", "scopes": scopes})
	if r.Status != http.StatusCreated {
		t.Fatalf("token: %d %s", r.Status, r.Body)
	}
	var tok struct{ ID, Token string }
	r.JSON(t, &tok)
	return srv, a, tok.ID, tok.Token
}

// checkSession lists the tools and calls two of them through a session
// that reaches the server through the stdio bridge.
func checkSession(t *testing.T, cs *mcp.ClientSession) {
	t.Helper()
	var names []string
	for tool, err := range cs.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	if !slices.Contains(names, "search") || !slices.Contains(names, "create_task") || slices.Contains(names, "send_message") {
		t.Fatalf("tools over stdio: %v", names)
	}
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "search", Arguments: map[string]any{"query": "ferns"}})
	if err != nil || res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "water the ferns") {
		t.Fatalf("search over stdio: %v %+v", err, res)
	}
	res, err = cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "create_task", Arguments: map[string]any{"title": "x"}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, `lacks the "write" scope`) {
		t.Fatalf("create_task with a read token over stdio: %v %+v", err, res)
	}
	rr, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "synapse://tasks/open"})
	if err != nil || !strings.Contains(rr.Contents[0].Text, "water the ferns") {
		t.Fatalf("open tasks over stdio: %v %+v", err, rr)
	}
}

func TestMCPStdioBridge(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			srv, a, tokID, tok := mcpServer(t, d, "read")
			inR, inW := io.Pipe()   // client → synapse mcp
			outR, outW := io.Pipe() // synapse mcp → client
			ctx, cancel := context.WithCancel(context.Background())
			var errs syncBuffer
			code := make(chan int, 1)
			go func() {
				code <- Run([]string{"mcp", "-url", srv.URL}, Env{Getenv: func(k string) string { return map[string]string{"SYNAPSE_TOKEN": tok}[k] },
					Stdin: inR, Stdout: outW, Stderr: &errs, Context: ctx})
				outW.Close()
			}()
			client := mcp.NewClient(&mcp.Implementation{Name: "stdio-test", Version: "1"}, nil)
			cs, err := client.Connect(t.Context(), &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
			if err != nil {
				t.Fatalf("connect over stdio: %v (stderr: %s)", err, errs.String())
			}
			checkSession(t, cs)

			// A revoked token stops working through the bridge at once.
			if r := srv.Do("DELETE", "/api/v1/tokens/"+tokID, a.Token, nil); r.Status != http.StatusNoContent {
				t.Fatalf("revoke: %d", r.Status)
			}
			if res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "list_tasks"}); err == nil && !res.IsError {
				t.Fatal("a revoked token still works through synapse mcp")
			}

			// Closing stdin ends the command cleanly.
			inW.Close()
			select {
			case c := <-code:
				if c != 0 {
					t.Fatalf("synapse mcp exited %d: %s", c, errs.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatal("synapse mcp did not stop when its input ended")
			}
			cancel()
		})
	}
}

// TestMCPStdioProcess runs `synapse mcp` as a real process (this test
// binary, see TestMain) and talks to it with the SDK's command transport.
func TestMCPStdioProcess(t *testing.T) {
	srv, _, _, tok := mcpServer(t, store.SQLite, "read")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mcpChildEnv+"=1", "SYNAPSE_TOKEN="+tok, "SYNAPSE_URL="+srv.URL)
	var errs syncBuffer
	cmd.Stderr = &errs
	client := mcp.NewClient(&mcp.Implementation{Name: "process-test", Version: "1"}, nil)
	cs, err := client.Connect(t.Context(), &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("start synapse mcp: %v (stderr: %s)", err, errs.String())
	}
	checkSession(t, cs)
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v (stderr: %s)", err, errs.String())
	}
}

func TestMCPCommandErrors(t *testing.T) {
	if code, _, errs := run(t, map[string]string{}, "", "mcp"); code != 1 || !strings.Contains(errs, "SYNAPSE_TOKEN") {
		t.Fatalf("without a token: %d %q", code, errs)
	}
	srv, _, _, _ := mcpServer(t, store.SQLite, "read")
	code, _, errs := run(t, map[string]string{"SYNAPSE_TOKEN": "syn_pat_nope"}, "", "mcp", "-url", srv.URL)
	if code != 1 || !strings.Contains(errs, "connect to "+srv.URL+"/mcp") || !strings.Contains(errs, "Unauthorized") {
		t.Fatalf("with an unknown token: %d %q", code, errs)
	}
	if got := localURL(":9090"); got != "http://127.0.0.1:9090" {
		t.Errorf("localURL(:9090) = %s", got)
	}
	if got := localURL(""); got != "http://127.0.0.1:8080" {
		t.Errorf("localURL() = %s", got)
	}
}
