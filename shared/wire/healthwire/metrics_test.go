package healthwire_test

import (
	"context"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/functest"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/healthwire"
)

// TestMetricFamiliesUnchanged: the health group installs the process's
// Prometheus registry, and once every kind of record has been seen
// /metrics serves exactly the families of the contract, no more, no less.
// The recorder is the one the process had before the group was built
// (groups wired earlier hold it), so late installation loses nothing.
func TestMetricFamiliesUnchanged(t *testing.T) {
	ctx := context.Background()
	p, err := wire.New(ctx, "health", config.FromMap(map[string]string{"RIPTIDE_API_KEYS": "k", "RIPTIDE_LOG_LEVEL": "warn"}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Metrics != nil {
		t.Fatal("a process has no instance metrics until a group serving /metrics installs them")
	}
	earlier := p.Recorder
	g, err := healthwire.Build(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	h, err := p.HTTPHandler(routes.Group("health"), g.Handlers)
	if err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	page := monitor.Page{Mode: monitor.ModeStatic, Total: time.Second, GateDecision: "raw", Cache: monitor.CacheMiss}
	for ph := monitor.Phase(0); ph < monitor.NumPhases; ph++ {
		page.Observe(ph, time.Millisecond)
	}
	earlier.RecordPage(page)
	earlier.RecordSpiderPage("ok")
	earlier.RecordCircuitRefusal()
	earlier.RecordBackup(3)
	earlier.RecordQueueDepth("jobs", 2)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	got, want := functest.MetricFamilies(body), functest.WantMetricFamilies(t)
	if runtime.GOOS != "linux" {
		got = slices.DeleteFunc(got, func(f string) bool { return strings.HasPrefix(f, "process_") })
	}
	if !slices.Equal(got, want) {
		extra := slices.DeleteFunc(slices.Clone(got), func(f string) bool { return slices.Contains(want, f) })
		missing := slices.DeleteFunc(slices.Clone(want), func(f string) bool { return slices.Contains(got, f) })
		t.Errorf("/metrics families changed: new %v, gone %v", extra, missing)
	}
	for _, series := range []string{
		`riptide_http_requests_total{method="GET",op="health.check",status="200"} 1`,
		`riptide_pages_total{mode="static",outcome="ok"} 1`,
		`riptide_spider_pages_total{outcome="ok"} 1`,
		`riptide_circuit_breaker_refusals_total 1`,
		`riptide_queue_depth{queue="jobs"} 2`,
	} {
		if !strings.Contains(body, series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}

	// Building the group twice on one process (it cannot happen in a
	// home, but Shared guarantees it) installs one registry.
	if _, err := healthwire.Build(ctx, p); err != nil {
		t.Fatal(err)
	}
	earlier.RecordSpiderPage("ok")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `riptide_spider_pages_total{outcome="ok"} 2`) {
		t.Error("a second Build must keep the process's one registry")
	}
}
