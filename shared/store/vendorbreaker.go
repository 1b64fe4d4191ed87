package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// VendorBreaker is the circuit state of search and LLM vendors
// (vendorhttp.BreakerState) in Redis, shared by every instance:
// <prefix>breaker:<vendor>:failures counts consecutive failures (expiring
// after a quiet window) and <prefix>breaker:<vendor>:open holds the unix
// millisecond the circuit closes, expiring then.
type VendorBreaker struct{ s *Store }

// NewVendorBreaker returns the breaker state of s.
func NewVendorBreaker(s *Store) *VendorBreaker { return &VendorBreaker{s: s} }

func (b *VendorBreaker) key(name, part string) string { return b.s.Key("breaker", name, part) }

// OpenUntil implements vendorhttp.BreakerState.
func (b *VendorBreaker) OpenUntil(ctx context.Context, name string) (time.Time, error) {
	v, err := b.s.Client.Get(ctx, b.key(name, "open")).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("breaker: %w", err)
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, nil
	}
	return time.UnixMilli(ms), nil
}

var incrExpire = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n`)
})

// Failure implements vendorhttp.BreakerState.
func (b *VendorBreaker) Failure(ctx context.Context, name string, window time.Duration) (int, error) {
	n, err := incrExpire().Run(ctx, b.s.Client, []string{b.key(name, "failures")}, window.Milliseconds()).Int()
	if err != nil {
		return 0, fmt.Errorf("breaker: %w", err)
	}
	return n, nil
}

// Success implements vendorhttp.BreakerState.
func (b *VendorBreaker) Success(ctx context.Context, name string) error {
	return b.s.Client.Del(ctx, b.key(name, "failures")).Err()
}

// Open implements vendorhttp.BreakerState.
func (b *VendorBreaker) Open(ctx context.Context, name string, until time.Time) error {
	ttl := time.Until(until)
	if ttl <= 0 {
		return nil
	}
	return b.s.Client.Set(ctx, b.key(name, "open"), strconv.FormatInt(until.UnixMilli(), 10), ttl).Err()
}
