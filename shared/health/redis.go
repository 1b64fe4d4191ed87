package health

import (
	"context"
	"errors"
	"net"

	"github.com/riptidecrawler/riptide/shared/store"
)

// Redis checks the store with a PING. Redis is required: without it there
// is no cache, no job state and no spider frontier.
func Redis(s *store.Store) Checker {
	return Func{ComponentName: "redis", IsRequired: true, Probe: func(ctx context.Context) (string, error) {
		if err := s.Ping(ctx); err != nil {
			return s.Kind(), redisFailure(err)
		}
		return s.Kind(), nil
	}}
}

// redisFailure says how a PING failed without the error's text: the
// health routes are public, and a dial error names the Redis address
// (and a resolver's). The full error is in the Redis client's own log.
func redisFailure(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return errors.New("redis did not answer PING in time")
	case errors.As(err, new(*net.OpError)):
		return errors.New("cannot connect to redis")
	}
	return errors.New("redis answered PING with an error")
}
