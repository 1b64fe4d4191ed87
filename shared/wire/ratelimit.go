package wire

import (
	"github.com/riptidecrawler/riptide/shared/ratelimit"
	"github.com/riptidecrawler/riptide/shared/store"
)

// RateLimiter returns the process's rate limiter: GCRA cells in the
// process's Redis (shared by every instance), with the plans of the
// configuration and an in-process fallback while Redis is unreachable.
// One per process, so that `riptide serve`'s groups share the fallback.
func (p *Process) RateLimiter() *ratelimit.Limiter {
	l, _ := Shared(p, "ratelimit", func() (*ratelimit.Limiter, error) {
		return ratelimit.New(store.NewGCRA(p.Store), p.Config.RatePlans, p.Config.RateFailClosed), nil
	})
	return l
}
