package vendorhttp

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// BreakerState holds circuit state per vendor. MemoryBreakerState keeps it
// in the process; shared/store has a Redis one, so that ten warm Lambda
// instances stop calling a failing vendor together instead of each paying
// five timeouts to learn it.
type BreakerState interface {
	// OpenUntil returns when the named circuit closes again; the zero time
	// means it is closed.
	OpenUntil(ctx context.Context, name string) (time.Time, error)
	// Failure counts one more consecutive failure and returns the count.
	// The count is forgotten after window without failures.
	Failure(ctx context.Context, name string, window time.Duration) (int, error)
	// Success resets the failure count.
	Success(ctx context.Context, name string) error
	// Open opens the circuit until t.
	Open(ctx context.Context, name string, until time.Time) error
}

// Breaker opens a vendor's circuit after Threshold consecutive failures
// (timeouts, 5xx, unreachable) for Cooldown, and at once for the Retry-After
// of a 429, so that requests fail fast with a clear retryable error instead
// of piling up on a vendor that is down or throttling. Errors that say
// nothing about the vendor's health (a rejected key, a refused request) do
// not count.
type Breaker struct {
	State     BreakerState
	Threshold int           // default 5
	Cooldown  time.Duration // default 30 s
	Now       func() time.Time
}

func (b *Breaker) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

func (b *Breaker) threshold() int {
	if b.Threshold > 0 {
		return b.Threshold
	}
	return 5
}

func (b *Breaker) cooldown() time.Duration {
	if b.Cooldown > 0 {
		return b.Cooldown
	}
	return 30 * time.Second
}

// Allow returns nil when a call to the vendor may go ahead, or a retryable
// dependency_error carrying Retry-After while its circuit is open. A
// breaker whose state cannot be read lets the call through: an outage of
// the breaker's store must not become an outage of search.
func (b *Breaker) Allow(ctx context.Context, name string) error {
	if b == nil || b.State == nil {
		return nil
	}
	until, err := b.State.OpenUntil(ctx, name)
	if err != nil || until.IsZero() {
		return nil
	}
	left := until.Sub(b.now())
	if left <= 0 {
		return nil
	}
	secs := int(math.Ceil(left.Seconds()))
	return &core.Error{Type: core.ErrDependency, RetryAfterSeconds: secs,
		Message: name + " is temporarily unavailable (circuit open after repeated failures or a rate limit); retry after " + itoa(secs) + " s"}
}

// Record reports the outcome of a call that Allow let through.
func (b *Breaker) Record(ctx context.Context, name string, callErr error) {
	if b == nil || b.State == nil {
		return
	}
	if callErr == nil {
		_ = b.State.Success(ctx, name)
		return
	}
	e := core.AsError(callErr)
	switch {
	case e.Type == core.ErrRateLimited:
		wait := b.cooldown()
		if e.RetryAfterSeconds > 0 {
			wait = time.Duration(e.RetryAfterSeconds) * time.Second
		}
		_ = b.State.Open(ctx, name, b.now().Add(wait))
	case e.Permanent || !(e.Type == core.ErrTimeout || e.Type == core.ErrDependency):
		// A rejected key or refused request: the vendor is up.
	default:
		n, err := b.State.Failure(ctx, name, 2*b.cooldown())
		if err == nil && n >= b.threshold() {
			_ = b.State.Open(ctx, name, b.now().Add(b.cooldown()))
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// MemoryBreakerState is a BreakerState in process memory (the local server,
// tests). Safe for concurrent use.
type MemoryBreakerState struct {
	Now func() time.Time

	mu    sync.Mutex
	state map[string]*memCircuit
}

type memCircuit struct {
	failures  int
	lastFail  time.Time
	openUntil time.Time
}

func (m *MemoryBreakerState) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *MemoryBreakerState) get(name string) *memCircuit {
	if m.state == nil {
		m.state = map[string]*memCircuit{}
	}
	c := m.state[name]
	if c == nil {
		c = &memCircuit{}
		m.state[name] = c
	}
	return c
}

// OpenUntil implements BreakerState.
func (m *MemoryBreakerState) OpenUntil(_ context.Context, name string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.get(name)
	if !c.openUntil.After(m.now()) {
		return time.Time{}, nil
	}
	return c.openUntil, nil
}

// Failure implements BreakerState.
func (m *MemoryBreakerState) Failure(_ context.Context, name string, window time.Duration) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.get(name)
	now := m.now()
	if now.Sub(c.lastFail) > window {
		c.failures = 0
	}
	c.failures++
	c.lastFail = now
	return c.failures, nil
}

// Success implements BreakerState.
func (m *MemoryBreakerState) Success(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.get(name).failures = 0
	return nil
}

// Open implements BreakerState.
func (m *MemoryBreakerState) Open(_ context.Context, name string, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.get(name).openUntil = until
	return nil
}
