// Package fetchtest checks that an adapter of the fetch layer's shared
// state (fetch.Breaker, fetch.HostLimiter) keeps the in-process
// implementation's contract; the Redis adapters in shared/store run the
// same checks, so the two cannot drift.
package fetchtest

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
)

// NewBreaker builds a breaker under test with policy p, reading time from now.
type NewBreaker func(p fetch.BreakerPolicy, now func() time.Time) fetch.Breaker

// RunBreaker drives a circuit through closed, open, half-open with a single
// probe, a cancelled probe, and closed again, on a fake clock.
func RunBreaker(t *testing.T, build NewBreaker) {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Unix(1_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	host := "h-" + time.Now().Format("150405.000000000")
	b := build(fetch.BreakerPolicy{FailureThreshold: 2, Cooldown: 10 * time.Second}, clock)
	for i := range 2 {
		tk, err := b.Allow(ctx, host)
		if err != nil || tk.Probe || tk.Failures != i {
			t.Fatalf("closed circuit, failure %d: %+v %v", i, tk, err)
		}
		b.Record(ctx, host, tk, fetch.OutcomeFailure)
	}
	_, err := b.Allow(ctx, host)
	if err == nil {
		t.Fatal("circuit should be open after 2 failures")
	}
	if ce := core.AsError(err); ce.Type != core.ErrFetch || ce.RetryAfterSeconds < 9 || ce.RetryAfterSeconds > 10 {
		t.Fatalf("open circuit error: %+v", ce)
	}
	if _, err := b.Allow(ctx, "other-"+host); err != nil {
		t.Fatalf("another host is not affected: %v", err)
	}
	advance(11 * time.Second)
	tk, err := b.Allow(ctx, host)
	if err != nil || !tk.Probe {
		t.Fatalf("after cooldown the first caller probes: %+v %v", tk, err)
	}
	if _, err := b.Allow(ctx, host); err == nil {
		t.Fatal("a second caller must not probe while the first is in flight")
	}
	b.Record(ctx, host, tk, fetch.OutcomeNeutral) // the probe was cancelled: let another try
	tk, err = b.Allow(ctx, host)
	if err != nil || !tk.Probe {
		t.Fatalf("after a neutral probe another may probe: %+v %v", tk, err)
	}
	b.Record(ctx, host, tk, fetch.OutcomeFailure) // the probe failed: open again
	if _, err := b.Allow(ctx, host); err == nil {
		t.Fatal("a failed probe reopens the circuit")
	}
	advance(11 * time.Second)
	tk, err = b.Allow(ctx, host)
	if err != nil || !tk.Probe {
		t.Fatalf("second probe: %+v %v", tk, err)
	}
	b.Record(ctx, host, tk, fetch.OutcomeSuccess)
	if tk, err := b.Allow(ctx, host); err != nil || tk.Probe || tk.Failures != 0 {
		t.Fatalf("closed after a successful probe: %+v %v", tk, err)
	}

	off := build(fetch.BreakerPolicy{FailureThreshold: -1}, clock)
	for range 10 {
		tk, _ := off.Allow(ctx, host+"-off")
		off.Record(ctx, host+"-off", tk, fetch.OutcomeFailure)
	}
	if _, err := off.Allow(ctx, host+"-off"); err != nil {
		t.Error("a disabled breaker never opens")
	}
}

// RunLimiter checks concurrency caps, delay spacing (lower bounds on the
// caller's clock only: sleeping never ends early, so these cannot flake on
// a busy machine), a longer delay surviving a shorter request, independent
// hosts and cancelled waits.
func RunLimiter(t *testing.T, l fetch.HostLimiter) {
	t.Helper()
	ctx := context.Background()
	prefix := "h" + time.Now().Format("150405.000000000") + "-"

	// At most PerHostConcurrency holders at once.
	var holders, most atomic.Int64
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := l.Acquire(ctx, prefix+"conc", fetch.Politeness{PerHostConcurrency: 2})
			if err != nil {
				t.Error(err)
				return
			}
			n := holders.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(30 * time.Millisecond)
			holders.Add(-1)
			release()
		}()
	}
	wg.Wait()
	if m := most.Load(); m != 2 {
		t.Errorf("%d holders at once, limit 2 (and 6 callers)", m)
	}

	// Delay: the k-th of n simultaneous callers starts k*delay after the first.
	const delay = 60 * time.Millisecond
	start := time.Now()
	times := make([]time.Duration, 4)
	for i := range times {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := l.Acquire(ctx, prefix+"delay", fetch.Politeness{PerHostConcurrency: -1, PerHostDelay: delay})
			if err != nil {
				t.Error(err)
				return
			}
			times[i] = time.Since(start)
			release()
		}()
	}
	wg.Wait()
	slices.Sort(times)
	for k, got := range times {
		if want := time.Duration(k)*delay - 2*time.Millisecond; got < want {
			t.Errorf("caller %d started %s after the first call, want >= %s (delay %s)", k, got, want, delay)
		}
	}

	// A request with no delay still waits for the slot a slower one booked.
	// The clock starts before the first Acquire: the slot is booked from
	// then, however long the first call takes to return.
	t0 := time.Now()
	r1, err := l.Acquire(ctx, prefix+"mixed", fetch.Politeness{PerHostConcurrency: -1, PerHostDelay: 80 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r1()
	r2, err := l.Acquire(ctx, prefix+"mixed", fetch.Politeness{PerHostConcurrency: -1})
	if err != nil {
		t.Fatal(err)
	}
	r2()
	if waited := time.Since(t0); waited < 80*time.Millisecond-2*time.Millisecond {
		t.Errorf("a no-delay request after an 80ms-delay one started %s after it", waited)
	}

	// Hosts are independent: a busy host does not hold up another.
	busy, err := l.Acquire(ctx, prefix+"busy", fetch.Politeness{PerHostConcurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	free, err := l.Acquire(ctx, prefix+"free", fetch.Politeness{PerHostConcurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	free()

	// A waiter gives up when its context ends; a release admits the next.
	wctx, cancel := context.WithTimeout(ctx, 80*time.Millisecond)
	defer cancel()
	if _, err := l.Acquire(wctx, prefix+"busy", fetch.Politeness{PerHostConcurrency: 1}); err == nil {
		t.Error("a second Acquire on a full host should wait, then fail with its context")
	}
	busy()
	again, err := l.Acquire(ctx, prefix+"busy", fetch.Politeness{PerHostConcurrency: 1})
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}
