package monitor

import (
	"fmt"
	"sort"
)

// PhasesReport is the answer of /api/v1/pipeline/phases: where pages
// spend their time, from recorded timings (the original hard-coded them).
type PhasesReport struct {
	Overall      PhasesOverall `json:"overall"`
	Phases       []PhaseStats  `json:"phases"`
	Bottlenecks  []Bottleneck  `json:"bottlenecks"`
	SuccessRates SuccessRates  `json:"success_rates"`
	// WindowMinutes is the window the numbers cover.
	WindowMinutes int `json:"window_minutes"`
}

// PhasesOverall describes whole pages.
type PhasesOverall struct {
	// TotalRequests is the number of pages (the original's name).
	TotalRequests   int64   `json:"total_requests"`
	AvgTotalTimeMS  float64 `json:"avg_total_time_ms"`
	P50LatencyMS    float64 `json:"p50_latency_ms"`
	P95LatencyMS    float64 `json:"p95_latency_ms"`
	P99LatencyMS    float64 `json:"p99_latency_ms"`
	TotalTimeMS     float64 `json:"total_time_ms"`
	PagesPerMinute  float64 `json:"pages_per_minute"`
	SuccessfulPages int64   `json:"successful_pages"`
}

// PhaseStats describes one phase.
type PhaseStats struct {
	Name          string  `json:"name"`
	AvgDurationMS float64 `json:"avg_duration_ms"`
	// PercentageOfTotal is the phase's share of all page time.
	PercentageOfTotal float64 `json:"percentage_of_total"`
	ExecutionCount    int64   `json:"execution_count"`
	Errors            int64   `json:"errors"`
	// SuccessRate is the percentage of runs that did not fail the page.
	SuccessRate float64 `json:"success_rate"`
	P50MS       float64 `json:"p50_ms"`
	P95MS       float64 `json:"p95_ms"`
	P99MS       float64 `json:"p99_ms"`
}

// Bottleneck is a phase worth a look.
type Bottleneck struct {
	Phase          string `json:"phase"`
	Severity       string `json:"severity"` // high or medium
	Description    string `json:"description"`
	Recommendation string `json:"recommendation"`
}

// SuccessRates are percentages of pages.
type SuccessRates struct {
	Overall float64 `json:"overall"`
	// ByGateDecision is the share of pages per gate decision (raw,
	// headless, cached, failed), in percent.
	ByGateDecision map[string]float64 `json:"by_gate_decision"`
	CacheHitRate   float64            `json:"cache_hit_rate"`
}

// Bottleneck thresholds on a phase's p95 (the original's) and share.
const (
	bottleneckHighMS   = 2000.0
	bottleneckMediumMS = 1000.0
	bottleneckShare    = 60.0 // percent of page time
	minRunsToJudge     = 5
)

// phaseAdvice says what to do about a slow phase.
var phaseAdvice = map[Phase]string{
	PhaseFetch:   "slow or distant targets: check per-host politeness delays, retries and timeout_ms; concurrency does not speed up one host",
	PhaseGate:    "the gate parses the page once; a slow gate means very large pages: lower max_body_bytes",
	PhaseRender:  "use render_mode raw for pages that need no JavaScript, block media, or raise the render function's memory",
	PhaseExtract: "large pages or heavy strategies: ask only for the formats you need, simplify extraction chains",
	PhaseWasm:    "a WASM module is slow: profile it (docs/wasm.md) or move the work into a built-in strategy",
	PhaseStore:   "cache writes are slow: check Redis latency (redis-cpu, redis-memory alarms) and result sizes",
}

// PhasesOf builds the phase report of a window.
func PhasesOf(w Window) PhasesReport {
	a := w.Aggregate
	if a == nil {
		a = NewAggregate()
	}
	rep := PhasesReport{Phases: []PhaseStats{}, Bottlenecks: []Bottleneck{}, WindowMinutes: w.Minutes(),
		SuccessRates: SuccessRates{ByGateDecision: map[string]float64{}}}
	pages := a.Histogram(HistogramPage, "", "")
	rep.Overall = PhasesOverall{TotalRequests: pages.Count, AvgTotalTimeMS: Millis(pages.Mean()),
		P50LatencyMS: Millis(pages.Quantile(.5)), P95LatencyMS: Millis(pages.Quantile(.95)), P99LatencyMS: Millis(pages.Quantile(.99)),
		TotalTimeMS: float64(pages.SumMicros) / 1000}
	if mins := w.Minutes(); mins > 0 {
		rep.Overall.PagesPerMinute = round(float64(pages.Count)/float64(mins), 2)
	}
	rep.Overall.SuccessfulPages = a.Sum(CounterPages, "", "", outcomeOK)
	for _, ph := range Phases() {
		h := a.Histogram(HistogramPhase, "", ph.String())
		errs := a.Sum(CounterPhaseErrors, "", ph.String(), "")
		st := PhaseStats{Name: ph.String(), ExecutionCount: h.Count, Errors: errs, AvgDurationMS: Millis(h.Mean()),
			P50MS: Millis(h.Quantile(.5)), P95MS: Millis(h.Quantile(.95)), P99MS: Millis(h.Quantile(.99))}
		if pages.SumMicros > 0 {
			st.PercentageOfTotal = round(float64(h.SumMicros)*100/float64(pages.SumMicros), 2)
		}
		if h.Count > 0 {
			st.SuccessRate = round(float64(h.Count-min(errs, h.Count))*100/float64(h.Count), 2)
		}
		rep.Phases = append(rep.Phases, st)
		if b, ok := bottleneck(ph, st); ok {
			rep.Bottlenecks = append(rep.Bottlenecks, b)
		}
	}
	sort.SliceStable(rep.Bottlenecks, func(i, j int) bool {
		return rep.Bottlenecks[i].Severity == "high" && rep.Bottlenecks[j].Severity != "high"
	})
	total := a.Sum(CounterPages, "", "", "")
	rep.SuccessRates.Overall = percent(rep.Overall.SuccessfulPages, total)
	for k, n := range a.Counters {
		if k.Name == CounterGate {
			rep.SuccessRates.ByGateDecision[k.L1] += float64(n)
		}
	}
	for d, n := range rep.SuccessRates.ByGateDecision {
		rep.SuccessRates.ByGateDecision[d] = percent(int64(n), total)
	}
	hits, misses := a.Sum(CounterCache, "", cacheHitLabel, ""), a.Sum(CounterCache, "", cacheMissLabel, "")
	if hits+misses > 0 {
		rep.SuccessRates.CacheHitRate = round(float64(hits)/float64(hits+misses), 4)
	}
	return rep
}

func bottleneck(ph Phase, st PhaseStats) (Bottleneck, bool) {
	if st.ExecutionCount < minRunsToJudge {
		return Bottleneck{}, false
	}
	b := Bottleneck{Phase: st.Name, Recommendation: phaseAdvice[ph]}
	switch {
	case st.P95MS > bottleneckHighMS:
		b.Severity = "high"
		b.Description = fmt.Sprintf("%s p95 is %.0f ms (over %.0f ms)", st.Name, st.P95MS, bottleneckHighMS)
	case st.P95MS > bottleneckMediumMS:
		b.Severity = "medium"
		b.Description = fmt.Sprintf("%s p95 is %.0f ms (over %.0f ms)", st.Name, st.P95MS, bottleneckMediumMS)
	case st.PercentageOfTotal > bottleneckShare:
		b.Severity = "medium"
		b.Description = fmt.Sprintf("%s takes %.0f %% of all page time", st.Name, st.PercentageOfTotal)
	default:
		return Bottleneck{}, false
	}
	return b, true
}
