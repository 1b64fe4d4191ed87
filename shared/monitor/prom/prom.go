// Package prom is the Prometheus side of a process's own metrics, the
// /metrics endpoint: a registry (Instance) with the HTTP request families
// (the HTTP core's RequestMetrics port), the Go runtime and process
// collectors, and the engine families fed through the monitor's recorder
// port (gate decisions, fetch outcomes by error type, pages, cache
// lookups, phase and page latency, spider pages, circuit breaker
// refusals, queue depth, backups). They describe this instance only;
// service-wide numbers are in Redis (the monitoring routes) and
// CloudWatch.
//
// Only the homes that serve /metrics link this package (the health
// function and `riptide serve`, through healthwire): client_golang and
// what it pulls in (protobuf, procfs, runtime/metrics) cost every Lambda
// that links them milliseconds of cold start, for a registry no one
// could scrape anywhere else (docs/cold-start.md).
package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/riptidecrawler/riptide/shared/monitor"
)

// Recorder feeds the engine families.
type Recorder struct {
	gate          *prometheus.CounterVec
	fetch         *prometheus.CounterVec
	pages         *prometheus.CounterVec
	cache         *prometheus.CounterVec
	phase         *prometheus.HistogramVec
	page          *prometheus.HistogramVec
	spider        *prometheus.CounterVec
	circuit       prometheus.Counter
	queue         *prometheus.GaugeVec
	backups       prometheus.Counter
	backupKeys    prometheus.Gauge
	phaseObserver [monitor.NumPhases]prometheus.Observer
}

var _ monitor.Recorder = (*Recorder)(nil)

// latencyBuckets span a gate decision (sub-millisecond) to a slow render.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// New registers the families on reg.
func New(reg prometheus.Registerer) (*Recorder, error) {
	r := &Recorder{
		gate: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "riptide_gate_decisions_total",
			Help: "Pages by how they were processed: raw, headless, cached (served from the cache), failed."}, []string{"decision"}),
		fetch: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "riptide_fetch_outcomes_total",
			Help: "Fetches by outcome: ok, or the error type of a failed fetch (fetch_error, timeout_error, robots_disallowed, ...)."}, []string{"outcome"}),
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "riptide_pages_total",
			Help: "Pages through the pipeline by mode (static, headless) and outcome (ok or the error type)."}, []string{"mode", "outcome"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "riptide_cache_lookups_total",
			Help: "Page cache lookups by result: hit or miss."}, []string{"result"}),
		phase: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "riptide_phase_duration_seconds",
			Help: "Time per pipeline phase and page: fetch, gate, render, extract, wasm, store.", Buckets: latencyBuckets}, []string{"phase"}),
		page: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "riptide_page_duration_seconds",
			Help: "Time per page, fetch to result stored, by mode.", Buckets: latencyBuckets}, []string{"mode"}),
		spider: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "riptide_spider_pages_total",
			Help: "Pages crawled by spider runs, by outcome (ok or the error type)."}, []string{"outcome"}),
		circuit: prometheus.NewCounter(prometheus.CounterOpts{Name: "riptide_circuit_breaker_refusals_total",
			Help: "Fetches refused because the host's circuit breaker was open."}),
		queue: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "riptide_queue_depth",
			Help: "Messages waiting in a job queue, as last read."}, []string{"queue"}),
		backups: prometheus.NewCounter(prometheus.CounterOpts{Name: "riptide_backups_total",
			Help: "Logical backups finished by this instance."}),
		backupKeys: prometheus.NewGauge(prometheus.GaugeOpts{Name: "riptide_backup_keys",
			Help: "Keys written by this instance's last backup."}),
	}
	for _, c := range []prometheus.Collector{r.gate, r.fetch, r.pages, r.cache, r.phase, r.page, r.spider, r.circuit, r.queue, r.backups, r.backupKeys} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, ph := range monitor.Phases() {
		r.phaseObserver[ph] = r.phase.WithLabelValues(ph.String())
	}
	return r, nil
}

// RecordPage counts the page in the engine families.
func (r *Recorder) RecordPage(p monitor.Page) {
	outcome := "ok"
	if !p.OK() {
		outcome = p.ErrorType
	}
	mode := p.Mode
	if mode == "" {
		mode = monitor.ModeStatic
	}
	r.pages.WithLabelValues(mode, outcome).Inc()
	r.page.WithLabelValues(mode).Observe(p.Total.Seconds())
	if p.GateDecision != "" {
		r.gate.WithLabelValues(p.GateDecision).Inc()
	}
	if p.RanPhase(monitor.PhaseFetch) {
		fetchOutcome := "ok"
		if !p.OK() && p.FailedPhase == monitor.PhaseFetch {
			fetchOutcome = p.ErrorType
		}
		r.fetch.WithLabelValues(fetchOutcome).Inc()
	}
	for ph := monitor.Phase(0); ph < monitor.NumPhases; ph++ {
		if p.RanPhase(ph) {
			r.phaseObserver[ph].Observe(p.Durations[ph].Seconds())
		}
	}
	switch p.Cache {
	case monitor.CacheHit:
		r.cache.WithLabelValues("hit").Inc()
	case monitor.CacheMiss:
		r.cache.WithLabelValues("miss").Inc()
	}
}

// RecordRequest does nothing: shared/httpx keeps the request families.
func (r *Recorder) RecordRequest(monitor.Request) {}

// RecordSpiderPage counts a spider page.
func (r *Recorder) RecordSpiderPage(outcome string) { r.spider.WithLabelValues(outcome).Inc() }

// RecordCircuitRefusal counts a refused fetch.
func (r *Recorder) RecordCircuitRefusal() { r.circuit.Inc() }

// RecordBackup counts a backup.
func (r *Recorder) RecordBackup(keys int64) {
	r.backups.Inc()
	r.backupKeys.Set(float64(keys))
}

// RecordQueueDepth sets a queue's depth.
func (r *Recorder) RecordQueueDepth(queue string, depth int64) {
	r.queue.WithLabelValues(queue).Set(float64(depth))
}
