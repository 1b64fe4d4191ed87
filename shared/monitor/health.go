package monitor

import (
	"fmt"
	"math"
)

// The health score of riptide-reference.md §10: start at 100, apply each
// adjustment below whose condition holds, clamp to 0..100. The inputs are
// PerformanceMetrics of a window (docs/monitoring.md, "Health score").
const (
	GiB = 1 << 30

	errorRateWarning   = 5.0  // percent: -2 per point above
	errorRateCritical  = 10.0 // percent: a further -10
	cpuWarning         = 70.0 // percent: -0.5 per point above
	cpuCritical        = 90.0 // percent: a further -10
	memoryWarning      = 2 * GiB
	memoryCritical     = 4 * GiB
	p99Warning         = 5000.0  // ms: -5
	p99Critical        = 10000.0 // ms: a further -10
	maxCircuitPenalty  = 20.0
	timeoutRateAllowed = 1.0 // percent: -10 per point above
	cacheBonusRatio    = 0.7 // hit ratio above which +5
)

// Adjustment is one term of the score.
type Adjustment struct {
	Reason string  `json:"reason"`
	Points float64 `json:"points"`
}

// HealthScore is a score with the terms that made it.
type HealthScore struct {
	Score       float64      `json:"health_score"`
	Status      string       `json:"status"`
	Adjustments []Adjustment `json:"adjustments"`
}

// Score applies the §10 formula to m.
func Score(m PerformanceMetrics) HealthScore {
	adj := []Adjustment{}
	add := func(points float64, format string, args ...any) {
		adj = append(adj, Adjustment{Reason: fmt.Sprintf(format, args...), Points: round(points, 2)})
	}
	if m.ErrorRate > errorRateWarning {
		add(-2*(m.ErrorRate-errorRateWarning), "error rate %.2f %% is above %.0f %% (-2 per point)", m.ErrorRate, errorRateWarning)
	}
	if m.ErrorRate > errorRateCritical {
		add(-10, "error rate %.2f %% is above %.0f %%", m.ErrorRate, errorRateCritical)
	}
	if m.CPUUsagePercent > cpuWarning {
		add(-0.5*(m.CPUUsagePercent-cpuWarning), "CPU %.1f %% is above %.0f %% (-0.5 per point)", m.CPUUsagePercent, cpuWarning)
	}
	if m.CPUUsagePercent > cpuCritical {
		add(-10, "CPU %.1f %% is above %.0f %%", m.CPUUsagePercent, cpuCritical)
	}
	if m.MemoryUsageBytes > memoryWarning {
		add(-5, "memory %.2f GiB is above 2 GiB", float64(m.MemoryUsageBytes)/GiB)
	}
	if m.MemoryUsageBytes > memoryCritical {
		add(-15, "memory %.2f GiB is above 4 GiB", float64(m.MemoryUsageBytes)/GiB)
	}
	if m.P99ExtractionTimeMS > p99Warning {
		add(-5, "p99 page latency %.0f ms is above %.0f ms", m.P99ExtractionTimeMS, p99Warning)
	}
	if m.P99ExtractionTimeMS > p99Critical {
		add(-10, "p99 page latency %.0f ms is above %.0f ms", m.P99ExtractionTimeMS, p99Critical)
	}
	if m.CircuitBreakerTrips > 0 {
		add(-math.Min(float64(m.CircuitBreakerTrips), maxCircuitPenalty), "%d fetches refused by open circuit breakers (-1 each, at most -20)", m.CircuitBreakerTrips)
	}
	if m.TimeoutRate > timeoutRateAllowed {
		add(-(m.TimeoutRate-timeoutRateAllowed)*10, "timeout rate %.2f %% is above %.0f %% (-10 per point)", m.TimeoutRate, timeoutRateAllowed)
	}
	if m.CacheHitRatio > cacheBonusRatio {
		add(5, "cache hit ratio %.2f is above %.1f", m.CacheHitRatio, cacheBonusRatio)
	}
	score := 100.0
	for _, a := range adj {
		score += a.Points
	}
	score = round(math.Max(0, math.Min(100, score)), 2)
	return HealthScore{Score: score, Status: Status(score), Adjustments: adj}
}

// Status names a score: healthy (>= 90), degraded (>= 70), warning (>= 50),
// critical.
func Status(score float64) string {
	switch {
	case score >= 90:
		return "healthy"
	case score >= 70:
		return "degraded"
	case score >= 50:
		return "warning"
	}
	return "critical"
}

// Summary words a score for the performance report: excellent (>= 95),
// good (>= 85), fair (>= 70), poor (>= 50), critical. (The original
// summarised a stale score; this one is the score just computed.)
func Summary(score float64) string {
	switch {
	case score >= 95:
		return "excellent"
	case score >= 85:
		return "good"
	case score >= 70:
		return "fair"
	case score >= 50:
		return "poor"
	}
	return "critical"
}
