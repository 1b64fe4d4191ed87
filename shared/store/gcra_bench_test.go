package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
	"github.com/riptidecrawler/riptide/shared/store"
)

// BenchmarkRateDecision: one decision of the GCRA limiter (a crawl
// request: the shared requests cell and the group's URL cell, one
// script) against the old fixed window (one INCR script), on a real
// redis-server, in the same run. The plan is large enough never to
// refuse, so every iteration writes.
//
//	go test -run '^$' -bench RateDecision -benchmem ./shared/store
func BenchmarkRateDecision(b *testing.B) {
	s, err := store.Open(store.Options{URL: testenv.RedisURL(b), Prefix: testenv.KeyPrefix(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.Run("fixed_window", func(b *testing.B) {
		rl := store.NewRateLimiter(s, 1<<30, time.Minute)
		for b.Loop() {
			if d, err := rl.Take(ctx, "bench"); err != nil || !d.Allowed {
				b.Fatal(err, d)
			}
		}
	})
	b.Run("gcra", func(b *testing.B) {
		l := ratelimit.New(store.NewGCRA(s), ratelimit.Plans{"default": {
			"*": {"requests": {PerMinute: 1e9}}, "crawl": {"urls": {PerMinute: 1e9}}}}, nil)
		r := ratelimit.Request{Caller: "bench", Group: "crawl", Cost: ratelimit.Costs{1, 0}}
		for b.Loop() {
			if d := l.Admit(ctx, r); !d.Allowed || d.Err != nil {
				b.Fatal(d.Err)
			}
		}
	})
	b.Run("gcra_local_fallback", func(b *testing.B) {
		l := ratelimit.New(nil, ratelimit.Plans{"default": {
			"*": {"requests": {PerMinute: 1e9}}, "crawl": {"urls": {PerMinute: 1e9}}}}, nil)
		r := ratelimit.Request{Caller: "bench", Group: "crawl", Cost: ratelimit.Costs{1, 0}}
		for b.Loop() {
			if d := l.Admit(ctx, r); !d.Allowed {
				b.Fatal(d)
			}
		}
	})
}
