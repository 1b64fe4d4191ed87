package main

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/crawlwire"
	"github.com/riptidecrawler/riptide/shared/wire/healthwire"
)

// riptide smoke passes against a local server (health and crawl groups,
// the key required) and fails, naming the check, with a wrong key.
func TestSmokeAgainstALocalServer(t *testing.T) {
	ctx := context.Background()
	p, err := wire.New(ctx, "local", config.FromMap(map[string]string{
		"RIPTIDE_API_KEYS": "smoke-key", "RIPTIDE_ALLOW_CIDRS": "127.0.0.0/8", "RIPTIDE_LOG_LEVEL": "error"}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	handlers := map[string]http.Handler{}
	for _, build := range []wire.Builder{healthwire.Build, crawlwire.Build} {
		g, err := build(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		maps.Copy(handlers, g.Handlers)
	}
	h, err := p.HTTPHandler(append(routes.Group("health"), routes.Group("crawl")...), handlers)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	var out, errb bytes.Buffer
	c := cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, lookup: config.FromMap(nil)}
	if code := c.run(ctx, []string{"smoke", "--base-url", srv.URL, "--api-key", "smoke-key", "--skip-render"}); code != 0 {
		t.Fatalf("smoke: exit %d\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"ok    health", "ok    crawl", "ok    stream", "skip  render"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("no %q in\n%s", want, out.String())
		}
	}
	out.Reset()
	errb.Reset()
	if code := c.run(ctx, []string{"smoke", "--base-url", srv.URL + "/", "--api-key", "wrong", "--skip-render"}); code != 1 ||
		!strings.Contains(out.String(), "FAIL  crawl   status 401") || !strings.Contains(out.String(), "ok    health") {
		t.Fatalf("wrong key: exit %d\n%s", code, out.String())
	}
	// The render group is not mounted here: the render check fails.
	out.Reset()
	if code := c.run(ctx, []string{"smoke", "--base-url", srv.URL, "--api-key", "smoke-key"}); code != 1 || !strings.Contains(out.String(), "FAIL  render") {
		t.Fatalf("render without the render group: exit %d\n%s", code, out.String())
	}
}
