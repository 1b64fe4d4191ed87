package fetch

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Stats are a fetcher's counters since it was built: what its health
// check reports (GET /api/v1/health/http_client).
type Stats struct {
	Fetches  int64 // Fetch calls finished
	Failures int64 // of which failed (any error, a target's 4xx/5xx included)
	InFlight int64 // Fetch calls running now
	// NetworkFailuresInARow counts the latest fetches that failed to reach
	// their target at all (DNS, connect, TLS, timeouts), since the last
	// fetch that got an answer: a high number means this instance's
	// outbound network is down, not one site.
	NetworkFailuresInARow int64
	LastAnswer            time.Time // when a fetch last got an HTTP answer
}

// fetchStats are the live counters behind Stats.
type fetchStats struct {
	fetches, failures, inFlight, networkInARow atomic.Int64
	lastAnswer                                 atomic.Int64 // unix nanoseconds
}

// Stats returns the fetcher's counters.
func (f *Fetcher) Stats() Stats {
	s := Stats{Fetches: f.stats.fetches.Load(), Failures: f.stats.failures.Load(), InFlight: f.stats.inFlight.Load(),
		NetworkFailuresInARow: f.stats.networkInARow.Load()}
	if ns := f.stats.lastAnswer.Load(); ns > 0 {
		s.LastAnswer = time.Unix(0, ns)
	}
	return s
}

// record counts one finished Fetch.
func (s *fetchStats) record(resp *Response, err error) {
	s.fetches.Add(1)
	if err != nil {
		s.failures.Add(1)
	}
	switch {
	case resp != nil:
		s.networkInARow.Store(0)
		s.lastAnswer.Store(time.Now().UnixNano())
	case networkFailure(err):
		s.networkInARow.Add(1)
	}
}

// networkFailure reports whether err means the target was not reached
// (rather than refused by the guard, robots.txt or validation).
func networkFailure(err error) bool {
	if err == nil {
		return false
	}
	var ce *core.Error
	if !errors.As(err, &ce) {
		return true
	}
	return ce.Type == core.ErrFetch || ce.Type == core.ErrTimeout
}
