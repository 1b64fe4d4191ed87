package jobs

import (
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

func TestRetryDelayBacksOffAndCaps(t *testing.T) {
	off := false
	r := RetryPolicy{MaxAttempts: 5, InitialDelayMS: 1000, BackoffMultiplier: 2, MaxDelayMS: 5000, Jitter: &off}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := r.Delay(i+1, nil); got != w {
			t.Errorf("retry %d: delay %v, want %v", i+1, got, w)
		}
	}
}

func TestRetryJitterSpreadsWithinTwentyPercent(t *testing.T) {
	r := RetryPolicy{InitialDelayMS: 10_000}
	if lo := r.Delay(1, func() float64 { return 0 }); lo != 8*time.Second {
		t.Errorf("lowest jitter: %v, want 8s", lo)
	}
	if hi := r.Delay(1, func() float64 { return 0.999999 }); hi < 11990*time.Millisecond || hi >= 12*time.Second {
		t.Errorf("highest jitter: %v, want just under 12s", hi)
	}
	seen := map[time.Duration]bool{}
	for i := 0; i < 50; i++ {
		seen[r.Delay(1, nil)] = true
	}
	if len(seen) < 10 {
		t.Errorf("50 jittered delays took only %d values", len(seen))
	}
}

func TestSpecNormalizeDefaultsAndErrors(t *testing.T) {
	now := time.Now()
	s := Spec{Type: TypeSingleCrawl}
	if err := s.normalize(now); err != nil {
		t.Fatal(err)
	}
	if s.Priority != PriorityNormal || s.TimeoutMS != DefaultTimeout.Milliseconds() || s.Retry.MaxAttempts != DefaultMaxAttempts {
		t.Errorf("defaults not filled: %+v", s)
	}
	far := now.Add(40 * 24 * time.Hour)
	bad := Spec{Type: "nope", Priority: "urgent", TimeoutMS: 10, ScheduledAt: &far, WebhookURL: "ftp://x", Retry: &RetryPolicy{MaxAttempts: 99}}
	err := bad.normalize(now)
	ce := core.AsError(err)
	if ce == nil || ce.Type != core.ErrValidation {
		t.Fatalf("want validation error, got %v", err)
	}
	fields := map[string]bool{}
	for _, d := range ce.Details {
		fields[d.Field] = true
	}
	for _, f := range []string{"type", "priority", "timeout_ms", "scheduled_at", "webhook_url", "retry.max_attempts"} {
		if !fields[f] {
			t.Errorf("no detail names %s: %+v", f, ce.Details)
		}
	}
}

func TestPercentilesNearestRank(t *testing.T) {
	ms := make([]int64, 100)
	for i := range ms {
		ms[i] = int64(100 - i) // 1..100, unsorted
	}
	p := PercentilesOf(ms)
	if p.P50 != 50 || p.P95 != 95 || p.P99 != 99 || p.Max != 100 || p.Count != 100 || p.Avg != 50 {
		t.Errorf("percentiles of 1..100: %+v", p)
	}
	if (PercentilesOf(nil) != Percentiles{}) {
		t.Error("empty sample must give zeros")
	}
}
