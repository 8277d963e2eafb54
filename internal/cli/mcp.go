package cli

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/synapse-kb/synapse/internal/mcpserver"
)

// mcpCmd is `synapse mcp`: the MCP server over stdio for an assistant that
// starts it, bridged to a running Synapse server (see mcpserver.Bridge for
// why it does not open the database itself).
func mcpCmd(args []string, env Env) error {
	fs := newFlagSet("mcp", "", `Serve MCP (Model Context Protocol) over standard input and output, for an AI
assistant that starts this command. It talks to a running Synapse server at
-url with a personal access token from SYNAPSE_TOKEN (or -token-file); the
token's scopes decide what the assistant may do. Logs go to standard error.`)
	url := fs.String("url", "", "the Synapse server's base URL (default: SYNAPSE_URL, else http://127.0.0.1 with the port of SYNAPSE_ADDR, 8080)")
	tokenFile := fs.String("token-file", "", "read the token from this file instead of SYNAPSE_TOKEN")
	if err := noArguments(fs, args, env); err != nil {
		return err
	}
	token := strings.TrimSpace(env.Getenv("SYNAPSE_TOKEN"))
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return fmt.Errorf("mcp: -token-file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		return errors.New("mcp: no token: set SYNAPSE_TOKEN to a personal access token (Settings → Access tokens), or use -token-file")
	}
	base := *url
	if base == "" {
		base = env.Getenv("SYNAPSE_URL")
	}
	if base == "" {
		base = localURL(env.Getenv("SYNAPSE_ADDR"))
	}
	ctx, stop := env.signalContext()
	defer stop()
	return mcpserver.Bridge(ctx, mcpserver.BridgeOptions{URL: base, Token: token,
		In: io.NopCloser(env.Stdin), Out: nopWriteCloser{env.Stdout}, Version: version()})
}

// localURL is the URL of a server on this machine listening on addr
// (SYNAPSE_ADDR, default :8080).
func localURL(addr string) string {
	port := "8080"
	if _, p, err := net.SplitHostPort(addr); err == nil && p != "" && p != "0" {
		port = p
	}
	return "http://127.0.0.1:" + port
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
