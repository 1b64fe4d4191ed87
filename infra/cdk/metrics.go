package main

// The application's CloudWatch metrics: Embedded Metric Format lines the
// functions print to their logs (no API call on the hot path), which the
// alarms and dashboards of this stack read. docs/monitoring.md lists the
// same names for the application side; metrics_test.go keeps the two equal.
//
// Every metric is in MetricNamespace. Dimension values: Function is the
// function-table name ("crawl"), Route the route's operation id
// ("crawl.batch"), Phase one of Phases(), Mode one of Modes(). Each metric
// is emitted with every dimension set listed for it, so the stack can read
// it per function and across functions.
const MetricNamespace = "RipTide"

// Dimension names.
const (
	DimFunction = "Function"
	DimRoute    = "Route"
	DimPhase    = "Phase"
	DimMode     = "Mode"
)

// Pipeline phases, the values of DimPhase: each page a function crawls goes
// through some of them, in this order.
const (
	PhaseFetch   = "fetch"   // HTTP fetch, SSRF guard, robots, challenge detection
	PhaseGate    = "gate"    // the static-or-headless decision
	PhaseRender  = "render"  // the headless render (a render function call)
	PhaseExtract = "extract" // content extraction (text, markdown, metadata, links)
	PhaseWasm    = "wasm"    // WASM extraction modules
	PhaseStore   = "store"   // cache, results and documents written out
)

// Phases lists the pipeline phases in pipeline order.
func Phases() []string {
	return []string{PhaseFetch, PhaseGate, PhaseRender, PhaseExtract, PhaseWasm, PhaseStore}
}

// Page modes, the values of DimMode.
const (
	ModeStatic   = "static"   // fetched and extracted, no browser
	ModeHeadless = "headless" // rendered by the render function
)

// Modes lists the page modes.
func Modes() []string { return []string{ModeStatic, ModeHeadless} }

// Metric names, with unit and dimension sets.
const (
	// MetricPhaseLatency (Milliseconds): one value per page and phase run.
	// Dimension sets [Function, Phase] and [Phase].
	MetricPhaseLatency = "PhaseLatency"
	// MetricPhaseErrors (Count): a phase that failed for the page.
	// Dimension sets [Function, Phase] and [Phase].
	MetricPhaseErrors = "PhaseErrors"
	// MetricPageLatency (Milliseconds): one value per page, from the start
	// of its fetch to its result being stored: the SLA's "single-page
	// crawl" (docs/sla.md). Dimension sets [Function] and [Function, Mode].
	MetricPageLatency = "PageLatency"
	// MetricPages (Count): pages finished, successfully or not.
	// Dimension sets [Function] and [Function, Mode].
	MetricPages = "Pages"
	// MetricPageFailures (Count): pages that failed through RipTide's
	// fault (internal, dependency or timeout errors), not the site's (a
	// 404, a refused robots.txt, an invalid URL). The SLA's success rate is
	// 1 - PageFailures / Pages. Dimension sets as MetricPages.
	MetricPageFailures = "PageFailures"
	// MetricCacheHits and MetricCacheMisses (Count): page cache lookups.
	// Dimension set [Function].
	MetricCacheHits   = "CacheHits"
	MetricCacheMisses = "CacheMisses"
	// MetricRequests (Count), MetricServerErrors (Count: responses with a
	// status >= 500) and MetricRequestLatency (Milliseconds, to the last
	// byte): one per HTTP request a function serves. Dimension sets
	// [Function, Route] and [Function].
	MetricRequests       = "Requests"
	MetricServerErrors   = "ServerErrors"
	MetricRequestLatency = "RequestLatency"
	// MetricBackupCompleted (Count): 1 per finished logical backup, from
	// the backup task. Dimension set [Function].
	MetricBackupCompleted = "BackupCompleted"
	// MetricBackupKeys (Count): keys written by that backup. Dimension set
	// [Function].
	MetricBackupKeys = "BackupKeys"
)

// MetricSpec describes one application metric for docs and tests.
type MetricSpec struct {
	Name          string
	Unit          string
	DimensionSets [][]string
}

// AppMetrics lists every application metric.
func AppMetrics() []MetricSpec {
	phase := [][]string{{DimFunction, DimPhase}, {DimPhase}}
	page := [][]string{{DimFunction}, {DimFunction, DimMode}}
	request := [][]string{{DimFunction, DimRoute}, {DimFunction}}
	fn := [][]string{{DimFunction}}
	return []MetricSpec{
		{MetricPhaseLatency, "Milliseconds", phase},
		{MetricPhaseErrors, "Count", phase},
		{MetricPageLatency, "Milliseconds", page},
		{MetricPages, "Count", page},
		{MetricPageFailures, "Count", page},
		{MetricCacheHits, "Count", fn},
		{MetricCacheMisses, "Count", fn},
		{MetricRequests, "Count", request},
		{MetricServerErrors, "Count", request},
		{MetricRequestLatency, "Milliseconds", request},
		{MetricBackupCompleted, "Count", fn},
		{MetricBackupKeys, "Count", fn},
	}
}
