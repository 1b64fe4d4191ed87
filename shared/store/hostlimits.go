package store

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/fetch"
)

// HostLimiter is fetch.HostLimiter shared through Redis: every process on
// the same Redis (Lambda instances, the spider's batches, the local
// server's groups) counts one set of requests in flight per host and books
// one schedule of start times, so N instances crawling one host together
// keep its delay.
//
// Per host, a sorted set holds the leases of requests in flight (member: a
// random token, score: when the lease lapses, so a crashed process frees
// its slots) and a key holds the earliest start of the next request.
// When Redis fails, requests fall back to an in-process limiter (fail
// open: politeness degrades to per instance, crawling goes on) and the
// failure is logged at most once a minute.
type HostLimiter struct {
	s        *Store
	fallback fetch.HostLimiter
	log      *slog.Logger
	// LeaseTTL bounds how long a slot stays taken by a process that died
	// holding it (default 2 minutes: above the fetch layer's timeouts).
	LeaseTTL time.Duration
	// Poll is the longest wait between two tries for a full host's slot
	// (default 50ms, randomised).
	Poll time.Duration
	now  func() time.Time

	lastWarn atomic.Int64
}

var _ fetch.HostLimiter = (*HostLimiter)(nil)

// NewHostLimiter returns the Redis-backed limiter of s.
func NewHostLimiter(s *Store, logger *slog.Logger) *HostLimiter {
	if logger == nil {
		logger = slog.Default()
	}
	return &HostLimiter{s: s, fallback: fetch.NewHostLimiter(), log: logger, LeaseTTL: 2 * time.Minute, Poll: 50 * time.Millisecond, now: time.Now}
}

// scriptAcquire takes a slot for one request to a host and books its start.
// Returns -1 when the host is full, else the milliseconds to wait before
// starting (0: at once).
//
// KEYS leases next; ARGV token now_ms lease_ms limit delay_ms
var scriptAcquire = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local now = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(ARGV[4])
if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then return -1 end
local lease = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
local start = math.max(now, nxt)
local delay = tonumber(ARGV[5])
local booked = math.max(nxt, start + delay)
if booked > now then
  redis.call('SET', KEYS[2], string.format('%d', booked), 'PX', booked - now + 1000)
end
return start - now
`)
})

func (l *HostLimiter) keys(host string) []string {
	// The hash tag keeps both keys of a host in one cluster slot.
	base := l.s.Key("host", "{"+host+"}")
	return []string{base + ":leases", base + ":next"}
}

// Acquire implements fetch.HostLimiter.
func (l *HostLimiter) Acquire(ctx context.Context, host string, p fetch.Politeness) (func(), error) {
	var tok [12]byte
	_, _ = crand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	keys := l.keys(host)
	limit := p.PerHostConcurrency
	for {
		wait, err := scriptAcquire().Run(ctx, l.s.Client, keys, token, l.now().UnixMilli(), l.LeaseTTL.Milliseconds(),
			limit, p.PerHostDelay.Milliseconds()).Int64()
		if err != nil {
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			l.warn("host limiter: Redis unavailable, politeness falls back to this process", err)
			return l.fallback.Acquire(ctx, host, p)
		}
		if wait >= 0 {
			release := func() {
				// Released even when the caller's context has ended.
				if err := l.s.Client.ZRem(context.WithoutCancel(ctx), keys[0], token).Err(); err != nil {
					l.warn("host limiter: could not release a slot (it lapses with its lease)", err)
				}
			}
			if err := sleep(ctx, time.Duration(wait)*time.Millisecond); err != nil {
				release()
				return nil, err
			}
			return release, nil
		}
		// The host is full: try again shortly (randomised, so waiters on
		// many instances do not retry in step).
		if err := sleep(ctx, time.Duration(rand.Int64N(int64(l.Poll)))+time.Millisecond); err != nil {
			return nil, err
		}
	}
}

func (l *HostLimiter) warn(msg string, err error) {
	now := time.Now().Unix()
	if last := l.lastWarn.Load(); now-last >= 60 && l.lastWarn.CompareAndSwap(last, now) {
		l.log.Warn(msg, slog.String("error", err.Error()))
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
