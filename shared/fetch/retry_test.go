package fetch

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 120 ", 120 * time.Second, true},
		{"Sat, 28 Nov 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Saturday, 28-Nov-26 12:01:00 GMT", time.Minute, true}, // RFC 850
		{"Sat Nov 28 12:00:05 2026", 5 * time.Second, true},     // asctime
		{"Sat, 28 Nov 2026 11:00:00 GMT", 0, true},              // in the past
		{"99999999999", 365 * 24 * time.Hour, true},             // clamped
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		got, ok := parseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("parseRetryAfter(%q) = %v %v, want %v %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 6: time.Second} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := p.backoff(n)
			if d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, want/2, want)
			}
			seen[d] = true
		}
		if len(seen) < 5 {
			t.Errorf("backoff(%d) shows no jitter: %v", n, seen)
		}
	}
}

func TestRetries(t *testing.T) {
	s := newSite(t, "127.0.0.1:0")
	var n429, n503, nAlways, nLong, nDate, nReset atomic.Int64
	s.handle("/429", func(w http.ResponseWriter, r *http.Request) {
		if nRequest := n429.Add(1); nRequest == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte("finally"))
	})
	s.handle("/503-date", func(w http.ResponseWriter, r *http.Request) {
		if nDate.Add(1) == 1 {
			w.Header().Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("back"))
	})
	s.handle("/503", func(w http.ResponseWriter, r *http.Request) {
		if n503.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("third time"))
	})
	s.handle("/always-503", func(w http.ResponseWriter, r *http.Request) {
		nAlways.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	s.handle("/long-retry-after", func(w http.ResponseWriter, r *http.Request) {
		nLong.Add(1)
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	s.handle("/reset-once", func(w http.ResponseWriter, r *http.Request) {
		if nReset.Add(1) == 1 {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		_, _ = w.Write([]byte("recovered"))
	})
	env := newEnv(t, Options{IgnoreRobots: true, Retry: RetryPolicy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond, MaxRetryAfter: 5 * time.Second},
		Breaker: BreakerPolicy{FailureThreshold: -1}}) // these failures would open it: TestCircuitBreaker covers that
	ctx := context.Background()

	start := time.Now()
	resp, err := env.f.Fetch(ctx, Request{URL: s.URL + "/429"})
	if err != nil || string(resp.Body) != "finally" || resp.Attempts != 2 {
		t.Fatalf("429 then 200: %v attempts %d", err, resp.Attempts)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("Retry-After: 1 not honoured: retried after %s", el)
	}

	start = time.Now()
	resp, err = env.f.Fetch(ctx, Request{URL: s.URL + "/503-date"})
	if err != nil || string(resp.Body) != "back" || resp.Attempts != 2 {
		t.Fatalf("503 with an HTTP-date Retry-After: %v", err)
	}
	// HTTP dates have one-second resolution: the wait is between 1 and 2 s.
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("HTTP-date Retry-After not honoured: retried after %s", el)
	}

	resp, err = env.f.Fetch(ctx, Request{URL: s.URL + "/503"})
	if err != nil || resp.Attempts != 3 || n503.Load() != 3 {
		t.Errorf("503, 503, 200: %v attempts %d requests %d", err, resp.Attempts, n503.Load())
	}

	resp, err = env.f.Fetch(ctx, Request{URL: s.URL + "/always-503"})
	mustType(t, err, core.ErrFetch, "HTTP 503 Service Unavailable")
	if nAlways.Load() != 3 || resp == nil || resp.Attempts != 3 {
		t.Errorf("always 503: %d requests, want 3 (MaxAttempts)", nAlways.Load())
	}

	start = time.Now()
	_, err = env.f.Fetch(ctx, Request{URL: s.URL + "/long-retry-after"})
	ce := mustType(t, err, core.ErrFetch, "HTTP 429 Too Many Requests")
	// Giving up "at once" is told apart from waiting MaxRetryAfter (5s)
	// with room for a busy machine.
	if ce.RetryAfterSeconds != 120 || nLong.Load() != 1 || time.Since(start) > 4*time.Second {
		t.Errorf("a Retry-After past the cap must give up at once and pass it on: retry_after=%d requests=%d", ce.RetryAfterSeconds, nLong.Load())
	}

	// On a fresh connection (net/http itself resends a GET once when a
	// reused keep-alive connection turns out dead, RFC 9112 section 9.3.1),
	// the hang-up reaches our retry policy.
	env.f.Close()
	resp, err = env.f.Fetch(ctx, Request{URL: s.URL + "/reset-once"})
	if err != nil {
		t.Fatalf("connection closed then OK: %v (%d requests)", err, nReset.Load())
	}
	if string(resp.Body) != "recovered" || resp.Attempts != 2 || nReset.Load() != 2 {
		t.Errorf("connection closed then OK: %v attempts %d requests %d", err, resp.Attempts, nReset.Load())
	}

	// A Retry-After longer than the time left (4s > 3s, within the 5s cap)
	// is not waited for: the fetch fails well before its 3s deadline
	// (waiting would take it to the deadline or beyond; the gap leaves room
	// for a busy machine).
	var nShort atomic.Int64
	s.handle("/retry-4s", func(w http.ResponseWriter, r *http.Request) {
		nShort.Add(1)
		w.Header().Set("Retry-After", "4")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	start = time.Now()
	_, err = env.f.Fetch(ctx, Request{URL: s.URL + "/retry-4s", Timeout: 3 * time.Second})
	mustType(t, err, core.ErrFetch, "HTTP 503")
	if time.Since(start) > 2500*time.Millisecond || nShort.Load() != 1 {
		t.Errorf("waited for a Retry-After beyond the deadline (%s, %d requests)", time.Since(start), nShort.Load())
	}
}

func TestCircuitBreaker(t *testing.T) {
	var healthy atomic.Bool
	s := newSite(t, "127.0.0.1:0")
	s.handle("/", func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("up"))
	})
	env := newEnv(t, Options{IgnoreRobots: true, Retry: RetryPolicy{MaxAttempts: 1},
		Breaker: BreakerPolicy{FailureThreshold: 3, Cooldown: time.Second}})
	ctx := context.Background()
	for i := range 3 {
		_, err := env.f.Fetch(ctx, Request{URL: s.URL + "/"})
		mustType(t, err, core.ErrFetch, "HTTP 500")
		_ = i
	}
	// Failing fast is shown by the server's request count below (no
	// request while open), not by a wall-clock bound a busy machine breaks.
	resp, err := env.f.Fetch(ctx, Request{URL: s.URL + "/"})
	ce := mustType(t, err, core.ErrFetch, "circuit open for "+s.Listener.Addr().String()+" after 3 consecutive failures")
	if resp != nil || ce.RetryAfterSeconds < 1 {
		t.Errorf("an open circuit must fail fast with a retry hint: %+v", ce)
	}
	if n := s.total.Load(); n != 3 {
		t.Errorf("server saw %d requests, want 3 (none while open)", n)
	}
	// After the cooldown one probe goes through; it fails, so the circuit
	// opens again at once. (The cooldown is 1s so that the next call,
	// right after, cannot see it expire again on a busy machine.)
	time.Sleep(1050 * time.Millisecond)
	_, err = env.f.Fetch(ctx, Request{URL: s.URL + "/"})
	mustType(t, err, core.ErrFetch, "HTTP 500")
	_, err = env.f.Fetch(ctx, Request{URL: s.URL + "/"})
	mustType(t, err, core.ErrFetch, "circuit open")
	if n := s.total.Load(); n != 4 {
		t.Errorf("server saw %d requests, want 4", n)
	}
	// The host recovers: the next probe succeeds and closes the circuit.
	healthy.Store(true)
	time.Sleep(1050 * time.Millisecond)
	for range 3 {
		if _, err := env.f.Fetch(ctx, Request{URL: s.URL + "/"}); err != nil {
			t.Fatalf("after recovery: %v", err)
		}
	}
	// Other hosts were never affected.
	other := newSite(t, "127.0.0.1:0")
	other.handle("/", serveBytes("text/plain", []byte("fine")))
	healthy.Store(false)
	for range 4 {
		_, _ = env.f.Fetch(ctx, Request{URL: s.URL + "/"})
	}
	if _, err := env.f.Fetch(ctx, Request{URL: other.URL + "/"}); err != nil {
		t.Errorf("another host: %v", err)
	}
}

func TestPoliteness(t *testing.T) {
	var inFlight, maxInFlight atomic.Int64
	var mu sync.Mutex
	var starts []time.Time
	s := newSite(t, "127.0.0.1:0")
	s.handle("/", func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		_, _ = w.Write([]byte("ok"))
	})
	env := newEnv(t, Options{IgnoreRobots: true, Politeness: Politeness{PerHostConcurrency: 1, PerHostDelay: 100 * time.Millisecond}})
	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := env.f.Fetch(context.Background(), Request{URL: s.URL + "/"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if m := maxInFlight.Load(); m != 1 {
		t.Errorf("%d requests in flight at once, limit 1", m)
	}
	// Spacing is measured on the caller's clock, as a lower bound: the
	// fourth request cannot start before 3 delays have passed since the
	// calls began, however busy the machine (sleeps never end early).
	// Arrival times at the server can be compressed by scheduling (a
	// server-clock check once saw two requests 27ms apart), so they are
	// not used. RunLimiter checks each caller's start the same way.
	if el := time.Since(start); el < 3*100*time.Millisecond-2*time.Millisecond {
		t.Errorf("4 requests with a 100ms per-host delay finished within %s", el)
	}
	if len(starts) != 4 {
		t.Errorf("server saw %d requests, want 4", len(starts))
	}

}
