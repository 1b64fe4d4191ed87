package routes_test

import (
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/routes"
)

func TestRouteTableInvariants(t *testing.T) {
	ops := map[string]bool{}
	seen := map[string]string{}
	for _, r := range routes.Routes() {
		if ops[r.Op] {
			t.Errorf("duplicate operation id %s", r.Op)
		}
		ops[r.Op] = true
		if _, ok := routes.LookupFunction(r.Group); !ok {
			t.Errorf("%s: group %q has no function", r.Op, r.Group)
		}
		if r.Status != routes.Ready && r.Status != routes.Planned {
			t.Errorf("%s: status %q", r.Op, r.Status)
		}
		// A compatibility facade serves another API's paths (Firecrawl's /v1/..., /v2/...).
		facade := r.ErrorShape == routes.FirecrawlErrors && (strings.HasPrefix(r.Path, "/v1/") || strings.HasPrefix(r.Path, "/v2/"))
		if !strings.HasPrefix(r.Path, "/api/v1/") && r.Path != "/metrics" && !facade {
			t.Errorf("%s: canonical path %s is not under /api/v1", r.Op, r.Path)
		}
		for _, l := range r.Legacy {
			if strings.HasPrefix(l, "/api/v1/") || "/api/v1"+l != r.Path && !strings.HasPrefix(r.Path, "/api/v1/health") {
				t.Errorf("%s: legacy path %s is not the unprefixed twin of %s", r.Op, l, r.Path)
			}
		}
		for _, p := range r.Paths() {
			key := r.Method + " " + p
			if other, dup := seen[key]; dup {
				t.Errorf("%s and %s both serve %s", other, r.Op, key)
			}
			seen[key] = r.Op
		}
		if r.Body == routes.NoBody && r.Example != "" {
			t.Errorf("%s: example body on a route without body", r.Op)
		}
	}
	// The paths api.md promises.
	for _, want := range []string{"POST /api/v1/crawl", "POST /api/v1/crawl/stream", "POST /api/v1/crawl/sse", "GET /api/v1/crawl/ws",
		"POST /api/v1/render", "POST /api/v1/deepsearch", "POST /api/v1/spider/crawl", "POST /api/v1/extract",
		"POST /api/v1/content/chunk", "GET /api/v1/openapi.json", "GET /healthz", "GET /metrics", "POST /crawl", "POST /spider/crawl"} {
		if _, ok := seen[want]; !ok {
			t.Errorf("route table lacks %s", want)
		}
	}
}

func TestEveryFunctionHasAFolderName(t *testing.T) {
	for _, f := range routes.Functions() {
		if f.Name == "" || strings.ContainsAny(f.Name, " /") || f.MemoryMB < 128 || f.TimeoutSec < 1 || f.TimeoutSec > 900 {
			t.Errorf("function %+v", f)
		}
		if a := f.Architecture(); a != "arm64" && a != "x86_64" {
			t.Errorf("%s: architecture %s", f.Name, a)
		}
	}
	if f, _ := routes.LookupFunction("render"); f.Architecture() != "x86_64" || f.MemoryMB < 2048 {
		t.Errorf("render must be x86_64 (Chromium layer) with >= 2048 MB: %+v", f)
	}
}
