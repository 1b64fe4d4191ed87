package main

import (
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/internal/functest"
)

// TestServeMetrics: `riptide serve` mounts the health group, which
// installs the process's Prometheus registry, so /metrics on the local
// server has the request families and the engine families of the pages
// every other group crawls (they share the process's recorder), within
// the /metrics contract.
func TestServeMetrics(t *testing.T) {
	site := fixture.New(t, map[string]fixture.Page{
		"/": fixture.HTML(fixture.Article("Home", fixture.Prose, fixture.Prose)),
	})
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "disabled")
	t.Setenv("RIPTIDE_ALLOW_CIDRS", "127.0.0.1/32")
	base := startServe(t)
	if code, body := call(t, "POST", base+"/api/v1/crawl", `{"urls":["`+site.URL("/")+`"]}`); code != 200 {
		t.Fatalf("crawl: %d %s", code, body)
	}
	code, body := call(t, "GET", base+"/metrics", "")
	if code != 200 {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	if !strings.Contains(body, `riptide_http_requests_total{method="POST",op="crawl.batch",status="200"} 1`) {
		t.Errorf("/metrics lacks the crawl request:\n%s", body)
	}
	functest.CheckMetricFamilies(t, body,
		"riptide_http_requests_total counter", "riptide_http_request_duration_seconds histogram", "riptide_http_requests_in_flight gauge",
		"riptide_pages_total counter", "riptide_page_duration_seconds histogram", "riptide_phase_duration_seconds histogram",
		"riptide_fetch_outcomes_total counter", "riptide_gate_decisions_total counter", "riptide_cache_lookups_total counter",
		"go_goroutines gauge")
}
