package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
	"github.com/riptidecrawler/riptide/shared/store"
)

var gcraPlans = ratelimit.Plans{"default": {
	"*":      {"requests": {PerMinute: 60, Burst: 5}},
	"crawl":  {"urls": {PerMinute: 120, Burst: 20}},
	"render": {"render_seconds": {PerMinute: 60}},
}}

// The Lua script and the Go arithmetic (the local fallback) give the same
// decisions, step by step, on the embedded store and a real redis-server.
func TestGCRAScriptMatchesLocal(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_123)
		g := store.NewGCRA(s)
		g.Now = func() time.Time { return now }
		shared := ratelimit.New(g, gcraPlans, nil)
		ref := ratelimit.New(nil, gcraPlans, nil)
		ref.Local.Now = g.Now
		steps := []struct {
			admit bool
			group string
			cost  ratelimit.Costs
			wait  time.Duration
		}{
			{true, "crawl", ratelimit.Costs{1, 0}, 0}, {true, "crawl", ratelimit.Costs{0, 15}, 0},
			{true, "crawl", ratelimit.Costs{0, 10}, 0}, {true, "crawl", ratelimit.Costs{1, 0}, 300 * time.Millisecond},
			{true, "render", ratelimit.Costs{1}, 0}, {false, "render", ratelimit.Costs{0, 0, 95.5}, 0},
			{true, "render", ratelimit.Costs{1}, 10 * time.Second}, {true, "render", ratelimit.Costs{1}, 27 * time.Second},
			{true, "crawl", ratelimit.Costs{1, 21}, 0}, {true, "crawl", ratelimit.Costs{1, 0}, 0},
			{true, "crawl", ratelimit.Costs{1, 0}, 0}, {true, "crawl", ratelimit.Costs{1, 0}, 0},
			{true, "crawl", ratelimit.Costs{1, 0}, 1500 * time.Millisecond},
		}
		for i, st := range steps {
			now = now.Add(st.wait)
			r := ratelimit.Request{Caller: "key_a", Group: st.group, Cost: st.cost}
			var got, want ratelimit.Decision
			if st.admit {
				got, want = shared.Admit(ctx, r), ref.Admit(ctx, r)
			} else {
				got, want = shared.Charge(ctx, r), ref.Charge(ctx, r)
			}
			if got.Err != nil || got.Degraded {
				t.Fatalf("step %d: %v", i, got.Err)
			}
			if got.Allowed != want.Allowed || got.RetryAfter != want.RetryAfter || got.Cells != want.Cells {
				t.Fatalf("step %d: redis %+v\nlocal %+v", i, got, want)
			}
		}
		// Keys live under the prefix and expire once their cell is full.
		keys, _ := s.Client.Keys(ctx, s.Prefix()+"ratelimit:key_a:*").Result()
		if len(keys) != 3 {
			t.Fatalf("keys %v", keys)
		}
		for _, k := range keys {
			if ttl := s.Client.PTTL(ctx, k).Val(); ttl <= 0 || ttl > 3*time.Minute {
				t.Fatalf("%s has TTL %v", k, ttl)
			}
		}
	})
}

// Two processes (two go-redis clients) on one redis-server, on Redis's
// own clock: together they get exactly the burst, no more.
func TestGCRATwoClientsShareOneBudget(t *testing.T) {
	url, prefix := testenv.RedisURL(t), testenv.KeyPrefix(t)
	plans := ratelimit.Plans{"default": {"crawl": {"urls": {PerMinute: 1, Burst: 200}}}}
	var limiters [2]*ratelimit.Limiter
	for i := range limiters {
		s, err := store.Open(store.Options{URL: url, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		limiters[i] = ratelimit.New(store.NewGCRA(s), plans, nil)
	}
	var allowed, units atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			l := limiters[w%2]
			for i := range 40 {
				cost := float64(1 + (w+i)%3) // 1, 2 or 3 URLs
				d := l.Admit(context.Background(), ratelimit.Request{Caller: "shared", Group: "crawl", Cost: ratelimit.Costs{0, cost}})
				if d.Err != nil {
					t.Error(d.Err)
					return
				}
				if d.Allowed {
					allowed.Add(1)
					units.Add(int64(cost))
				}
			}
		})
	}
	wg.Wait()
	// 320 attempts of 1-3 URLs; 1 URL per minute refills nothing worth
	// a unit during the test, so the burst bounds the total.
	if u := units.Load(); u > 200 || u < 198 {
		t.Fatalf("%d URLs allowed in %d requests, want the burst of 200 (at most 2 short: a refused 3)", u, allowed.Load())
	}
}

// A redis-server stopped mid-test: fail-open groups are decided by the
// local fallback (with its headers' numbers), fail-closed groups are
// refused with the local state for headers.
func TestGCRARedisStoppedMidTest(t *testing.T) {
	r := testenv.StartStoppableRedis(t)
	s, err := store.Open(store.Options{URL: r.URL, Prefix: testenv.KeyPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l := ratelimit.New(store.NewGCRA(s), gcraPlans, []string{"render"})
	l.Cooldown = 200 * time.Millisecond
	ctx := context.Background()
	crawl := ratelimit.Request{Caller: "k", Group: "crawl", Cost: ratelimit.Costs{1}}
	render := ratelimit.Request{Caller: "k", Group: "render", Cost: ratelimit.Costs{1}}
	if d := l.Admit(ctx, crawl); !d.Allowed || d.Degraded {
		t.Fatalf("redis up: %+v", d)
	}
	r.Stop()
	for i := range 6 {
		d := l.Admit(ctx, crawl)
		if !d.Degraded || d.Err == nil || d.Unavailable || d.N != 2 {
			t.Fatalf("crawl with redis down, request %d: %+v", i, d)
		}
		// The local fallback enforces the plan per instance: a fresh
		// burst of 5 requests.
		if d.Allowed != (i < 5) || d.Cells[0].Quota.PerMinute != 60 {
			t.Fatalf("local fallback, request %d: %+v", i, d)
		}
	}
	d := l.Admit(ctx, render)
	if d.Allowed || !d.Unavailable || d.RetryAfter != 200*time.Millisecond || d.N != 2 || d.Cells[1].Remaining != 60 {
		t.Fatalf("render with redis down must fail closed: %+v", d)
	}
}
