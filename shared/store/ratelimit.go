package store

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/core"
)

// RateLimiter is a fixed-window request counter in Redis: one key per
// caller and window (<prefix>ratelimit:<caller>:<window start>), counted
// and given its expiry in one atomic script, so every Lambda instance sees
// the same count.
type RateLimiter struct {
	s      *Store
	Limit  int
	Window time.Duration
	Now    func() time.Time
}

// NewRateLimiter allows limit requests per window per caller.
func NewRateLimiter(s *Store, limit int, window time.Duration) *RateLimiter {
	return &RateLimiter{s: s, Limit: limit, Window: window, Now: time.Now}
}

var incrWithTTL = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)
})

// Take implements httpx.RateLimiter.
func (rl *RateLimiter) Take(ctx context.Context, caller string) (core.RateDecision, error) {
	return rl.TakeLimit(ctx, caller, rl.Limit)
}

// TakeLimit implements httpx.PlanLimiter: a key's own plan replaces the
// default limit (the window and counter are the same).
func (rl *RateLimiter) TakeLimit(ctx context.Context, caller string, limit int) (core.RateDecision, error) {
	if limit <= 0 {
		return core.RateDecision{Allowed: true}, nil // no limit: nothing to count
	}
	now := rl.Now()
	w := rl.Window.Milliseconds()
	start := now.UnixMilli() / w * w
	reset := time.UnixMilli(start + w)
	key := rl.s.Key("ratelimit", caller, strconv.FormatInt(start, 10))
	n, err := incrWithTTL().Run(ctx, rl.s.Client, []string{key}, 2*w).Int()
	if err != nil {
		return core.RateDecision{}, fmt.Errorf("rate limit: %w", err)
	}
	return core.RateDecision{Limit: limit, Remaining: limit - n, Reset: reset, Allowed: n <= limit}, nil
}
