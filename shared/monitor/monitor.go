// Package monitor is RipTide's view of itself: what every process records
// about its work (pages through the pipeline phases, HTTP requests, spider
// pages, backups), how those records add up across instances (Aggregate:
// counters and latency histograms per one-minute bucket), and what the
// monitoring routes compute from them: the health score of
// riptide-reference.md §10, the performance report, the pipeline phase
// breakdown and alert rules with cooldown.
//
// The package is an engine: it holds no transport and no storage. The
// recorder port (Recorder) has adapters elsewhere: Redis time buckets
// shared by every instance (shared/store/monitorstore), CloudWatch
// Embedded Metric Format lines in Lambda (shared/monitor/emf) and
// Prometheus families for /metrics (shared/monitor/prom).
package monitor

import "time"

// Phase is one stage of the crawl pipeline.
type Phase uint8

// The pipeline phases, in pipeline order (docs/monitoring.md; the values
// are the CloudWatch Phase dimension of infra/cdk/metrics.go).
const (
	PhaseFetch   Phase = iota // HTTP fetch, SSRF guard, robots.txt, challenge detection
	PhaseGate                 // the static-or-headless decision
	PhaseRender               // the headless render
	PhaseExtract              // content extraction (parse, text, markdown, metadata, links, strategies)
	PhaseWasm                 // WASM extraction modules
	PhaseStore                // the cache write
	NumPhases

	// PhaseNone marks a page that failed outside any phase (an invalid
	// URL, a cache_only miss).
	PhaseNone Phase = 255
)

var phaseNames = [NumPhases]string{"fetch", "gate", "render", "extract", "wasm", "store"}

func (p Phase) String() string {
	if p < NumPhases {
		return phaseNames[p]
	}
	return "none"
}

// Phases lists the phases in pipeline order.
func Phases() []Phase {
	out := make([]Phase, NumPhases)
	for i := range out {
		out[i] = Phase(i)
	}
	return out
}

// PhaseNamed returns the phase called name.
func PhaseNamed(name string) (Phase, bool) {
	for i, n := range phaseNames {
		if n == name {
			return Phase(i), true
		}
	}
	return PhaseNone, false
}

// Page modes (the CloudWatch Mode dimension).
const (
	ModeStatic   = "static"   // served without a browser (cache hits included)
	ModeHeadless = "headless" // rendered in a browser
)

// Cache lookups of a page.
type CacheResult uint8

const (
	CacheNone CacheResult = iota // the cache was not asked
	CacheHit
	CacheMiss
)

// GateCached is the gate decision recorded for a page served from the
// cache (the gate did not run).
const GateCached = "cached"

// Page is what one crawled page reports: how long each phase took, how it
// ended. The pipeline fills one per URL and hands it to its recorder.
type Page struct {
	Mode  string
	Total time.Duration
	// Durations of the phases that ran (Ran has their bit set: a phase
	// that ran in no measurable time still counts).
	Durations [NumPhases]time.Duration
	Ran       uint8
	// ErrorType is the page's error type ("" when it succeeded) and
	// FailedPhase where it failed.
	ErrorType   string
	FailedPhase Phase
	Cache       CacheResult
	// GateDecision is raw, headless, cached or failed.
	GateDecision string
	// Quality and Words describe the extracted document (HasDocument).
	HasDocument bool
	Quality     float64
	Words       int
}

// Observe records that phase ph ran for d (added to earlier runs of it:
// a rendered page is extracted twice).
func (p *Page) Observe(ph Phase, d time.Duration) {
	if ph >= NumPhases {
		return
	}
	p.Durations[ph] += d
	p.Ran |= 1 << ph
}

// RanPhase reports whether phase ph ran.
func (p *Page) RanPhase(ph Phase) bool { return ph < NumPhases && p.Ran&(1<<ph) != 0 }

// OK reports whether the page succeeded.
func (p *Page) OK() bool { return p.ErrorType == "" }

// OurFault reports whether a failure of this type counts against RipTide
// (the SLA's PageFailures): an internal error, a dependency that is down,
// a timeout. A 404, a robots.txt refusal, an invalid URL or a bot wall are
// the site's or the caller's.
func OurFault(errorType string) bool {
	switch errorType {
	case "internal_error", "dependency_error", "timeout_error":
		return true
	}
	return false
}

// Request is one HTTP request a process served.
type Request struct {
	// Route is the route's operation id ("crawl.batch"), or "unmatched".
	Route    string
	Method   string
	Status   int
	Duration time.Duration
}

// Recorder receives what a process does. Implementations must be cheap
// and never block on the network: they are called on the hot path of
// every page and request.
type Recorder interface {
	RecordPage(Page)
	RecordRequest(Request)
	// RecordSpiderPage counts a page a spider run crawled; outcome is ok
	// or the error type.
	RecordSpiderPage(outcome string)
	// RecordCircuitRefusal counts a request a host's open circuit breaker
	// refused (the health score's circuit_breaker_trips).
	RecordCircuitRefusal()
	// RecordBackup reports a finished logical backup and its key count.
	RecordBackup(keys int64)
	// RecordQueueDepth reports the depth of a job queue.
	RecordQueueDepth(queue string, depth int64)
}

// Nop records nothing.
type Nop struct{}

func (Nop) RecordPage(Page)                {}
func (Nop) RecordRequest(Request)          {}
func (Nop) RecordSpiderPage(string)        {}
func (Nop) RecordCircuitRefusal()          {}
func (Nop) RecordBackup(int64)             {}
func (Nop) RecordQueueDepth(string, int64) {}

// multi records to several recorders in turn.
type multi []Recorder

func (m multi) RecordPage(p Page)         { each(m, func(r Recorder) { r.RecordPage(p) }) }
func (m multi) RecordRequest(q Request)   { each(m, func(r Recorder) { r.RecordRequest(q) }) }
func (m multi) RecordSpiderPage(o string) { each(m, func(r Recorder) { r.RecordSpiderPage(o) }) }
func (m multi) RecordCircuitRefusal()     { each(m, func(r Recorder) { r.RecordCircuitRefusal() }) }
func (m multi) RecordBackup(k int64)      { each(m, func(r Recorder) { r.RecordBackup(k) }) }
func (m multi) RecordQueueDepth(q string, d int64) {
	each(m, func(r Recorder) { r.RecordQueueDepth(q, d) })
}

func each(m multi, f func(Recorder)) {
	for _, r := range m {
		f(r)
	}
}

// Multi records to every non-nil recorder.
func Multi(rs ...Recorder) Recorder {
	var out multi
	for _, r := range rs {
		if r != nil {
			out = append(out, r)
		}
	}
	switch len(out) {
	case 0:
		return Nop{}
	case 1:
		return out[0]
	}
	return out
}
