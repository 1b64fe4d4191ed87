package store

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/fetch"
)

// Circuits is fetch.Breaker shared through Redis: a host that keeps
// failing is left alone by every process for the cooldown, and only one
// process probes it afterwards. Per host, a hash holds the consecutive
// failures, when the circuit reopens for a probe, and until when a probe
// is in flight. A Redis failure lets requests through (fail open: the
// breaker protects hosts, it must not stop crawling) and is logged at most
// once a minute.
type Circuits struct {
	s      *Store
	policy fetch.BreakerPolicy
	log    *slog.Logger
	// ProbeTTL bounds a probe whose process died before recording it.
	ProbeTTL time.Duration
	now      func() time.Time

	lastWarn atomic.Int64
}

var _ fetch.Breaker = (*Circuits)(nil)

// NewCircuits returns the Redis-backed breaker of s with policy p (zero
// values take fetch's defaults).
func NewCircuits(s *Store, p fetch.BreakerPolicy, logger *slog.Logger) *Circuits {
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 5
	}
	if p.Cooldown <= 0 {
		p.Cooldown = 30 * time.Second
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Circuits{s: s, policy: p, log: logger, ProbeTTL: 2 * time.Minute, now: time.Now}
}

// NewCircuitsAt is NewCircuits on a given clock (tests).
func NewCircuitsAt(s *Store, p fetch.BreakerPolicy, now func() time.Time) *Circuits {
	c := NewCircuits(s, p, nil)
	c.now = now
	return c
}

// scriptAllow returns {verdict, failures, wait_ms}: verdict 0 closed, 1
// probe (this caller), -1 open, -2 a probe is in flight.
//
// KEYS circuit; ARGV now_ms probe_ttl_ms
var scriptAllow = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'failures', 'open_until', 'probe_until')
local failures = tonumber(v[1] or '0') or 0
local openUntil = tonumber(v[2] or '0') or 0
if openUntil == 0 then return {0, failures, 0} end
local now = tonumber(ARGV[1])
if now < openUntil then return {-1, failures, openUntil - now} end
if tonumber(v[3] or '0') > now then return {-2, failures, 0} end
redis.call('HSET', KEYS[1], 'probe_until', string.format('%d', now + tonumber(ARGV[2])))
return {1, failures, 0}
`)
})

// scriptRecordFailure counts a failure and opens the circuit at the
// threshold or when the failure was the probe's.
//
// KEYS circuit; ARGV now_ms probe threshold cooldown_ms keep_ms
var scriptRecordFailure = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local f = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if ARGV[2] == '1' or f >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'open_until', string.format('%d', tonumber(ARGV[1]) + tonumber(ARGV[4])), 'probe_until', '0')
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return f
`)
})

func (c *Circuits) key(host string) string { return c.s.Key("circuit", "{"+host+"}") }

// Allow implements fetch.Breaker.
func (c *Circuits) Allow(ctx context.Context, host string) (fetch.Ticket, error) {
	if c.policy.FailureThreshold < 0 {
		return fetch.Ticket{}, nil
	}
	v, err := scriptAllow().Run(ctx, c.s.Client, []string{c.key(host)}, c.now().UnixMilli(), c.ProbeTTL.Milliseconds()).Int64Slice()
	if err != nil || len(v) != 3 {
		if ctx.Err() == nil {
			c.warn("circuit breaker: Redis unavailable, requests go ahead unchecked", err)
		}
		return fetch.Ticket{}, nil
	}
	switch v[0] {
	case -1:
		return fetch.Ticket{}, fetch.OpenCircuitError(host, int(v[1]), time.Duration(v[2])*time.Millisecond)
	case -2:
		return fetch.Ticket{}, fetch.ProbeInFlightError(host)
	}
	return fetch.Ticket{Probe: v[0] == 1, Failures: int(v[1])}, nil
}

// Record implements fetch.Breaker.
func (c *Circuits) Record(ctx context.Context, host string, t fetch.Ticket, o fetch.Outcome) {
	if c.policy.FailureThreshold < 0 {
		return
	}
	var err error
	switch o {
	case fetch.OutcomeSuccess:
		if !t.Probe && t.Failures == 0 {
			return // nothing to reset: no round trip
		}
		err = c.s.Client.Del(ctx, c.key(host)).Err()
	case fetch.OutcomeFailure:
		// Failures are forgotten some time after the last one, so a host
		// failing once a day never trips the breaker.
		keep := c.policy.Cooldown + 10*time.Minute
		err = scriptRecordFailure().Run(ctx, c.s.Client, []string{c.key(host)}, c.now().UnixMilli(), boolArg(t.Probe),
			c.policy.FailureThreshold, c.policy.Cooldown.Milliseconds(), keep.Milliseconds()).Err()
	case fetch.OutcomeNeutral:
		if t.Probe {
			err = c.s.Client.HSet(ctx, c.key(host), "probe_until", "0").Err()
		}
	}
	if err != nil {
		c.warn("circuit breaker: could not record an outcome", err)
	}
}

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (c *Circuits) warn(msg string, err error) {
	now := time.Now().Unix()
	if last := c.lastWarn.Load(); now-last >= 60 && c.lastWarn.CompareAndSwap(last, now) {
		attrs := []any{}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		c.log.Warn(msg, attrs...)
	}
}
