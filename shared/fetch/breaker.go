package fetch

import (
	"math"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// BreakerPolicy configures the per-host circuit breaker: after
// FailureThreshold consecutive failures (connection errors, timeouts, 5xx,
// 429) a host is left alone for Cooldown; then one probe request is let
// through, and its outcome closes or reopens the circuit.
type BreakerPolicy struct {
	FailureThreshold int           // default 5; negative disables the breaker
	Cooldown         time.Duration // default 30s
}

type circuitState int

const (
	circuitClosed circuitState = iota
	circuitOpen
	circuitHalfOpen
)

type hostCircuit struct {
	state     circuitState
	failures  int
	openUntil time.Time
	probing   bool
}

// breaker tracks circuits per host. It is in-process: in AWS each Lambda
// instance keeps its own, which is enough to stop one instance from
// hammering a dead host.
type breaker struct {
	policy BreakerPolicy
	now    func() time.Time

	mu    sync.Mutex
	hosts map[string]*hostCircuit
}

func newBreaker(p BreakerPolicy) *breaker {
	return &breaker{policy: p, now: time.Now, hosts: map[string]*hostCircuit{}}
}

// allow says whether a request to host may go ahead. probe is true when the
// request is the half-open probe; it must be reported back to record.
func (b *breaker) allow(host string) (probe bool, err error) {
	if b.policy.FailureThreshold < 0 {
		return false, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.hosts[host]
	if c == nil || c.state == circuitClosed {
		return false, nil
	}
	now := b.now()
	if c.state == circuitOpen && now.Before(c.openUntil) {
		wait := c.openUntil.Sub(now)
		e := core.Errorf(core.ErrFetch, "circuit open for %s after %d consecutive failures; retry in %s",
			host, c.failures, wait.Round(time.Millisecond))
		e.RetryAfterSeconds = int(math.Ceil(wait.Seconds()))
		return false, e
	}
	if c.probing {
		e := core.Errorf(core.ErrFetch, "circuit open for %s: a probe request is in flight", host)
		e.RetryAfterSeconds = 1
		return false, e
	}
	c.state, c.probing = circuitHalfOpen, true
	return true, nil
}

// outcome of one request for the breaker.
type outcome int

const (
	outcomeNeutral outcome = iota // says nothing about the host (our cancel, blocked, robots)
	outcomeSuccess
	outcomeFailure
)

func (b *breaker) record(host string, probe bool, o outcome) {
	if b.policy.FailureThreshold < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.hosts[host]
	switch o {
	case outcomeSuccess:
		// A healthy host needs no entry; this also keeps the map small.
		delete(b.hosts, host)
	case outcomeFailure:
		if c == nil {
			c = &hostCircuit{}
			b.hosts[host] = c
		}
		c.failures++
		if probe || c.failures >= b.policy.FailureThreshold {
			c.state, c.openUntil, c.probing = circuitOpen, b.now().Add(b.policy.Cooldown), false
		}
	case outcomeNeutral:
		if probe && c != nil {
			c.state, c.probing = circuitOpen, false // let the next caller probe
		}
	}
}
