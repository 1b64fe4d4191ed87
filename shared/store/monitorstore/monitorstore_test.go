package monitorstore_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/monitorstore"
)

// openRedis opens the test Redis under a prefix of its own.
func openRedis(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: testenv.KeyPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Two instances (two recorders, as two Lambda instances would have)
// write into the same minutes; the window adds them up exactly, histogram
// buckets included, and every bucket expires 24 hours after its minute.
func TestRedisBucketsAddUpAcrossInstances(t *testing.T) {
	s := openRedis(t)
	ctx := context.Background()
	clock := time.Now().UTC().Truncate(time.Minute).Add(30 * time.Second)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	a := monitorstore.NewRecorder(s, monitorstore.Options{Function: "crawl", Interval: -1, Now: now})
	b := monitorstore.NewRecorder(s, monitorstore.Options{Function: "spider", Interval: -1, Now: now})
	page := func(ms int, errType string) monitor.Page {
		p := monitor.Page{Mode: monitor.ModeStatic, Total: time.Duration(ms) * time.Millisecond, GateDecision: "raw", Cache: monitor.CacheMiss}
		p.Observe(monitor.PhaseFetch, time.Duration(ms-1)*time.Millisecond)
		if errType != "" {
			p.ErrorType, p.FailedPhase = errType, monitor.PhaseFetch
		}
		return p
	}
	var wg sync.WaitGroup
	for _, r := range []*monitorstore.Recorder{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				errType := ""
				if i%50 == 0 {
					errType = "internal_error"
				}
				r.RecordPage(page(10+i%100, errType))
				r.RecordRequest(monitor.Request{Route: "crawl.batch", Status: 200, Duration: 5 * time.Millisecond})
			}
		}()
	}
	wg.Wait()
	// The next minute: a second bucket.
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	a.RecordPage(page(1000, ""))
	for _, r := range []*monitorstore.Recorder{a, b} {
		if err := r.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	w, err := monitorstore.NewSource(s).Window(ctx, clock.Add(-5*time.Minute), clock.Truncate(time.Minute).Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Sum(monitor.CounterPages, "", "", ""); got != 1001 {
		t.Fatalf("pages %d, want 1001", got)
	}
	if got := w.Sum(monitor.CounterPages, "spider", "", "internal_error"); got != 10 {
		t.Fatalf("spider internal errors %d", got)
	}
	h := w.Histogram(monitor.HistogramPage, "", "")
	if h.Count != 1001 {
		t.Fatalf("page histogram count %d", h.Count)
	}
	// Page latencies are 10..109 ms evenly (and one 1 s page): p50 ≈ 60 ms.
	if p50 := monitor.Millis(h.Quantile(.5)); math.Abs(p50-60) > 6 {
		t.Fatalf("p50 %v ms", p50)
	}
	m := monitor.Metrics(w, 0, clock)
	if m.ErrorRate != round3(20*100/1001.0) || m.ActiveInstances != 2 || m.TotalRequests != 1000 {
		t.Fatalf("metrics: error rate %v, instances %d, requests %d", m.ErrorRate, m.ActiveInstances, m.TotalRequests)
	}
	for _, minute := range []int64{clock.Unix()/60 - 1, clock.Unix() / 60} {
		ttl, err := s.Client.TTL(ctx, monitorstore.BucketKey(s, minute)).Result()
		if err != nil {
			t.Fatal(err)
		}
		want := time.Until(time.Unix((minute+1)*60, 0).Add(24 * time.Hour))
		if math.Abs(float64(ttl-want)) > float64(5*time.Second) {
			t.Fatalf("bucket TTL %v, want about %v", ttl, want)
		}
	}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// A recorder flushing against a Redis that is down drops its records
// (bounded memory) and says so; recording never blocks.
func TestFlushFailureDropsRecords(t *testing.T) {
	s, err := store.Open(store.Options{URL: "redis://127.0.0.1:1/0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := monitorstore.NewRecorder(s, monitorstore.Options{Interval: -1})
	start := time.Now()
	for range 1000 {
		r.RecordPage(monitor.Page{Total: time.Millisecond})
	}
	if time.Since(start) > time.Second {
		t.Fatal("recording waited for Redis")
	}
	if err := r.Flush(context.Background()); err == nil {
		t.Fatal("flush to a closed port succeeded")
	}
}

func TestRulesCRUDAndAlertPacing(t *testing.T) {
	ctx := context.Background()
	for name, s := range map[string]*store.Store{"redis": openRedis(t), "embedded": embedded(t)} {
		t.Run(name, func(t *testing.T) {
			rules := monitorstore.NewRules(s)
			got, err := rules.Rules(ctx)
			if err != nil || len(got) != 11 {
				t.Fatalf("built-ins: %d %v", len(got), err)
			}
			r := monitor.Rule{Name: "slow", MetricName: "p95_extraction_time_ms", Threshold: 100, Condition: monitor.ConditionGreaterThan,
				Severity: monitor.SeverityWarning, Enabled: true}
			if err := rules.PutRule(ctx, r, true); err != nil {
				t.Fatal(err)
			}
			if err := rules.PutRule(ctx, r, true); core.TypeOf(err) != core.ErrConflict {
				t.Fatalf("second create: %v", err)
			}
			r.Name = "missing"
			if err := rules.PutRule(ctx, r, false); core.TypeOf(err) != core.ErrNotFound {
				t.Fatalf("update of a missing rule: %v", err)
			}
			if err := rules.DeleteRule(ctx, "high_cpu_usage"); err != nil {
				t.Fatal(err)
			}
			if err := rules.DeleteRule(ctx, "high_cpu_usage"); core.TypeOf(err) != core.ErrNotFound {
				t.Fatalf("second delete: %v", err)
			}
			// A deleted built-in is not seeded again.
			got, _ = rules.Rules(ctx)
			if len(got) != 11 {
				t.Fatalf("%d rules after +1 -1", len(got))
			}
			alerts := monitorstore.NewAlerts(s)
			first, err1 := alerts.ClaimEvaluation(ctx, time.Minute)
			second, err2 := alerts.ClaimEvaluation(ctx, time.Minute)
			if !first || second || errors.Join(err1, err2) != nil {
				t.Fatalf("claims %v %v %v %v", first, second, err1, err2)
			}
			st := map[string]monitor.AlertState{"slow": {Rule: "slow", Active: true, Value: 150}}
			if err := alerts.SaveStates(ctx, st); err != nil {
				t.Fatal(err)
			}
			back, err := alerts.States(ctx)
			if err != nil || !back["slow"].Active || back["slow"].Value != 150 {
				t.Fatalf("%+v %v", back, err)
			}
		})
	}
}

func embedded(t *testing.T) *store.Store {
	s, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
