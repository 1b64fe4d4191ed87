package health

import (
	"context"
	"fmt"
	"time"

	"github.com/riptidecrawler/riptide/shared/fetch"
)

// FetchStater is the fetcher's view the http_client check reads.
type FetchStater interface {
	Stats() fetch.Stats
}

// NetworkDownAfter is how many fetches in a row must fail to reach their
// targets before the http_client check calls the outbound network down.
const NetworkDownAfter = 10

// HTTPClient reports the state of the process's fetcher: its counters, and
// unhealthy when its latest fetches all failed to reach their targets
// (the outbound network, not one site, is down). It sends nothing itself:
// a health check must not crawl a third party (the original probed
// httpbin.org and google.com).
func HTTPClient(f FetchStater) Checker {
	return Func{ComponentName: "http_client", IsRequired: true, Probe: func(context.Context) (string, error) {
		s := f.Stats()
		detail := fmt.Sprintf("fetches %d (failed %d), in flight %d", s.Fetches, s.Failures, s.InFlight)
		if !s.LastAnswer.IsZero() {
			detail += fmt.Sprintf(", last answer %s ago", time.Since(s.LastAnswer).Round(time.Second))
		}
		if s.NetworkFailuresInARow >= NetworkDownAfter {
			return detail, fmt.Errorf("the last %d fetches reached no target (DNS, connect or timeout): outbound network down?", s.NetworkFailuresInARow)
		}
		return detail, nil
	}}
}
