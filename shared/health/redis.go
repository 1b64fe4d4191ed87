package health

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/store"
)

// Redis checks the store with a PING. Redis is required: without it there
// is no cache, no job state and no spider frontier.
func Redis(s *store.Store) Checker {
	return Func{ComponentName: "redis", IsRequired: true, Probe: func(ctx context.Context) (string, error) {
		if err := s.Ping(ctx); err != nil {
			return s.Kind(), err
		}
		return s.Kind(), nil
	}}
}
