package fetch

import "time"

// NewBreakerAt is NewBreaker on a given clock (tests).
func NewBreakerAt(p BreakerPolicy, now func() time.Time) Breaker {
	b := newBreaker(p.withDefaults())
	b.now = now
	return b
}

// TrackedHosts is how many hosts an in-process limiter remembers after a
// sweep of idle ones (tests).
func TrackedHosts(l HostLimiter) int {
	m := l.(*memoryLimiter)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked()
	return len(m.hosts)
}
