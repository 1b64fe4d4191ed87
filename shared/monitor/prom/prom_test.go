package prom

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/riptidecrawler/riptide/shared/monitor"
)

func TestEngineFamilies(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		p := monitor.Page{Mode: monitor.ModeStatic, Total: 50 * time.Millisecond, GateDecision: "raw", Cache: monitor.CacheMiss}
		p.Observe(monitor.PhaseFetch, 40*time.Millisecond)
		if i < 3 {
			p.ErrorType, p.FailedPhase, p.GateDecision = "fetch_error", monitor.PhaseFetch, "failed"
		} else {
			p.Observe(monitor.PhaseGate, time.Millisecond)
			p.Observe(monitor.PhaseExtract, 9*time.Millisecond)
		}
		r.RecordPage(p)
	}
	r.RecordPage(monitor.Page{Mode: monitor.ModeStatic, GateDecision: monitor.GateCached, Cache: monitor.CacheHit})
	r.RecordSpiderPage("ok")
	r.RecordCircuitRefusal()
	r.RecordQueueDepth("jobs", 7)
	r.RecordBackup(99)
	if got := testutil.ToFloat64(r.fetch.WithLabelValues("fetch_error")); got != 3 {
		t.Errorf("fetch errors %v", got)
	}
	if got := testutil.ToFloat64(r.fetch.WithLabelValues("ok")); got != 7 {
		t.Errorf("fetch ok %v", got)
	}
	if got := testutil.ToFloat64(r.gate.WithLabelValues("cached")); got != 1 {
		t.Errorf("cached %v", got)
	}
	if got := testutil.ToFloat64(r.cache.WithLabelValues("miss")); got != 10 {
		t.Errorf("misses %v", got)
	}
	if got := testutil.ToFloat64(r.queue.WithLabelValues("jobs")); got != 7 {
		t.Errorf("queue %v", got)
	}
	// Every phase has its series from the start (a phase that never ran
	// shows a zero count instead of no series).
	if n := testutil.CollectAndCount(r.phase); n != int(monitor.NumPhases) {
		t.Errorf("%d phase series", n)
	}
	mfs, _ := reg.Gather()
	counts := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() == "riptide_phase_duration_seconds" {
			for _, m := range mf.GetMetric() {
				counts[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
			}
		}
	}
	if counts["fetch"] != 10 || counts["gate"] != 7 || counts["extract"] != 7 || counts["render"] != 0 {
		t.Errorf("phase sample counts %v", counts)
	}
	err = testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP riptide_spider_pages_total Pages crawled by spider runs, by outcome (ok or the error type).
# TYPE riptide_spider_pages_total counter
riptide_spider_pages_total{outcome="ok"} 1
`), "riptide_spider_pages_total")
	if err != nil {
		t.Error(err)
	}
	// Registering twice on one registry is an error, not a panic.
	if _, err := New(reg); err == nil {
		t.Error("second registration accepted")
	}
}
