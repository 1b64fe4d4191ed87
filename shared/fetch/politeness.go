package fetch

import (
	"context"
	"sync"
	"time"
)

// Politeness limits the load RipTide puts on one host.
type Politeness struct {
	// PerHostConcurrency is the most requests in flight to one host
	// (default 4; negative: unlimited).
	PerHostConcurrency int
	// PerHostDelay is the least time between the starts of two requests to
	// one host (default 0). The spider raises it to a site's Crawl-delay.
	PerHostDelay time.Duration
}

// override returns p with the fields a request sets: its concurrency when
// non-zero, and the larger of the two delays (a caller can slow a host
// down for itself, never speed it up for everyone).
func (p Politeness) override(req *Politeness) Politeness {
	if req == nil {
		return p
	}
	if req.PerHostConcurrency != 0 {
		p.PerHostConcurrency = req.PerHostConcurrency
	}
	p.PerHostDelay = max(p.PerHostDelay, req.PerHostDelay)
	return p
}

// HostLimiter admits requests to a host under a Politeness. The default is
// in-process (NewHostLimiter); a deployment of many processes supplies one
// whose state is shared (the Redis adapter in shared/store), so ten Lambda
// instances crawling one host together keep its delay, not ten times it.
//
// Limits are per host across callers: a request is admitted when fewer
// than its own PerHostConcurrency requests to the host are in flight, and
// starts no earlier than the slot booked by the previous request (whose
// delay may be longer than this one's).
type HostLimiter interface {
	// Acquire blocks until a request to host may start and returns the
	// function that ends it.
	Acquire(ctx context.Context, host string, p Politeness) (release func(), err error)
}

type hostSlot struct {
	inFlight int
	next     time.Time     // earliest start of the next request
	freed    chan struct{} // closed (and replaced) when a request ends
}

type memoryLimiter struct {
	now func() time.Time

	mu       sync.Mutex
	hosts    map[string]*hostSlot
	acquires int
}

// sweepEvery is how many acquisitions pass between sweeps of idle hosts
// whose delay has been served (a host visited once is not kept forever).
const sweepEvery = 256

// NewHostLimiter returns the in-process HostLimiter.
func NewHostLimiter() HostLimiter {
	return &memoryLimiter{now: time.Now, hosts: map[string]*hostSlot{}}
}

func (l *memoryLimiter) Acquire(ctx context.Context, host string, p Politeness) (func(), error) {
	for {
		l.mu.Lock()
		if l.acquires++; l.acquires%sweepEvery == 0 {
			l.sweepLocked()
		}
		s := l.hosts[host]
		if s == nil {
			s = &hostSlot{freed: make(chan struct{})}
			l.hosts[host] = s
		}
		if p.PerHostConcurrency > 0 && s.inFlight >= p.PerHostConcurrency {
			freed := s.freed
			l.mu.Unlock()
			select {
			case <-freed:
				continue
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			}
		}
		s.inFlight++
		now := l.now()
		start := now
		if s.next.After(now) {
			start = s.next
		}
		if end := start.Add(p.PerHostDelay); end.After(s.next) {
			s.next = end
		}
		l.mu.Unlock()

		release := func() { l.release(host, s) }
		if err := sleepCtx(ctx, start.Sub(now)); err != nil {
			release()
			return nil, err
		}
		return release, nil
	}
}

func (l *memoryLimiter) release(host string, s *hostSlot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s.inFlight--
	close(s.freed)
	s.freed = make(chan struct{})
	// Forget idle hosts, unless their delay still has to be served.
	if s.inFlight == 0 && !l.now().Before(s.next) {
		delete(l.hosts, host)
	}
}

func (l *memoryLimiter) sweepLocked() {
	now := l.now()
	for h, s := range l.hosts {
		if s.inFlight == 0 && !now.Before(s.next) {
			delete(l.hosts, h)
		}
	}
}

// sleepCtx waits d or until ctx ends, returning the context's cause then.
func sleepCtx(ctx context.Context, d time.Duration) error {
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
