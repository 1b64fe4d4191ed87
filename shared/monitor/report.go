package monitor

import (
	"fmt"
	"sort"
)

// PerformanceReport is the answer of /api/v1/monitoring/performance-report.
type PerformanceReport struct {
	Metrics       PerformanceMetrics `json:"metrics"`
	HealthScore   float64            `json:"health_score"`
	HealthSummary string             `json:"health_summary"`
	// Routes and Phases give latency percentiles per HTTP route and per
	// pipeline phase, busiest first and in pipeline order.
	Routes          []RouteStats     `json:"routes"`
	Phases          []PhaseStats     `json:"phases"`
	Recommendations []Recommendation `json:"recommendations"`
	WindowMinutes   int              `json:"window_minutes"`
}

// RouteStats describes one route (operation id) across functions.
type RouteStats struct {
	Route        string  `json:"route"`
	Requests     int64   `json:"requests"`
	ServerErrors int64   `json:"server_errors"`
	ClientErrors int64   `json:"client_errors"`
	AvgMS        float64 `json:"avg_ms"`
	P50MS        float64 `json:"p50_ms"`
	P95MS        float64 `json:"p95_ms"`
	P99MS        float64 `json:"p99_ms"`
}

// Recommendation is the advice of one rule whose condition holds.
type Recommendation struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"` // info, warning or critical
	Message  string `json:"message"`
}

// Thresholds of the recommendation rules (docs/monitoring.md lists them).
const (
	slowRouteP95MS     = 5000.0 // a buffered route this slow risks the 29 s gateway limit at p99
	routeServerErrPct  = 1.0
	lowCacheRatio      = 0.2
	minCacheLookups    = 20
	minRouteRequests   = 10
	highRenderShare    = 50.0
	memoryAdvisory     = 1.5 * GiB
	cpuAdvisory        = 80.0
	errorRateAdvisory  = 1.0
	timeoutAdvisory    = 1.0
	qualityAdvisory    = 0.3
	minPagesForQuality = 20
)

// Report builds the performance report of a window.
func Report(w Window, m PerformanceMetrics) PerformanceReport {
	a := w.Aggregate
	if a == nil {
		a = NewAggregate()
	}
	rep := PerformanceReport{Metrics: m, HealthScore: m.HealthScore, HealthSummary: Summary(m.HealthScore),
		Routes: routeStats(a), Phases: PhasesOf(w).Phases, WindowMinutes: w.Minutes()}
	rep.Recommendations = recommend(m, rep.Routes, rep.Phases)
	return rep
}

func routeStats(a *Aggregate) []RouteStats {
	byRoute := map[string]*RouteStats{}
	get := func(route string) *RouteStats {
		s := byRoute[route]
		if s == nil {
			s = &RouteStats{Route: route}
			byRoute[route] = s
		}
		return s
	}
	for k, n := range a.Counters {
		if k.Name != CounterRequests {
			continue
		}
		s := get(k.L2)
		s.Requests += n
		switch k.L3 {
		case "5xx":
			s.ServerErrors += n
		case "4xx":
			s.ClientErrors += n
		}
	}
	out := make([]RouteStats, 0, len(byRoute))
	for route, s := range byRoute {
		h := a.Histogram(HistogramRequest, "", route)
		s.AvgMS, s.P50MS, s.P95MS, s.P99MS = Millis(h.Mean()), Millis(h.Quantile(.5)), Millis(h.Quantile(.95)), Millis(h.Quantile(.99))
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Requests != out[j].Requests {
			return out[i].Requests > out[j].Requests
		}
		return out[i].Route < out[j].Route
	})
	return out
}

// recommend applies the rules in a fixed order: the most urgent first.
func recommend(m PerformanceMetrics, routes []RouteStats, phases []PhaseStats) []Recommendation {
	out := []Recommendation{}
	add := func(rule, severity, format string, args ...any) {
		out = append(out, Recommendation{Rule: rule, Severity: severity, Message: fmt.Sprintf(format, args...)})
	}
	if m.ErrorRate > errorRateAdvisory {
		worst, n := "", int64(0)
		for t, c := range m.ErrorsByType {
			if OurFault(t) && (c > n || c == n && t < worst) {
				worst, n = t, c
			}
		}
		sev := "warning"
		if m.ErrorRate > errorRateCritical {
			sev = "critical"
		}
		add("error_rate", sev, "%.2f %% of pages failed through RipTide's fault, mostly %s (%d): see docs/runbooks/sla-page-success-rate.md", m.ErrorRate, worst, n)
	}
	if m.TimeoutRate > timeoutAdvisory {
		add("timeouts", "warning", "%.2f %% of pages timed out: raise options.timeout_ms for slow sites, or lower concurrency per host", m.TimeoutRate)
	}
	for _, r := range routes {
		if r.Requests >= minRouteRequests && percent(r.ServerErrors, r.Requests) > routeServerErrPct {
			add("route_server_errors", "critical", "%s answered %d of %d requests with a 5xx", r.Route, r.ServerErrors, r.Requests)
		}
	}
	for _, r := range routes {
		if r.Requests >= minRouteRequests && r.P95MS > slowRouteP95MS {
			add("slow_route", "warning", "%s p95 is %.0f ms: long work belongs on the stream or async (202) form of the route (docs/deploy.md, Long requests)", r.Route, r.P95MS)
		}
	}
	for _, p := range phases {
		if p.Name == PhaseRender.String() && p.PercentageOfTotal > highRenderShare && p.ExecutionCount >= minRunsToJudge {
			add("render_share", "info", "rendering takes %.0f %% of page time: use render_mode raw for pages without JavaScript content", p.PercentageOfTotal)
		}
	}
	if m.CacheLookups >= minCacheLookups && m.CacheHitRatio < lowCacheRatio {
		add("cache_hit_ratio", "info", "the page cache answers %.0f %% of lookups: repeated crawls of the same URLs should use cache_mode read_through with a longer cache_ttl", m.CacheHitRatio*100)
	}
	if m.CircuitBreakerTrips > 0 {
		add("circuit_breakers", "info", "%d fetches were refused by open circuit breakers: some target hosts are failing; they are retried after the cooldown", m.CircuitBreakerTrips)
	}
	if m.CPUUsagePercent > cpuAdvisory {
		add("cpu", "warning", "the busiest instance used %.0f %% CPU: give the function more memory (Lambda CPU scales with it) or lower concurrency", m.CPUUsagePercent)
	}
	if float64(m.MemoryUsageBytes) > memoryAdvisory {
		add("memory", "warning", "the busiest instance holds %.2f GiB: lower concurrency or max_body_bytes", float64(m.MemoryUsageBytes)/GiB)
	}
	if m.SuccessfulExtractions >= minPagesForQuality && m.AvgContentQualityScore > 0 && m.AvgContentQualityScore < qualityAdvisory {
		add("content_quality", "info", "average extraction quality is %.2f: many pages may need rendering (render_mode headless) or a strategy", m.AvgContentQualityScore)
	}
	return out
}
