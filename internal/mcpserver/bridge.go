package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BridgeOptions configure Bridge.
type BridgeOptions struct {
	// URL is the Synapse server's base URL (http://127.0.0.1:8080); the
	// MCP endpoint is URL + Path.
	URL string
	// Token is a personal access token; its scopes decide the tools.
	Token string
	// In and Out are the local client's side of stdio.
	In  io.ReadCloser
	Out io.WriteCloser
	// HTTPClient makes the requests to the server (default: one with a
	// 60 s timeout per request).
	HTTPClient *http.Client
	Version    string
}

// Bridge serves MCP over In and Out (stdio, for an assistant that starts
// `synapse mcp` itself) by passing every tool call and resource read to
// the Synapse server at URL, over streamable HTTP with the token. The
// server does all the work and all the checks (token, scopes, the
// person's data only); the bridge lists what the server offers this token
// once, at the start, and stops when In ends or ctx does.
//
// Talking to the running server, rather than opening the database, keeps
// one writer on SQLite, lets sends go through the node that holds the
// WhatsApp session, and means a revoked token stops working here too.
func Bridge(ctx context.Context, o BridgeOptions) error {
	if o.Token == "" {
		return errors.New("mcp: no token: set SYNAPSE_TOKEN to a personal access token")
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	bearer := *hc
	bearer.Transport = bearerTransport{token: o.Token, next: hc.Transport}
	endpoint := strings.TrimSuffix(o.URL, "/") + Path

	client := mcp.NewClient(&mcp.Implementation{Name: "synapse-mcp-bridge", Version: o.Version}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: &bearer, DisableStandaloneSSE: true, MaxRetries: -1}, nil)
	if err != nil {
		return fmt.Errorf("mcp: connect to %s: %w", endpoint, err)
	}
	defer cs.Close()

	init := cs.InitializeResult()
	local := mcp.NewServer(&mcp.Implementation{Name: "synapse", Title: "Synapse", Version: init.ServerInfo.Version},
		&mcp.ServerOptions{Instructions: init.Instructions, Capabilities: &mcp.ServerCapabilities{}})
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return fmt.Errorf("mcp: list tools: %w", err)
		}
		local.AddTool(t, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return cs.CallTool(ctx, &mcp.CallToolParams{Name: req.Params.Name, Arguments: req.Params.Arguments})
		})
	}
	for r, err := range cs.Resources(ctx, nil) {
		if err != nil {
			return fmt.Errorf("mcp: list resources: %w", err)
		}
		local.AddResource(r, func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: req.Params.URI})
		})
	}
	err = local.Run(ctx, &mcp.IOTransport{Reader: o.In, Writer: o.Out})
	if err != nil && (errors.Is(err, io.EOF) || errors.Is(err, mcp.ErrConnectionClosed) || ctx.Err() != nil) {
		return nil
	}
	return err
}

// bearerTransport adds the token to every request.
type bearerTransport struct {
	token string
	next  http.RoundTripper
}

func (t bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}
