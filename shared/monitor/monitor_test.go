package monitor

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

// The quantiles of a merged histogram are within the bucket width (10 %)
// of the exact ones, over five orders of magnitude.
func TestHistogramQuantilesWithinTenPercent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var exact []time.Duration
	for range 20000 {
		// Log-uniform from 0.5 ms to 50 s.
		d := time.Duration(math.Exp(math.Log(0.5e6) + rng.Float64()*(math.Log(50e9)-math.Log(0.5e6))))
		exact = append(exact, d)
		h.Observe(d)
	}
	slices.Sort(exact)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.95, 0.99, 1} {
		want := exact[int(math.Ceil(q*float64(len(exact))))-1]
		got := h.Quantile(q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.10 {
			t.Errorf("q%.2f: got %v, exact %v (%.1f %% off)", q, got, want, rel*100)
		}
	}
	if h.Count != 20000 {
		t.Fatalf("count %d", h.Count)
	}
	var sum time.Duration
	for _, d := range exact {
		sum += d
	}
	if mean := h.Mean(); math.Abs(float64(mean-sum/20000)) > float64(time.Microsecond) {
		t.Errorf("mean %v, exact %v", mean, sum/20000)
	}
	var empty Histogram
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Fatal("an empty histogram has no quantiles")
	}
}

// Two instances' minutes merged through the stored field layout give the
// same numbers as one aggregate fed everything.
func TestAggregateFieldsRoundTrip(t *testing.T) {
	one, a, b := NewAggregate(), NewAggregate(), NewAggregate()
	page := func(i int) Page {
		p := Page{Mode: ModeStatic, Total: time.Duration(10+i) * time.Millisecond, GateDecision: "raw", Cache: CacheMiss,
			HasDocument: true, Quality: 0.5, Words: 100}
		p.Observe(PhaseFetch, time.Duration(5+i)*time.Millisecond)
		p.Observe(PhaseGate, 0)
		if i%4 == 0 {
			p.ErrorType, p.FailedPhase, p.HasDocument = "fetch_error", PhaseFetch, false
		}
		return p
	}
	for i := range 100 {
		target := a
		if i%2 == 1 {
			target = b
		}
		for _, agg := range []*Aggregate{one, target} {
			agg.AddPage("crawl", page(i))
			agg.AddRequest("crawl", Request{Route: "crawl.batch", Method: "POST", Status: 200 + (i%5)*100, Duration: time.Duration(i) * time.Millisecond})
		}
	}
	a.SetGauge(Key{Name: GaugeMemory, L1: "i1"}, 100)
	b.SetGauge(Key{Name: GaugeMemory, L1: "i2"}, 300)
	merged := NewAggregate()
	for _, src := range []*Aggregate{a, b} {
		incr, set := src.Fields()
		for f, n := range incr {
			if err := merged.AddField(f, strconv.FormatInt(n, 10), true); err != nil {
				t.Fatal(err)
			}
		}
		for f, v := range set {
			if err := merged.AddField(f, v, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got, want := merged.Sum(CounterPages, "crawl", "", ""), int64(100); got != want {
		t.Fatalf("pages %d, want %d", got, want)
	}
	if got := merged.Sum(CounterPages, "", "", "fetch_error"); got != 25 {
		t.Fatalf("fetch errors %d, want 25", got)
	}
	if got := merged.Sum(CounterPhaseErrors, "", "fetch", ""); got != 25 {
		t.Fatalf("fetch phase errors %d", got)
	}
	for _, name := range []string{HistogramPage, HistogramPhase, HistogramRequest} {
		h1, h2 := one.Histogram(name, "", ""), merged.Histogram(name, "", "")
		if h1.Count != h2.Count || h1.SumMicros != h2.SumMicros || h1.Quantile(.95) != h2.Quantile(.95) {
			t.Errorf("%s: one %d/%d/%v, merged %d/%d/%v", name, h1.Count, h1.SumMicros, h1.Quantile(.95), h2.Count, h2.SumMicros, h2.Quantile(.95))
		}
	}
	if got := merged.Histogram(HistogramPhase, "", "gate").Count; got != 100 {
		t.Errorf("a phase that ran in no time is still counted: %d", got)
	}
	if merged.Gauges[Key{Name: GaugeMemory, L1: "i2"}] != 300 {
		t.Errorf("gauges %v", merged.Gauges)
	}
	if err := merged.AddField("x|y", "1", true); err == nil {
		t.Error("a malformed field must be an error")
	}
}

// The §10 formula, term by term.
func TestHealthScoreFormula(t *testing.T) {
	cases := []struct {
		name string
		m    PerformanceMetrics
		want float64
	}{
		{"idle", PerformanceMetrics{}, 100},
		{"error rate 8", PerformanceMetrics{ErrorRate: 8}, 94},
		{"error rate 12", PerformanceMetrics{ErrorRate: 12}, 100 - 14 - 10},
		{"cpu 80", PerformanceMetrics{CPUUsagePercent: 80}, 95},
		{"cpu 95", PerformanceMetrics{CPUUsagePercent: 95}, 100 - 12.5 - 10},
		{"memory 3 GiB", PerformanceMetrics{MemoryUsageBytes: 3 * GiB}, 95},
		{"memory 5 GiB", PerformanceMetrics{MemoryUsageBytes: 5 * GiB}, 80},
		{"p99 6 s", PerformanceMetrics{P99ExtractionTimeMS: 6000}, 95},
		{"p99 11 s", PerformanceMetrics{P99ExtractionTimeMS: 11000}, 85},
		{"3 trips", PerformanceMetrics{CircuitBreakerTrips: 3}, 97},
		{"50 trips", PerformanceMetrics{CircuitBreakerTrips: 50}, 80},
		{"timeouts 2.5", PerformanceMetrics{TimeoutRate: 2.5}, 85},
		{"cache bonus clamps", PerformanceMetrics{CacheHitRatio: 0.9}, 100},
		{"cache bonus counts", PerformanceMetrics{CacheHitRatio: 0.9, CircuitBreakerTrips: 4}, 100},
		{"floor", PerformanceMetrics{ErrorRate: 100, CPUUsagePercent: 100, MemoryUsageBytes: 8 * GiB}, 0},
	}
	for _, c := range cases {
		got := Score(c.m)
		if got.Score != c.want {
			t.Errorf("%s: score %v, want %v (%+v)", c.name, got.Score, c.want, got.Adjustments)
		}
		if got.Status != Status(got.Score) {
			t.Errorf("%s: status %q", c.name, got.Status)
		}
	}
	for score, want := range map[float64]string{95: "healthy", 90: "healthy", 89.9: "degraded", 70: "degraded", 55: "warning", 49: "critical"} {
		if Status(score) != want {
			t.Errorf("Status(%v) = %q, want %q", score, Status(score), want)
		}
	}
	for score, want := range map[float64]string{96: "excellent", 90: "good", 75: "fair", 60: "poor", 10: "critical"} {
		if Summary(score) != want {
			t.Errorf("Summary(%v) = %q, want %q", score, Summary(score), want)
		}
	}
}

func TestMetricsFromWindow(t *testing.T) {
	a := NewAggregate()
	for i := range 100 {
		p := Page{Mode: ModeStatic, Total: 100 * time.Millisecond, Cache: CacheMiss, HasDocument: true, Quality: 0.8, Words: 50}
		switch {
		case i < 6:
			p.ErrorType, p.HasDocument = "timeout_error", false
		case i < 10:
			p.ErrorType, p.HasDocument = "fetch_error", false // the site's fault: not in error_rate
		case i >= 90:
			p.Cache = CacheHit
		}
		a.AddPage("crawl", p)
	}
	for range 60 {
		a.AddRequest("crawl", Request{Route: "crawl.batch", Status: 200, Duration: time.Millisecond})
	}
	a.AddCircuitRefusal()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := Metrics(Window{From: from, To: from.Add(time.Minute), Aggregate: a}, time.Hour, from)
	if m.TotalExtractions != 100 || m.FailedExtractions != 10 || m.SuccessfulExtractions != 90 {
		t.Fatalf("pages %+v", m)
	}
	if m.ErrorRate != 6 || m.TimeoutRate != 6 || m.CacheHitRatio != 0.1 || m.RequestsPerSecond != 1 {
		t.Fatalf("rates: error %v timeout %v cache %v rps %v", m.ErrorRate, m.TimeoutRate, m.CacheHitRatio, m.RequestsPerSecond)
	}
	if m.AvgContentQualityScore != 0.8 || m.AvgExtractedWordCount != 50 || m.CircuitBreakerTrips != 1 {
		t.Fatalf("documents %+v", m)
	}
	// 100 - 2 (error rate 6) - 50 (timeout 6 % → -(6-1)*10) - 1 (one trip) = 47.
	if m.HealthScore != 47 {
		t.Fatalf("health %v: %+v", m.HealthScore, Score(m).Adjustments)
	}
}

func TestRulesEvaluateWithCooldown(t *testing.T) {
	rules := BuiltinRules()
	if len(rules) != 11 {
		t.Fatalf("%d built-in rules, the original had 11", len(rules))
	}
	for i := range rules {
		if err := rules[i].Normalize(); err != nil {
			t.Fatalf("built-in %s: %v", rules[i].Name, err)
		}
	}
	errorRate := 12.0
	metrics := func(int) PerformanceMetrics {
		m := PerformanceMetrics{ErrorRate: errorRate}
		m.HealthScore = Score(m).Score
		return m
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	states, fired := Evaluate(rules, metrics, nil, t0)
	if got := firedNames(fired); !slices.Equal(got, []string{"error_rate_threshold_5pct", "high_error_rate"}) {
		t.Fatalf("fired %v", got)
	}
	// 30 s later: still active, inside the cooldown: nothing fires.
	states, fired = Evaluate(rules, metrics, states, t0.Add(30*time.Second))
	if len(fired) != 0 || !states["high_error_rate"].Active || !states["high_error_rate"].Since.Equal(t0) {
		t.Fatalf("inside the cooldown: fired %v, state %+v", firedNames(fired), states["high_error_rate"])
	}
	// After the cooldown, still holding: fires again.
	states, fired = Evaluate(rules, metrics, states, t0.Add(5*time.Minute))
	if len(fired) != 2 || states["high_error_rate"].Fired != 2 {
		t.Fatalf("after the cooldown: fired %v", firedNames(fired))
	}
	// Recovered: inactive; a relapse inside the cooldown does not fire.
	errorRate = 0
	states, _ = Evaluate(rules, metrics, states, t0.Add(6*time.Minute))
	if states["high_error_rate"].Active {
		t.Fatal("recovered rule still active")
	}
	errorRate = 12
	states, fired = Evaluate(rules, metrics, states, t0.Add(7*time.Minute))
	if len(fired) != 0 || !states["high_error_rate"].Active {
		t.Fatalf("relapse inside the cooldown fired %v", firedNames(fired))
	}
	// A disabled rule is not evaluated.
	for i := range rules {
		rules[i].Enabled = rules[i].Name != "high_error_rate"
	}
	states, _ = Evaluate(rules, metrics, states, t0.Add(20*time.Minute))
	if _, ok := states["high_error_rate"]; ok {
		t.Fatal("disabled rule evaluated")
	}
}

func firedNames(f []Firing) []string {
	var out []string
	for _, x := range f {
		out = append(out, x.Rule.Name)
	}
	slices.Sort(out)
	return out
}

func TestRuleValidation(t *testing.T) {
	ok := Rule{Name: "slow_pages", MetricName: "p95_extraction_time_ms", Threshold: 3000, Condition: ConditionGreaterThan, Severity: SeverityWarning}
	if err := ok.Normalize(); err != nil || ok.CooldownMS != 300000 || ok.WindowMinutes != 5 {
		t.Fatalf("%v %+v", err, ok)
	}
	for _, bad := range []Rule{
		{Name: "Bad Name", MetricName: "error_rate", Condition: ConditionEquals, Severity: SeverityInfo},
		{Name: "x", MetricName: "nope", Condition: ConditionEquals, Severity: SeverityInfo},
		{Name: "x", MetricName: "error_rate", Condition: "GreaterThan", Severity: SeverityInfo},
		{Name: "x", MetricName: "error_rate", Condition: ConditionEquals, Severity: "loud"},
		{Name: "x", MetricName: "error_rate", Condition: ConditionEquals, Severity: SeverityInfo, WindowMinutes: 2000},
	} {
		if err := bad.Normalize(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestPhasesReportAndBottlenecks(t *testing.T) {
	a := NewAggregate()
	for i := range 20 {
		p := Page{Mode: ModeHeadless, Total: 3 * time.Second, GateDecision: "headless"}
		p.Observe(PhaseFetch, 200*time.Millisecond)
		p.Observe(PhaseGate, time.Millisecond)
		p.Observe(PhaseRender, 2500*time.Millisecond)
		p.Observe(PhaseExtract, 299*time.Millisecond)
		if i == 0 {
			p.ErrorType, p.FailedPhase = "render_error", PhaseRender
		}
		a.AddPage("crawl", p)
	}
	rep := PhasesOf(Window{From: time.Unix(0, 0), To: time.Unix(600, 0), Aggregate: a})
	if rep.Overall.TotalRequests != 20 || rep.WindowMinutes != 10 || rep.Overall.PagesPerMinute != 2 {
		t.Fatalf("overall %+v", rep.Overall)
	}
	byName := map[string]PhaseStats{}
	for _, p := range rep.Phases {
		byName[p.Name] = p
	}
	if r := byName["render"]; r.ExecutionCount != 20 || r.Errors != 1 || r.SuccessRate != 95 || math.Abs(r.PercentageOfTotal-83.33) > 0.01 {
		t.Fatalf("render %+v", r)
	}
	if r := byName["render"]; math.Abs(r.P95MS-2500)/2500 > 0.1 {
		t.Fatalf("render p95 %v", r.P95MS)
	}
	if len(rep.Bottlenecks) != 1 || rep.Bottlenecks[0].Phase != "render" || rep.Bottlenecks[0].Severity != "high" {
		t.Fatalf("bottlenecks %+v", rep.Bottlenecks)
	}
	if rep.SuccessRates.Overall != 95 || rep.SuccessRates.ByGateDecision["headless"] != 100 {
		t.Fatalf("success rates %+v", rep.SuccessRates)
	}
}
