package monitor

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Conditions of a rule.
const (
	ConditionGreaterThan = "greater_than"
	ConditionLessThan    = "less_than"
	ConditionEquals      = "equals"
)

// Severities of a rule.
const (
	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityError    = "error"
	SeverityCritical = "critical"
)

// Conditions and Severities list the accepted values.
var (
	Conditions = []string{ConditionGreaterThan, ConditionLessThan, ConditionEquals}
	Severities = []string{SeverityInfo, SeverityWarning, SeverityError, SeverityCritical}
)

// DefaultCooldown is how long a rule stays quiet after it fired, and
// DefaultEvaluationInterval how often rules are evaluated (the original's
// 5 minutes and 30 s).
const (
	DefaultCooldown           = 5 * time.Minute
	DefaultEvaluationInterval = 30 * time.Second
	DefaultRuleWindow         = 5 * time.Minute
)

// Rule is an alert rule: it is active while metric <condition> threshold
// holds over the last WindowMinutes, and fires (a log event
// monitoring.alert.triggered) when it becomes active, at most once per
// cooldown.
type Rule struct {
	Name       string  `json:"name"`
	MetricName string  `json:"metric_name"`
	Threshold  float64 `json:"threshold"`
	Condition  string  `json:"condition"`
	Severity   string  `json:"severity"`
	Enabled    bool    `json:"enabled"`
	// CooldownMS is the quiet time after a firing (default 300000).
	CooldownMS int64 `json:"cooldown_ms"`
	// WindowMinutes is the window of metrics the rule reads (default 5).
	WindowMinutes int    `json:"window_minutes"`
	Description   string `json:"description,omitempty"`
	// Builtin marks the rules RipTide ships (they may be edited or
	// deleted like any other).
	Builtin bool `json:"builtin"`
}

// RuleMetrics are the metric names a rule may read: fields of
// PerformanceMetrics.
var RuleMetrics = []string{
	"error_rate", "timeout_rate", "cpu_usage_percent", "memory_usage_bytes", "health_score",
	"avg_extraction_time_ms", "p50_extraction_time_ms", "p95_extraction_time_ms", "p99_extraction_time_ms",
	"requests_per_second", "circuit_breaker_trips", "cache_hit_ratio",
	"total_extractions", "successful_extractions", "failed_extractions", "server_errors", "active_instances",
}

// MetricValue reads a rule metric from m.
func MetricValue(m PerformanceMetrics, name string) (float64, bool) {
	switch name {
	case "error_rate":
		return m.ErrorRate, true
	case "timeout_rate":
		return m.TimeoutRate, true
	case "cpu_usage_percent":
		return m.CPUUsagePercent, true
	case "memory_usage_bytes":
		return float64(m.MemoryUsageBytes), true
	case "health_score":
		return m.HealthScore, true
	case "avg_extraction_time_ms":
		return m.AvgExtractionTimeMS, true
	case "p50_extraction_time_ms":
		return m.P50ExtractionTimeMS, true
	case "p95_extraction_time_ms":
		return m.P95ExtractionTimeMS, true
	case "p99_extraction_time_ms":
		return m.P99ExtractionTimeMS, true
	case "requests_per_second":
		return m.RequestsPerSecond, true
	case "circuit_breaker_trips":
		return float64(m.CircuitBreakerTrips), true
	case "cache_hit_ratio":
		return m.CacheHitRatio, true
	case "total_extractions":
		return float64(m.TotalExtractions), true
	case "successful_extractions":
		return float64(m.SuccessfulExtractions), true
	case "failed_extractions":
		return float64(m.FailedExtractions), true
	case "server_errors":
		return float64(m.ServerErrors), true
	case "active_instances":
		return float64(m.ActiveInstances), true
	}
	return 0, false
}

// BuiltinRules are the eleven rules of the original (riptide-reference.md
// §10): eight built in and three added at its start.
func BuiltinRules() []Rule {
	r := func(name, metric, cond string, threshold float64, sev, desc string) Rule {
		return Rule{Name: name, MetricName: metric, Threshold: threshold, Condition: cond, Severity: sev, Enabled: true,
			CooldownMS: DefaultCooldown.Milliseconds(), WindowMinutes: int(DefaultRuleWindow / time.Minute), Description: desc, Builtin: true}
	}
	gt, lt := ConditionGreaterThan, ConditionLessThan
	return []Rule{
		r("high_error_rate", "error_rate", gt, 10, SeverityError, "more than 10 % of pages fail through RipTide's fault"),
		r("critical_error_rate", "error_rate", gt, 20, SeverityCritical, "more than 20 % of pages fail through RipTide's fault"),
		r("high_cpu_usage", "cpu_usage_percent", gt, 80, SeverityWarning, "the busiest instance uses more than 80 % CPU"),
		r("critical_cpu_usage", "cpu_usage_percent", gt, 90, SeverityCritical, "the busiest instance uses more than 90 % CPU"),
		r("low_health_score", "health_score", lt, 50, SeverityCritical, "the health score is below 50"),
		r("high_extraction_time", "p99_extraction_time_ms", gt, 10000, SeverityWarning, "p99 page latency is above 10 s"),
		r("high_memory_usage", "memory_usage_bytes", gt, 4*GiB, SeverityWarning, "the busiest instance holds more than 4 GiB"),
		r("circuit_breaker_tripped", "circuit_breaker_trips", gt, 0, SeverityWarning, "open circuit breakers refused fetches"),
		r("error_rate_threshold_5pct", "error_rate", gt, 5, SeverityWarning, "more than 5 % of pages fail through RipTide's fault"),
		r("p95_latency_threshold_5s", "p95_extraction_time_ms", gt, 5000, SeverityWarning, "p95 page latency is above 5 s (the SLA's single-page target)"),
		r("memory_usage_threshold_80pct", "memory_usage_bytes", gt, 0.8*4*GiB, SeverityWarning, "the busiest instance holds more than 3.2 GiB"),
	}
}

// ruleName is compiled on first use: the bounded repetition compiles to
// some 700 allocations, which every function linking this package would
// otherwise pay at start, and only rule writes validate names.
var ruleName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,63}$`) })

// Normalize fills defaults (cooldown, window) and validates r; errors are
// validation_error with the field.
func (r *Rule) Normalize() error {
	bad := func(field, format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		return core.Errorf(core.ErrValidation, "%s: %s", field, msg).WithDetails(core.Detail{Field: field, Message: msg})
	}
	if !ruleName().MatchString(r.Name) {
		return bad("name", "1-64 characters of a-z, 0-9 and _, starting with a letter or digit")
	}
	if !slices.Contains(RuleMetrics, r.MetricName) {
		return bad("metric_name", "unknown metric %q; metrics are %v", r.MetricName, RuleMetrics)
	}
	if !slices.Contains(Conditions, r.Condition) {
		return bad("condition", "want one of %v, got %q", Conditions, r.Condition)
	}
	if !slices.Contains(Severities, r.Severity) {
		return bad("severity", "want one of %v, got %q", Severities, r.Severity)
	}
	if math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0) {
		return bad("threshold", "must be a finite number")
	}
	if r.CooldownMS == 0 {
		r.CooldownMS = DefaultCooldown.Milliseconds()
	}
	if r.CooldownMS < 0 || r.CooldownMS > (24*time.Hour).Milliseconds() {
		return bad("cooldown_ms", "0..86400000 (0 means the default %d)", DefaultCooldown.Milliseconds())
	}
	if r.WindowMinutes == 0 {
		r.WindowMinutes = int(DefaultRuleWindow / time.Minute)
	}
	if r.WindowMinutes < 1 || r.WindowMinutes > MaxWindowMinutes {
		return bad("window_minutes", "1..%d (0 means the default 5)", MaxWindowMinutes)
	}
	if len(r.Description) > 500 {
		return bad("description", "at most 500 characters")
	}
	return nil
}

// Holds reports whether the rule's condition holds for value v.
func (r Rule) Holds(v float64) bool {
	switch r.Condition {
	case ConditionGreaterThan:
		return v > r.Threshold
	case ConditionLessThan:
		return v < r.Threshold
	case ConditionEquals:
		return math.Abs(v-r.Threshold) <= 1e-9*math.Max(1, math.Abs(r.Threshold))
	}
	return false
}

// AlertState is what the last evaluation found for a rule.
type AlertState struct {
	Rule   string    `json:"rule"`
	Active bool      `json:"active"`
	Value  float64   `json:"value"`
	Since  time.Time `json:"since,omitzero"`
	// LastFiredAt is the last time the rule fired (cooldown runs from it).
	LastFiredAt time.Time `json:"last_fired_at,omitzero"`
	Fired       int64     `json:"fired"`
	EvaluatedAt time.Time `json:"evaluated_at"`
}

// Firing is a rule that fired in an evaluation.
type Firing struct {
	Rule  Rule
	Value float64
	At    time.Time
}

// Evaluate applies the enabled rules to their metrics (metrics returns
// the metrics of a window of n minutes) and returns the new states and
// the rules that fired. A rule fires when its condition holds and it has
// not fired within its cooldown; it stays active, without firing again,
// while the condition holds.
func Evaluate(rules []Rule, metrics func(windowMinutes int) PerformanceMetrics, prev map[string]AlertState, now time.Time) (map[string]AlertState, []Firing) {
	next := map[string]AlertState{}
	var fired []Firing
	cache := map[int]PerformanceMetrics{}
	sorted := slices.Clone(rules)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, r := range sorted {
		if !r.Enabled {
			continue
		}
		m, ok := cache[r.WindowMinutes]
		if !ok {
			m = metrics(r.WindowMinutes)
			cache[r.WindowMinutes] = m
		}
		v, _ := MetricValue(m, r.MetricName)
		st := prev[r.Name]
		st.Rule, st.Value, st.EvaluatedAt = r.Name, v, now
		if !r.Holds(v) {
			st.Active, st.Since = false, time.Time{}
			next[r.Name] = st
			continue
		}
		if !st.Active {
			st.Active, st.Since = true, now
		}
		cooldown := time.Duration(r.CooldownMS) * time.Millisecond
		if st.LastFiredAt.IsZero() || now.Sub(st.LastFiredAt) >= cooldown {
			st.LastFiredAt = now
			st.Fired++
			fired = append(fired, Firing{Rule: r, Value: v, At: now})
		}
		next[r.Name] = st
	}
	return next, fired
}

// sortAlerts orders alerts by severity, most severe first, then by name.
func sortAlerts(a []ActiveAlert) {
	rank := func(s string) int { return -slices.Index(Severities, s) }
	sort.Slice(a, func(i, j int) bool {
		if rank(a[i].Severity) != rank(a[j].Severity) {
			return rank(a[i].Severity) < rank(a[j].Severity)
		}
		return a[i].Name < a[j].Name
	})
}
