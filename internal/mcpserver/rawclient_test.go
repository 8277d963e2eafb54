package mcpserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// rawClient speaks MCP's streamable HTTP transport by hand (JSON-RPC 2.0
// over POST, answers as JSON or as server-sent events), without the SDK:
// the independent client that checks the server against the
// specification rather than against the SDK it is built on.
type rawClient struct {
	t       *testing.T
	url     string
	token   string
	session string
	// host, when set, is the Host header (a reverse proxy's public name).
	host      string
	protocol  string
	nextID    int
	lastReply http.Header
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type rpcReply struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *rpcError       `json:"error"`
}

// post sends one JSON-RPC message and returns the HTTP status and the
// JSON-RPC reply (nil for a notification's 202).
func (c *rawClient) post(msg map[string]any) (int, *rpcReply) {
	c.t.Helper()
	msg["jsonrpc"] = "2.0"
	b, _ := json.Marshal(msg)
	req, _ := http.NewRequest("POST", c.url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+c.token)
	if c.host != "" {
		req.Host = c.host
	}
	if c.protocol != "" {
		req.Header.Set("MCP-Protocol-Version", c.protocol)
	}
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	c.lastReply = resp.Header
	if s := resp.Header.Get("Mcp-Session-Id"); s != "" {
		c.session = s
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	var data []byte
	switch ct := resp.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "application/json"):
		data = body
	case strings.HasPrefix(ct, "text/event-stream"):
		// The reply is the data of the event that carries a response.
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(nil, 1<<24)
		var ev []byte
		for sc.Scan() {
			line := sc.Text()
			if d, ok := strings.CutPrefix(line, "data:"); ok {
				ev = append(ev, strings.TrimSpace(d)...)
			} else if line == "" && len(ev) > 0 {
				if bytes.Contains(ev, []byte(`"id"`)) {
					data = ev
				}
				ev = nil
			}
		}
		if data == nil {
			data = ev
		}
	default:
		c.t.Fatalf("reply of type %q: %s", ct, body)
	}
	var r rpcReply
	if err := json.Unmarshal(data, &r); err != nil || r.JSONRPC != "2.0" {
		c.t.Fatalf("not a JSON-RPC reply: %s (%v)", data, err)
	}
	return resp.StatusCode, &r
}

// request sends a request and returns its result, failing on errors.
func (c *rawClient) request(method string, params any, result any) {
	c.t.Helper()
	c.nextID++
	status, r := c.post(map[string]any{"id": c.nextID, "method": method, "params": params})
	if status != http.StatusOK || r == nil {
		c.t.Fatalf("%s: HTTP %d", method, status)
	}
	if r.Error != nil {
		c.t.Fatalf("%s: JSON-RPC error %d %s", method, r.Error.Code, r.Error.Message)
	}
	if string(r.ID) != strings.TrimSpace(string(mustJSON(c.nextID))) {
		c.t.Fatalf("%s: reply to id %s, want %d", method, r.ID, c.nextID)
	}
	if err := json.Unmarshal(r.Result, result); err != nil {
		c.t.Fatalf("%s: result %s: %v", method, r.Result, err)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestMCPIndependentClient(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	a := srv.Register("ana@example.com")
	_, tok := makeToken(t, srv, a, "raw", "read")
	if r := srv.Do("POST", "/api/v1/tasks", a.Token, map[string]any{"title": "water the ferns"}); r.Status != http.StatusCreated {
		t.Fatalf("task: %d %s", r.Status, r.Body)
	}
	c := &rawClient{t: t, url: srv.URL + "/mcp", token: tok}

	var init struct {
		ProtocolVersion string `json:"protocolVersion"`
		Capabilities    struct {
			Tools     map[string]any `json:"tools"`
			Resources map[string]any `json:"resources"`
		} `json:"capabilities"`
		ServerInfo struct {
			Name string `json:"name"`
		} `json:"serverInfo"`
		Instructions string `json:"instructions"`
	}
	c.request("initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "raw-json-rpc", "version": "1"}}, &init)
	if init.ProtocolVersion == "" || init.ServerInfo.Name != "synapse" || init.Capabilities.Tools == nil || init.Capabilities.Resources == nil ||
		!strings.Contains(init.Instructions, "quoted data") {
		t.Fatalf("initialize: %+v", init)
	}
	c.protocol = init.ProtocolVersion
	if status, r := c.post(map[string]any{"method": "notifications/initialized"}); status != http.StatusAccepted || r != nil {
		t.Fatalf("notifications/initialized: HTTP %d", status)
	}

	var tools struct {
		Tools []struct {
			Name        string         `json:"name"`
			Description string         `json:"description"`
			InputSchema map[string]any `json:"inputSchema"`
		} `json:"tools"`
	}
	c.request("tools/list", map[string]any{}, &tools)
	names := map[string]bool{}
	for _, tl := range tools.Tools {
		names[tl.Name] = true
		if tl.InputSchema["type"] != "object" {
			t.Errorf("tool %s: input schema %v", tl.Name, tl.InputSchema)
		}
	}
	if !names["search"] || !names["list_tasks"] || !names["create_task"] || names["send_message"] {
		t.Fatalf("tools/list for a read token: %v", names)
	}

	var res struct {
		IsError bool `json:"isError"`
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		StructuredContent struct {
			Notice string `json:"notice"`
			Items  []struct {
				Kind  string `json:"kind"`
				Title string `json:"title"`
			} `json:"items"`
		} `json:"structuredContent"`
	}
	c.request("tools/call", map[string]any{"name": "search", "arguments": map[string]any{"query": "ferns"}}, &res)
	if res.IsError || len(res.StructuredContent.Items) != 1 || res.StructuredContent.Items[0].Kind != "task" ||
		res.StructuredContent.Notice == "" || len(res.Content) == 0 || res.Content[0].Type != "text" || !strings.Contains(res.Content[0].Text, "water the ferns") {
		t.Fatalf("tools/call search: %+v", res)
	}
	res.IsError, res.Content = false, nil
	c.request("tools/call", map[string]any{"name": "create_task", "arguments": map[string]any{"title": "x"}}, &res)
	if !res.IsError || len(res.Content) == 0 || !strings.Contains(res.Content[0].Text, "write") {
		t.Fatalf("create_task with a read token: %+v", res)
	}

	// Through a reverse proxy on the same machine: a loopback connection
	// with the public host name is served.
	c.host = "synapse.example.com"
	c.request("tools/list", map[string]any{}, &tools)
	c.host = ""

	// An unknown method is refused (the SDK answers 400 over HTTP).
	c.nextID++
	if status, r := c.post(map[string]any{"id": c.nextID, "method": "no/such/method"}); status == http.StatusOK && (r == nil || r.Error == nil) || status >= 500 {
		t.Fatalf("unknown method: HTTP %d %+v", status, r)
	}
}
