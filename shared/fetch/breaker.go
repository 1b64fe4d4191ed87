package fetch

import (
	"context"
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

// Outcome is what one request says about its host's health.
type Outcome int

const (
	OutcomeNeutral Outcome = iota // says nothing about the host (our cancel, blocked, robots)
	OutcomeSuccess
	OutcomeFailure
)

// Ticket is a breaker's admission of one request, handed back to Record.
type Ticket struct {
	// Probe is set for the one request let through a circuit after its
	// cooldown; its outcome closes or reopens the circuit.
	Probe bool
	// Failures are the host's consecutive failures when the request was
	// admitted; a success after none needs no write (shared breakers skip
	// the round trip).
	Failures int
}

// Breaker keeps per-host circuits. The default is in-process
// (NewBreaker); the Redis adapter in shared/store shares circuits between
// processes, so a host that is down is left alone by every Lambda
// instance, not probed by each.
type Breaker interface {
	// Allow admits a request to host, or returns a fetch_error with
	// RetryAfterSeconds while the circuit is open.
	Allow(ctx context.Context, host string) (Ticket, error)
	Record(ctx context.Context, host string, t Ticket, o Outcome)
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

// memoryBreaker tracks circuits per host in process memory.
type memoryBreaker struct {
	policy BreakerPolicy
	now    func() time.Time

	mu    sync.Mutex
	hosts map[string]*hostCircuit
}

// NewBreaker returns the in-process Breaker enforcing p (zero values take
// the defaults of BreakerPolicy).
func NewBreaker(p BreakerPolicy) Breaker { return newBreaker(p.withDefaults()) }

func (p BreakerPolicy) withDefaults() BreakerPolicy {
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 5
	}
	if p.Cooldown <= 0 {
		p.Cooldown = 30 * time.Second
	}
	return p
}

func newBreaker(p BreakerPolicy) *memoryBreaker {
	return &memoryBreaker{policy: p, now: time.Now, hosts: map[string]*hostCircuit{}}
}

// OpenCircuitError is the error of a request refused by an open circuit.
func OpenCircuitError(host string, failures int, wait time.Duration) *core.Error {
	e := core.Errorf(core.ErrFetch, "circuit open for %s after %d consecutive failures; retry in %s",
		host, failures, wait.Round(time.Millisecond))
	e.RetryAfterSeconds = int(math.Ceil(wait.Seconds()))
	return e
}

// ProbeInFlightError is the error of a request refused because another
// request is probing the host.
func ProbeInFlightError(host string) *core.Error {
	e := core.Errorf(core.ErrFetch, "circuit open for %s: a probe request is in flight", host)
	e.RetryAfterSeconds = 1
	return e
}

func (b *memoryBreaker) Allow(_ context.Context, host string) (Ticket, error) {
	if b.policy.FailureThreshold < 0 {
		return Ticket{}, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.hosts[host]
	if c == nil {
		return Ticket{}, nil
	}
	if c.state == circuitClosed {
		return Ticket{Failures: c.failures}, nil
	}
	now := b.now()
	if c.state == circuitOpen && now.Before(c.openUntil) {
		return Ticket{}, OpenCircuitError(host, c.failures, c.openUntil.Sub(now))
	}
	if c.probing {
		return Ticket{}, ProbeInFlightError(host)
	}
	c.state, c.probing = circuitHalfOpen, true
	return Ticket{Probe: true, Failures: c.failures}, nil
}

func (b *memoryBreaker) Record(_ context.Context, host string, t Ticket, o Outcome) {
	if b.policy.FailureThreshold < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.hosts[host]
	switch o {
	case OutcomeSuccess:
		// A healthy host needs no entry; this also keeps the map small.
		delete(b.hosts, host)
	case OutcomeFailure:
		if c == nil {
			c = &hostCircuit{}
			b.hosts[host] = c
		}
		c.failures++
		if t.Probe || c.failures >= b.policy.FailureThreshold {
			c.state, c.openUntil, c.probing = circuitOpen, b.now().Add(b.policy.Cooldown), false
		}
	case OutcomeNeutral:
		if t.Probe && c != nil {
			c.state, c.probing = circuitOpen, false // let the next caller probe
		}
	}
}
