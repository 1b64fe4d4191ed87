package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/store"
)

func TestRateLimiterWindows(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000) // the start of a minute window
		rl := store.NewRateLimiter(s, 3, time.Minute)
		rl.Now = func() time.Time { return now }
		for i := 1; i <= 4; i++ {
			d, err := rl.Take(ctx, "key_a")
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != (i <= 3) || d.Remaining != 3-i || d.Limit != 3 || !d.Reset.Equal(now.Add(time.Minute)) {
				t.Fatalf("request %d: %+v", i, d)
			}
		}
		if d, _ := rl.Take(ctx, "key_b"); !d.Allowed || d.Remaining != 2 {
			t.Fatalf("callers share a budget: %+v", d)
		}
		now = now.Add(time.Minute)
		if d, _ := rl.Take(ctx, "key_a"); !d.Allowed || d.Remaining != 2 {
			t.Fatalf("a new window must start fresh: %+v", d)
		}
		// Counters expire on their own.
		keys, _ := s.Client.Keys(ctx, s.Prefix()+"ratelimit:*").Result()
		for _, k := range keys {
			if ttl := s.Client.PTTL(ctx, k).Val(); ttl <= 0 || ttl > 2*time.Minute {
				t.Fatalf("%s has TTL %v", k, ttl)
			}
		}
	})
}
