package wire

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/monitor"
)

// countingBreaker counts the fetches an open circuit refuses (the health
// score's circuit_breaker_trips), whichever breaker (in-process or Redis)
// keeps the circuits.
type countingBreaker struct {
	fetch.Breaker
	rec monitor.Recorder
}

func (c countingBreaker) Allow(ctx context.Context, host string) (fetch.Ticket, error) {
	t, err := c.Breaker.Allow(ctx, host)
	if err != nil && c.rec != nil {
		c.rec.RecordCircuitRefusal()
	}
	return t, err
}
