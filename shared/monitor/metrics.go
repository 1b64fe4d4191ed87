package monitor

import (
	"math"
	"time"
)

// Window is an Aggregate read back over a time range: every instance's
// minutes from From (inclusive) to To (exclusive).
type Window struct {
	From, To time.Time
	*Aggregate
}

// Minutes returns the window's length in minutes.
func (w Window) Minutes() int { return int(w.To.Sub(w.From) / time.Minute) }

// PerformanceMetrics are the service-wide numbers of a window (the
// original's PerformanceMetrics, computed from real records: pages are
// the original's "extractions").
type PerformanceMetrics struct {
	// Page latency (fetch to result stored), over every page.
	AvgExtractionTimeMS float64 `json:"avg_extraction_time_ms"`
	P50ExtractionTimeMS float64 `json:"p50_extraction_time_ms"`
	P95ExtractionTimeMS float64 `json:"p95_extraction_time_ms"`
	P99ExtractionTimeMS float64 `json:"p99_extraction_time_ms"`
	// RequestsPerSecond is HTTP requests over the window's seconds.
	RequestsPerSecond     float64 `json:"requests_per_second"`
	TotalRequests         int64   `json:"total_requests"`
	ServerErrors          int64   `json:"server_errors"`
	SuccessfulExtractions int64   `json:"successful_extractions"`
	FailedExtractions     int64   `json:"failed_extractions"`
	TotalExtractions      int64   `json:"total_extractions"`
	// MemoryUsageBytes and CPUUsagePercent are the busiest instance's,
	// among those that reported in the window's last two minutes.
	MemoryUsageBytes int64   `json:"memory_usage_bytes"`
	CPUUsagePercent  float64 `json:"cpu_usage_percent"`
	ActiveInstances  int     `json:"active_instances"`
	// Averages over extracted documents.
	AvgContentQualityScore float64 `json:"avg_content_quality_score"`
	AvgExtractedWordCount  float64 `json:"avg_extracted_word_count"`
	// CacheHitRatio is hits / lookups (0..1).
	CacheHitRatio float64 `json:"cache_hit_ratio"`
	CacheLookups  int64   `json:"cache_lookups"`
	// ErrorRate is the percentage of pages that failed through RipTide's
	// fault (internal, dependency or timeout errors: the SLA's
	// PageFailures); TimeoutRate the percentage that timed out.
	ErrorRate   float64 `json:"error_rate"`
	TimeoutRate float64 `json:"timeout_rate"`
	// ErrorsByType counts failed pages by error type (any cause).
	ErrorsByType map[string]int64 `json:"errors_by_type"`
	// CircuitBreakerTrips counts fetches an open circuit breaker refused.
	CircuitBreakerTrips int64   `json:"circuit_breaker_trips"`
	SpiderPages         int64   `json:"spider_pages"`
	HealthScore         float64 `json:"health_score"`
	// UptimeSeconds is how long the instance answering has run.
	UptimeSeconds  int64 `json:"uptime_seconds"`
	LastUpdatedUTC int64 `json:"last_updated_utc"`
	WindowMinutes  int   `json:"window_minutes"`
}

// Metrics computes the performance metrics of a window. uptime is the
// answering instance's; now stamps LastUpdatedUTC.
func Metrics(w Window, uptime time.Duration, now time.Time) PerformanceMetrics {
	a := w.Aggregate
	if a == nil {
		a = NewAggregate()
	}
	m := PerformanceMetrics{ErrorsByType: map[string]int64{}, UptimeSeconds: int64(uptime.Seconds()),
		LastUpdatedUTC: now.Unix(), WindowMinutes: w.Minutes()}
	pages := a.Histogram(HistogramPage, "", "")
	m.AvgExtractionTimeMS = Millis(pages.Mean())
	m.P50ExtractionTimeMS = Millis(pages.Quantile(0.50))
	m.P95ExtractionTimeMS = Millis(pages.Quantile(0.95))
	m.P99ExtractionTimeMS = Millis(pages.Quantile(0.99))

	var ours, timeouts int64
	for k, n := range a.Counters {
		switch k.Name {
		case CounterPages:
			m.TotalExtractions += n
			if k.L3 == outcomeOK {
				m.SuccessfulExtractions += n
				continue
			}
			m.FailedExtractions += n
			m.ErrorsByType[k.L3] += n
			if OurFault(k.L3) {
				ours += n
			}
			if k.L3 == "timeout_error" {
				timeouts += n
			}
		case CounterRequests:
			m.TotalRequests += n
			if k.L3 == "5xx" {
				m.ServerErrors += n
			}
		}
	}
	if secs := w.To.Sub(w.From).Seconds(); secs > 0 {
		m.RequestsPerSecond = round(float64(m.TotalRequests)/secs, 3)
	}
	m.ErrorRate = percent(ours, m.TotalExtractions)
	m.TimeoutRate = percent(timeouts, m.TotalExtractions)
	hits, misses := a.Sum(CounterCache, "", cacheHitLabel, ""), a.Sum(CounterCache, "", cacheMissLabel, "")
	m.CacheLookups = hits + misses
	if m.CacheLookups > 0 {
		m.CacheHitRatio = round(float64(hits)/float64(m.CacheLookups), 4)
	}
	if docs := a.Sum(CounterDocuments, "", "", ""); docs > 0 {
		m.AvgContentQualityScore = round(float64(a.Sum(CounterQualityMilli, "", "", ""))/1000/float64(docs), 4)
		m.AvgExtractedWordCount = round(float64(a.Sum(CounterWords, "", "", ""))/float64(docs), 1)
	}
	m.CircuitBreakerTrips = a.Sum(CounterCircuit, "", "", "")
	m.SpiderPages = a.Sum(CounterSpiderPages, "", "", "")
	instances := map[string]bool{}
	for k, v := range a.Gauges {
		switch k.Name {
		case GaugeMemory:
			instances[k.L1] = true
			m.MemoryUsageBytes = max(m.MemoryUsageBytes, int64(v))
		case GaugeCPU:
			instances[k.L1] = true
			m.CPUUsagePercent = max(m.CPUUsagePercent, round(v, 2))
		}
	}
	m.ActiveInstances = len(instances)
	m.HealthScore = Score(m).Score
	return m
}

func percent(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return round(float64(n)*100/float64(of), 3)
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
