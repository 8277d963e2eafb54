package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// axeSource returns axe-core (the accessibility engine, from npm: `npm
// install axe-core`), found through SYNAPSE_TEST_AXE_JS or a node_modules
// directory above the working directory or in the home directory; without
// it the accessibility checks skip (fail with SYNAPSE_TEST_REQUIRE_ALL=1).
func axeSource(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("SYNAPSE_TEST_AXE_JS")}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			candidates = append(candidates, filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, "node_modules", "axe-core", "axe.min.js"))
	}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			return string(b)
		}
	}
	dbtest.Skip(t, "axe-core is not installed (npm install axe-core, or set SYNAPSE_TEST_AXE_JS)")
	return ""
}

// a11y runs axe-core on the page shown, in the light and in the dark colour
// scheme, and fails the test on every serious or critical violation of WCAG
// 2.x A/AA and best practice rules.
func (c *chrome) a11y(page, axe string) {
	c.t.Helper()
	if axe == "" {
		return
	}
	c.axe(page+" (light)", axe)
	c.scheme("dark")
	defer c.scheme("light")
	c.axe(page+" (dark)", axe)
}

// scheme emulates the browser's preferred colour scheme.
func (c *chrome) scheme(s string) {
	c.t.Helper()
	c.do("colour scheme "+s, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: s}}})
		return err
	}))
}

func (c *chrome) axe(page, axe string) {
	c.t.Helper()
	if !eval[bool](c, "typeof window.axe === 'object'") {
		eval[bool](c, "(function(){"+axe+"\n})(), true")
	}
	ctx, cancel := context.WithTimeout(c.ctx, 60*time.Second)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(function (r) {
		return JSON.stringify(r.violations.filter(function (v) { return v.impact === 'serious' || v.impact === 'critical' }).map(function (v) {
			return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' ') + ' ' + n.failureSummary })}
		}))
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("axe on %s: %v", page, err)
	}
	var violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		c.t.Fatalf("axe on %s: %v (%s)", page, err, out)
	}
	var b strings.Builder
	for _, v := range violations {
		fmt.Fprintf(&b, "\n  %s (%s): %s\n    %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n    "))
	}
	if b.Len() > 0 {
		c.t.Errorf("accessibility of %s:%s", page, b.String())
	}
}
