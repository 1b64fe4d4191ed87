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

// HostLimiter admits requests to a host. The default is in-process; a
// deployment that must share limits across Lambda instances can supply one
// backed by Redis.
type HostLimiter interface {
	// Acquire blocks until a request to host may start and returns the
	// function that ends it.
	Acquire(ctx context.Context, host string) (release func(), err error)
}

type hostSlot struct {
	sem   chan struct{}
	next  time.Time // earliest start of the next request
	users int
}

type memoryLimiter struct {
	concurrency int
	delay       time.Duration

	mu    sync.Mutex
	hosts map[string]*hostSlot
}

// NewHostLimiter returns the in-process HostLimiter enforcing p.
func NewHostLimiter(p Politeness) HostLimiter {
	return &memoryLimiter{concurrency: p.PerHostConcurrency, delay: p.PerHostDelay, hosts: map[string]*hostSlot{}}
}

func (l *memoryLimiter) Acquire(ctx context.Context, host string) (func(), error) {
	l.mu.Lock()
	s := l.hosts[host]
	if s == nil {
		s = &hostSlot{}
		if l.concurrency > 0 {
			s.sem = make(chan struct{}, l.concurrency)
		}
		l.hosts[host] = s
	}
	s.users++
	l.mu.Unlock()

	leave := func() {
		l.mu.Lock()
		s.users--
		// Forget idle hosts, unless their delay still has to be served.
		if s.users == 0 && !time.Now().Before(s.next) {
			delete(l.hosts, host)
		}
		l.mu.Unlock()
	}
	if s.sem != nil {
		select {
		case s.sem <- struct{}{}:
		case <-ctx.Done():
			leave()
			return nil, context.Cause(ctx)
		}
	}
	release := func() {
		if s.sem != nil {
			<-s.sem
		}
		leave()
	}
	if l.delay > 0 {
		l.mu.Lock()
		now := time.Now()
		start := now
		if s.next.After(now) {
			start = s.next
		}
		s.next = start.Add(l.delay)
		l.mu.Unlock()
		if err := sleepCtx(ctx, start.Sub(now)); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
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
